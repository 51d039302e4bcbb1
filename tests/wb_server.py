"""A local stand-in for the World Bank API v2, for testing live pulls through the real wbgapi and requests.

Serves, on 127.0.0.1 and a free port, the two endpoints the package uses, in the API's JSON layout:

* ``/v2/en/sources/{db}/series/{codes}/country/{economies}/time/{years}?per_page=&page=&format=json`` - data:
  ``[{"page", "pages", "per_page", "total", "sourceid", "lastupdated"}, [rows]]``, one row per series x economy x
  year (empty observations as ``"value": null``, as the API sends them), newest year first;
* ``/v2/en/country/all?...`` - the economy list.

Faults are scripted per request: ``server.script`` is consumed one entry per request (``"ok"``, ``"500"``,
``"502"``, ``"hang"``, ``"truncated"``, ``"empty_page"``, ``"overlap"`` - a page repeating its neighbour's rows);
once it is empty ``server.default`` applies. Every request path is logged in ``server.paths``.
"""

from __future__ import annotations

import json
import math
import threading
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

LAST_UPDATED = "2025-12-19"
INVALID_VALUE = [{"message": [{"id": "120", "key": "Invalid value",
                               "value": "The provided parameter value is not valid"}]}]
FAULTS = ("500", "502", "hang", "truncated", "empty_page", "overlap")


@dataclass
class Economy:
    iso3: str
    name: str
    region: str
    income: str
    lending: str

    @property
    def is_aggregate(self) -> bool:
        return self.region == "Aggregates"

    def record(self) -> dict:
        def part(value: str) -> dict:
            code = "NA" if self.is_aggregate else value[:3].upper()
            # The API pads some region names with a trailing space; the loader must strip it.
            return {"id": code, "iso2code": code[:2], "value": value + (" " if value.startswith("Latin") else "")}

        return {"id": self.iso3, "iso2Code": self.iso3[:2], "name": self.name, "region": part(self.region),
                "adminregion": {"id": "", "iso2code": "", "value": ""}, "incomeLevel": part(self.income),
                "lendingType": part(self.lending), "capitalCity": "", "longitude": "", "latitude": ""}


@dataclass
class FakeWorldBank:
    """What the fake API knows: observations per database and series, and the economies."""

    economies: list[Economy]
    years: list[int]
    series: dict[int, dict[str, dict[tuple[str, int], float | None]]]   # db -> code -> (iso3, year) -> value
    names: dict[str, str] = field(default_factory=dict)

    def rows(self, db: int, codes: list[str]) -> list[dict]:
        rows = []
        for code in codes:
            observations = self.series[db][code]
            for economy in self.economies:
                for year in sorted(self.years, reverse=True):
                    rows.append({"indicator": {"id": code, "value": self.names.get(code, code)},
                                 "variable": [{"concept": "Country", "id": economy.iso3, "value": economy.name},
                                              {"concept": "Series", "id": code, "value": self.names.get(code, code)},
                                              {"concept": "Time", "id": f"YR{year}", "value": str(year)}],
                                 "value": observations.get((economy.iso3, year))})
        return rows


class _Handler(BaseHTTPRequestHandler):
    server: "_Server"

    def log_message(self, format, *args):  # keep pytest output clean
        pass

    def do_GET(self):  # noqa: N802 - http.server's naming
        owner = self.server.owner
        parts = urlsplit(self.path)
        query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
        behaviour = owner._next_behaviour(self.path)
        if behaviour in ("500", "502"):
            return self._send(int(behaviour), b"<html>server error</html>", "text/html")
        if behaviour == "hang":
            owner._stop.wait(owner.hang_seconds)
            return self._send(200, b"[]")

        segments = [unquote(s) for s in parts.path.split("/") if s]
        if segments[:2] != ["v2", "en"]:
            return self._send(404, b"not found", "text/plain")
        rest = segments[2:]
        if len(rest) == 8 and rest[0] == "sources" and rest[2] == "series" and rest[4] == "country" \
                and rest[6] == "time":
            db, codes = int(rest[1]), rest[3].split(";")
            known = owner.bank.series.get(db, {})
            if any(code not in known for code in codes) or rest[5] != "all" or rest[7] != "all":
                return self._send_json(INVALID_VALUE)
            rows, extra = owner.bank.rows(db, codes), {"sourceid": str(db), "lastupdated": owner.last_updated}
        elif rest == ["country", "all"]:
            rows, extra = [economy.record() for economy in owner.bank.economies], {}
        else:
            return self._send(404, b"not found", "text/plain")

        per_page, page = int(query.get("per_page", 50)), int(query.get("page", 1))
        total = len(rows)
        header = {"page": page, "pages": max(1, math.ceil(total / per_page)), "per_page": per_page,
                  "total": total, **extra}
        chunk = rows[(page - 1) * per_page: page * per_page]
        if behaviour == "empty_page":
            chunk = []
        elif behaviour == "overlap":      # a full page, but the rows of a neighbouring page
            neighbour = page - 1 if page > 1 else page + 1
            chunk = rows[(neighbour - 1) * per_page: neighbour * per_page][: len(chunk)]
        body = json.dumps([header, chunk]).encode()
        if behaviour == "truncated":
            body = body[: len(body) // 2]
        return self._send(200, body)

    def _send_json(self, payload) -> None:
        self._send(200, json.dumps(payload).encode())

    def _send(self, status: int, body: bytes, content_type: str = "application/json;charset=utf-8") -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (timeout test)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    owner: "FakeWorldBankServer"


class FakeWorldBankServer:
    """Start with ``with FakeWorldBankServer(bank) as server:``; ``server.endpoint`` is the wbgapi endpoint."""

    def __init__(self, bank: FakeWorldBank, *, last_updated: str = LAST_UPDATED, hang_seconds: float = 3.0):
        self.bank = bank
        self.last_updated = last_updated
        self.hang_seconds = hang_seconds
        self.script: deque[str] = deque()
        self.default = "ok"
        self.paths: list[str] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None

    def _next_behaviour(self, path: str) -> str:
        with self._lock:
            self.paths.append(path)
            return self.script.popleft() if self.script else self.default

    @property
    def endpoint(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}/v2"

    @property
    def request_count(self) -> int:
        with self._lock:
            return len(self.paths)

    def reset(self) -> None:
        with self._lock:
            self.paths.clear()
            self.script.clear()
            self.default = "ok"

    def __enter__(self) -> "FakeWorldBankServer":
        self._httpd = _Server(("127.0.0.1", 0), _Handler)
        self._httpd.owner = self
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)
