"""The estimates file: ``DIR/estimates/<stem>.json``, the machine-readable twin of every table.

Byte-identical across runs on the same inputs: sorted keys, no timestamps, floats as Python's shortest repr, and
non-finite numbers as null.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Mapping

from griparm_econ.version import __version__
from griparm_econ.estimation.results import ArtefactResult, TableResult
from griparm_econ.io import atomic_write_text
from griparm_econ.freshness import code_fingerprints, seal_record
from griparm_econ.output_layout import ESTIMATES_DIR

SCHEMA_VERSION = 1


def clean(value):
    """A JSON-ready copy: keys as strings, tuples as lists, non-finite floats as None."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [clean(v) for v in value]
    return value


def _model_dict(model) -> dict:
    out = model.to_json_dict()
    # JSON keys are sorted for byte-identical files; "terms" keeps the model's own parameter order.
    out["terms"] = list(model.params)
    return out


def record_header(result: ArtefactResult) -> dict:
    """The keys every estimates file shares (regression, descriptive, shares, multiverse, event study, synthetic
    control), from the artefact's common fields: what made it, from what. Reruns, the index page and the manifest
    read these."""
    return {
        "schema_version": SCHEMA_VERSION,
        "griparm_version": __version__,
        **code_fingerprints(),   # the estimation and the report code, separately (freshness.STAGES)
        "kind": result.kind,
        "spec": result.spec_path,
        "spec_sha256": result.spec_sha256,
        "stem": result.stem,
        "title": result.title,
        "data": result.data_path,
        "data_sha256": result.data_sha256,    # the data file's; what the spec reads of it: data_read_sha256
        "notes": list(result.notes),
    }


def _values(frame) -> dict:
    """row -> column -> value; a two-level row index is joined with " / "."""
    return {(" / ".join(map(str, key)) if isinstance(key, tuple) else str(key)): {str(k): v for k, v in row.items()}
            for key, row in zip(frame.index, frame.to_dict(orient="records"))}


def estimates_dict(table: TableResult) -> dict:
    """The JSON document of one table (the shape of issue 3, plus labels, order and notes)."""
    return clean(record_header(table) | {
        "models": [_model_dict(model) for model in table.models],
        "labels": dict(table.labels),
        "order": list(table.order) if table.order is not None else None,
        "star_levels": list(table.star_levels),
        "digits": table.digits,
    })


def frame_dict(result) -> dict:
    """The machine-readable twin of a descriptive or shares table (``FrameResult``): ``models`` empty, the numbers
    under ``values``."""
    return clean(record_header(result) | {
        "models": [], "columns": [str(c) for c in result.frame.columns], "values": _values(result.frame),
        "frame": frame_layout(result.frame) | {"digits": result.digits}})


def frame_layout(frame) -> dict:
    """The table's frame as it is laid out: its row index (names and every row's labels, in order), each column's
    dtype and the cells row by row, so a re-render rebuilds the very frame (``values`` above is keyed for reading;
    the record adds the digits it was printed with)."""
    split = frame.to_dict(orient="split")          # native Python numbers, rows in order
    return {"index_names": [None if n is None else str(n) for n in frame.index.names],
            "index": [list(row) if isinstance(row, tuple) else [row] for row in split["index"]],
            "dtypes": [str(dtype) for dtype in frame.dtypes], "data": split["data"]}


def multiverse_dict(result, files: list[str]) -> dict:
    """The record of a multiverse: ``models`` empty, the summary numbers and table, the cells of robust estimator
    families that were not fitted with their reasons (a re-render reads them back), and the files written."""
    summary = result.summary_table
    return clean(record_header(result) | {
        "models": [], "summary": dict(result.summary), "columns": [str(c) for c in summary.columns],
        "values": {str(row): {str(k): float(v) for k, v in values.items()}
                   for row, values in summary.to_dict(orient="index").items()},
        "not_applicable": [{"model_id": model_id, "estimator": estimator, "reason": reason}
                           for model_id, estimator, reason in getattr(result, "not_applicable", ())],
        "files": sorted(files)})


def estimates_path(out_dir: Path, stem: str) -> Path:
    return Path(out_dir) / ESTIMATES_DIR / f"{stem}.json"


def write_record(document: dict, out_dir: Path, unit: Mapping | None) -> Path:
    # ``unit``: what makes the outputs one unit (griparm_econ.freshness): the sha256 of every other file the spec
    # wrote ("outputs"), the digest of what it estimates ("estimation_sha256") and of the data it reads
    # ("data_read_sha256").
    # The record is sealed with the sha256 of its own content, so an edited record is not current (freshness).
    document = seal_record(document | dict(unit or {}))
    text = json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False) + "\n"
    return atomic_write_text(estimates_path(out_dir, document["stem"]), text)


def write_estimates(table: TableResult, out_dir: Path, unit: Mapping | None = None) -> Path:
    """Write ``out_dir/estimates/<stem>.json`` atomically and return its path."""
    return write_record(estimates_dict(table), out_dir, unit)


def write_frame_record(result, out_dir: Path, unit: Mapping | None = None) -> Path:
    return write_record(frame_dict(result), out_dir, unit)


def write_multiverse_record(result, out_dir: Path, files: list[str], unit: Mapping | None = None) -> Path:
    return write_record(multiverse_dict(result, files), out_dir, unit)
