"""Live World Bank API pulls through wbgapi: series of one database for every economy and year, and the economy list.

wbgapi builds the URLs (``sources/{db}/series/{codes}/country/all/time/all``), splits over-long series lists and
walks the pages; this module turns the rows into the tidy table and writes it to the cache with its provenance.
What the library leaves to its caller lives beside it: the settings (:mod:`.worldbank_options`), wbgapi's globals
and the page checks (:mod:`.worldbank_pages`), retries (:mod:`.worldbank_retry`), the CSV layout
(:mod:`.worldbank_csv`) and the cache (:mod:`.worldbank_cache`).
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import pandas as pd
import wbgapi

from griparm_econ.errors import DownloadError
from griparm_econ.sources.worldbank_cache import ECONOMIES_STEM, cache_paths, write_cache_entry
from griparm_econ.sources.worldbank_csv import ECONOMY_COLUMNS, TIDY_COLUMNS, economies_csv_text, tidy_csv_text
from griparm_econ.sources.worldbank_options import API_SERIES_ID, WGI_DB, LiveOptions
from griparm_econ.sources.worldbank_pages import BadPage, PageRecorder, wbgapi_configured
from griparm_econ.sources.worldbank_retry import with_retries


def _row_key(row: Mapping[str, Any], api_to_code: Mapping[str, str]) -> tuple[str, int, str] | None:
    """(iso3, year, code) of one API data row; None for an empty observation."""
    iso3 = year = code = None
    for part in row["variable"]:
        concept = str(part["concept"]).lower()
        if concept in ("country", "economy"):
            iso3 = str(part["id"])
        elif concept == "series":
            code = api_to_code.get(str(part["id"]))
        elif concept == "time":
            text = str(part.get("value") or part["id"])
            year = int(text[2:] if text.upper().startswith("YR") else text)
    if iso3 is None or year is None or code is None:
        raise BadPage(f"row without a known economy, year or requested series: {row!r}"[:300])
    return iso3, year, code


def _data_url(options: LiveOptions, db: int, api_ids: Sequence[str]) -> str:
    return f"{options.endpoint}/en/sources/{db}/series/{';'.join(api_ids)}/country/all/time/all"


def _pull_once(db: int, codes: Sequence[str], options: LiveOptions) -> tuple[pd.DataFrame, PageRecorder]:
    api_to_code = {API_SERIES_ID.get(code, code): code for code in codes}
    recorder = PageRecorder()
    observations: dict[tuple[str, int, str], float] = {}
    with wbgapi_configured(options, recorder):
        rows = wbgapi.refetch("sources/{source}/series/{series}/country/{economy}/time/{time}",
                              ["series", "economy"], source=db, series=";".join(api_to_code),
                              economy="all", time="all")
        received = 0
        for row in rows:
            received += 1
            key = _row_key(row, api_to_code)
            if key in observations:
                raise BadPage(f"the API sent {key} twice (paging overlap)")
            if row.get("value") is not None:
                try:
                    observations[key] = float(row["value"])
                except (TypeError, ValueError):
                    raise BadPage(f"non-numeric value {row['value']!r} for {key}") from None
    if received != recorder.expected_rows:
        raise BadPage(f"received {received} rows, the page headers promised {recorder.expected_rows}")
    frame = pd.DataFrame([(*key, value) for key, value in observations.items()], columns=TIDY_COLUMNS)
    frame = frame.astype({"iso3": str, "year": "int64", "indicator": str, "value": "float64"})
    return frame, recorder


def _utc_now() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def pull_database(cache_dir: Path, db: int, codes: Sequence[str], options: LiveOptions,
                  echo: Callable[[str], None] | None = None) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Pull ``codes`` (all from database ``db``) for every economy and year, cache them, return rows + provenance."""
    codes = sorted(set(codes))
    url = _data_url(options, db, [API_SERIES_ID.get(code, code) for code in codes])
    what = f"database {db} series {', '.join(codes)}"
    if echo:
        echo(f"World Bank API: pulling {what} from {options.endpoint}")
    hint = ("; the World Bank announced new GOV_WGI_* codes for the WGI in July 2026: map the code in "
            "API_SERIES_ID (griparm_econ/sources/worldbank_options.py)" if db == WGI_DB else "")
    frame, recorder = with_retries(what, url, options, lambda: _pull_once(db, codes, options), echo, hint)
    missing = sorted(set(codes) - set(frame["indicator"]))
    if missing:
        raise DownloadError(f"the World Bank API returned no observations for {', '.join(missing)}.",
                            where=url, field=", ".join(missing),
                            fix="check the series code (WGI estimates are *.EST in database 3, the rest database "
                                "2) or set GRIPARM_DATA to a folder with worldbank/ files.")
    csv_path, manifest_path = cache_paths(cache_dir, db, codes)
    manifest = write_cache_entry(csv_path, manifest_path, tidy_csv_text(frame), {
        "database": db,
        "series": codes,
        "api_series_ids": {code: API_SERIES_ID.get(code, code) for code in codes},
        "economies": "all",
        "years": "all",
        "url": url,
        "retrieved_at": _utc_now(),
        "wbgapi_version": wbgapi.__version__,
        "api_last_updated": ";".join(sorted(recorder.last_updated)) or None,
        "rows": int(len(frame)),
        "requests": len(recorder.urls),
    })
    provenance = {"url": url, "path": f"cache/{csv_path.name}", "sha256": manifest["sha256"],
                  "rows": manifest["rows"], "vintage": manifest["api_last_updated"],
                  "last_updated": manifest["api_last_updated"], "retrieved_at": manifest["retrieved_at"],
                  "series": codes, "database": db, "origin": "live pull"}
    return frame, provenance


