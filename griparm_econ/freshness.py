"""Whether a spec's outputs are current: the one place that decides it, for tables, multiverses and figures.

A spec's outputs are one unit: its table files (and a multiverse's parquet and curve, a figure's images) plus the
record written last (``estimates/<stem>.json`` or ``figures/<stem>.json``). The record names every other file of the
unit with its sha256, so the unit is current only when the record's spec, data and code match AND every file it
names exists with that sha256. The record itself is sealed: it holds the sha256 of its own content
(``record_sha256``, :func:`seal_record`), so a record edited by hand (a coefficient times 100) is not current either.
A run killed between writing the files and the record, a file edited or deleted by hand, or a temporary file left
behind cannot make stale outputs look current. (The seal guards against edits and damage, not against someone who
recomputes it: the inputs' manifest and ``griparm replicate`` are what a reader checks numbers against.)

Before a unit is written its record is removed, so an interrupted write never leaves a record that vouches for
files of another run; the interrupted unit's files are removed too (:func:`writing_unit`).
"""

from __future__ import annotations

import hashlib
import json
import re
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator, Mapping

from griparm_econ.io import sha256_file

# Keys of a regression spec that change how a table looks, never what is estimated: a change to them re-renders the
# table from its stored estimates.
DISPLAY_KEYS = frozenset({"title", "labels", "order", "notes", "digits", "stars"})
TABLE_SUFFIXES = (".html", ".tex", ".md", ".csv", ".docx")
OUTPUT_FOLDERS = ("tables", "estimates", "figures")

RECORD_SEAL = "record_sha256"

# io.atomic_path's temporary files: ".<target name>.<8 random characters>.tmp" (tempfile.mkstemp).
_TEMP_NAME = re.compile(r"^\..+\.[A-Za-z0-9_]{8}\.tmp$")


class Interrupted(KeyboardInterrupt):
    """Ctrl-C or SIGTERM; ``partial`` names the units whose files were being written (and were removed)."""

    def __init__(self, partial: Iterable[str] = ()):
        self.partial = tuple(partial)
        super().__init__()


@dataclass(frozen=True)
class Verdict:
    action: str          # "current" | "render" (display keys changed: re-render from the record) | "estimate"
    reason: str = ""


def estimation_sha256(loaded) -> str:
    """Digest of what a spec estimates: the spec without its display-only keys (regression specs); for every other
    kind the file itself."""
    if loaded.kind != "regression":
        return loaded.sha256
    content = loaded.spec.model_dump(mode="json", exclude=set(DISPLAY_KEYS))
    return hashlib.sha256(json.dumps(content, sort_keys=True, default=str).encode("utf-8")).hexdigest()


def file_hashes(out_dir: Path, paths: Iterable[Path | str]) -> dict[str, str]:
    """relative path -> sha256 of files just written (what a record vouches for)."""
    out_dir = Path(out_dir)
    rels = sorted({(Path(p).relative_to(out_dir) if Path(p).is_absolute() else Path(p)).as_posix() for p in paths})
    return {rel: sha256_file(out_dir / rel) for rel in rels}


def _content_sha256(document: Mapping) -> str:
    content = {key: value for key, value in document.items() if key != RECORD_SEAL}
    text = json.dumps(content, sort_keys=True, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def seal_record(document: Mapping) -> dict:
    """The record as written, with the sha256 of its content. The content is taken as JSON reads it back (tuples
    become lists, numbers their JSON form), so the seal of a record read from disk is computed the same way."""
    content = json.loads(json.dumps({k: v for k, v in document.items() if k != RECORD_SEAL}, allow_nan=False))
    return content | {RECORD_SEAL: _content_sha256(content)}


def record_edited(record: Mapping) -> bool:
    """True when a record's content is not what its writer sealed (edited by hand, or written before seals)."""
    return record.get(RECORD_SEAL) != _content_sha256(record)


def read_record(path: Path) -> dict | None:
    try:
        record = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) else None


