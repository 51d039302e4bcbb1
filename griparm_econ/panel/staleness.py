"""Whether the built panel is current (:func:`panel_is_stale`): its inputs, the catalog and the panel code
(the panel stage's fingerprint, :func:`griparm_econ.freshness.stage_sha256`) against what its provenance records."""

from __future__ import annotations

import json

from griparm_econ.catalog import load_catalog
from griparm_econ.config import Settings
from griparm_econ import freshness     # looked up when called: tests move the fingerprint
from griparm_econ.io import sha256_file
from griparm_econ.panel.provenance import (BUILD_VERSION, aggregates_path, coverage_path, input_file, provenance_path,
                                           stamp_path)
from griparm_econ.sources.snapshot import content_sha256


def panel_is_stale(settings: Settings) -> str | None:
    """Why the panel must be rebuilt, or None when it is current. Cheap: hashes only inputs whose size or mtime
    changed since the build, and the panel code once per process."""
    if not settings.panel_path.is_file() or not provenance_path(settings).is_file():
        return "no panel built yet"
    try:
        provenance = json.loads(provenance_path(settings).read_text(encoding="utf-8"))
    except json.JSONDecodeError:
        return "the provenance file is unreadable"
    if provenance.get("build_version") != BUILD_VERSION:
        return "built by an older version of the panel code"
    if provenance.get("code_sha256") != freshness.stage_sha256("panel"):
        return "the panel code changed (griparm_econ/sources/, catalog.py or the panel package)"
    if provenance.get("catalog", {}).get("sha256") != load_catalog(settings.catalog_path).sha256:
        return "the catalog changed"
    for key, path in (("panel", settings.panel_path), ("aggregates", aggregates_path(settings)),
                      ("coverage", coverage_path(settings))):
        recorded = (provenance.get(key) or {}).get("sha256")
        if not recorded:
            return f"{provenance_path(settings).name} records no sha256 of {path.name} (built by an older version)"
        if not path.is_file() or sha256_file(path) != recorded:
            return (f"{path} is not the file that was built (its sha256 differs from {provenance_path(settings).name}"
                    "): edited, truncated or corrupted since")
    try:
        stamps = json.loads(stamp_path(settings).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        stamps = {}
    for entry in provenance.get("inputs", []):
        path = input_file(settings, entry)
        if path is None or not entry.get("sha256"):
            continue
        if not path.is_file():
            return f"input {path} is missing"
        stat = path.stat()
        stamp = stamps.get(str(path))
        if stamp and stamp["size"] == stat.st_size and stamp["mtime_ns"] == stat.st_mtime_ns \
                and stamp["sha256"] == entry["sha256"]:
            continue
        if content_sha256(path) != entry["sha256"]:
            return f"input {path} changed"
    return None
