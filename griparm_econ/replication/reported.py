"""The study's reported estimates: ``reported/estimates.json``.

Written only by ``griparm report-freeze`` from a full run, so that changing a reported number is a deliberate,
reviewed act (it shows up as a diff of this file). The file states the data vintage the numbers came from; how close
a replicated number must be is the check's business (``griparm_econ.replication.check.TOLERANCES``), never the file's,
so that editing the file cannot loosen the check.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from griparm_econ.errors import DataError
from griparm_econ.io import atomic_write_text

FORMAT_VERSION = 1

COMPARED = ("nobs", "params", "std_errors")


@dataclass(frozen=True)
class Reported:
    path: Path
    data_vintage: Mapping[str, object]
    tables: Mapping[str, Mapping[str, object]]


def estimates_files(estimates_dir: Path) -> list[Path]:
    return sorted(Path(estimates_dir).glob("*.json"))


def freeze(estimates_dir: Path, target: Path, *, data_vintage: Mapping[str, object],
           cell_kinds: frozenset[str] = frozenset()) -> Path:
    """Write the reported-estimates file from the estimates JSON of a run: the models of every table that has
    them, and the cells (``values``: row -> column -> number) of the tables of ``cell_kinds`` (descriptive, shares,
    before/after: computed numbers without models)."""
    files = estimates_files(estimates_dir)
    if not files:
        raise DataError(f"no estimates in {estimates_dir} to freeze.", where=estimates_dir,
                        fix="run `griparm run` (or `make tables`) first.")
    tables = {}
    for path in files:
        est = json.loads(path.read_text(encoding="utf-8"))
        cells = est.get("kind") in cell_kinds and not est.get("models")
        if not est.get("models") and not cells:   # a multiverse reports its curve, not estimates
            continue
        tables[path.stem] = {
            "spec": est["spec"], "spec_sha256": est["spec_sha256"], "data_sha256": est["data_sha256"],
            "models": [{"name": m["name"], "nobs": m["nobs"], "params": m["params"], "std_errors": m["std_errors"]}
                       for m in est["models"]],
        }
        if cells:
            tables[path.stem]["values"] = reported_cells(est["values"])
    document = {"format": FORMAT_VERSION, "data_vintage": dict(data_vintage), "tables": tables}
    return atomic_write_text(target, json.dumps(document, indent=2, sort_keys=True) + "\n")


def reported_cells(values: Mapping[str, Mapping[str, object]]) -> dict[str, dict[str, float | None]]:
    """The numeric cells of a table's ``values`` (row -> column -> value): text cells (names, periods) are labels,
    not results, and are left out."""
    return {row: {column: value for column, value in cells.items() if _is_number(value)}
            for row, cells in values.items()}


def load(path: Path) -> Reported:
    if not Path(path).exists():
        raise DataError(f"the reported-estimates file {path} does not exist.", where=path,
                        fix="run `griparm report-freeze` to record the study's reported estimates.")
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise DataError("is not UTF-8 text.", where=path, field="(file)",
                        fix="restore it from git or re-freeze it with `griparm report-freeze`.") from None
    except json.JSONDecodeError as err:
        raise DataError(f"is not valid JSON ({err.msg} at line {err.lineno}).", where=path,
                        fix="restore it from git or re-freeze it with `griparm report-freeze`.") from err
    _check_types(document, Path(path))
    return Reported(path=Path(path), data_vintage=document.get("data_vintage") or {}, tables=document["tables"])


def _is_number(value, integer: bool = False) -> bool:
    if isinstance(value, bool):
        return False
    return isinstance(value, int) if integer else value is None or isinstance(value, (int, float))


def _check_types(document, path: Path) -> None:
    """Every value the check reads has the type it needs, or one message names the field (no traceback later)."""
    def bad(field: str, wanted: str, value) -> DataError:
        return DataError(f"{field} must be {wanted}, not {type(value).__name__} ({json.dumps(value)[:40]}).",
                         where=path, field=field,
                         fix="restore the file from git or re-freeze it with `griparm report-freeze`.")

    if not isinstance(document, dict):
        raise bad("(file)", "a JSON object", document)
    if "tables" not in document:
        raise DataError("has no 'tables' entry.", where=path, field="tables",
                        fix="re-freeze it with `griparm report-freeze`.")
    if not isinstance(document["tables"], dict):
        raise bad("tables", "an object of table name -> entry", document["tables"])
    vintage = document.get("data_vintage") or {}
    if not isinstance(vintage, dict):
        raise bad("data_vintage", "an object", vintage)
    inputs = vintage.get("inputs", [])
    if not isinstance(inputs, list) or not all(isinstance(i, dict) for i in inputs):
        raise bad("data_vintage.inputs", "a list of {path, sha256} objects", inputs)
    if not isinstance(vintage.get("worldbank_last_updated", {}), dict):
        raise bad("data_vintage.worldbank_last_updated", "an object of series -> date",
                  vintage["worldbank_last_updated"])
    for table, entry in document["tables"].items():
        where = f"tables.{table}"
        if not isinstance(entry, dict):
            raise bad(where, "an object", entry)
        for key in ("spec", "spec_sha256", "data_sha256"):
            if key in entry and not isinstance(entry[key], str):
                raise bad(f"{where}.{key}", "a string", entry[key])
        models = entry.get("models")
        if not isinstance(models, list):
            raise bad(f"{where}.models", "a list of models", models)
        cells = entry.get("values", {})
        if not isinstance(cells, dict) or not all(isinstance(row, dict) for row in cells.values()):
            raise bad(f"{where}.values", "an object of row -> column -> number", cells)
        for row, columns in cells.items():
            for column, value in columns.items():
                if not _is_number(value):
                    raise bad(f"{where}.values.{row}.{column}", "a number (or null)", value)
        for i, model in enumerate(models):
            at = f"{where}.models[{i}]"
            if not isinstance(model, dict):
                raise bad(at, "an object", model)
            if not isinstance(model.get("name"), str):
                raise bad(f"{at}.name", "a string", model.get("name"))
            if not _is_number(model.get("nobs"), integer=True):
                raise bad(f"{at}.nobs", "a whole number", model.get("nobs"))
            for quantity in ("params", "std_errors"):
                values = model.get(quantity)
                if not isinstance(values, dict):
                    raise bad(f"{at}.{quantity}", "an object of term -> number", values)
                for term, value in values.items():
                    if not _is_number(value):
                        raise bad(f"{at}.{quantity}.{term}", "a number (or null)", value)
