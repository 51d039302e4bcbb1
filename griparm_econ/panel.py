"""The country-year panel: every catalog variable for every World Bank economy, 1990 to the latest year with data.

``build_panel`` reads every source, merges each source's long rows onto the economy x year grid with a full account
of what it kept and dropped, applies the catalog's transformations in catalog order, and writes (atomically)
``data/panel.parquet``, ``data/aggregates.parquet`` (World Bank aggregates such as EUU and WLD, and the world
totals of OEC and USGS, for figures), ``data/panel.provenance.json`` and ``output/coverage.csv``.
Gaps stay gaps: nothing is interpolated.
"""

from __future__ import annotations

import hashlib
import json
import math
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Iterable

import numpy as np
import pandas as pd

from griparm_econ.catalog import (TRANSFORMATIONS, WORLD_SERIES_TRANSFORMATIONS, Catalog, TransformInput,
                                  load_catalog)
from griparm_econ.config import Settings
from griparm_econ.errors import DataError
from griparm_econ.io import atomic_path, atomic_write_text, sha256_file, tree_sha256
from griparm_econ.sources import SourceFrame
from griparm_econ.sources.country_names import EU27
from griparm_econ.sources.gvc import load_gvc
from griparm_econ.sources.prices import load_prices
from griparm_econ.sources.production import load_production
from griparm_econ.sources.restrictions import (country_year_measures, read_china_quotas, read_events, read_gta,
                                               read_iea)
from griparm_econ.sources.state_capacity import load_state_capacity
from griparm_econ.sources.tax_revenue import load_tax_revenue
from griparm_econ.sources.trade import load_trade
from griparm_econ.sources.vdem import load_vdem
from griparm_econ.sources.snapshot import check_inputs, content_sha256, locate

Echo = Callable[[str], None] | None

FIRST_YEAR = 1990
# Bump when the build logic changes, so that load_panel rebuilds panels written by older code. Edits to the code
# itself are caught by data_code_sha256; this number is for changes that fingerprint cannot see.
BUILD_VERSION = 1
PACKAGE_DIR = Path(__file__).resolve().parent
FOCUS = ("CHN", "BRA", "KAZ", "JPN")
ID_COLUMNS = ["iso3", "year", "country", "region", "income_group"]
WORLD = "WLD"


def _say(echo: Echo, text: str) -> None:
    if echo is not None:
        echo(text)


@dataclass(frozen=True)
class Sources:
    """Everything read from the data directory (or pulled), before any merge."""

    economies: SourceFrame
    series: tuple[SourceFrame, ...]          # long country-year sources: worldbank, trade, gvc, production,
                                             # state_capacity, vdem, tax_revenue, prices (world series)
    events: SourceFrame
    iea: SourceFrame
    gta: SourceFrame
    quotas: SourceFrame

    @property
    def all_frames(self) -> tuple[SourceFrame, ...]:
        return (self.economies, *self.series, self.events, self.iea, self.gta, self.quotas)


def _read_sources(settings: Settings, catalog: Catalog, echo: Echo) -> Sources:
    from griparm_econ.sources.worldbank import load_economies, load_indicators

    # Every input against the manifest first, all problems in one message: a truncated or damaged file never builds
    # a half panel. Then the data-directory sources: a missing file stops the build before any World Bank pull.
    check_inputs(settings.data_dir)
    trade, gvc, production = load_trade(settings), load_gvc(settings), load_production(settings)
    capacity = (load_state_capacity(settings), load_vdem(settings), load_tax_revenue(settings))
    events, iea, gta, quotas = read_events(settings), read_iea(settings), read_gta(settings), \
        read_china_quotas(settings)
    codes = [entry.source_code for entry in catalog.by_source("worldbank")]
    return Sources(economies=load_economies(settings, echo=echo),
                   series=(load_indicators(settings, codes, echo=echo), trade, gvc, production, *capacity,
                           load_prices(settings)),
                   events=events, iea=iea, gta=gta, quotas=quotas)


def fetch_sources(settings: Settings, echo: Echo = print) -> Sources:
    """Read (or pull) every source the catalog needs; the step ``griparm data`` runs."""
    catalog = load_catalog(settings.catalog_path)
    sources = _read_sources(settings, catalog, echo)
    for frame in sources.all_frames:
        _say(echo, f"{frame.name}: {len(frame.rows):,} rows from {len(frame.provenance)} file(s) or pull(s)")
    return sources


