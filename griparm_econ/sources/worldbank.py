"""World Bank source: WDI and WGI series and the economy list.

Reads the data directory's ``worldbank/`` files (the snapshot described in its PROVENANCE.md; stored plain or
gzip-compressed). A series the files lack is an error naming the files: vintages are never mixed silently. Only when
asked (``Settings.live_worldbank``: ``griparm data refresh``, then ``--live-worldbank``), or when no data directory
exists at all, do series come from the World Bank API through wbgapi (:mod:`griparm_econ.sources.worldbank_api`),
or from a valid cache of an earlier pull.

Where one series is in two files, the newer vintage is taken whole; two vintages of a series are never spliced.
Which file is newer is data (``VINTAGE_ORDER``), checked against the dates in ``wdi_sources.csv`` where both files
have one. Every choice is written to ``SourceFrame.notes``.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import pandas as pd

from griparm_econ.config import DATA_ENV, Settings
from griparm_econ.errors import DataError
from griparm_econ.sources import SourceFrame
from griparm_econ.sources.snapshot import content_digest, locate
from griparm_econ.sources.worldbank_api import pull_database, pull_economies
from griparm_econ.sources.worldbank_cache import find_cached, find_cached_economies, read_cached
from griparm_econ.sources.worldbank_csv import EXACT_FLOATS, TIDY_COLUMNS, read_economies_csv
from griparm_econ.sources.worldbank_options import WDI_DB, WGI_DB, LiveOptions, database_for, group_by_database

__all__ = ["load_indicators", "load_economies", "pull_live", "WDI_DB", "WGI_DB", "LiveOptions", "SNAPSHOT_FILES",
           "VINTAGE_ORDER"]

Echo = Callable[[str], None] | None

SOURCE_NAME = "worldbank"
FOLDER = "worldbank"
SOURCES_TABLE = "wdi_sources.csv"
COUNTRIES_FILE = "countries.csv"
LIVE_ASKED = "live vintage asked for (--live-worldbank)"


@dataclass(frozen=True)
class SnapshotFile:
    """One tidy series file of the worldbank/ folder."""

    name: str
    legacy: bool = False                       # old vintage in other units: only with include_legacy=True
    geo_remap: Mapping[str, str] = field(default_factory=dict)  # non-ISO ids in the file -> World Bank code
    vintage_label: str | None = None           # for files that wdi_sources.csv does not describe


# Open Numbers ids that are not World Bank codes, mapped as PROVENANCE.md ("Geo codes") documents; GBM -> IMN rests
# on coverage (from 1995, all-zero mineral rents), as that file explains.
OPEN_NUMBERS_GEO_REMAP = {"CHANISL": "CHI", "NLD_CURACAO": "CUW", "KOS": "XKX", "GBM": "IMN"}

SNAPSHOT_FILES: tuple[SnapshotFile, ...] = (
    SnapshotFile("wdi.csv"),
    SnapshotFile("wdi_supplementary.csv"),
    SnapshotFile("wdi_open_numbers.csv", geo_remap=OPEN_NUMBERS_GEO_REMAP),
    SnapshotFile("wgi.csv", vintage_label="WGI 2024 update"),
    SnapshotFile("wdi_legacy_2013.csv", legacy=True),
)

# Newest vintage first: where a series is in more than one file, the file listed first wins, whole.
# Why (PROVENANCE.md): wdi_open_numbers.csv is undated but later than wdi.csv's 2022-05-25 mineral rents (data to
# 2021 against 2019, revised values) and replaces the Dec-2013 legacy file for TX/TM/GDP; wdi.csv and
# wdi_supplementary.csv hold distinct series of 2018-2026 vintages; wgi.csv is the WGI 2024 update;
# wdi_legacy_2013.csv is the Dec-2013 bundle (constant 2005 US$ for GDP).
VINTAGE_ORDER: tuple[str, ...] = ("wdi_open_numbers.csv", "wdi.csv", "wdi_supplementary.csv", "wgi.csv",
                                  "wdi_legacy_2013.csv")
VINTAGE_REASON: Mapping[tuple[str, str], str] = {
    ("wdi_open_numbers.csv", "wdi.csv"): "later vintage, undated; revised values and two more years (PROVENANCE.md)",
    ("wdi_open_numbers.csv", "wdi_legacy_2013.csv"): "later vintage, undated; replaces the Dec-2013 bundle "
                                                     "(PROVENANCE.md)",
}

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


# ----------------------------------------------------------------------------------------------------------------
# Reading the snapshot

@functools.lru_cache(maxsize=16)
def _read_series_file(path: str, mtime_ns: int, size: int) -> tuple[pd.DataFrame, tuple[str, int]]:
    """The tidy rows of one file, the sha256 and size of its original bytes (memoised per file version: several
    stages read the same files)."""
    try:
        frame = pd.read_csv(path, usecols=TIDY_COLUMNS, keep_default_na=False, **EXACT_FLOATS,
                            dtype={"iso3": str, "indicator": str, "year": "int64", "value": "float64"})
    except (ValueError, KeyError, OSError, EOFError) as exc:
        raise DataError(f"cannot read it as a tidy series table ({exc}).", where=path, field=",".join(TIDY_COLUMNS),
                        fix="the file must have the columns iso3,year,indicator,value with numeric year and value; "
                            "restore it from its source (see PROVENANCE.md).") from exc
    return frame[TIDY_COLUMNS], content_digest(Path(path))


def _series_file(path: Path) -> tuple[pd.DataFrame, tuple[str, int]]:
    stat = path.stat()
    return _read_series_file(str(path), stat.st_mtime_ns, stat.st_size)


def _file_vintages(folder: Path) -> dict[tuple[str, str], str]:
    """(file, indicator) -> vintage date from wdi_sources.csv: the WB last-updated date, else the file's last change."""
    path = locate(folder, SOURCES_TABLE)
    if not path.is_file():
        return {}
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    vintages = {}
    for row in table.itertuples(index=False):
        for candidate in (row.wb_last_updated, row.file_last_changed):
            if _ISO_DATE.match(candidate.strip()):
                vintages[(row.file, row.indicator)] = candidate.strip()
                break
    return vintages


