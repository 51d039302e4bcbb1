"""How live World Bank pulls talk to the API: where it is (``GRIPARM_WB_ENDPOINT``), timeouts, retries and page size
(:class:`LiveOptions`), and which API database and series id each of our series codes has.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from griparm_econ.errors import DataError

WDI_DB = 2   # World Development Indicators
WGI_DB = 3   # Worldwide Governance Indicators

ENDPOINT_ENV = "GRIPARM_WB_ENDPOINT"
DEFAULT_ENDPOINT = "https://api.worldbank.org/v2"

# Which API database holds a series, decided by the code's suffix; anything else is WDI.
DATABASE_BY_SUFFIX: tuple[tuple[str, int], ...] = ((".EST", WGI_DB),)

# Our code -> the id the API uses for it, where the two differ. Empty today: the API has served the WGI estimates
# as "GE.EST" etc. in database 3. The World Bank announced new GOV_WGI_* codes in July 2026; once a verified code is
# known it belongs here, not in an if-statement.
API_SERIES_ID: dict[str, str] = {}


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