# ---------------------------------------------------------------------------------------------------------------
# Merge with accounting


def _account(name: str, rows: pd.DataFrame, wanted_codes: set[str], economies: set[str], aggregates: set[str],
             first_year: int, last_year: int) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    """Split one source's long rows into (economy rows kept, aggregate rows kept) and count every other row."""
    used_code = rows["indicator"].isin(wanted_codes)
    in_window = rows["year"].between(first_year, last_year)
    is_economy = rows["iso3"].isin(economies)
    is_aggregate = rows["iso3"].isin(aggregates)
    keep = used_code & in_window & is_economy
    to_aggregates = used_code & in_window & is_aggregate
    unknown = used_code & in_window & ~is_economy & ~is_aggregate
    record = {
        "rows_read": int(len(rows)),
        "rows_kept_economies": int(keep.sum()),
        "rows_kept_aggregates": int(to_aggregates.sum()),
        "rows_code_not_in_catalog": int((~used_code).sum()),
        "rows_outside_years": int((used_code & ~in_window).sum()),
        "rows_dropped_not_an_economy": int(unknown.sum()),
        "codes_not_an_economy": {code: int(n) for code, n in
                                 sorted(rows.loc[unknown, "iso3"].value_counts().items())},
    }
    accounted = sum(v for k, v in record.items() if k.startswith("rows_") and k != "rows_read")
    if accounted != record["rows_read"]:
        raise AssertionError(f"{name}: merge accounting does not add up ({accounted} != {record['rows_read']})")
    return rows[keep], rows[to_aggregates], record


def _economy_tables(economies: SourceFrame) -> tuple[pd.DataFrame, set[str]]:
    table = economies.rows
    flag = table["is_aggregate"].astype(str).str.lower().isin(["true", "1"])
    countries = table[~flag][["iso3", "name", "region", "income_group"]].rename(columns={"name": "country"})
    countries = countries.sort_values("iso3").reset_index(drop=True)
    return countries, set(table.loc[flag, "iso3"])


def _wide(rows: pd.DataFrame, grid: pd.DataFrame, source_name: str) -> pd.DataFrame:
    """Pivot long rows to one column per indicator, aligned with the grid's rows."""
    duplicated = rows.duplicated(["iso3", "year", "indicator"])
    if duplicated.any():
        sample = rows[duplicated].head(3).to_dict("records")
        raise DataError(f"{int(duplicated.sum())} duplicate (iso3, year, indicator) rows, e.g. {sample}.",
                        where=source_name, field="iso3, year, indicator",
                        fix="a source must give one value per economy, year and series.")
    wide = rows.pivot(index=["iso3", "year"], columns="indicator", values="value")
    return grid[["iso3", "year"]].merge(wide.reset_index(), on=["iso3", "year"], how="left")


def _family_codes(frame: SourceFrame, codes_by_source: dict[str, set[str]]) -> set[str]:
    # Source frames are named "<family>" or "<family>.<part>"; the catalog's source field is the family.
    return codes_by_source.get(frame.name.split(".")[0], set())


def _last_year(series: Iterable[SourceFrame], codes_by_source: dict[str, set[str]], economies: set[str]) -> int:
    """The latest year in which any catalog series has a value for an economy."""
    years = []
    for frame in series:
        rows = frame.rows
        usable = rows["indicator"].isin(_family_codes(frame, codes_by_source)) & rows["iso3"].isin(economies) \
            & (rows["year"] >= FIRST_YEAR)
        if usable.any():
            years.append(int(rows.loc[usable, "year"].max()))
    if not years:
        raise DataError("no source has any economy data for the catalog's series.", where="data directory",
                        field="GRIPARM_DATA", fix="check the data directory's contents against its README.")
    return max(years)


# ---------------------------------------------------------------------------------------------------------------
# Build


def build_panel(settings: Settings, echo: Echo = print) -> pd.DataFrame:
    catalog = load_catalog(settings.catalog_path)
    sources = _read_sources(settings, catalog, echo)
    panel, aggregates, record = assemble_panel(catalog, sources, settings)
    _write_outputs(settings, catalog, sources, panel, aggregates, record, echo)
    return panel