def _vintage_text(spec: SnapshotFile, code: str, vintages: Mapping[tuple[str, str], str]) -> str:
    date = vintages.get((spec.name, code))
    if date:
        return f"vintage {date}"
    return spec.vintage_label or "undated vintage"


def _choose_file(code: str, holders: list[SnapshotFile], vintages: Mapping[tuple[str, str], str]) -> SnapshotFile:
    ranked = sorted(holders, key=lambda spec: VINTAGE_ORDER.index(spec.name))
    for position, higher in enumerate(ranked):
        for lower in ranked[position + 1:]:
            newer, older = vintages.get((higher.name, code)), vintages.get((lower.name, code))
            if newer and older and newer < older:
                raise DataError(f"{code}: VINTAGE_ORDER ranks {higher.name} ({newer}) above {lower.name} ({older}) "
                                f"but {SOURCES_TABLE} dates it older.", where=SOURCES_TABLE, field=code,
                                fix="the snapshot changed: update VINTAGE_ORDER in "
                                    "griparm_econ/sources/worldbank.py after reading PROVENANCE.md.")
    return ranked[0]


def _from_files(folder: Path, codes: Sequence[str], include_legacy: bool
                ) -> tuple[pd.DataFrame, list[dict[str, Any]], list[str], set[str]]:
    """Rows, provenance, notes and the set of codes found, from the snapshot files."""
    vintages = _file_vintages(folder)
    countries_path = locate(folder, COUNTRIES_FILE)
    aggregates = None
    if countries_path.is_file():
        countries = read_economies_csv(countries_path)
        aggregates = set(countries.loc[countries["is_aggregate"], "iso3"])
    wanted = set(codes)
    found: dict[str, list[tuple[SnapshotFile, pd.DataFrame]]] = {}
    shas: dict[str, tuple[str, int]] = {}
    notes: list[str] = []
    for spec in SNAPSHOT_FILES:
        path = locate(folder, spec.name)
        _refuse_directory(path)
        if not path.is_file():
            notes.append(f"{spec.name}: not in the data directory's {FOLDER}/ folder; its series are looked for "
                         "elsewhere.")
            continue
        frame, shas[spec.name] = _series_file(path)
        present = frame[frame["indicator"].isin(wanted)]
        if present.empty:
            continue
        if spec.legacy and not include_legacy:
            notes.append(f"{spec.name} (old vintage, other units) left out for "
                         f"{', '.join(sorted(set(present['indicator'])))} (include_legacy=False).")
            continue
        for code, rows in present.groupby("indicator", sort=True):
            found.setdefault(code, []).append((spec, rows))

    parts, provenance_rows = [], {}
    for code in sorted(found):
        holders = found[code]
        chosen = _choose_file(code, [spec for spec, _ in holders], vintages)
        holders = [(spec, _remap_geo(spec, code, rows, notes)) for spec, rows in holders]
        rows = next(rows for spec, rows in holders if spec is chosen)
        if rows.duplicated(["iso3", "year"]).any():
            twice = rows.loc[rows.duplicated(["iso3", "year"]), ["iso3", "year"]].head(3).values.tolist()
            raise DataError(f"{code}: more than one value per country-year, e.g. {twice}.", where=chosen.name,
                            field=code, fix="restore the file from its source (see PROVENANCE.md).")
        if len(holders) > 1:
            others = "; ".join(f"{spec.name} ({_vintage_text(spec, code, vintages)}, {len(r)} rows)"
                               for spec, r in holders if spec is not chosen)
            reason = "; ".join(VINTAGE_REASON.get((chosen.name, spec.name), "ranked newer in VINTAGE_ORDER")
                               for spec, _ in holders if spec is not chosen)
            chosen_keys = pd.MultiIndex.from_frame(rows[["iso3", "year"]])
            left_out = pd.concat([r.loc[~pd.MultiIndex.from_frame(r[["iso3", "year"]]).isin(chosen_keys)]
                                  for spec, r in holders if spec is not chosen])
            left_out = left_out.drop_duplicates(["iso3", "year"])
            split = ""
            if aggregates is not None:
                n_aggregate = int(left_out["iso3"].isin(aggregates).sum())
                split = f" ({n_aggregate} of them of World Bank aggregates)"
            notes.append(f"{code}: in {chosen.name} ({_vintage_text(chosen, code, vintages)}, {len(rows)} rows) and "
                         f"{others}; took {chosen.name} whole ({reason}); vintages not spliced, so "
                         f"{len(left_out)} country-years only in the older file(s){split} stay missing.")
        parts.append(rows)
        entry = provenance_rows.setdefault(chosen.name, {"series": [], "rows": 0, "vintage": {}})
        entry["series"].append(code)
        entry["rows"] += int(len(rows))
        entry["vintage"][code] = _vintage_text(chosen, code, vintages)

    # Paths relative to the data directory, so provenance does not depend on where that directory lives.
    provenance = [{"path": f"{FOLDER}/{name}", "sha256": shas[name][0], "bytes": shas[name][1],
                   "rows": entry["rows"], "series": entry["series"], "vintage": entry["vintage"],
                   "origin": "data directory"}
                  for name, entry in sorted(provenance_rows.items())]
    rows = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=TIDY_COLUMNS)
    return rows, provenance, notes, set(found)


