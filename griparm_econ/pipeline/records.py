"""The run's index page and manifest, built from the records the table and figure units wrote, and what the data
were (the inputs' sha256 and vintages, which the manifest and the reported file record)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from griparm_econ.config import Settings
from griparm_econ.pipeline.kinds import KINDS, output_files
from griparm_econ.pipeline.layout import (FIGURES_DIR, discover_all_specs, discover_figures, discover_specs,
                                          figure_record, reported_path, table_files, table_record)
from griparm_econ.output_layout import ESTIMATES_DIR, TABLES_DIR

INDEX_TITLE = "GRIP-ARM panel study: tables and figures"


def table_records(settings: Settings, out: Path) -> list[dict]:
    """The record of every table spec of the study that has one in ``out``."""
    paths = (table_record(out, spec.stem) for spec in discover_specs(settings))
    return [json.loads(path.read_text(encoding="utf-8")) for path in paths if path.is_file()]


def figure_records(settings: Settings, out: Path) -> list[dict]:
    """The record of every figure spec of the study that has one in ``out``."""
    paths = (figure_record(out, spec.stem) for spec in discover_figures(settings))
    return [json.loads(path.read_text(encoding="utf-8")) for path in paths if path.is_file()]


def study_specs(settings: Settings):
    """What README.md's generated sections are rendered from (``griparm readme``): every spec found, the files its
    kind writes and the reported estimates file, handed to :mod:`griparm_econ.report.readme`."""
    from griparm_econ.report.readme import StudySpecs

    return StudySpecs(specs=tuple(discover_all_specs(settings)), outputs=output_files,
                      reported=reported_path(settings))


def _extra_files(record: dict) -> tuple[str, ...]:
    """A table unit's outputs beyond its table and record: a multiverse's parquet and curve, an event study's figure,
    a synthetic control's weights table and figures (as its kind's registry entry names them)."""
    kind = KINDS.get(record.get("kind", ""))
    return tuple(kind.extra_files(record["stem"])) if kind is not None else ()


def write_index(settings: Settings, out: Path) -> Path:
    from griparm_econ.report.index import IndexEntry, write_index as render

    entries = []
    # Multiverses after the numbered tables they vary (stable sort: each group keeps its file order).
    for record in sorted(table_records(settings, out), key=lambda r: r.get("kind") == "multiverse"):
        stem = record["stem"]
        files = tuple(table_files(stem)) + (table_record(Path(), stem).as_posix(),)
        extra = _extra_files(record)
        entries.append(IndexEntry(kind="table", title=record["title"], spec=record["spec"], files=files + extra,
                                  notes=tuple(record.get("notes", ())), embed=f"{TABLES_DIR}/{stem}.html",
                                  preview=next((f for f in extra if f.endswith(".png")), None)))
    for record in figure_records(settings, out):
        files = tuple(record["files"])
        png = next((f for f in files if f.endswith(".png")), None)
        entries.append(IndexEntry(kind="figure", title=record["title"], spec=record["spec"], files=files,
                                  notes=tuple(record.get("notes", ())), preview=png))
    preamble = ["Every table and figure of the study, each with the spec file that makes it and its notes on sample "
                "and coverage. Rebuild everything with `make tables`; check the reported estimates with "
                "`make replicate`. Provenance of every file: manifest.json."]
    return render(entries, out, title=INDEX_TITLE, preamble=preamble)


def _data_inputs(settings: Settings) -> list[dict]:
    from griparm_econ.panel import provenance_path

    path = provenance_path(settings)
    if not path.is_file():
        return []
    provenance = json.loads(path.read_text(encoding="utf-8"))
    keep = ("source", "path", "url", "sha256", "rows", "vintage", "origin", "series")
    return [{k: e[k] for k in keep if k in e} for e in provenance.get("inputs", [])]


def data_vintage(settings: Settings) -> dict:
    """What the data were: every input file's sha256 and the World Bank series' last-updated dates."""
    inputs = _data_inputs(settings)
    last_updated: dict[str, str] = {}
    for entry in inputs:
        if str(entry.get("source", "")).startswith("worldbank") and isinstance(entry.get("vintage"), dict):
            last_updated.update(entry["vintage"])
    return {"inputs": [{"path": e.get("path") or e.get("url"), "sha256": e.get("sha256")} for e in inputs],
            "worldbank_last_updated": dict(sorted(last_updated.items()))}


def write_manifest(settings: Settings, out: Path) -> Path:
    from griparm_econ.freshness import intact_outputs
    from griparm_econ.replication.manifest import OutputRecord, write_manifest as render

    # Only files that match the hashes their record holds: a file of an aborted run is never listed.
    outputs: list[OutputRecord] = []
    for record in table_records(settings, out):
        for rel in [*intact_outputs(record, out), f"{ESTIMATES_DIR}/{record['stem']}.json"]:
            outputs.append(OutputRecord(out / rel, record["spec"], record["spec_sha256"], record["data_sha256"]))
    for record in figure_records(settings, out):
        digest = hashlib.sha256(json.dumps(record["inputs"], sort_keys=True).encode()).hexdigest()
        for rel in [*intact_outputs(record, out), f"{FIGURES_DIR}/{record['stem']}.json"]:
            outputs.append(OutputRecord(out / rel, record["spec"], record["spec_sha256"], digest))
    specs = discover_specs(settings) + discover_figures(settings)
    if settings.catalog_path.is_file():
        specs.append(settings.catalog_path)
    return render(settings, outputs, inputs=_data_inputs(settings), specs=specs)