def assemble_panel(catalog: Catalog, sources: Sources,
                   settings: Settings) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    """Merge and transform; no files written. Returns the panel, the aggregates table and the build record."""
    countries, aggregate_codes = _economy_tables(sources.economies)
    economy_codes = set(countries["iso3"])
    codes_by_source: dict[str, set[str]] = {}
    for entry in catalog:
        if entry.source != "derived":
            codes_by_source.setdefault(entry.source, set()).add(entry.source_code)

    last_year = _last_year(sources.series, codes_by_source, economy_codes)
    merge: dict[str, Any] = {}
    kept_rows: list[pd.DataFrame] = []
    aggregate_rows: list[pd.DataFrame] = []
    for frame in sources.series:
        kept, agg, merge[frame.name] = _account(frame.name, frame.rows, _family_codes(frame, codes_by_source),
                                                economy_codes, aggregate_codes, FIRST_YEAR, last_year)
        kept_rows.append(kept)
        aggregate_rows.append(agg)

    restriction_rows = country_year_measures(sources.events.rows, sources.iea.rows, sources.gta.rows, FIRST_YEAR,
                                             last_year)
    kept, agg, merge["restrictions"] = _account("restrictions", restriction_rows,
                                                codes_by_source.get("restrictions", set()), economy_codes,
                                                aggregate_codes, FIRST_YEAR, last_year)
    kept_rows.append(kept)
    aggregate_rows.append(agg)

    years = pd.DataFrame({"year": range(FIRST_YEAR, last_year + 1)})
    grid = countries.merge(years, how="cross").sort_values(["iso3", "year"], kind="mergesort")
    grid = grid.reset_index(drop=True)[ID_COLUMNS]
    values = _wide(pd.concat(kept_rows, ignore_index=True), grid, "sources")
    world_rows = pd.concat(aggregate_rows, ignore_index=True)
    world_rows = world_rows[world_rows["iso3"] == WORLD]
    world_codes = set(world_rows["indicator"])
    # A world series (one value per year, e.g. a price boom) has no economy rows: it needs WLD rows instead.
    no_data = [f"{entry.name} ({entry.source}: {entry.source_code})" for entry in catalog
               if entry.source != "derived" and entry.source_code not in values
               and not (entry.transformation in WORLD_SERIES_TRANSFORMATIONS and entry.source_code in world_codes)]
    if no_data:
        raise DataError(f"catalog series with no economy data in {FIRST_YEAR}-{last_year}: {', '.join(no_data)}.",
                        where=catalog.path, field="source_code",
                        fix="correct the source_code (see the source's codes in docs/data.md) or the data directory.")

    panel = grid.copy()
    notes: list[str] = []
    world_by_variable: dict[str, pd.Series] = {}
    for entry in catalog:
        source_values = None
        if entry.source != "derived":
            source_values = values[entry.source_code] if entry.source_code in values \
                else pd.Series(float("nan"), index=values.index)
            world = world_rows[world_rows["indicator"] == entry.source_code]
            world_by_variable[entry.name] = world.set_index("year")["value"]
        data = TransformInput(panel=panel, entry=entry, source_values=source_values, world=world_by_variable,
                              notes=notes)
        panel[entry.name] = TRANSFORMATIONS[entry.transformation](data)
        if len(panel.columns) % 50 == 0:
            panel = panel.copy()   # consolidate the column blocks (pandas slows down and warns past 100 of them)

    _check_panel(panel, economy_codes, aggregate_codes, last_year)
    aggregates = _aggregates_table(pd.concat(aggregate_rows, ignore_index=True), catalog, sources.economies)
    record = {"merge": merge, "first_year": FIRST_YEAR, "last_year": last_year, "transform_notes": notes}
    return panel, aggregates, record


def _check_panel(panel: pd.DataFrame, economies: set[str], aggregates: set[str], last_year: int) -> None:
    problems = []
    if panel.duplicated(["iso3", "year"]).any():
        problems.append("(iso3, year) is not unique")
    if panel["iso3"].isin(aggregates).any():
        problems.append("aggregates in the panel")
    if not panel["iso3"].str.fullmatch(r"[A-Z]{3}").all():
        problems.append("iso3 codes that are not three capital letters")
    if not panel["year"].between(FIRST_YEAR, last_year).all():
        problems.append("years outside the window")
    if set(panel["iso3"]) != economies:
        problems.append("economy set differs from the World Bank list")
    if problems:
        raise AssertionError("panel invariants violated: " + "; ".join(problems))