def _remap_geo(spec: SnapshotFile, code: str, rows: pd.DataFrame, notes: list[str]) -> pd.DataFrame:
    if not spec.geo_remap:
        return rows
    hit = rows["iso3"].isin(list(spec.geo_remap))
    if not hit.any():
        return rows
    counts = rows.loc[hit, "iso3"].value_counts()
    rows = rows.assign(iso3=rows["iso3"].replace(dict(spec.geo_remap)))
    if rows.duplicated(["iso3", "year"]).any():
        clash = rows.loc[rows.duplicated(["iso3", "year"], keep=False), "iso3"].unique().tolist()
        raise DataError(f"{code}: re-mapping non-ISO ids gives two rows per country-year for {clash}.",
                        where=spec.name, field="iso3",
                        fix="check the id mapping OPEN_NUMBERS_GEO_REMAP against PROVENANCE.md.")
    mapped = ", ".join(f"{old}->{spec.geo_remap[old]} ({counts[old]} rows)" for old in sorted(counts.index))
    notes.append(f"{code}: {spec.name} non-ISO geo ids re-mapped as PROVENANCE.md documents: {mapped}.")
    return rows


# ----------------------------------------------------------------------------------------------------------------
# Cache and live pulls

def _offline_error(codes: Sequence[str], settings: Settings, reason: str) -> DataError:
    return DataError(f"World Bank series {', '.join(codes)} are needed but {reason}, the run is offline and there is "
                     f"no valid cache in {settings.cache_dir}.", where=DATA_ENV, field=", ".join(codes),
                     fix=f"set {DATA_ENV} (or pass --data DIR) to a folder with worldbank/ files, or run once "
                         "online to pull and cache them.")


