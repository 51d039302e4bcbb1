"""The study's reported estimates: ``reported/estimates.json``.

Written only by ``griparm report-freeze`` from a full run, so that changing a reported number is a deliberate,
reviewed act (it shows up as a diff of this file). The file states its own tolerances and the data vintage the numbers
came from.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from griparm_econ.errors import DataError
from griparm_econ.io import atomic_write_text

FORMAT_VERSION = 1

# What a reviewer compares, and how strictly: relative tolerance, plus an absolute floor so that a coefficient that is
# zero up to rounding (1e-17 vs -3e-18) does not count as a mismatch.
DEFAULT_TOLERANCES: dict[str, dict[str, float] | str] = {
    "params": {"rtol": 1e-6, "atol": 1e-10},
    "std_errors": {"rtol": 1e-6, "atol": 1e-10},
    "nobs": "exact",
}
COMPARED = ("nobs", "params", "std_errors")


@dataclass(frozen=True)
class Reported:
    path: Path
    tolerances: Mapping[str, object]
    data_vintage: Mapping[str, object]
    tables: Mapping[str, Mapping[str, object]]


def estimates_files(estimates_dir: Path) -> list[Path]:
    return sorted(Path(estimates_dir).glob("*.json"))


def freeze(estimates_dir: Path, target: Path, *, data_vintage: Mapping[str, object],
           tolerances: Mapping[str, object] | None = None) -> Path:
    """Write the reported-estimates file from the estimates JSON of a run."""
    files = estimates_files(estimates_dir)
    if not files:
        raise DataError(f"no estimates in {estimates_dir} to freeze.", where=estimates_dir,
                        fix="run `griparm run` (or `make tables`) first.")
    tables = {}
    for path in files:
        est = json.loads(path.read_text(encoding="utf-8"))
        if not est.get("models"):   # descriptive and shares tables report no estimates
            continue
        tables[path.stem] = {
            "spec": est["spec"], "spec_sha256": est["spec_sha256"], "data_sha256": est["data_sha256"],
            "models": [{"name": m["name"], "nobs": m["nobs"], "params": m["params"], "std_errors": m["std_errors"]}
                       for m in est["models"]],
        }
    document = {"format": FORMAT_VERSION, "tolerances": dict(tolerances or DEFAULT_TOLERANCES),
                "data_vintage": dict(data_vintage), "tables": tables}
    return atomic_write_text(target, json.dumps(document, indent=2, sort_keys=True) + "\n")


def load(path: Path) -> Reported:
    if not Path(path).exists():
        raise DataError(f"the reported-estimates file {path} does not exist.", where=path,
                        fix="run `griparm report-freeze` to record the study's reported estimates.")
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise DataError(f"is not valid JSON ({err.msg} at line {err.lineno}).", where=path,
                        fix="restore it from git or re-freeze it with `griparm report-freeze`.") from err
    for key in ("tolerances", "tables"):
        if key not in document:
            raise DataError(f"has no '{key}' entry.", where=path, field=key,
                            fix="re-freeze it with `griparm report-freeze`.")
    for quantity in COMPARED:
        if quantity not in document["tolerances"]:
            raise DataError(f"states no tolerance for '{quantity}'.", where=path, field=f"tolerances.{quantity}",
                            fix='add e.g. {"rtol": 1e-6, "atol": 1e-10} (or "exact").')
    return Reported(path=Path(path), tolerances=document["tolerances"],
                    data_vintage=document.get("data_vintage", {}), tables=document["tables"])