def _aggregates_table(rows: pd.DataFrame, catalog: Catalog, economies: SourceFrame) -> pd.DataFrame:
    """Aggregate rows (WB aggregates, OEC and USGS world totals) of source variables, one column per variable."""
    names = economies.rows.set_index("iso3")["name"]
    by_code: dict[str, list[str]] = {}
    for entry in catalog:
        if entry.source != "derived":
            by_code.setdefault(entry.source_code, []).append(entry.name)
    columns = [e.name for e in catalog if e.source != "derived"]
    if rows.empty:
        return pd.DataFrame(columns=["iso3", "year", "name", *columns])
    wide = rows.pivot(index=["iso3", "year"], columns="indicator", values="value").reset_index()
    out = wide[["iso3", "year"]].copy()
    out.insert(2, "name", out["iso3"].map(names).fillna("World").astype("string"))
    values = {variable: wide[code].to_numpy() if code in wide else np.full(len(wide), np.nan)
              for code, variables in by_code.items() for variable in variables}
    out = pd.concat([out, pd.DataFrame(values, index=out.index)], axis=1)
    out = out[["iso3", "year", "name", *columns]].sort_values(["iso3", "year"], kind="mergesort")
    return out.reset_index(drop=True)


# ---------------------------------------------------------------------------------------------------------------
# Coverage


def _span(years: pd.Series) -> tuple[Any, Any]:
    return (int(years.min()), int(years.max())) if len(years) else (pd.NA, pd.NA)


def coverage_table(panel: pd.DataFrame, catalog: Catalog) -> pd.DataFrame:
    """Per variable: years with data, economies, observations, share missing; the same for CHN, BRA, KAZ, JPN and
    the EU27 (pooled over the 27 members)."""
    groups = {code: [code] for code in FOCUS}
    groups["EU27"] = list(EU27)
    outside = out_of_range(panel, catalog)
    rows = []
    for entry in catalog:
        present = panel[entry.name].notna()
        first, last = _span(panel.loc[present, "year"])
        row = {"variable": entry.name, "source": entry.source, "first_year": first, "last_year": last,
               "economies": int(panel.loc[present, "iso3"].nunique()), "observations": int(present.sum()),
               "share_missing": float(1 - present.mean())}
        for group, members in groups.items():
            mask = panel["iso3"].isin(members)
            g_first, g_last = _span(panel.loc[mask & present, "year"])
            row[f"{group}_first_year"] = g_first
            row[f"{group}_last_year"] = g_last
            row[f"{group}_share_missing"] = float(1 - present[mask].mean()) if mask.any() else float("nan")
        row["outside_valid_range"] = len(outside.get(entry.name, ()))
        rows.append(row)
    table = pd.DataFrame(rows)
    for column in table.columns:
        if column.endswith("_year"):
            table[column] = table[column].astype("Int64")
    return table


def out_of_range(panel: pd.DataFrame, catalog: Catalog) -> dict[str, list[dict[str, Any]]]:
    """Values outside their catalog ``valid_range`` (e.g. a share of exports above 100%), per variable. They stay in
    the panel as the source publishes them; the coverage report and the provenance file list them."""
    found: dict[str, list[dict[str, Any]]] = {}
    for entry in catalog:
        if entry.valid_range is None:
            continue
        low, high = entry.valid_range
        values = panel[entry.name]
        bad = panel.loc[values.notna() & ((values < low) | (values > high)), ["iso3", "year", entry.name]]
        if len(bad):
            found[entry.name] = [{"iso3": r.iso3, "year": int(r.year), "value": float(getattr(r, entry.name))}
                                 for r in bad.itertuples(index=False)]
    return found


