"""Field-level coding of the events file: one source per coded field, a reason per field left uncoded, and both
versions of a disputed value (docs/codebook_restrictions.md, "export_restrictions_coding.csv").

``export_restrictions_coding.csv`` has one row per event, coded field and version. For every event and every field
of ``CODED_FIELDS`` there is exactly one row with status ``coded`` (the value the events file carries, with the
quote that states it and where the quote is) or ``not_coded`` (the events file's field is empty; ``note`` says why),
and any number of rows with status ``disputed`` (another version of the value, from another passage). A quote must
occur verbatim in the passage its locator names: a column of an event row of the events file, a column of a data
row of the IEA tracker snapshot, or a field of a GTA intervention of the GTA snapshot (HTML tags and runs of
white space do not count). So no coded value can rest on words that are not in the repository.
"""

from __future__ import annotations

import html
import re
from typing import Any, Iterable, Mapping

import pandas as pd

from griparm_econ.errors import DataError
from griparm_econ.sources.restrictions_schema import MOTIVES, SHOWN, STAGES

CODING_FILE = "export_restrictions_coding.csv"
CODED_FIELDS = ("stage", "motive", "announced_date", "in_force_date", "legal_instrument")
STATUSES = ("coded", "not_coded", "disputed")
SOURCES = ("events", "iea", "gta")
COLUMNS = ["event_id", "field", "status", "value", "source", "locator", "quote", "note"]
BASIS = {"stage": "stage_basis", "motive": "motive_basis"}          # fields whose quote the events file repeats
_DATE = re.compile(r"^\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?$")   # YYYY, YYYY-MM or YYYY-MM-DD
_TAG = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")


def normalise(text: str) -> str:
    """Text as read: HTML entities decoded, tags dropped, runs of white space made one space."""
    return _SPACE.sub(" ", _TAG.sub(" ", html.unescape(str(text)))).strip()


def value_problem(field: str, value: str) -> str | None:
    """Why ``value`` is not a valid value of ``field`` (None when it is)."""
    if field == "stage":
        bad = [part for part in value.split(";") if part not in STAGES]
        return f"{bad} are not stages ({', '.join(STAGES)})" if bad else None
    if field == "motive":
        return None if value in MOTIVES else f"{value!r} is not one of {', '.join(MOTIVES)}"
    if field.endswith("_date"):
        return None if _DATE.match(value) else f"{value!r} is not YYYY, YYYY-MM or YYYY-MM-DD"
    return None


class Evidence:
    """The passages a locator can name: ``<event_id>/<column>`` (events file), ``<data row>/<column>`` (IEA
    snapshot, data rows counted from 1) and ``<id>/<field>`` (GTA snapshot)."""

    def __init__(self, events: pd.DataFrame, iea: pd.DataFrame, gta: Iterable[Mapping[str, Any]]):
        self._events = events.set_index("event_id")
        self._iea = iea
        self._gta = {str(item.get("id")): item for item in gta}

    def passage(self, source: str, locator: str) -> str | None:
        key, _, column = locator.partition("/")
        if source == "events" and key in self._events.index and column in self._events.columns:
            return normalise(self._events.at[key, column])
        if source == "iea" and key.isdigit() and 1 <= int(key) <= len(self._iea) and column in self._iea.columns:
            return normalise(self._iea.iloc[int(key) - 1][column])
        if source == "gta" and key in self._gta and column in self._gta[key]:
            return normalise(self._gta[key][column])
        return None


def _row_problems(row: Mapping[str, str], evidence: Evidence) -> Iterable[str]:
    field, status = row["field"], row["status"]
    if field not in CODED_FIELDS:
        yield f"field {field!r} is not one of {', '.join(CODED_FIELDS)}"
        return
    if status not in STATUSES:
        yield f"status {status!r} is not one of {', '.join(STATUSES)}"
        return
    if status == "not_coded":
        if row["value"] or row["quote"] or row["source"] or row["locator"]:
            yield "a not_coded row has no value, source, locator or quote"
        if not row["note"]:
            yield "a not_coded row needs the reason in note"
        return
    problem = value_problem(field, row["value"]) if row["value"] else "value is empty"
    if problem:
        yield problem
    if row["source"] not in SOURCES:
        yield f"source {row['source']!r} is not one of {', '.join(SOURCES)}"
        return
    passage = evidence.passage(row["source"], row["locator"])
    if passage is None:
        yield f"locator {row['locator']!r} names no passage of the {row['source']} source"
    elif not row["quote"] or normalise(row["quote"]) not in passage:
        yield f"quote {row['quote']!r} is not in {row['source']} {row['locator']}"


def coding_problems(coding: pd.DataFrame, events: pd.DataFrame, evidence: Evidence) -> list[str]:
    """Every problem of the coding table, and of its agreement with the events file, as readable lines."""
    problems: list[str] = []
    missing = [c for c in COLUMNS if c not in coding.columns]
    extra = [c for c in coding.columns if c not in COLUMNS]
    if missing or extra:
        return [f"columns differ (missing {missing or 'none'}, unknown {extra or 'none'})"]
    known = set(events["event_id"])
    for position, row in enumerate(coding.to_dict(orient="records")):
        where = f"data row {position + 1} ({row['event_id']} {row['field']})"
        if row["event_id"] not in known:
            problems.append(f"{where}: event_id is not in the events file")
            continue
        problems.extend(f"{where}: {problem}" for problem in _row_problems(row, evidence))
    decided = coding[coding["status"].isin(("coded", "not_coded"))]
    counts = decided.groupby(["event_id", "field"]).size()
    by_event = events.set_index("event_id")
    for event_id in events["event_id"]:
        for field in CODED_FIELDS:
            count = int(counts.get((event_id, field), 0))
            if count != 1:
                problems.append(f"{event_id} {field}: {count} coded/not_coded rows (exactly one needed)")
                continue
            row = decided[(decided["event_id"] == event_id) & (decided["field"] == field)].iloc[0]
            carried = str(by_event.at[event_id, field])
            if row["status"] == "coded" and carried != row["value"]:
                problems.append(f"{event_id} {field}: the events file has {carried!r}, the coding table "
                                f"{row['value']!r}")
            if row["status"] == "not_coded" and carried:
                problems.append(f"{event_id} {field}: the events file has {carried!r} but the coding table says "
                                "not_coded")
            basis = BASIS.get(field)
            if basis and row["status"] == "coded" and str(by_event.at[event_id, basis]) != row["quote"]:
                problems.append(f"{event_id} {basis}: differs from the coding table's quote {row['quote']!r}")
    return problems


def validate_coding(coding: pd.DataFrame, events: pd.DataFrame, evidence: Evidence, path: Any) -> None:
    """One DataError listing every problem (``coding`` and ``events`` read with dtype=str, keep_default_na=False)."""
    problems = coding_problems(coding, events, evidence)
    if problems:
        more = f"; and {len(problems) - SHOWN} more" if len(problems) > SHOWN else ""
        raise DataError(f"{len(problems)} problem(s) in the field coding: " + "; ".join(problems[:SHOWN]) + more
                        + ".", where=path, field="rows",
                        fix="every event needs one coded or not_coded row per field, each coded value the events "
                            "file's own, with a quote found where its locator points (docs/codebook_restrictions.md); "
                            "log the change in docs/restrictions_changelog.md.")