def _from_cache_or_live(settings: Settings, codes: Sequence[str], reason: str, echo: Echo,
                        options: LiveOptions | None) -> tuple[list[pd.DataFrame], list[dict], list[str]]:
    parts, provenance, notes, to_pull = [], [], [], []
    cached: dict[Path, tuple[dict[str, Any], list[str]]] = {}
    for code in sorted(set(codes)):
        hit = find_cached(settings.cache_dir, database_for(code), code)
        if hit is None:
            to_pull.append(code)
        else:
            cached.setdefault(hit[0], (hit[1], []))[1].append(code)
    for csv_path, (manifest, from_entry) in sorted(cached.items()):
        rows, prov = read_cached(csv_path, manifest, from_entry)    # one read, one provenance entry per cache file
        parts.append(rows)
        provenance.append(prov)
        notes.extend(f"{code}: {reason}; read the cache {csv_path.name} (pulled {manifest.get('retrieved_at')}, "
                     f"API last updated {manifest.get('api_last_updated') or 'not given'})." for code in from_entry)
    if to_pull:
        if settings.offline:
            raise _offline_error(to_pull, settings, reason)
        frame = pull_live(settings, to_pull, echo=echo, options=options)
        parts.append(frame.rows)
        provenance.extend(frame.provenance)
        for note in frame.notes:
            code, _, rest = note.partition(": ")
            notes.append(f"{code}: {reason}; {rest}")
    return parts, provenance, notes


def pull_live(settings: Settings, codes: Sequence[str], *, echo: Echo = None,
              options: LiveOptions | None = None) -> SourceFrame:
    """Pull ``codes`` from the World Bank API now (one request series per database) and refresh their cache."""
    if settings.offline:
        raise _offline_error(sorted(set(codes)), settings, "a live pull was asked for")
    options = options or LiveOptions.from_env()
    parts, provenance, notes = [], [], []
    for db, group in group_by_database(codes).items():
        rows, prov = pull_database(settings.cache_dir, db, group, options, echo=echo)
        parts.append(rows)
        provenance.append(prov)
        for code in group:
            notes.append(f"{code}: pulled live from {options.endpoint} database {db} (API last updated "
                         f"{prov['vintage'] or 'not given'}), cached in {Path(prov['path']).name}.")
    rows = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=TIDY_COLUMNS)
    return SourceFrame(SOURCE_NAME, _tidy(rows), tuple(provenance), tuple(notes))


def _tidy(rows: pd.DataFrame) -> pd.DataFrame:
    rows = rows.astype({"iso3": str, "year": "int64", "indicator": str, "value": "float64"})
    return rows.sort_values(["indicator", "iso3", "year"], kind="mergesort").reset_index(drop=True)[TIDY_COLUMNS]


def _refuse_directory(path: Path) -> None:
    if path.is_dir():
        raise DataError("a directory stands where this file belongs.", where=path, field=f"{FOLDER}/{path.name}",
                        fix="restore the file (git checkout data/raw; see docs/data.md).")


def _worldbank_folder(settings: Settings) -> Path | None:
    folder = settings.source_dir(FOLDER)
    if folder is not None and not folder.is_dir():
        raise DataError(f"the data directory has no {FOLDER}/ folder ({folder} is missing).", where=folder,
                        field=DATA_ENV, fix=f"point {DATA_ENV} (or --data) at a folder laid out like data/raw, or "
                                            f"unset it to use the repository's data/raw.")
    return folder


# ----------------------------------------------------------------------------------------------------------------
# Public interface