def _coverage_summary(table: pd.DataFrame, panel: pd.DataFrame) -> str:
    lines = [f"panel: {panel['iso3'].nunique()} economies x {panel['year'].nunique()} years "
             f"({panel['year'].min()}-{panel['year'].max()}) = {len(panel):,} rows, {len(table)} variables",
             f"{'variable':40s} {'years':>9s} {'econ':>4s} {'miss':>5s}  "
             + " ".join(f"{g:>5s}" for g in (*FOCUS, "EU27")) + "   (share missing)"]
    for row in table.itertuples():
        years = "-" if pd.isna(row.first_year) else f"{row.first_year}-{str(row.last_year)[2:]}"
        focus = " ".join(f"{getattr(row, f'{g}_share_missing'):5.2f}" for g in (*FOCUS, "EU27"))
        lines.append(f"{row.variable:40s} {years:>9s} {row.economies:4d} {row.share_missing:5.2f}  {focus}")
    flagged = table[table["outside_valid_range"] > 0]
    if len(flagged):
        lines.append("values outside their catalog valid_range, kept as published (listed in "
                     "data/panel.provenance.json): " + ", ".join(f"{r.variable} {r.outside_valid_range}"
                                                              for r in flagged.itertuples()))
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------------------------
# Outputs and provenance


def _relative_input(settings: Settings, entry: dict[str, Any]) -> dict[str, Any]:
    """Provenance entry with its path relative to the data directory when it lies inside it."""
    entry = dict(entry)
    path = entry.get("path")
    if path and settings.data_dir is not None:
        candidate = Path(path)
        if candidate.is_absolute():
            try:
                entry["path"] = candidate.resolve().relative_to(settings.data_dir.resolve()).as_posix()
            except ValueError:
                pass
    return entry


