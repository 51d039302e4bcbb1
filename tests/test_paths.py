"""Path settings are resolved once, at the edge (config, cli), to absolute paths (issue 9).

`GRIPARM_DATA=../shared/data make test`, as the README writes it, failed two tests: the tests' helper kept the
relative path, which then resolved against pytest's temporary folder.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import reference_helpers
from griparm_econ.cli import main
from griparm_econ.config import load_settings

PROJECT = Path(__file__).resolve().parent.parent


@pytest.mark.snapshot
def test_relative_data_setting_from_another_folder(tmp_path, monkeypatch, snapshot):
    home, elsewhere = tmp_path / "home", tmp_path / "elsewhere"
    home.mkdir()
    elsewhere.mkdir()
    monkeypatch.chdir(home)
    monkeypatch.setenv("GRIPARM_DATA", os.path.relpath(snapshot.data_dir, home))
    root = reference_helpers.data_dir()
    assert root.is_absolute()
    settings = load_settings(out="out")
    assert settings.data_dir == snapshot.data_dir and settings.output_dir == home / "out"
    # A spec elsewhere that names the data by the helper's path, run from here with relative paths.
    data = {"path": (root / "reference/grunfeld_plm/Grunfeld.csv").as_posix(), "entity": "firm", "time": "year"}
    (elsewhere / "g.toml").write_text(reference_helpers.spec_text(
        "Grunfeld", data, [{"name": "FE", "formula": "inv ~ value + capital", "estimator": "panel_ols",
                            "effects": ["entity"], "cov": "cluster:entity"}]), encoding="utf-8")
    assert main(["run", os.path.relpath(elsewhere / "g.toml", home), "--out", "out"]) == 0
    assert (home / "out" / "estimates" / "g.json").is_file()


@pytest.mark.slow
@pytest.mark.snapshot
def test_the_readme_test_command_with_a_relative_data_directory(snapshot):
    """The two tests that failed under `GRIPARM_DATA=../shared/data make test`, run exactly that way."""
    env = dict(os.environ, GRIPARM_DATA=os.path.relpath(snapshot.data_dir, PROJECT), PYTHONPATH=str(PROJECT))
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           "tests/test_hausman.py::test_hausman_matches_stata_formula_on_stata_estimates",
                           "tests/test_reference_published.py::test_issue_core_spec_and_estimates_shape"],
                          cwd=PROJECT, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0 and "2 passed" in done.stdout, done.stdout[-2000:] + done.stderr[-2000:]