def load_indicators(settings: Settings, codes: Sequence[str], *, include_legacy: bool = False,
                    echo: Echo = None, options: LiveOptions | None = None) -> SourceFrame:
    """Tidy rows ``iso3, year, indicator, value`` for ``codes`` (World Bank codes), aggregates included.

    Files of the data directory's worldbank/ folder; a code they lack is an error. With ``settings.live_worldbank``
    (or no data directory at all) every code comes, whole, from a valid cache, else pulled live (WGI ``*.EST`` from database 3, the rest from database 2) unless offline.
    """
    # World Bank codes are upper case in the files and the API alike.
    codes = sorted({str(code).strip().upper() for code in codes if str(code).strip()})
    if not codes:
        return SourceFrame(SOURCE_NAME, pd.DataFrame(columns=TIDY_COLUMNS).pipe(_tidy))
    folder = None if settings.live_worldbank else _worldbank_folder(settings)
    parts, provenance, notes = [], [], []
    found: set[str] = set()
    if folder is not None:
        rows, provenance, notes, found = _from_files(folder, codes, include_legacy)
        parts.append(rows)
    missing = [code for code in codes if code not in found]
    if missing and folder is not None:
        raise DataError(f"World Bank series {', '.join(missing)} are in none of the {FOLDER}/ files "
                        f"({', '.join(s.name for s in SNAPSHOT_FILES)}); nothing is pulled live unless asked, so "
                        "vintages are never mixed.", where=folder, field=", ".join(missing),
                        fix=f"restore the {FOLDER}/ files (git checkout data/raw; see docs/data.md), or pull the "
                            "live vintage on purpose with `griparm data refresh` and run with --live-worldbank "
                            "(estimates then differ from the reported ones).")
    if missing:
        reason = LIVE_ASKED if settings.live_worldbank else "no data directory set"
        more_parts, more_prov, more_notes = _from_cache_or_live(settings, missing, reason, echo, options)
        parts.extend(more_parts)
        provenance.extend(more_prov)
        notes.extend(more_notes)
    rows = pd.concat([part for part in parts if len(part)], ignore_index=True) if any(len(p) for p in parts) \
        else pd.DataFrame(columns=TIDY_COLUMNS)
    return SourceFrame(SOURCE_NAME, _tidy(rows), tuple(provenance), tuple(notes))


def load_economies(settings: Settings, *, echo: Echo = None, options: LiveOptions | None = None) -> SourceFrame:
    """Economies and aggregates: iso3, name, region, income_group, lending_type, is_aggregate (bool)."""
    folder = None if settings.live_worldbank else _worldbank_folder(settings)
    if folder is not None:
        _refuse_directory(locate(folder, COUNTRIES_FILE))
    if folder is not None and locate(folder, COUNTRIES_FILE).is_file():
        path = locate(folder, COUNTRIES_FILE)
        rows = read_economies_csv(path)
        sha, size = content_digest(path)
        provenance = ({"path": f"{FOLDER}/{COUNTRIES_FILE}", "sha256": sha, "bytes": size, "rows": int(len(rows)),
                       "vintage": "WDI R package cache of the API /country endpoint (2026-04-30)",
                       "origin": "data directory"},)
        return SourceFrame(f"{SOURCE_NAME}.economies", rows.sort_values("iso3").reset_index(drop=True), provenance,
                           (f"economies from {FOLDER}/{COUNTRIES_FILE} ({int((~rows['is_aggregate']).sum())} "
                            f"economies, {int(rows['is_aggregate'].sum())} aggregates).",))
    reason = LIVE_ASKED if settings.live_worldbank else "no data directory set"
    if folder is not None:
        raise DataError(f"{FOLDER}/{COUNTRIES_FILE} is missing from the data directory; nothing is pulled live unless "
                        "asked.", where=locate(folder, COUNTRIES_FILE), field=COUNTRIES_FILE,
                        fix="restore it (git checkout data/raw; see docs/data.md), or pull the live economy list "
                            "on purpose with `griparm data refresh` and run with --live-worldbank.")
    hit = find_cached_economies(settings.cache_dir)
    if hit is not None:
        csv_path, manifest = hit
        rows = read_economies_csv(csv_path)
        provenance = ({"url": manifest.get("url"), "path": str(csv_path), "sha256": manifest["sha256"],
                       "rows": int(len(rows)), "vintage": manifest.get("api_last_updated"),
                       "retrieved_at": manifest.get("retrieved_at"), "origin": "cache"},)
        return SourceFrame(f"{SOURCE_NAME}.economies", rows, provenance,
                           (f"economies: {reason}; read the cache {csv_path.name} "
                            f"(pulled {manifest.get('retrieved_at')}).",))
    if settings.offline:
        raise DataError(f"the World Bank economy list is needed but {reason}, the run is offline and there is no "
                        f"valid cache in {settings.cache_dir}.", where=DATA_ENV, field=COUNTRIES_FILE,
                        fix=f"set {DATA_ENV} (or pass --data DIR) to a folder with worldbank/{COUNTRIES_FILE}, or "
                            "run once online to pull and cache it.")
    options = options or LiveOptions.from_env()
    rows, provenance = pull_economies(settings.cache_dir, options, echo=echo)
    return SourceFrame(f"{SOURCE_NAME}.economies", rows, (provenance,),
                       (f"economies: {reason}; pulled live from {options.endpoint} (country endpoint), cached in "
                        f"{Path(provenance['path']).name}.",))
