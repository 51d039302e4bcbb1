"""The estimates file: ``DIR/estimates/<stem>.json``, the machine-readable twin of every table.

Byte-identical across runs on the same inputs: sorted keys, no timestamps, floats as Python's shortest repr, and
non-finite numbers as null.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from griparm_econ import __version__
from griparm_econ.estimation.results import TableResult
from griparm_econ.io import atomic_write_text

SCHEMA_VERSION = 1


def _clean(value):
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    return value


def _model_dict(model) -> dict:
    out = model.to_json_dict()
    # JSON keys are sorted for byte-identical files; "terms" keeps the model's own parameter order.
    out["terms"] = list(model.params)
    return out


def estimates_dict(table: TableResult) -> dict:
    """The JSON document of one table (the shape of issue 3, plus labels, order and notes)."""
    return _clean({
        "schema_version": SCHEMA_VERSION,
        "griparm_version": __version__,
        "spec": table.spec_path,
        "spec_sha256": table.spec_sha256,
        "stem": table.stem,
        "title": table.title,
        "data": table.data_path,
        "data_sha256": table.data_sha256,
        "models": [_model_dict(model) for model in table.models],
        "labels": dict(table.labels),
        "order": list(table.order) if table.order is not None else None,
        "notes": list(table.notes),
        "star_levels": list(table.star_levels),
        "digits": table.digits,
    })


def estimates_path(out_dir: Path, stem: str) -> Path:
    return Path(out_dir) / "estimates" / f"{stem}.json"


def write_estimates(table: TableResult, out_dir: Path) -> Path:
    """Write ``out_dir/estimates/<stem>.json`` atomically and return its path."""
    text = json.dumps(estimates_dict(table), indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False) + "\n"
    return atomic_write_text(estimates_path(out_dir, table.stem), text)
