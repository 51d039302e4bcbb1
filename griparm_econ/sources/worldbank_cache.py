"""The on-disk cache of live World Bank pulls: ``wb_db{db}_{slug}.csv`` plus ``wb_db{db}_{slug}.json`` (the
manifest, with the CSV's sha256). Entries are written atomically, CSV first; an entry whose CSV does not hash to its
manifest is not used, and a failed write leaves neither file behind.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Mapping, Sequence

import pandas as pd

from griparm_econ.errors import DataError
from griparm_econ.io import atomic_path, atomic_write_text, sha256_bytes, sha256_file
from griparm_econ.sources.worldbank_csv import read_tidy_csv


def series_slug(codes: Sequence[str]) -> str:
    joined = "+".join(sorted(code.lower() for code in codes))
    if len(joined) <= 80:
        return joined
    digest = hashlib.sha256(joined.encode()).hexdigest()[:12]
    return f"{sorted(codes)[0].lower()}+{len(codes) - 1}more-{digest}"


def cache_paths(cache_dir: Path, db: int, codes: Sequence[str]) -> tuple[Path, Path]:
    stem = f"wb_db{db}_{series_slug(codes)}"
    return cache_dir / f"{stem}.csv", cache_dir / f"{stem}.json"


ECONOMIES_STEM = "wb_economies"


def _manifest_is_valid(manifest_path: Path) -> dict[str, Any] | None:
    """The manifest when its CSV exists and hashes to the recorded sha256, else None."""
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        csv_path = manifest_path.with_suffix(".csv")
        if not csv_path.is_file() or sha256_file(csv_path) != manifest.get("sha256"):
            return None
    except (OSError, ValueError):
        return None
    return manifest


def find_cached(cache_dir: Path, db: int, code: str) -> tuple[Path, dict[str, Any]] | None:
    """The newest valid cache entry of database ``db`` whose pull included ``code``."""
    if not cache_dir.is_dir():
        return None
    hits = []
    for manifest_path in sorted(cache_dir.glob(f"wb_db{db}_*.json")):
        manifest = _manifest_is_valid(manifest_path)
        if manifest is not None and code in manifest.get("series", ()):
            hits.append((manifest.get("retrieved_at", ""), manifest_path.name, manifest_path, manifest))
    if not hits:
        return None
    _, _, manifest_path, manifest = max(hits)
    return manifest_path.with_suffix(".csv"), manifest


def find_cached_economies(cache_dir: Path) -> tuple[Path, dict[str, Any]] | None:
    manifest_path = cache_dir / f"{ECONOMIES_STEM}.json"
    manifest = _manifest_is_valid(manifest_path) if manifest_path.is_file() else None
    return None if manifest is None else (manifest_path.with_suffix(".csv"), manifest)


def write_cache_entry(csv_path: Path, manifest_path: Path, csv_text: str, manifest: dict[str, Any]) -> dict:
    """Write the CSV and then its manifest, each atomically; on any failure remove both so no orphan remains."""
    data = csv_text.encode("utf-8")
    manifest = {**manifest, "sha256": sha256_bytes(data)}
    try:
        with atomic_path(csv_path) as tmp:
            tmp.write_bytes(data)
        atomic_write_text(manifest_path, json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    except BaseException as exc:
        csv_path.unlink(missing_ok=True)
        manifest_path.unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise DataError(f"cannot write the World Bank cache ({exc}).", where=csv_path.parent,
                            field=csv_path.name, fix="make the cache folder writable (it is <work dir>/cache) "
                                                     "and check the free disk space.") from exc
        raise
    return manifest


def read_cached(csv_path: Path, manifest: Mapping[str, Any], codes: Sequence[str]) -> tuple[pd.DataFrame, dict]:
    frame = read_tidy_csv(csv_path)
    frame = frame[frame["indicator"].isin(list(codes))].reset_index(drop=True)
    provenance = {"url": manifest.get("url"), "path": f"cache/{csv_path.name}", "sha256": manifest["sha256"],
                  "rows": int(len(frame)), "vintage": manifest.get("api_last_updated"),
                  "last_updated": manifest.get("api_last_updated"),
                  "retrieved_at": manifest.get("retrieved_at"), "series": sorted(codes),
                  "database": manifest.get("database"), "origin": "cache"}
    return frame, provenance
