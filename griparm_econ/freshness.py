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

What a unit depends on is fingerprinted per stage (:data:`STAGES`): the panel's code, the estimation code and the
report code each have their own sha256, and a record stores the estimation and report fingerprints separately, so a
change re-runs only what depends on it: report code re-renders tables from their stored estimates, estimation code
re-estimates, panel code rebuilds the panel. A spec's data is fingerprinted by exactly what it reads
(:func:`data_read_sha256`: the columns it names, every row, and their catalog entries), so a new catalog variable
rebuilds the panel but re-estimates only the specs that use it. Whether the panel itself is current is decided
in the panel package (:func:`griparm_econ.panel.panel_is_stale`), with this module's panel-stage fingerprint.
"""

from __future__ import annotations

import hashlib
import json
import re
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Callable, Iterable, Iterator, Mapping

from griparm_econ.io import sha256_file
from griparm_econ.output_layout import OUTPUT_FOLDERS
from griparm_econ.spec import SPEC_KINDS


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
    action: str          # "current" | "render" (from what the run stored) | "estimate"
    reason: str = ""


def estimation_sha256(loaded) -> str:
    """Digest of what a spec estimates: the spec without its kind's display-only keys (``SpecKind.display_keys``);
    for a kind without any, the file itself."""
    display_keys = SPEC_KINDS[loaded.kind].display_keys
    if display_keys is None:
        return loaded.sha256
    content = loaded.spec.model_dump(mode="json", exclude=set(display_keys))
    return hashlib.sha256(json.dumps(content, sort_keys=True, default=str).encode("utf-8")).hexdigest()


# ---------------------------------------------------------------------------------------------------------------
# Code: one fingerprint per stage

PACKAGE_DIR = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Stage:
    """A stage of the one-way flow and the package files whose code it runs: glob patterns relative to the package."""

    name: str
    patterns: tuple[str, ...]


# What every stage runs: settings, the error type, atomic writes and hashing, the output folder names.
SHARED_CODE = ("config.py", "errors.py", "io.py", "output_layout.py")
STAGES = {stage.name: stage for stage in (
    # spec/suggest.py: the catalog's "did you mean" for a misspelt transformation or source code.
    Stage("panel", ("sources/**/*.py", "panel/**/*.py", "catalog.py", "baseline.py", "spec/suggest.py")),
    # The spec layer says what is estimated; the pipeline's table steps compose the estimated results; labels.py
    # names terms in results (the multiverse's) as well as in tables, so a label change re-estimates. The catalog
    # (with its baseline transformations) checks and labels variables, and country_names lists the EU27 members a
    # share group sums.
    Stage("estimation", ("estimation/**/*.py", "spec/**/*.py", "labels.py", "catalog.py", "baseline.py",
                         "sources/country_names.py", "pipeline/__init__.py", "pipeline/layout.py",
                         "pipeline/kinds.py", "pipeline/tables.py", "pipeline/sequencer.py", "pipeline/check.py",
                         "pipeline/replicate.py")),
    # Tables, notes, figures and the index are drawn here, from what estimation stored; the pipeline's figure steps
    # prepare the figures' data from the tables' estimates (and the timeline's from the events file, read by
    # sources/restrictions*), records.py writes the index and the manifest (replication/).
    Stage("report", ("report/**/*.py", "pipeline/figure_checks.py", "pipeline/figure_data.py",
                     "pipeline/figure_kinds.py", "pipeline/figures.py",
                     "pipeline/records.py", "replication/**/*.py", "sources/__init__.py", "sources/_files.py",
                     "sources/snapshot.py", "sources/restrictions*.py", "sources/treatments.py",
                     "sources/country_names.py", "sources/worldbank_options.py")),
)}
ESTIMATION_CODE, REPORT_CODE = "estimation_code_sha256", "report_code_sha256"   # the keys records store them under


def hash_stage(name: str, package: Path) -> str:
    """One digest of a stage's files under ``package`` (names and contents, sorted); not cached."""
    package = Path(package)
    files = sorted({path for pattern in (*STAGES[name].patterns, *SHARED_CODE) for path in package.glob(pattern)
                    if path.is_file() and "__pycache__" not in path.parts})
    digest = hashlib.sha256(name.encode("ascii"))
    for path in files:
        digest.update(b"\0" + path.relative_to(package).as_posix().encode("utf-8") + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


@lru_cache(maxsize=None)
def stage_sha256(name: str) -> str:
    """The fingerprint of one stage's code in this package, hashed once per process."""
    return hash_stage(name, PACKAGE_DIR)


def code_fingerprints() -> dict[str, str]:
    """What a table record stores of the code that made it: the estimation and the report stage, separately."""
    return {ESTIMATION_CODE: stage_sha256("estimation"), REPORT_CODE: stage_sha256("report")}


# ---------------------------------------------------------------------------------------------------------------
# Data: what one spec reads

DATA_READ = "data_read_sha256"      # the record's key for the digest below ("data_sha256" stays the file's)


def _spec_text(loaded) -> str:
    """Every word a spec says, as validated (with its defaults) and as its models resolved them."""
    parts = [json.dumps(loaded.spec.model_dump(mode="json"), sort_keys=True, default=str)]
    for model in loaded.models:
        parts += [str(getattr(model, "formula", "")), " ".join(map(str, getattr(model, "variables", ())))]
    parts.append(" ".join(SPEC_KINDS[loaded.kind].variables_said(loaded.spec)))
    return "\n".join(parts)


def read_columns(loaded, columns: Iterable[str], variables: Iterable[str]) -> list[str]:
    """The columns of a table that a spec reads: every catalog variable (of ``variables``) whose name the spec says
    as a word anywhere (formulas, samples and their queries, weights, clusters, treatment and cohort columns, the
    variables multiverse axes name, measures), and every column that is not a catalog variable (the panel's
    identifiers: economy, year, names, region). Taken from the spec's words rather than field by field, so no field
    can be forgotten: a word that merely looks like a variable costs a needless re-estimation, never a stale table."""
    text, variables = _spec_text(loaded), set(variables)
    said = set(re.findall(r"[A-Za-z0-9_]+", text))
    return [c for c in map(str, columns) if c not in variables or c in said]


def _digest_table(digest, name: str, frame, columns: list[str], catalog) -> None:
    import pandas as pd

    entries = {entry.name: entry for entry in getattr(catalog, "entries", ())}
    digest.update(f"\0{name}\0{len(frame)}\0".encode("utf-8"))
    for column in columns:
        series = frame[column]
        entry = entries[column].model_dump(mode="json") if column in entries else None
        digest.update(json.dumps({"column": column, "dtype": str(series.dtype), "catalog": entry},
                                 sort_keys=True, default=str).encode("utf-8"))
        digest.update(pd.util.hash_pandas_object(series, index=False).to_numpy().tobytes())


def frames_read_sha256(loaded, frames: Mapping[str, object], catalog) -> str:
    """Digest of the columns of each named frame that ``loaded`` reads (:func:`read_columns`) over every row (values
    and dtypes), with those variables' catalog entries (labels and valid ranges change what an output shows). What
    tables and figures drawn from the study panel are keyed on, so an unread column never re-runs them."""
    digest = hashlib.sha256()
    for name, frame in frames.items():
        _digest_table(digest, name, frame, read_columns(loaded, frame.columns, catalog.names), catalog)
    return digest.hexdigest()


def data_read_sha256(loaded, data, aggregates: Callable[[], object]) -> str:
    """Digest of exactly the data a spec reads: on the study panel, :func:`frames_read_sha256` of the panel as read
    (before values outside their valid_range are blanked: the catalog says how), and of the aggregates table
    (``aggregates()``, read only then) for a kind that reads it. A spec with a data file of its own: the file's
    sha256. Deterministic (pandas' fixed-key row hashes), so an unchanged column gives the same digest after the
    panel is rebuilt with new variables."""
    if not getattr(data, "study_panel", False) or data.catalog is None:
        return data.sha256
    frames = {"panel": (data.raw or data).frame}
    if SPEC_KINDS[loaded.kind].reads_aggregates:
        frames["aggregates"] = aggregates()
    return frames_read_sha256(loaded, frames, data.catalog)


def unit_keys(loaded, data_read: str) -> dict[str, str]:
    """What a table record stores beyond its outputs' hashes to decide, next run, what must be re-made."""
    return {"estimation_sha256": estimation_sha256(loaded), DATA_READ: data_read}


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


def table_verdict(loaded, record_path: Path, out_dir: Path, *, version: str, data_read: Callable[[], str],
                  files: Iterable[str], rerender_reads: Callable[[str], Iterable[str]] | None,
                  code: Mapping[str, str] | None = None) -> Verdict:
    """Current, re-render or re-estimate one table spec. ``data_read`` (the spec's :func:`data_read_sha256`) is
    called only when needed; ``files`` are the unit's files beyond its record and ``rerender_reads`` the files a
    re-render reads beyond the record, or None when the kind cannot be re-made from its record (both from the kind's
    registry entry, griparm_econ.pipeline.kinds); ``code`` defaults to this package's :func:`code_fingerprints`."""
    code = code_fingerprints() if code is None else code
    record = read_record(record_path)
    if record is None:
        return Verdict("estimate", "no record of a previous run")
    if record_edited(record):
        return Verdict("estimate", f"{Path(record_path).name} differs from what its run wrote (edited by hand?)")
    if record.get("griparm_version") != version or record.get(ESTIMATION_CODE) != code[ESTIMATION_CODE]:
        return Verdict("estimate", "the estimation code changed")
    if record.get(DATA_READ) != data_read():
        return Verdict("estimate", "the data it reads changed")
    broken = broken_output(record, out_dir, files)
    same_report = record.get(REPORT_CODE) == code[REPORT_CODE]
    if record.get("spec_sha256") == loaded.sha256 and same_report:
        return Verdict("current") if broken is None else Verdict("estimate", broken)
    if record.get("kind") != loaded.kind or record.get("estimation_sha256") != estimation_sha256(loaded):
        return Verdict("estimate", "the spec changed")
    why = "the report code changed" if not same_report else "only display keys of the spec changed"
    if rerender_reads is None:
        return Verdict("estimate", f"{why}, and a {loaded.kind} table is not re-made from its record")
    outputs = record.get("outputs") if isinstance(record.get("outputs"), dict) else {}
    stored = {rel: outputs.get(rel) for rel in rerender_reads(loaded.stem)}
    damaged = broken_output({"outputs": stored}, out_dir)   # what the re-render reads must be what the run wrote
    return Verdict("render", why) if damaged is None else Verdict("estimate", damaged)


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