def _json_safe(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item"):
        return value.item()
    return value


def _write_parquet(frame: pd.DataFrame, target: Path) -> None:
    with atomic_path(target) as tmp:
        frame.to_parquet(tmp, index=False, engine="pyarrow", compression="zstd")


def provenance_path(settings: Settings) -> Path:
    return settings.work_dir / "panel.provenance.json"


def aggregates_path(settings: Settings) -> Path:
    return settings.work_dir / "aggregates.parquet"


def _stamp_path(settings: Settings) -> Path:
    return settings.cache_dir / "panel.inputs.stamp.json"


@lru_cache(maxsize=1)
def data_code_sha256() -> str:
    """Fingerprint of the code that makes the panel: every loader in ``sources/``, the catalog and its
    transformations (with baseline.py), and this module. Changing any of them rebuilds the panel; changing an
    estimator or a table writer does not. Hashed once per process (~20 small files)."""
    digest = hashlib.sha256(tree_sha256(PACKAGE_DIR / "sources").encode("ascii"))
    for name in ("catalog.py", "baseline.py", "panel.py"):
        digest.update(f"\0{name}\0{sha256_file(PACKAGE_DIR / name)}".encode("ascii"))
    return digest.hexdigest()


def _write_outputs(settings: Settings, catalog: Catalog, sources: Sources, panel: pd.DataFrame,
                   aggregates: pd.DataFrame, record: dict[str, Any], echo: Echo) -> None:
    inputs = []
    for frame in sources.all_frames:
        for entry in frame.provenance:
            inputs.append({"source": frame.name, **_relative_input(settings, entry)})
    inputs.sort(key=lambda e: (e["source"], str(e.get("path", e.get("url", "")))))
    provenance = {
        "build_version": BUILD_VERSION,
        "code_sha256": data_code_sha256(),
        "catalog": {"path": "specs/variables.toml", "sha256": catalog.sha256, "variables": len(catalog)},
        "inputs": inputs,
        "notes": {frame.name: list(frame.notes) for frame in sources.all_frames},
        "merge": record["merge"],
        "transform_notes": record["transform_notes"],
        "panel": {"path": "data/panel.parquet", "rows": int(len(panel)), "economies": int(panel["iso3"].nunique()),
                  "first_year": record["first_year"], "last_year": record["last_year"],
                  "columns": list(panel.columns)},
        "aggregates": {"path": "data/aggregates.parquet", "rows": int(len(aggregates)),
                       "codes": sorted(aggregates["iso3"].unique().tolist())},
        "outside_valid_range": out_of_range(panel, catalog),
    }
    table = coverage_table(panel, catalog)
    _write_parquet(panel, settings.panel_path)
    _write_parquet(aggregates, aggregates_path(settings))
    # The built files' own sha256, so that an edited, truncated or corrupted panel is never trusted.
    provenance["panel"]["sha256"] = sha256_file(settings.panel_path)
    provenance["aggregates"]["sha256"] = sha256_file(aggregates_path(settings))
    atomic_write_text(settings.output_dir / "coverage.csv", table.to_csv(index=False, float_format="%.4f",
                                                                         lineterminator="\n"))
    atomic_write_text(provenance_path(settings), json.dumps(_json_safe(provenance), indent=2, sort_keys=True,
                                                            ensure_ascii=False) + "\n")
    _write_stamp(settings, provenance)
    _say(echo, _coverage_summary(table, panel))
    _say(echo, f"wrote {settings.panel_path}, {aggregates_path(settings)}, {settings.output_dir / 'coverage.csv'}, "
               f"{provenance_path(settings)}")


# ---------------------------------------------------------------------------------------------------------------
# Staleness


def _input_file(settings: Settings, entry: dict[str, Any]) -> Path | None:
    path = entry.get("path")
    if not path:
        return None
    candidate = Path(path)
    if candidate.is_absolute():
        return candidate
    if entry.get("origin") in ("cache", "live pull"):
        # World Bank pulls are recorded relative to the work folder ("cache/<file>").
        return settings.work_dir / candidate
    if settings.data_dir is None:
        return candidate   # resolved against nothing: will not exist, so the panel counts as stale
    return locate((settings.data_dir / candidate).parent, candidate.name)   # stored plain or as .gz


def _write_stamp(settings: Settings, provenance: dict[str, Any]) -> None:
    """Size and mtime of each input at build time, so the staleness check re-hashes only files that changed."""
    stamps = {}
    for entry in provenance["inputs"]:
        path = _input_file(settings, entry)
        if path is not None and path.is_file():
            stat = path.stat()
            stamps[str(path)] = {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns, "sha256": entry.get("sha256")}
    atomic_write_text(_stamp_path(settings), json.dumps(stamps, indent=1, sort_keys=True) + "\n")


def panel_is_stale(settings: Settings) -> str | None:
    """Why the panel must be rebuilt, or None when it is current. Cheap: hashes only inputs whose size or mtime
    changed since the build, and the panel code once per process."""
    if not settings.panel_path.is_file() or not provenance_path(settings).is_file():
        return "no panel built yet"
    try:
        provenance = json.loads(provenance_path(settings).read_text(encoding="utf-8"))
    except json.JSONDecodeError:
        return "the provenance file is unreadable"
    if provenance.get("build_version") != BUILD_VERSION:
        return "built by an older version of the panel code"
    if provenance.get("code_sha256") != data_code_sha256():
        return "the panel code changed (griparm_econ/sources/, catalog.py or panel.py)"
    if provenance.get("catalog", {}).get("sha256") != load_catalog(settings.catalog_path).sha256:
        return "the catalog changed"
    for key, path in (("panel", settings.panel_path), ("aggregates", aggregates_path(settings))):
        recorded = (provenance.get(key) or {}).get("sha256")
        if not recorded:
            return f"{provenance_path(settings).name} records no sha256 of {path.name} (built by an older version)"
        if not path.is_file() or sha256_file(path) != recorded:
            return (f"{path} is not the file that was built (its sha256 differs from {provenance_path(settings).name}"
                    "): edited, truncated or corrupted since")
    try:
        stamps = json.loads(_stamp_path(settings).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        stamps = {}
    for entry in provenance.get("inputs", []):
        path = _input_file(settings, entry)
        if path is None or not entry.get("sha256"):
            continue
        if not path.is_file():
            return f"input {path} is missing"
        stat = path.stat()
        stamp = stamps.get(str(path))
        if stamp and stamp["size"] == stat.st_size and stamp["mtime_ns"] == stat.st_mtime_ns \
                and stamp["sha256"] == entry["sha256"]:
            continue
        if content_sha256(path) != entry["sha256"]:
            return f"input {path} changed"
    return None


def load_panel(settings: Settings, echo: Echo = None) -> pd.DataFrame:
    """The panel, rebuilt first if it is missing or stale (an input's, the catalog's or the panel code's sha256
    changed)."""
    reason = panel_is_stale(settings)
    if reason is None:
        try:
            return pd.read_parquet(settings.panel_path)
        except Exception as err:  # whatever pyarrow raises for a damaged file: rebuild it, never a traceback
            reason = f"{settings.panel_path} cannot be read ({type(err).__name__})"
    # Said even when the caller is quiet: a rebuild of a file the user did not ask to rebuild must not be silent.
    if echo is None:
        print(f"griparm: building the panel: {reason}", file=sys.stderr)
    else:
        echo(f"building the panel: {reason}")
    return build_panel(settings, echo=echo)
