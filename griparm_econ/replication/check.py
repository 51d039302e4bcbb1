"""Compare every reported number with a fresh replication, number by number."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

from griparm_econ.replication.reported import COMPARED, Reported


@dataclass(frozen=True)
class Mismatch:
    table: str
    model: str
    quantity: str           # nobs | params | std_errors
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
    tolerances: Mapping[str, object] = field(default_factory=dict)

    @property
    def n_matched(self) -> int:
        return sum(t.matched for t in self.tables)

    @property
    def n_mismatched(self) -> int:
        return sum(len(t.mismatches) for t in self.tables)

    @property
    def ok(self) -> bool:
        return self.n_mismatched == 0


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
    return TableCheck(table=table, matched=matched, mismatches=tuple(mismatches))


def vintage_warnings(reported: Reported, estimates_dir: Path, current_vintage: Mapping) -> tuple[list[str], list[str]]:
    """Differences between the data (first list) and the specs (second list) the reported numbers came from and
    those now, said before any comparison."""
    warnings, spec_warnings = [], []
    for table, entry in sorted(reported.tables.items()):
        path = Path(estimates_dir) / f"{table}.json"
        if not path.exists():
            continue
        now = json.loads(path.read_text(encoding="utf-8"))
        if now.get("data_sha256") != entry.get("data_sha256"):
            warnings.append(f"{table}: data differ from the reported vintage (sha256 {entry.get('data_sha256', '?')[:12]}"
                            f" reported, {str(now.get('data_sha256'))[:12]} now)")
        if now.get("spec_sha256") != entry.get("spec_sha256"):
            spec_warnings.append(f"{table}: spec {entry.get('spec')} changed since the numbers were reported")
    old_inputs = {i.get("path"): i.get("sha256") for i in reported.data_vintage.get("inputs", [])}
    new_inputs = {i.get("path"): i.get("sha256") for i in current_vintage.get("inputs", [])}
    for path in sorted(set(old_inputs) | set(new_inputs)):
        if old_inputs.get(path) != new_inputs.get(path):
            state = ("missing now" if path not in new_inputs else "new" if path not in old_inputs else "changed")
            warnings.append(f"input {path}: {state} (sha256 {str(old_inputs.get(path))[:12]} reported, "
                            f"{str(new_inputs.get(path))[:12]} now)")
    old_wb = reported.data_vintage.get("worldbank_last_updated", {})
    new_wb = current_vintage.get("worldbank_last_updated", {})
    for key in sorted(set(old_wb) | set(new_wb)):
        if old_wb.get(key) != new_wb.get(key):
            warnings.append(f"World Bank {key}: last updated {old_wb.get(key)} reported, {new_wb.get(key)} now")
    return warnings, spec_warnings


def check(reported: Reported, estimates_dir: Path, current_vintage: Mapping) -> ReplicationReport:
    checks = []
    for table, entry in sorted(reported.tables.items()):
        path = Path(estimates_dir) / f"{table}.json"
        replicated = json.loads(path.read_text(encoding="utf-8")) if path.exists() else None
        checks.append(compare_table(table, entry, replicated, reported.tolerances))
    data_warnings, spec_warnings = vintage_warnings(reported, estimates_dir, current_vintage)
    return ReplicationReport(tables=tuple(checks), vintage_warnings=tuple(data_warnings),
                             spec_warnings=tuple(spec_warnings), tolerances=reported.tolerances)
