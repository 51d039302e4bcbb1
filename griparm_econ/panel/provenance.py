"""The panel build's outputs and their provenance: ``data/panel.parquet``, ``data/aggregates.parquet``,
``data/coverage.csv`` (published to ``output/`` by the commands that make outputs) and
``data/panel.provenance.json`` (every input with its sha256, the merge accounting, the
built files' own sha256), and the inputs' size-and-mtime stamp that lets the staleness check
(:func:`griparm_econ.panel.staleness.panel_is_stale`) re-hash only inputs that changed. Every file is written atomically.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pandas as pd

from griparm_econ.catalog import Catalog
from griparm_econ.config import Settings
from griparm_econ.freshness import stage_sha256
from griparm_econ.io import atomic_path, atomic_write_bytes, atomic_write_text, sha256_file
from griparm_econ.panel.coverage import coverage_summary, coverage_table, out_of_range
from griparm_econ.panel.merge import Echo, Sources, say
from griparm_econ.sources.snapshot import locate

# Bump when the build logic changes, so that load_panel rebuilds panels written by older code. Edits to the code
# itself are caught by the panel stage's code fingerprint; this number is for changes that fingerprint cannot see.
BUILD_VERSION = 1


def _relative_input(settings: Settings, entry: dict[str, Any]) -> dict[str, Any]:
    """Provenance entry with its path relative to the data directory when it lies inside it."""
    entry = dict(entry)
    path = entry.get("path")
    if path and settings.data_dir is not None:
        candidate = Path(path)
        if candidate.is_absolute():
            try:
                entry["path"] = candidate.resolve().relative_to(settings.data_dir.resolve()).as_posix()
            except ValueError:
                pass
    return entry


def _json_safe(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item"):
        return value.item()
    return value


def _write_parquet(frame: pd.DataFrame, target: Path) -> None:
    with atomic_path(target) as tmp:
        frame.to_parquet(tmp, index=False, engine="pyarrow", compression="zstd")


def provenance_path(settings: Settings) -> Path:
    return settings.work_dir / "panel.provenance.json"


def aggregates_path(settings: Settings) -> Path:
    return settings.work_dir / "aggregates.parquet"


def coverage_path(settings: Settings) -> Path:
    """The coverage table as built, beside the panel it describes (``griparm tables`` and ``griparm panel`` publish
    it to ``output/coverage.csv``: :func:`publish_coverage`)."""
    return settings.work_dir / "coverage.csv"


def publish_coverage(settings: Settings) -> Path | None:
    """Copy the built coverage table to the output folder. Only the commands that make outputs call this, so a
    panel rebuilt for ``gp.run`` or ``griparm replicate`` writes nothing to ``output/``; the copy is remade from the
    built file, so it always describes the panel in use. None when no build made one (a panel handed in by a test):
    a panel that ``load_panel`` found current has it, since its sha256 is part of the staleness check."""
    built = coverage_path(settings)
    if not built.is_file():
        return None
    target = settings.output_dir / "coverage.csv"
    data = built.read_bytes()
    if not target.is_file() or target.read_bytes() != data:
        atomic_write_bytes(target, data)
    return target


def stamp_path(settings: Settings) -> Path:
    return settings.cache_dir / "panel.inputs.stamp.json"


def write_outputs(settings: Settings, catalog: Catalog, sources: Sources, panel: pd.DataFrame,
                  aggregates: pd.DataFrame, record: dict[str, Any], echo: Echo) -> None:
    inputs = []
    for frame in sources.all_frames:
        for entry in frame.provenance:
            inputs.append({"source": frame.name, **_relative_input(settings, entry)})
    inputs.sort(key=lambda e: (e["source"], str(e.get("path", e.get("url", "")))))
    provenance = {
        "build_version": BUILD_VERSION,
        "code_sha256": stage_sha256("panel"),
        "catalog": {"path": "specs/variables.toml", "sha256": catalog.sha256, "variables": len(catalog)},
        "inputs": inputs,
        "notes": {frame.name: list(frame.notes) for frame in sources.all_frames},
        "merge": record["merge"],
        "transform_notes": record["transform_notes"],
        "panel": {"path": "data/panel.parquet", "rows": int(len(panel)), "economies": int(panel["iso3"].nunique()),
                  "first_year": record["first_year"], "last_year": record["last_year"],
                  "columns": list(panel.columns)},
        "aggregates": {"path": "data/aggregates.parquet", "rows": int(len(aggregates)),
                       "codes": sorted(aggregates["iso3"].unique().tolist())},
        "outside_valid_range": out_of_range(panel, catalog),
    }
    table = coverage_table(panel, catalog)
    _write_parquet(panel, settings.panel_path)
    _write_parquet(aggregates, aggregates_path(settings))
    # The built files' own sha256, so that an edited, truncated or corrupted panel is never trusted.
    provenance["panel"]["sha256"] = sha256_file(settings.panel_path)
    provenance["aggregates"]["sha256"] = sha256_file(aggregates_path(settings))
    atomic_write_text(coverage_path(settings), table.to_csv(index=False, float_format="%.4f", lineterminator="\n"))
    provenance["coverage"] = {"path": "data/coverage.csv", "sha256": sha256_file(coverage_path(settings))}
    atomic_write_text(provenance_path(settings), json.dumps(_json_safe(provenance), indent=2, sort_keys=True,
                                                            ensure_ascii=False) + "\n")
    write_stamp(settings, provenance)
    say(echo, coverage_summary(table, panel))
    say(echo, f"wrote {settings.panel_path}, {aggregates_path(settings)}, {coverage_path(settings)}, "
              f"{provenance_path(settings)}")


def input_file(settings: Settings, entry: dict[str, Any]) -> Path | None:
    """Where an input the provenance file names is now (None for an entry without a path, e.g. an API pull)."""
    path = entry.get("path")
    if not path:
        return None
    candidate = Path(path)
    if candidate.is_absolute():
        return candidate
    if entry.get("origin") in ("cache", "live pull"):
        # World Bank pulls are recorded relative to the work folder ("cache/<file>").
        return settings.work_dir / candidate
    if settings.data_dir is None:
        return candidate   # resolved against nothing: will not exist, so the panel counts as stale
    return locate((settings.data_dir / candidate).parent, candidate.name)   # stored plain or as .gz


def write_stamp(settings: Settings, provenance: dict[str, Any]) -> None:
    """Size and mtime of each input at build time, so the staleness check re-hashes only files that changed."""
    stamps = {}
    for entry in provenance["inputs"]:
        path = input_file(settings, entry)
        if path is not None and path.is_file():
            stat = path.stat()
            stamps[str(path)] = {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns, "sha256": entry.get("sha256")}
    atomic_write_text(stamp_path(settings), json.dumps(stamps, indent=1, sort_keys=True) + "\n")
