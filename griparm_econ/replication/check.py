"""Compare every reported number with a fresh replication, number by number."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Mapping, Sequence

from griparm_econ.replication.reported import COMPARED, Reported, reported_cells

# How close a replicated number must be to the reported one: relative tolerance, plus an absolute floor so that a
# coefficient that is zero up to rounding (1e-17 vs -3e-18) does not count as a mismatch. Here, in the check, and
# nowhere else: the reported file cannot loosen them.
TOLERANCES: Mapping[str, Mapping[str, float] | str] = {
    "params": {"rtol": 1e-6, "atol": 1e-10},
    "std_errors": {"rtol": 1e-6, "atol": 1e-10},
    "nobs": "exact",
    "values": {"rtol": 1e-6, "atol": 1e-10},     # the cells of a descriptive, shares or before/after table
}


@dataclass(frozen=True)
class Mismatch:
    table: str
    model: str
    quantity: str           # nobs | params | std_errors | values (a cell: model = its row, term = its column)
    term: str
    reported: float | None
    replicated: float | None

    @property
    def difference(self) -> float | None:
        if self.reported is None or self.replicated is None:
            return None
        return self.replicated - self.reported


@dataclass(frozen=True)
class TableCheck:
    table: str
    matched: int
    mismatches: tuple[Mismatch, ...]


@dataclass(frozen=True)
class ReplicationReport:
    tables: tuple[TableCheck, ...]
    vintage_warnings: tuple[str, ...] = ()      # the data differ from the reported vintage
    spec_warnings: tuple[str, ...] = ()         # a spec changed since the numbers were reported
    tolerances: Mapping[str, object] = field(default_factory=lambda: dict(TOLERANCES))
    unreported: tuple[str, ...] = ()            # tables of the study the reported file lacks
    inputs_matched: tuple[str, ...] = ()        # inputs (files, World Bank series) as reported
    versions: Mapping[str, str] = field(default_factory=dict)   # the software that ran


    @property
    def n_matched(self) -> int:
        return sum(t.matched for t in self.tables)

    @property
    def n_mismatched(self) -> int:
        return sum(len(t.mismatches) for t in self.tables)

    @property
    def ok(self) -> bool:
        return self.n_mismatched == 0 and not self.unreported


def _close(reported: float, replicated: float, tolerance: object) -> bool:
    if tolerance == "exact":
        return reported == replicated
    if any(v is None or (isinstance(v, float) and math.isnan(v)) for v in (reported, replicated)):
        return reported is None and replicated is None or (
            isinstance(reported, float) and isinstance(replicated, float)
            and math.isnan(reported) and math.isnan(replicated))
    rtol = float(tolerance["rtol"])
    atol = float(tolerance.get("atol", 0.0))
    return abs(replicated - reported) <= max(atol, rtol * abs(reported))


def _models_by_name(models) -> dict[str, Mapping]:
    named = {}
    for position, model in enumerate(models, start=1):
        key = model.get("name") or f"({position})"
        if key in named:  # duplicate names: fall back to position so nothing is compared twice
            key = f"{key} ({position})"
        named[key] = model
    return named


def compare_table(table: str, reported: Mapping, replicated: Mapping | None, tolerances: Mapping) -> TableCheck:
    matched, mismatches = 0, []
    rep_models = _models_by_name(reported["models"])
    new_models = _models_by_name(replicated["models"]) if replicated else {}
    for model_name, rep in rep_models.items():
        new = new_models.get(model_name)
        for quantity in COMPARED:
            tolerance = tolerances[quantity]
            if quantity == "nobs":
                items = {"N": rep["nobs"]}
                fresh = {"N": new["nobs"]} if new else {}
            else:
                items = rep[quantity]
                fresh = new[quantity] if new else {}
            for term, value in items.items():
                other = fresh.get(term)
                if other is not None and _close(value, other, tolerance):
                    matched += 1
                else:
                    mismatches.append(Mismatch(table, model_name, quantity, term, value, other))
    fresh_cells = reported_cells(replicated.get("values", {})) if replicated else {}
    for row, cells in reported.get("values", {}).items():
        for column, value in cells.items():
            other = fresh_cells.get(row, {}).get(column)
            if (value is None and other is None and column in fresh_cells.get(row, {})) or (
                    other is not None and value is not None and _close(value, other, tolerances["values"])):
                matched += 1
            else:
                mismatches.append(Mismatch(table, row, "values", column, value, other))
    return TableCheck(table=table, matched=matched, mismatches=tuple(mismatches))


def spec_warnings(reported: Reported, replicated: Mapping[str, Mapping]) -> list[str]:
    """Specs changed since the reported numbers were frozen, said before any comparison."""
    warnings = []
    for table, entry in sorted(reported.tables.items()):
        fresh = replicated.get(table)
        if fresh is not None and fresh.get("spec_sha256") != entry.get("spec_sha256"):
            warnings.append(f"{table}: spec {entry.get('spec')} changed since the numbers were reported")
    return warnings


def vintage_comparison(reported: Reported, current_vintage: Mapping) -> tuple[list[str], list[str]]:
    """The data the numbers came from against the data now: every input file (sha256) and every World Bank series'
    last-updated date. Returns (differences, inputs that matched). The built panel is not compared: it also changes
    when the catalog gains a variable, which changes no reported number."""
    differences, matched = [], []
    old_inputs = {i.get("path"): i.get("sha256") for i in reported.data_vintage.get("inputs", [])}
    new_inputs = {i.get("path"): i.get("sha256") for i in current_vintage.get("inputs", [])}
    for path in sorted(set(old_inputs) | set(new_inputs), key=str):
        if old_inputs.get(path) != new_inputs.get(path):
            state = ("missing now" if path not in new_inputs else "new" if path not in old_inputs else "changed")
            differences.append(f"input {path}: {state} (sha256 {str(old_inputs.get(path))[:12]} reported, "
                               f"{str(new_inputs.get(path))[:12]} now)")
        else:
            matched.append(f"{path} (sha256 {str(new_inputs[path])[:12]})")
    old_wb = reported.data_vintage.get("worldbank_last_updated", {})
    new_wb = current_vintage.get("worldbank_last_updated", {})
    for key in sorted(set(old_wb) | set(new_wb)):
        if old_wb.get(key) != new_wb.get(key):
            differences.append(f"World Bank {key}: last updated {old_wb.get(key)} reported, {new_wb.get(key)} now")
        else:
            matched.append(f"World Bank {key} ({new_wb[key]})")
    return differences, matched


def check(reported: Reported, replicated: Mapping[str, Mapping], current_vintage: Mapping, *,
          study_tables: Sequence[str] = (), versions: Mapping[str, str] | None = None) -> ReplicationReport:
    """Compare every reported number with its replication. ``replicated``: table -> its estimates as
    :func:`griparm_econ.report.estimates.estimates_dict` gives them, from a fresh estimation in memory (never the
    records of an output folder, which an edit could make agree with the reported file). ``study_tables``: the tables
    of the study that report estimates; one missing from the reported file fails the check (deleting a table from the
    file cannot pass)."""
    checks = [compare_table(table, entry, replicated.get(table), TOLERANCES)
              for table, entry in sorted(reported.tables.items())]
    differences, matched = vintage_comparison(reported, current_vintage)
    return ReplicationReport(tables=tuple(checks), vintage_warnings=tuple(differences),
                             spec_warnings=tuple(spec_warnings(reported, replicated)),
                             unreported=tuple(sorted(set(study_tables) - set(reported.tables))),
                             inputs_matched=tuple(matched), versions=dict(versions or {}))
