"""A figure is keyed on exactly what it reads (issue 10): the study-panel columns its spec names, the tables'
estimates records and other files it reads, never the whole panel file. So a new catalog variable redraws no
figure, and a change to a column a figure draws redraws that figure. Synthetic panel and catalog copy in tmp_path;
the panel loader is replaced, nothing is built."""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest

from griparm_econ.catalog import DEFAULT_CATALOG, load_catalog
from griparm_econ.config import Settings
from griparm_econ.pipeline.figure_data import FigureContext
from griparm_econ.pipeline.figure_kinds import FIGURE_KINDS, figure_inputs
from griparm_econ.pipeline.figures import run_figures
from griparm_econ.spec import load_spec
from tests.test_freshness_stages import NEW_VARIABLE

FIGURES = {
    "traj": '''kind = "figure"
figure = "trajectories"
title = "GDP"
countries = ["C00", "C01"]
variables = ["log_gdp_pc"]
''',
    "shares": '''kind = "figure"
figure = "shares"
title = "Shares"
[[group]]
name = "First"
members = ["C00"]
[[measure]]
name = "GDP"
variable = "gdp_pc"
world = "sum"
''',
}


def _panel() -> pd.DataFrame:
    rng = np.random.default_rng(5)
    frame = pd.DataFrame([(f"C{i:02d}", y) for i in range(6) for y in range(2000, 2012)], columns=["iso3", "year"])
    frame["country"], frame["region"], frame["income_group"] = frame["iso3"], "Region", "Income"
    frame["log_gdp_pc"] = rng.normal(8, 1, len(frame))
    frame["gdp_pc"] = np.exp(frame["log_gdp_pc"])
    frame["tax_revenue_gdp"] = rng.normal(15, 2, len(frame))
    return frame


@pytest.fixture()
def project(tmp_path, monkeypatch):
    import griparm_econ.panel

    specs = tmp_path / "specs"
    (specs / "figures").mkdir(parents=True)
    shutil.copy(DEFAULT_CATALOG, specs / "variables.toml")
    for stem, text in FIGURES.items():
        (specs / "figures" / f"{stem}.toml").write_text(text, encoding="utf-8")
    settings = Settings(data_dir=None, project_root=tmp_path, specs_dir=specs, work_dir=tmp_path / "data",
                        output_dir=tmp_path / "out")

    class Project:
        panel = _panel()

        def inputs(self) -> dict[str, dict[str, str]]:
            ctx = FigureContext(settings=settings, out_dir=settings.output_dir)
            ctx._panel, ctx._aggregates = self.panel.copy(), pd.DataFrame({"iso3": ["WLD"], "year": [2000]})
            return {stem: figure_inputs(load_spec(specs / "figures" / f"{stem}.toml"), ctx) for stem in FIGURES}

    project = Project()
    project.settings = settings
    monkeypatch.setattr(griparm_econ.panel, "load_panel", lambda settings, echo=None: project.panel.copy())
    return project


def test_every_figure_kind_says_what_it_reads():
    assert set(FIGURE_KINDS) == {"trajectories", "marginal_effect", "coefficients", "shares", "timeline",
                                 "importer_shares"}
    assert {name for kind in FIGURE_KINDS.values() for name in kind.frames} <= {"panel", "aggregates"}


def test_an_unused_catalog_variable_leaves_every_figure_current(project):
    before = project.inputs()
    catalog = project.settings.catalog_path
    catalog.write_text(catalog.read_text(encoding="utf-8") + NEW_VARIABLE, encoding="utf-8")
    assert "gdp_pc_again" in load_catalog(catalog).names
    project.panel["gdp_pc_again"] = project.panel["gdp_pc"]
    project.panel["tax_revenue_gdp"] *= 2                                  # in the panel, read by no figure
    assert project.inputs() == before


def test_a_changed_column_changes_exactly_the_figures_that_read_it(project):
    before = project.inputs()
    project.panel["log_gdp_pc"] += 0.01                                    # read by traj only
    after = project.inputs()
    assert after["traj"] != before["traj"] and after["shares"] == before["shares"]
    project.panel["gdp_pc"] *= 1.01                                        # read by shares only
    assert project.inputs()["shares"] != after["shares"] and project.inputs()["traj"] == after["traj"]


@pytest.mark.slow
def test_a_figure_is_redrawn_only_when_a_column_it_reads_changes(project):
    def run() -> list[str]:
        lines: list[str] = []
        run_figures(project.settings, [project.settings.specs_dir / "figures" / "traj.toml"], echo=lines.append)
        return [line.split()[0] for line in lines]

    assert run() == ["drew"]
    project.panel["gdp_pc_again"] = project.panel["gdp_pc"]
    with open(project.settings.catalog_path, "a", encoding="utf-8") as handle:
        handle.write(NEW_VARIABLE)
    assert run() == ["up"]
    project.panel["log_gdp_pc"] += 0.01
    assert run() == ["drew"]


def test_no_module_branches_on_figure_kinds():
    """What each figure kind reads and checks is its registry entry; freshness, the figure steps and ``griparm
    check`` name no figure kind."""
    import ast
    from pathlib import Path

    import griparm_econ

    package = Path(griparm_econ.__file__).parent
    for module in ("validate.py", "freshness.py", "pipeline/figures.py", "pipeline/figure_data.py"):
        tree = ast.parse((package / module).read_text(encoding="utf-8"))
        literals = {node.value for node in ast.walk(tree) if isinstance(node, ast.Constant)}
        assert not literals & set(FIGURE_KINDS), (module, literals & set(FIGURE_KINDS))
