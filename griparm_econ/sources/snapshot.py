"""The data directory as a snapshot: where a file is stored, what its bytes are, and whether they are the ones the
manifest records.

A data directory holds one folder per source (``worldbank/``, ``trade/``, ...). A file may be stored as is or
gzip-compressed (``wdi.csv.gz``); readers decompress transparently, and everything recorded about a file (its path,
sha256 and size) is of the original, decompressed bytes, so the repository's compressed copy and a plain copy
elsewhere (``../shared/data``) are the same vintage.

``MANIFEST.csv`` lists every input with the sha256 of its original bytes. A data directory that carries its own
``MANIFEST.csv`` is checked against it; one without (for example ``../shared/data``) is checked against the
repository's manifest (``data/raw/MANIFEST.csv``), the vintage the reported estimates come from. Every problem is
collected first and reported in one message (docs/data.md, "Checking the inputs").
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import zlib
from dataclasses import dataclass
from pathlib import Path

from griparm_econ.config import DEFAULT_DATA_DIR
from griparm_econ.errors import DataError

MANIFEST_NAME = "MANIFEST.csv"
MANIFEST_COLUMNS = ("path", "stored_as", "sha256", "bytes", "rows", "source", "vintage", "licence", "url")
COMPRESSED_SUFFIX = ".gz"
REPOSITORY_MANIFEST = DEFAULT_DATA_DIR / MANIFEST_NAME


@dataclass(frozen=True)
class ManifestEntry:
    path: str          # relative to the data directory, as the study reads it (never with .gz)
    stored_as: str     # the file in the repository's data/raw (path or path.gz)
    sha256: str        # of the original (decompressed) bytes
    bytes: int
    rows: int
    source: str
    vintage: str
    licence: str
    url: str


def locate(folder: Path, name: str) -> Path:
    """``folder/name`` if it exists, else its compressed copy ``folder/name.gz`` if that is a file, else
    ``folder/name`` (so the caller's message names the file the study reads)."""
    plain = folder / name
    if plain.exists():
        return plain
    packed = folder / (name + COMPRESSED_SUFFIX)
    return packed if packed.is_file() else plain


def stored(data_dir: Path, relative: str) -> Path:
    """The stored file of ``relative`` (e.g. ``worldbank/wdi.csv``) in a data directory: see :func:`locate`."""
    return locate((data_dir / relative).parent, Path(relative).name)


def logical_name(path: Path) -> str:
    """The file name the study reads: ``wdi.csv`` for ``wdi.csv.gz``."""
    return path.name[:-len(COMPRESSED_SUFFIX)] if path.name.endswith(COMPRESSED_SUFFIX) else path.name


def read_bytes(path: Path) -> bytes:
    """The original bytes of a stored file (decompressed when it ends in .gz)."""
    if path.name.endswith(COMPRESSED_SUFFIX):
        with gzip.open(path, "rb") as handle:
            return handle.read()
    return path.read_bytes()


def read_text(path: Path) -> str:
    return read_bytes(path).decode("utf-8")


def content_digest(path: Path) -> tuple[str, int]:
    """sha256 and size of the original bytes (streamed: a large file is not held in memory twice)."""
    digest, size = hashlib.sha256(), 0
    opener = gzip.open if path.name.endswith(COMPRESSED_SUFFIX) else open
    with opener(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
            size += len(block)
    return digest.hexdigest(), size


def content_sha256(path: Path) -> str:
    return content_digest(path)[0]


# ---------------------------------------------------------------------------------------------------------------
# Manifest

def read_manifest(path: Path) -> list[ManifestEntry]:
    try:
        with open(path, newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            missing = [c for c in MANIFEST_COLUMNS if c not in (reader.fieldnames or [])]
            if missing:
                raise DataError(f"the manifest lacks the column(s) {', '.join(missing)}.", where=path,
                                field=", ".join(missing), fix=f"columns must be {', '.join(MANIFEST_COLUMNS)}.")
            return [ManifestEntry(**{**{c: row[c] for c in MANIFEST_COLUMNS}, "bytes": int(row["bytes"] or 0),
                                     "rows": int(row["rows"] or 0)}) for row in reader]
    except (OSError, UnicodeDecodeError, ValueError, csv.Error) as err:
        raise DataError(f"the manifest cannot be read ({err}).", where=path, field=MANIFEST_NAME,
                        fix="restore it from the repository (git checkout data/raw/MANIFEST.csv).") from err


def manifest_for(data_dir: Path) -> tuple[Path, list[ManifestEntry]]:
    """The data directory's own manifest if it has one, else the repository's (the reported vintage)."""
    own = data_dir / MANIFEST_NAME
    path = own if own.is_file() else REPOSITORY_MANIFEST
    return path, read_manifest(path)


def _problem(data_dir: Path, entry: ManifestEntry) -> str | None:
    """What is wrong with one input, or None."""
    folder, name = (data_dir / entry.path).parent, Path(entry.path).name
    path = stored(data_dir, entry.path)
    if path.is_dir():
        return f"{entry.path}: is a directory where a file belongs"
    if not path.is_file():
        return f"{entry.path}: missing (neither {name} nor {name}{COMPRESSED_SUFFIX} in {folder})"
    try:
        data = read_bytes(path)
    except (OSError, EOFError, zlib.error) as err:
        return f"{entry.path}: unreadable ({err})"
    if b"\0" in data:
        return f"{entry.path}: binary content (NUL bytes) where text belongs"
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as err:
        return f"{entry.path}: not UTF-8 text (byte {err.start})"
    sha = hashlib.sha256(data).hexdigest()
    if sha != entry.sha256:
        return (f"{entry.path}: changed (sha256 {sha[:12]}, {len(data):,} bytes; the manifest records "
                f"{entry.sha256[:12]}, {entry.bytes:,} bytes)")
    return None


def input_problems(data_dir: Path) -> tuple[Path, list[str]]:
    """Every problem with the inputs of ``data_dir`` against its manifest, all at once."""
    manifest, entries = manifest_for(data_dir)
    return manifest, [p for p in (_problem(data_dir, e) for e in entries) if p is not None]


def check_inputs(data_dir: Path | None) -> None:
    """One DataError listing every missing, misplaced, unreadable or changed input; nothing when all match."""
    if data_dir is None:
        return
    manifest, problems = input_problems(data_dir)
    if not problems:
        return
    own = manifest.parent == data_dir
    fix = ("restore the listed files (git checkout data/raw, or copy them from their source; see each folder's "
           "PROVENANCE.md)")
    if not own:
        fix += (f"; to use a different vintage on purpose, write a manifest for it with `griparm data manifest "
                f"--data {data_dir}` (its estimates will then differ from the reported ones, see docs/data.md)")
    raise DataError(f"{len(problems)} input file(s) do not match {manifest}: " + "; ".join(problems) + ".",
                    where=data_dir, field=MANIFEST_NAME, fix=fix + ".")


def write_manifest(data_dir: Path) -> Path:
    """A manifest of the files ``data_dir`` holds at the paths of the repository's manifest, with their sha256,
    size and row count now; source, licence and URL carried over, vintage marked as this directory's."""
    from griparm_econ.io import atomic_write_text

    rows = []
    for entry in read_manifest(REPOSITORY_MANIFEST):
        path = stored(data_dir, entry.path)
        if not path.is_file():
            continue
        data = read_bytes(path)
        sha = hashlib.sha256(data).hexdigest()
        vintage = entry.vintage if sha == entry.sha256 else f"local copy differing from: {entry.vintage}"
        rows.append({**entry.__dict__, "stored_as": path.relative_to(data_dir).as_posix(), "sha256": sha,
                     "bytes": len(data), "rows": count_rows(entry.path, data), "vintage": vintage})
    target = data_dir / MANIFEST_NAME
    atomic_write_text(target, manifest_text(rows))
    return target


def manifest_text(rows: list[dict]) -> str:
    import io

    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=MANIFEST_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(sorted(rows, key=lambda r: r["path"]))
    return buffer.getvalue()


def count_rows(name: str, data: bytes) -> int:
    """Records in a file: data rows of a CSV (quoted line breaks counted once), top-level records of a JSON."""
    import io
    import json

    if name.endswith(".json"):
        loaded = json.loads(data.decode("utf-8"))
        if isinstance(loaded, dict) and len(loaded) == 1:
            loaded = next(iter(loaded.values()))
        return len(loaded)
    return sum(1 for _ in csv.reader(io.StringIO(data.decode("utf-8")))) - 1