# ----------------------------------------------------------------------------------------------------------------
# Economies (the API's country endpoint)

def _economy_row(record: Mapping[str, Any]) -> tuple:
    def label(key: str) -> str:
        part = record.get(key) or {}
        return str(part.get("value") or "").strip()

    region = label("region")
    return (str(record["id"]), str(record.get("name") or "").strip(), region, label("incomeLevel"),
            label("lendingType"), region == "Aggregates")


def _economies_once(options: LiveOptions) -> tuple[pd.DataFrame, PageRecorder]:
    recorder = PageRecorder()
    with wbgapi_configured(options, recorder):
        records = list(wbgapi.fetch("country/all"))
    if len(records) != recorder.expected_rows:
        raise BadPage(f"received {len(records)} economies, the page headers promised {recorder.expected_rows}")
    try:
        frame = pd.DataFrame([_economy_row(record) for record in records], columns=ECONOMY_COLUMNS)
    except (KeyError, TypeError, AttributeError) as exc:
        raise BadPage(f"economy record without the expected fields ({exc})") from None
    if frame["iso3"].duplicated().any():
        raise BadPage("the API listed an economy twice (paging overlap)")
    return frame.sort_values("iso3", kind="mergesort").reset_index(drop=True), recorder


def pull_economies(cache_dir: Path, options: LiveOptions,
                   echo: Callable[[str], None] | None = None) -> tuple[pd.DataFrame, dict[str, Any]]:
    url = f"{options.endpoint}/en/country/all"
    if echo:
        echo(f"World Bank API: pulling the economy list from {options.endpoint}")
    frame, recorder = with_retries("the economy list", url, options, lambda: _economies_once(options), echo)
    manifest = write_cache_entry(cache_dir / f"{ECONOMIES_STEM}.csv", cache_dir / f"{ECONOMIES_STEM}.json",
                                 economies_csv_text(frame), {
                                     "endpoint": "country/all", "url": url, "retrieved_at": _utc_now(),
                                     "wbgapi_version": wbgapi.__version__,
                                     "api_last_updated": ";".join(sorted(recorder.last_updated)) or None,
                                     "rows": int(len(frame)), "requests": len(recorder.urls)})
    provenance = {"url": url, "path": f"cache/{ECONOMIES_STEM}.csv", "sha256": manifest["sha256"],
                  "rows": manifest["rows"], "vintage": manifest["api_last_updated"],
                  "last_updated": manifest["api_last_updated"],
                  "retrieved_at": manifest["retrieved_at"], "origin": "live pull"}
    return frame, provenance
