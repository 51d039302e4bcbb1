"""Retries of live World Bank requests: which faults are transient (5xx, timeouts, dropped connections, malformed
or short pages), exponential backoff between attempts, and one :class:`~griparm_econ.errors.DownloadError` naming
the request, the last fault and the fix when the attempts run out or the API refuses the request.
"""

from __future__ import annotations

import time
from typing import Any, Callable

import requests
import wbgapi

from griparm_econ.errors import DownloadError
from griparm_econ.sources.worldbank_options import ENDPOINT_ENV, LiveOptions
from griparm_econ.sources.worldbank_pages import BadPage

# requests exceptions that are a bad setting, not a flaky network: retrying cannot help.
CONFIG_ERRORS = (requests.exceptions.InvalidURL, requests.exceptions.MissingSchema,
                 requests.exceptions.InvalidSchema)


def is_transient(exc: BaseException) -> bool:
    if isinstance(exc, CONFIG_ERRORS):
        return False
    if isinstance(exc, (requests.exceptions.RequestException, BadPage, wbgapi.APIResponseError)):
        return True
    if isinstance(exc, wbgapi.APIError):
        # A numeric code is an HTTP status; without one it is the API's own message (e.g. an invalid series id),
        # or wbgapi not recognising the response layout, which a retry may cure only in the latter case.
        if exc.code is not None:
            return int(exc.code) >= 500 or int(exc.code) == 429
        return "Unrecognized response" in str(exc.msg)
    return False


def describe_fault(exc: BaseException) -> str:
    if isinstance(exc, requests.exceptions.Timeout):
        return f"timed out ({type(exc).__name__})"
    if isinstance(exc, BadPage):
        return f"malformed response: {exc}"
    if isinstance(exc, wbgapi.APIError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


def with_retries(what: str, url: str, options: LiveOptions, attempt_once: Callable[[], Any],
                 echo: Callable[[str], None] | None, refusal_hint: str = "") -> Any:
    """``attempt_once()``, tried again after a transient fault up to ``options.retries`` times with backoff."""
    last: BaseException | None = None
    for attempt in range(options.retries + 1):
        try:
            return attempt_once()
        except Exception as exc:  # noqa: BLE001 - classified right below; anything unknown is re-raised
            if not is_transient(exc):
                if isinstance(exc, (wbgapi.APIError, *CONFIG_ERRORS)):
                    raise DownloadError(f"the World Bank API refused the request for {what}: "
                                        f"{describe_fault(exc)}.", where=url, field=what,
                                        fix=f"check the series codes{refusal_hint} and the endpoint "
                                            f"({ENDPOINT_ENV}); or set GRIPARM_DATA to a folder with worldbank/ "
                                            "files.") from exc
                raise
            last = exc
            if attempt < options.retries:
                wait = options.backoff(attempt)
                if echo:
                    echo(f"World Bank API: {what}: {describe_fault(exc)}; retry {attempt + 1}/{options.retries} "
                         f"in {wait:g} s")
                time.sleep(wait)
    raise DownloadError(f"could not download {what} after {options.retries + 1} attempts; last error: "
                        f"{describe_fault(last)}.", where=url, field=what,
                        fix="check the network connection (and a proxy, if any) and try again; or set "
                            "GRIPARM_DATA (or --data) to a folder with worldbank/ files to work offline.") from last