def broken_output(record: Mapping, out_dir: Path, expected: Iterable[str] = ()) -> str | None:
    """The first file of a unit that is missing or differs from the sha256 its record holds, or None."""
    outputs = record.get("outputs")
    if not isinstance(outputs, dict):
        return "its record holds no output hashes (written by an older version)"
    for rel in sorted(set(outputs) | set(expected)):
        path = Path(out_dir) / rel
        if not path.is_file():
            return f"{rel} is missing"
        if outputs.get(rel) != sha256_file(path):
            return f"{rel} differs from the file its record vouches for"
    return None


def intact_outputs(record: Mapping, out_dir: Path) -> list[str]:
    """The files of a unit that match its record (what the manifest and index may list)."""
    outputs = record.get("outputs") if isinstance(record.get("outputs"), dict) else {}
    return [rel for rel, digest in sorted(outputs.items())
            if (Path(out_dir) / rel).is_file() and sha256_file(Path(out_dir) / rel) == digest]


def table_verdict(loaded, record_path: Path, out_dir: Path, *, version: str, code: str, data_sha256,
                  files: Iterable[str]) -> Verdict:
    """Current, re-render or re-estimate one table spec. ``data_sha256`` is called only when needed; ``files`` are
    the unit's files beyond its record (its kind's registry entry names them)."""
    record = read_record(record_path)
    if record is None:
        return Verdict("estimate", "no record of a previous run")
    if record_edited(record):
        return Verdict("estimate", f"{Path(record_path).name} differs from what its run wrote (edited by hand?)")
    if record.get("griparm_version") != version or record.get("code_sha256") != code:
        return Verdict("estimate", "the code changed")
    if record.get("data_sha256") != data_sha256():
        return Verdict("estimate", "the data changed")
    broken = broken_output(record, out_dir, files)
    if record.get("spec_sha256") == loaded.sha256:
        return Verdict("current") if broken is None else Verdict("estimate", broken)
    if (loaded.kind == "regression" and record.get("kind") == "regression"
            and record.get("estimation_sha256") == estimation_sha256(loaded)):
        return Verdict("render", "only display keys of the spec changed")
    return Verdict("estimate", "the spec changed")


def figure_current(record_path: Path, out_dir: Path, key: Mapping) -> bool:
    record = read_record(record_path)
    if record is None or record_edited(record) or any(record.get(k) != v for k, v in key.items()):
        return False
    return broken_output(record, out_dir, record.get("files", ())) is None


@contextmanager
def writing_unit(out_dir: Path, record: Path, files: Iterable[str], stem: str) -> Iterator[None]:
    """Write one unit: its record is removed first, and if the write does not finish (an error, Ctrl-C, SIGTERM)
    every file of the unit is removed, so no half-written unit stays in the output folder."""
    record = Path(record)
    record.unlink(missing_ok=True)
    try:
        yield
    except BaseException as err:
        for rel in [*files, record.relative_to(out_dir).as_posix()]:
            (Path(out_dir) / rel).unlink(missing_ok=True)
        if isinstance(err, KeyboardInterrupt):
            raise Interrupted([*getattr(err, "partial", ()), stem]) from None
        raise


def clean_stale_temps(*folders: Path) -> list[Path]:
    """Remove the atomic writer's temporary files that a killed run left behind (SIGKILL runs no cleanup)."""
    removed = []
    for folder in folders:
        if not Path(folder).is_dir():
            continue
        for path in Path(folder).rglob(".*.tmp"):
            if path.is_file() and _TEMP_NAME.match(path.name):
                path.unlink(missing_ok=True)
                removed.append(path)
    return removed


def orphan_outputs(out_dir: Path, stems: Iterable[str]) -> list[Path]:
    """Files in tables/, estimates/ and figures/ whose stem no spec has (outputs of removed or renamed specs)."""
    prefixes = tuple(f"{stem}." for stem in stems)
    orphans = []
    for folder in OUTPUT_FOLDERS:
        root = Path(out_dir) / folder
        if root.is_dir():
            orphans += [p for p in sorted(root.iterdir()) if p.is_file() and not p.name.startswith(prefixes)]
    return orphans
