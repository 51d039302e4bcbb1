"""The pipeline's spec-kind registry (issue 10): it covers exactly the kinds the spec declares, every part of the
pipeline reads it instead of branching on kind names, and the package's layers hold (report never imports the
pipeline; estimation never imports the report or the pipeline)."""

from __future__ import annotations

import ast
import inspect
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from griparm_econ.config import PROJECT_ROOT, Settings
from griparm_econ.pipeline import kinds
from griparm_econ.pipeline.kinds import KINDS, kind_of, output_files
from griparm_econ.spec import SPEC_KINDS


def test_registry_covers_exactly_the_kinds_the_spec_declares():
    assert set(KINDS) == set(SPEC_KINDS)
    assert all(name == entry.name for name, entry in KINDS.items())


def test_every_table_kind_is_estimated_written_and_turned_into_a_frame():
    for entry in KINDS.values():
        if entry.is_figure:
            assert entry.write is None and entry.record is None
            continue
        assert callable(entry.estimate) and callable(entry.write) and callable(entry.to_frame), entry.name
    # The kinds whose numbers the reported file holds are those with a replication record: every table kind but
    # the multiverse (its curve summarises thousands of models; the reported file holds the study's tables).
    assert {name for name, entry in KINDS.items() if entry.record is not None} == {
        "regression", "event_study", "synthetic_control", "descriptive", "shares", "before_after"}


def test_each_kind_names_the_files_its_writer_writes():
    from griparm_econ.report.event_study import event_files
    from griparm_econ.report.synthetic_control import synthetic_files

    assert kind_of("event_study").extra_files("t6") == event_files("t6")
    assert kind_of("synthetic_control").extra_files("t7") == synthetic_files("t7")
    assert kind_of("multiverse").extra_files("m") == ["estimates/m.parquet", "figures/m.png", "figures/m.pdf"]
    assert kind_of("descriptive").extra_files("t1") == []
    assert output_files("t1", "descriptive")[-1] == "estimates/t1.json"
    assert output_files("f1", "figure") == ["figures/f1.png", "figures/f1.pdf", "figures/f1.json"]
    assert output_files("x", "a kind nobody registered") == []
    from griparm_econ.report.figures import FORMATS

    assert kinds.FIGURE_FORMATS == FORMATS   # the registry names what save_figure writes


def _kind_literals(module) -> list[str]:
    """String constants compared with ``kind`` (``kind == "regression"``, ``kind in (...)``) in a module."""
    found = []
    for node in ast.walk(ast.parse(inspect.getsource(module))):
        if isinstance(node, ast.Compare):
            names = [n for n in (node.left, *node.comparators)
                     if isinstance(n, ast.Attribute) and n.attr == "kind" or isinstance(n, ast.Name) and n.id == "kind"]
            if names:
                found += [c.value for c in ast.walk(node) if isinstance(c, ast.Constant) and c.value in SPEC_KINDS]
    return found


def test_no_if_chain_on_kind_names_in_the_pipeline_and_the_api():
    """Adding a kind touches no if-chain: the sequencer, checks, writers, replication and the API read the registry
    (the figure record's own "kind" key and the index's ordering of multiverses after tables aside)."""
    from griparm_econ import api
    from griparm_econ.estimation import frames
    from griparm_econ.pipeline import check, figures, records, replicate, sequencer, tables

    for module in (sequencer, check, tables, kinds, replicate, figures, records, api, frames):
        assert _kind_literals(module) == [], module.__name__


def test_a_new_kind_needs_only_its_registry_entry(tmp_path, monkeypatch):
    """A kind registered here (and in the spec layer's registry, which says how it is parsed and what freshness
    asks of it) is estimated, written as one unit (its own files) and checked for freshness with no other change to
    the pipeline (here: a copy of the descriptive kind under another name)."""
    from griparm_econ.pipeline.sequencer import _verdict
    from griparm_econ.spec import SPEC_KINDS

    written: list[str] = []

    def write(result, out_dir, digest=""):
        path = Path(out_dir) / "tables" / f"{result.stem}.novel"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x")
        written.append(path.name)
        return [path]

    novel = replace(KINDS["descriptive"], name="novel", write=write, extra_files=lambda stem: [f"tables/{stem}.novel"],
                    estimate=lambda item, settings, cache, echo: type("R", (), {"stem": item.stem})())
    monkeypatch.setitem(KINDS, "novel", novel)
    monkeypatch.setitem(SPEC_KINDS, "novel", replace(SPEC_KINDS["descriptive"], name="novel"))
    item = type("Item", (), {"kind": "novel", "stem": "zz", "sha256": "0" * 64, "path": tmp_path / "zz.toml"})()
    result = kinds.estimate(item, Settings(output_dir=tmp_path))
    assert kinds.write_result(item, result, tmp_path) == [tmp_path / "tables" / "zz.novel"]
    assert written == ["zz.novel"] and "tables/zz.novel" in novel.unit_files("zz")
    # No record was written, so the unit is not current: the verdict re-estimates it.
    verdict = _verdict(item, Settings(output_dir=tmp_path), tmp_path, {})
    assert verdict.action == "estimate"


def test_api_frames_come_from_the_registry():
    frame = pd.DataFrame({"a": [1.0]})
    result = type("R", (), {"frame": frame})()
    assert kind_of("shares").to_frame(result).equals(frame)


@pytest.mark.slow
def test_import_layers_hold():
    """import-linter's contract of pyproject.toml: report never imports the pipeline, estimation never imports the
    report or the pipeline, nothing imports upwards (make test runs `lint-imports` too)."""
    import os
    import subprocess
    import sys

    pytest.importorskip("importlinter")
    command = Path(sys.executable).with_name("lint-imports")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(PROJECT_ROOT), os.environ.get("PYTHONPATH")]))}
    done = subprocess.run([str(command)], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "0 broken" in done.stdout
