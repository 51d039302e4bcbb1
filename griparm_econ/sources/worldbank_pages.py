"""wbgapi set up for one pull, and every page it fetches checked against its own header.

wbgapi keeps its endpoint, page size and ``requests`` options in module globals; :func:`wbgapi_configured` sets them
for the duration of one pull under a lock and restores them afterwards. wbgapi hands only the rows to its caller, so
a ``requests`` response hook (:class:`PageRecorder`) reads each page's header and raises :class:`BadPage` when a
page does not hold the rows it promises.
"""

from __future__ import annotations

import contextlib
import threading
from typing import Iterator

import requests
import wbgapi

from griparm_econ.sources.worldbank_options import LiveOptions

# wbgapi's globals are process-wide; one pull at a time may change them.
_WBGAPI_LOCK = threading.Lock()


class BadPage(Exception):
    """A page that parsed as JSON but does not hold what its header promises (empty, short, malformed rows)."""


class PageRecorder:
    """A ``requests`` response hook: logs every page URL and checks each page against its own header.

    wbgapi hands only the rows to its caller, so the header fields we need (``lastupdated``, ``total``) are read
    here; a short or empty page is raised as :class:`BadPage` so the pull is retried rather than silently short.
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
            raise BadPage(f"page header without page/per_page/total ({exc})") from None
        rows = payload[1] if len(payload) > 1 else None
        if total == 0:
            raise BadPage("the API returned no rows at all (total 0)")
        expected = max(0, min(per_page, total - (page - 1) * per_page))
        if not isinstance(rows, list) or len(rows) != expected:
            got = len(rows) if isinstance(rows, list) else "no"
            raise BadPage(f"page {page} holds {got} rows, its header promises {expected} (total {total})")
        if page == 1:
            self.expected_rows += total
        if header.get("lastupdated"):
            self.last_updated.add(str(header["lastupdated"]))


@contextlib.contextmanager
def wbgapi_configured(options: LiveOptions, recorder: PageRecorder) -> Iterator[None]:
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
