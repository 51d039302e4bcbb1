"""Locating a source's files in the data directory and describing what was read (shared by the non-WB sources)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from griparm_econ.config import Settings
from griparm_econ.errors import DataError
from griparm_econ.sources import SourceFrame
from griparm_econ.sources.snapshot import content_digest, locate, logical_name

DOCS_DATA = "docs/data.md"
TIDY_COLUMNS = ["iso3", "year", "indicator", "value"]


def require_file(settings: Settings, folder: str, filename: str, section: str) -> Path:
    """The stored file of ``folder/filename`` in the data directory (plain or ``.gz``), or one DataError naming the
    file and the docs section."""
    base = settings.source_dir(folder)
    fix = (f"restore {folder}/{filename} (git checkout data/raw), or set GRIPARM_DATA (or --data) to a folder "
           f"holding it; see {DOCS_DATA}, section 'Data availability: {section}'.")
    if base is None:
        raise DataError(f"no data directory is set, so {folder}/{filename} cannot be read.",
                        where="GRIPARM_DATA", field=f"{folder}/{filename}", fix=fix)
    path = locate(base, filename)
    if path.is_dir():
        raise DataError("a directory stands where the source file belongs.", where=path, field=f"{folder}/{filename}",
                        fix=fix)
    if not path.is_file():
        raise DataError("the source file is missing.", where=path, field=f"{folder}/{filename}", fix=fix)
    return path


def describe_file(settings: Settings, path: Path, *, vintage: str, rows: int, **extra: Any) -> dict[str, Any]:
    """Provenance of one file read: its path relative to the data directory (so records do not depend on where the
    data directory lives), sha256 and size of the original bytes (the same whether stored plain or compressed),
    vintage and the number of rows read."""
    logical = path.with_name(logical_name(path))
    relative = logical.relative_to(settings.data_dir).as_posix() if settings.data_dir else logical.as_posix()
    sha, size = content_digest(path)
    entry = {"path": relative, "sha256": sha, "bytes": size, "vintage": vintage, "rows": rows}
    entry.update(extra)
    return entry


def combine(name: str, frames: list[SourceFrame]) -> SourceFrame:
    rows = pd.concat([f.rows for f in frames], ignore_index=True)
    provenance = tuple(entry for f in frames for entry in f.provenance)
    notes = tuple(note for f in frames for note in f.notes)
    return SourceFrame(name, tidy_long(rows), provenance, notes)


def tidy_long(rows: pd.DataFrame) -> pd.DataFrame:
    """Fixed column types and order, rows sorted, missing values dropped (a gap is an absent row)."""
    out = rows[TIDY_COLUMNS].copy()
    out["iso3"] = out["iso3"].astype(str)
    out["year"] = out["year"].astype("int64")
    out["indicator"] = out["indicator"].astype(str)
    out["value"] = pd.to_numeric(out["value"], errors="raise").astype("float64")
    out = out.dropna(subset=["value"])
    return out.sort_values(["indicator", "iso3", "year"], kind="mergesort").reset_index(drop=True)


def read_csv_columns(path: Path, needed: list[str], folder: str, **options: Any) -> pd.DataFrame:
    """A source CSV with its expected columns, or one DataError naming the missing ones."""
    frame = pd.read_csv(path, **options)
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise DataError(f"expected columns {missing} are missing.", where=path, field=", ".join(missing),
                        fix=f"use the file described in {folder}/PROVENANCE.md (its header must not be edited).")
    return frame


def require_unique(frame: pd.DataFrame, keys: list[str], path: Path, folder: str) -> None:
    if frame.duplicated(keys).any():
        raise DataError(f"duplicate ({', '.join(keys)}) rows.", where=path, field=", ".join(keys),
                        fix=f"restore the file from the source named in {folder}/PROVENANCE.md.")


def melt_columns(frame: pd.DataFrame, columns: dict[str, str]) -> pd.DataFrame:
    """Wide country-year columns to long rows, each column renamed to its indicator code."""
    long = frame.melt(id_vars=["iso3", "year"], value_vars=list(columns), var_name="indicator", value_name="value")
    long["indicator"] = long["indicator"].map(columns)
    return long
