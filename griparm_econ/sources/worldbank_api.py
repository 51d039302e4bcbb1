"""Live World Bank API pulls through wbgapi, with retries, page checks and an atomic on-disk cache.

wbgapi builds the URLs (``sources/{db}/series/{codes}/country/all/time/all``), splits over-long series lists and
walks the pages; this module adds what the library leaves to its caller: an explicit timeout, retries with
exponential backoff on transient faults (5xx, timeouts, dropped connections, malformed or empty pages), a check
that every page holds the rows its header promises, and a cache written so that an interrupted run leaves nothing
half-written behind.

wbgapi keeps its endpoint, page size and ``requests`` options in module globals; they are set for the duration of
one pull under a lock and restored afterwards.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping, Sequence

import pandas as pd
import requests
import wbgapi

from griparm_econ.errors import DataError, DownloadError
from griparm_econ.io import atomic_path, atomic_write_text, sha256_bytes, sha256_file

WDI_DB = 2   # World Development Indicators
WGI_DB = 3   # Worldwide Governance Indicators

ENDPOINT_ENV = "GRIPARM_WB_ENDPOINT"
DEFAULT_ENDPOINT = "https://api.worldbank.org/v2"

TIDY_COLUMNS = ["iso3", "year", "indicator", "value"]
ECONOMY_COLUMNS = ["iso3", "name", "region", "income_group", "lending_type", "is_aggregate"]

# Which API database holds a series, decided by the code's suffix; anything else is WDI.
DATABASE_BY_SUFFIX: tuple[tuple[str, int], ...] = ((".EST", WGI_DB),)

# Our code -> the id the API uses for it, where the two differ. Empty today: the API has served the WGI estimates
# as "GE.EST" etc. in database 3. The World Bank announced new GOV_WGI_* codes in July 2026; once a verified code is
# known it belongs here, not in an if-statement.
API_SERIES_ID: dict[str, str] = {}

# requests exceptions that are a bad setting, not a flaky network: retrying cannot help.
_CONFIG_ERRORS = (requests.exceptions.InvalidURL, requests.exceptions.MissingSchema,
                  requests.exceptions.InvalidSchema)

# wbgapi's globals are process-wide; one pull at a time may change them.
_WBGAPI_LOCK = threading.Lock()


@dataclass(frozen=True)
class LiveOptions:
    """How live pulls talk to the API. Defaults suit the real API; tests shrink the timeout and backoff."""

    endpoint: str = DEFAULT_ENDPOINT
    connect_timeout: float = 10.0      # seconds to open the connection
    read_timeout: float = 60.0         # seconds of silence tolerated while a page arrives
    retries: int = 4                   # extra attempts after the first
    backoff_base: float = 1.0          # seconds before the first retry, doubled each time
    backoff_max: float = 30.0
    per_page: int = 10000              # rows per API page (wbgapi's default of 1000 means ~100 pages per pull)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> "LiveOptions":
        """Defaults, overridable by environment variables: ``GRIPARM_WB_ENDPOINT`` (e.g. the tests' local server),
        ``GRIPARM_WB_TIMEOUT`` (seconds, connect and read), ``GRIPARM_WB_RETRIES``, ``GRIPARM_WB_BACKOFF`` (seconds
        before the first retry) and ``GRIPARM_WB_PER_PAGE``."""
        environ = os.environ if environ is None else environ
        changes: dict[str, Any] = {"endpoint": (environ.get(ENDPOINT_ENV) or DEFAULT_ENDPOINT).rstrip("/")}
        for variable, fields, kind, least in _ENV_OPTIONS:
            raw = (environ.get(variable) or "").strip()
            if not raw:
                continue
            try:
                value = kind(raw)
                if not value >= least:
                    raise ValueError
            except ValueError:
                raise DataError(f"{variable}={raw!r} is not a {kind.__name__} of at least {least}.", where=variable,
                                field=variable, fix=f"set {variable} to such a number or unset it.") from None
            changes.update({name: value for name in fields})
        return cls(**changes)

    def backoff(self, attempt: int) -> float:
        return min(self.backoff_max, self.backoff_base * (2 ** attempt))


# Environment variable, the LiveOptions fields it sets, its type and its least allowed value.
_ENV_OPTIONS: tuple[tuple[str, tuple[str, ...], type, float], ...] = (
    ("GRIPARM_WB_TIMEOUT", ("connect_timeout", "read_timeout"), float, 0.001),
    ("GRIPARM_WB_RETRIES", ("retries",), int, 0),
    ("GRIPARM_WB_BACKOFF", ("backoff_base",), float, 0.0),
    ("GRIPARM_WB_PER_PAGE", ("per_page",), int, 1),
)


def database_for(code: str) -> int:
    for suffix, db in DATABASE_BY_SUFFIX:
        if code.endswith(suffix):
            return db
    return WDI_DB


def group_by_database(codes: Sequence[str]) -> dict[int, list[str]]:
    groups: dict[int, list[str]] = {}
    for code in codes:
        groups.setdefault(database_for(code), []).append(code)
    return {db: sorted(set(group)) for db, group in sorted(groups.items())}


# ----------------------------------------------------------------------------------------------------------------
# Deterministic tidy CSV text (same layout as worldbank/wdi.csv)

def _float_text(value: float) -> str:
    # repr is the shortest text that reads back to the same double: deterministic and lossless.
    return repr(float(value))


def tidy_csv_text(rows: pd.DataFrame) -> str:
    ordered = rows.sort_values(["iso3", "year", "indicator"], kind="mergesort")
    lines = [",".join(TIDY_COLUMNS)]
    lines.extend(f"{iso3},{int(year)},{indicator},{_float_text(value)}"
                 for iso3, year, indicator, value in ordered[TIDY_COLUMNS].itertuples(index=False, name=None))
    return "\n".join(lines) + "\n"


# Parse each value to exactly the double its text denotes: pandas 3's default parser does; pandas 2 needs
# "round_trip" (an option pandas 3 deprecates).
EXACT_FLOATS: dict[str, str] = {} if int(pd.__version__.split(".")[0]) >= 3 else {"float_precision": "round_trip"}


def read_tidy_csv(path: Path) -> pd.DataFrame:
    frame = pd.read_csv(path, dtype={"iso3": str, "indicator": str, "year": "int64", "value": "float64"},
                        keep_default_na=False, **EXACT_FLOATS)
    return frame[TIDY_COLUMNS]


# ----------------------------------------------------------------------------------------------------------------
# Cache: wb_db{db}_{slug}.csv plus wb_db{db}_{slug}.json (the manifest)

def series_slug(codes: Sequence[str]) -> str:
    joined = "+".join(sorted(code.lower() for code in codes))
    if len(joined) <= 80:
        return joined
    digest = hashlib.sha256(joined.encode()).hexdigest()[:12]
    return f"{sorted(codes)[0].lower()}+{len(codes) - 1}more-{digest}"


def cache_paths(cache_dir: Path, db: int, codes: Sequence[str]) -> tuple[Path, Path]:
    stem = f"wb_db{db}_{series_slug(codes)}"
    return cache_dir / f"{stem}.csv", cache_dir / f"{stem}.json"


ECONOMIES_STEM = "wb_economies"


def _manifest_is_valid(manifest_path: Path) -> dict[str, Any] | None:
    """The manifest when its CSV exists and hashes to the recorded sha256, else None."""
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        csv_path = manifest_path.with_suffix(".csv")
        if not csv_path.is_file() or sha256_file(csv_path) != manifest.get("sha256"):
            return None
    except (OSError, ValueError):
        return None
    return manifest


def find_cached(cache_dir: Path, db: int, code: str) -> tuple[Path, dict[str, Any]] | None:
    """The newest valid cache entry of database ``db`` whose pull included ``code``."""
    if not cache_dir.is_dir():
        return None
    hits = []
    for manifest_path in sorted(cache_dir.glob(f"wb_db{db}_*.json")):
        manifest = _manifest_is_valid(manifest_path)
        if manifest is not None and code in manifest.get("series", ()):
            hits.append((manifest.get("retrieved_at", ""), manifest_path.name, manifest_path, manifest))
    if not hits:
        return None
    _, _, manifest_path, manifest = max(hits)
    return manifest_path.with_suffix(".csv"), manifest


def find_cached_economies(cache_dir: Path) -> tuple[Path, dict[str, Any]] | None:
    manifest_path = cache_dir / f"{ECONOMIES_STEM}.json"
    manifest = _manifest_is_valid(manifest_path) if manifest_path.is_file() else None
    return None if manifest is None else (manifest_path.with_suffix(".csv"), manifest)


def write_cache_entry(csv_path: Path, manifest_path: Path, csv_text: str, manifest: dict[str, Any]) -> dict:
    """Write the CSV and then its manifest, each atomically; on any failure remove both so no orphan remains."""
    data = csv_text.encode("utf-8")
    manifest = {**manifest, "sha256": sha256_bytes(data)}
    try:
        with atomic_path(csv_path) as tmp:
            tmp.write_bytes(data)
        atomic_write_text(manifest_path, json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    except BaseException as exc:
        csv_path.unlink(missing_ok=True)
        manifest_path.unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise DataError(f"cannot write the World Bank cache ({exc}).", where=csv_path.parent,
                            field=csv_path.name, fix="make the cache folder writable (it is <work dir>/cache) "
                                                     "and check the free disk space.") from exc
        raise
    return manifest


# ----------------------------------------------------------------------------------------------------------------
# Talking to the API through wbgapi

class _BadPage(Exception):
    """A page that parsed as JSON but does not hold what its header promises (empty, short, malformed rows)."""


class _PageRecorder:
    """A ``requests`` response hook: logs every page URL and checks each page against its own header.

    wbgapi hands only the rows to its caller, so the header fields we need (``lastupdated``, ``total``) are read
    here; a short or empty page is raised as :class:`_BadPage` so the pull is retried rather than silently short.
    """

    def __init__(self) -> None:
        self.urls: list[str] = []
        self.last_updated: set[str] = set()
        self.expected_rows = 0

    def __call__(self, response: requests.Response, *args, **kwargs) -> None:
        self.urls.append(response.url)
        if response.status_code != 200:
            return  # wbgapi raises APIError with the status code
        try:
            payload = response.json()
        except ValueError:
            return  # wbgapi raises APIResponseError (JSON decoding error)
        if not (isinstance(payload, list) and payload and isinstance(payload[0], dict)):
            return  # wbgapi raises "Unrecognized response object format"
        header = payload[0]
        if header.get("message"):
            return  # wbgapi raises APIError with the API's message
        try:
            page, per_page, total = int(header["page"]), int(header["per_page"]), int(header["total"])
        except (KeyError, TypeError, ValueError) as exc:
            raise _BadPage(f"page header without page/per_page/total ({exc})") from None
        rows = payload[1] if len(payload) > 1 else None
        if total == 0:
            raise _BadPage("the API returned no rows at all (total 0)")
        expected = max(0, min(per_page, total - (page - 1) * per_page))
        if not isinstance(rows, list) or len(rows) != expected:
            got = len(rows) if isinstance(rows, list) else "no"
            raise _BadPage(f"page {page} holds {got} rows, its header promises {expected} (total {total})")
        if page == 1:
            self.expected_rows += total
        if header.get("lastupdated"):
            self.last_updated.add(str(header["lastupdated"]))


@contextlib.contextmanager
def _wbgapi_configured(options: LiveOptions, recorder: _PageRecorder) -> Iterator[None]:
    """Point wbgapi at ``options.endpoint`` with our timeout and hook; put its globals back afterwards."""
    with _WBGAPI_LOCK:
        saved = (wbgapi.endpoint, wbgapi.get_options, wbgapi.per_page)
        get_options = dict(saved[1] or {})
        hooks = dict(get_options.get("hooks") or {})
        existing = hooks.get("response") or []
        hooks["response"] = (list(existing) if isinstance(existing, (list, tuple)) else [existing]) + [recorder]
        get_options.update(timeout=(options.connect_timeout, options.read_timeout), hooks=hooks)
        wbgapi.endpoint, wbgapi.get_options, wbgapi.per_page = options.endpoint, get_options, options.per_page
        try:
            yield
        finally:
            wbgapi.endpoint, wbgapi.get_options, wbgapi.per_page = saved


def _is_transient(exc: BaseException) -> bool:
    if isinstance(exc, _CONFIG_ERRORS):
        return False
    if isinstance(exc, (requests.exceptions.RequestException, _BadPage, wbgapi.APIResponseError)):
        return True
    if isinstance(exc, wbgapi.APIError):
        # A numeric code is an HTTP status; without one it is the API's own message (e.g. an invalid series id),
        # or wbgapi not recognising the response layout, which a retry may cure only in the latter case.
        if exc.code is not None:
            return int(exc.code) >= 500 or int(exc.code) == 429
        return "Unrecognized response" in str(exc.msg)
    return False


def _describe(exc: BaseException) -> str:
    if isinstance(exc, requests.exceptions.Timeout):
        return f"timed out ({type(exc).__name__})"
    if isinstance(exc, _BadPage):
        return f"malformed response: {exc}"
    if isinstance(exc, wbgapi.APIError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


def _with_retries(what: str, url: str, options: LiveOptions, attempt_once: Callable[[], Any],
                  echo: Callable[[str], None] | None, refusal_hint: str = "") -> Any:
    last: BaseException | None = None
    for attempt in range(options.retries + 1):
        try:
            return attempt_once()
        except Exception as exc:  # noqa: BLE001 - classified right below; anything unknown is re-raised
            if not _is_transient(exc):
                if isinstance(exc, (wbgapi.APIError, *_CONFIG_ERRORS)):
                    raise DownloadError(f"the World Bank API refused the request for {what}: {_describe(exc)}.",
                                        where=url, field=what,
                                        fix=f"check the series codes{refusal_hint} and the endpoint "
                                            f"({ENDPOINT_ENV}); or set GRIPARM_DATA to a folder with worldbank/ "
                                            "files.") from exc
                raise
            last = exc
            if attempt < options.retries:
                wait = options.backoff(attempt)
                if echo:
                    echo(f"World Bank API: {what}: {_describe(exc)}; retry {attempt + 1}/{options.retries} "
                         f"in {wait:g} s")
                time.sleep(wait)
    raise DownloadError(f"could not download {what} after {options.retries + 1} attempts; last error: "
                        f"{_describe(last)}.", where=url, field=what,
                        fix="check the network connection (and a proxy, if any) and try again; or set "
                            "GRIPARM_DATA (or --data) to a folder with worldbank/ files to work offline.") from last


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
        raise _BadPage(f"row without a known economy, year or requested series: {row!r}"[:300])
    return iso3, year, code


def _data_url(options: LiveOptions, db: int, api_ids: Sequence[str]) -> str:
    return f"{options.endpoint}/en/sources/{db}/series/{';'.join(api_ids)}/country/all/time/all"


def _pull_once(db: int, codes: Sequence[str], options: LiveOptions) -> tuple[pd.DataFrame, _PageRecorder]:
    api_to_code = {API_SERIES_ID.get(code, code): code for code in codes}
    recorder = _PageRecorder()
    observations: dict[tuple[str, int, str], float] = {}
    with _wbgapi_configured(options, recorder):
        rows = wbgapi.refetch("sources/{source}/series/{series}/country/{economy}/time/{time}",
                              ["series", "economy"], source=db, series=";".join(api_to_code),
                              economy="all", time="all")
        received = 0
        for row in rows:
            received += 1
            key = _row_key(row, api_to_code)
            if key in observations:
                raise _BadPage(f"the API sent {key} twice (paging overlap)")
            if row.get("value") is not None:
                try:
                    observations[key] = float(row["value"])
                except (TypeError, ValueError):
                    raise _BadPage(f"non-numeric value {row['value']!r} for {key}") from None
    if received != recorder.expected_rows:
        raise _BadPage(f"received {received} rows, the page headers promised {recorder.expected_rows}")
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
            "API_SERIES_ID (griparm_econ/sources/worldbank_api.py)" if db == WGI_DB else "")
    frame, recorder = _with_retries(what, url, options, lambda: _pull_once(db, codes, options), echo, hint)
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


def read_cached(csv_path: Path, manifest: Mapping[str, Any], codes: Sequence[str]) -> tuple[pd.DataFrame, dict]:
    frame = read_tidy_csv(csv_path)
    frame = frame[frame["indicator"].isin(list(codes))].reset_index(drop=True)
    provenance = {"url": manifest.get("url"), "path": f"cache/{csv_path.name}", "sha256": manifest["sha256"],
                  "rows": int(len(frame)), "vintage": manifest.get("api_last_updated"),
                  "last_updated": manifest.get("api_last_updated"),
                  "retrieved_at": manifest.get("retrieved_at"), "series": sorted(codes),
                  "database": manifest.get("database"), "origin": "cache"}
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


def _economies_once(options: LiveOptions) -> tuple[pd.DataFrame, _PageRecorder]:
    recorder = _PageRecorder()
    with _wbgapi_configured(options, recorder):
        records = list(wbgapi.fetch("country/all"))
    if len(records) != recorder.expected_rows:
        raise _BadPage(f"received {len(records)} economies, the page headers promised {recorder.expected_rows}")
    try:
        frame = pd.DataFrame([_economy_row(record) for record in records], columns=ECONOMY_COLUMNS)
    except (KeyError, TypeError, AttributeError) as exc:
        raise _BadPage(f"economy record without the expected fields ({exc})") from None
    if frame["iso3"].duplicated().any():
        raise _BadPage("the API listed an economy twice (paging overlap)")
    return frame.sort_values("iso3", kind="mergesort").reset_index(drop=True), recorder


def economies_csv_text(frame: pd.DataFrame) -> str:
    return frame[ECONOMY_COLUMNS].to_csv(index=False, lineterminator="\n")


def read_economies_csv(path: Path) -> pd.DataFrame:
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        frame[ECONOMY_COLUMNS]
    except (ValueError, KeyError, OSError, EOFError) as exc:     # binary garbage, a truncated gzip, lost columns
        raise DataError(f"cannot read it as the economy list ({type(exc).__name__}: {str(exc)[:120]}).", where=path,
                        field=",".join(ECONOMY_COLUMNS),
                        fix="restore the file from its source (git checkout data/raw; see PROVENANCE.md).") from exc
    flags = frame["is_aggregate"].str.strip().str.lower()
    if not flags.isin(["true", "false"]).all():
        bad = sorted(set(frame.loc[~flags.isin(["true", "false"]), "is_aggregate"]))[:5]
        raise DataError(f"is_aggregate must be True or False, found {bad}.", where=path, field="is_aggregate",
                        fix="restore the file from its source (see PROVENANCE.md).")
    frame["is_aggregate"] = flags.eq("true")
    return frame[ECONOMY_COLUMNS]


def pull_economies(cache_dir: Path, options: LiveOptions,
                   echo: Callable[[str], None] | None = None) -> tuple[pd.DataFrame, dict[str, Any]]:
    url = f"{options.endpoint}/en/country/all"
    if echo:
        echo(f"World Bank API: pulling the economy list from {options.endpoint}")
    frame, recorder = _with_retries("the economy list", url, options, lambda: _economies_once(options), echo)
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
