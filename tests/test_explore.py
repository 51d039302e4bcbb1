"""griparm vars / describe (catalog, panel coverage and provenance), griparm check on the catalog and figure specs,
and plain-text --help."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from griparm_econ.cli import build_parser, main
from griparm_econ.config import PROJECT_ROOT, Settings
from griparm_econ.errors import SpecError
from griparm_econ.explore import data_path_prefix, describe_variable, list_variables
from griparm_econ.validate import check_all

RST = re.compile(r"``|:[a-z]+:`")


def test_help_is_plain_text(capsys):
    commands = build_parser()._subparsers._group_actions[0].choices
    for argv in [[]] + [[name] for name in commands]:
        with pytest.raises(SystemExit):
            main([*argv, "--help"])
        text = capsys.readouterr().out
        assert "usage: griparm" in text and not RST.search(text), argv


def test_unknown_variable_is_one_error_with_did_you_mean(capsys):
    assert main(["describe", "state_capacty"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "did you mean state_capacity" in err and "variables.toml" in err


@pytest.fixture()
def project(tmp_path) -> Settings:
    shutil.copytree(PROJECT_ROOT / "specs", tmp_path / "specs")
    return Settings(project_root=tmp_path, specs_dir=tmp_path / "specs", work_dir=tmp_path / "data",
                    output_dir=tmp_path / "output")


def test_check_covers_catalog_tables_and_figures(project):
    lines: list[str] = []
    check_all(None, project, echo=lines.append)
    assert lines[0].startswith("ok: ") and "variables.toml" in lines[0]
    checked = {Path(line.split()[1]).name for line in lines}
    expected = {p.name for p in (project.specs_dir).rglob("*.toml")}
    assert checked == expected


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize("file, old, new, field, hint", [
    ("figures/fig2_marginal_effect.toml", 'model = "Manufactures exports"', 'model = "Manufactures"', "model",
     "Manufactures exports"),
    ("figures/fig2_marginal_effect.toml", 'table = "table2_forward"', 'table = "table2_forwrd"', "table",
     "did you mean table2_forward"),
    ("figures/fig2_marginal_effect.toml", 'moderator = "state_capacity"', 'moderator = "state_capacty"',
     "moderator", "did you mean state_capacity"),
    ("figures/fig3_coefficients.toml", '"L.state_capacity", "L.export', '"L.state_capacit", "L.export', "terms",
     "L.state_capacity"),
    ("figures/fig1_trajectories.toml", '"manuf_exports"', '"manuf_export"', "variables", "manuf_exports"),
    ("variables.toml", 'transformation = "pca_first_component"', 'transformation = "pca_first"',
     "state_capacity", "pca_first_component"),
])
def test_check_names_the_figure_or_catalog_field(project, file, old, new, field, hint):
    _edit(project.specs_dir / file, old, new)
    with pytest.raises(SpecError) as caught:
        check_all(None, project, echo=lambda _: None)
    message = str(caught.value)
    assert Path(file).name in message and field in message and hint in message


@pytest.fixture(scope="module")
def built(tmp_path_factory, snapshot) -> Settings:
    from griparm_econ.panel import load_panel

    root = tmp_path_factory.mktemp("explore")
    settings = Settings(data_dir=snapshot.data_dir, project_root=root, specs_dir=PROJECT_ROOT / "specs",
                        work_dir=root / "data", output_dir=root / "output")
    load_panel(settings)
    return settings


@pytest.mark.snapshot
@pytest.mark.slow
def test_vars_lists_every_variable_with_its_coverage(built):
    import pandas as pd

    from griparm_econ.catalog import load_catalog

    lines: list[str] = []
    frame = list_variables(built, echo=lines.append)
    panel = pd.read_parquet(built.panel_path)
    catalog = load_catalog(built.catalog_path)
    assert frame["variable"].tolist() == list(catalog.names)
    row = frame.set_index("variable").loc["manuf_exports"]
    present = panel["manuf_exports"].notna()
    assert row["country_years"] == int(present.sum())
    assert row["years"] == f"{panel.loc[present, 'year'].min()}-{panel.loc[present, 'year'].max()}"
    assert lines[0].split()[:3] == ["variable", "source", "unit"] and len(lines) == len(catalog) + 2


@pytest.mark.snapshot
@pytest.mark.slow
def test_describe_gives_definition_files_vintage_and_coverage(built):
    import pandas as pd

    lines: list[str] = []
    describe_variable("manuf_exports", built, echo=lines.append)
    text = "\n".join(lines)
    panel = pd.read_parquet(built.panel_path)
    present = panel["manuf_exports"].notna()
    assert "SITC 5-8" in text and "TX.VAL.MANF.ZS.UN" in text
    assert f"{data_path_prefix(built)}/worldbank/wdi_open_numbers.csv" in text
    assert f"{int(present.sum()):,} economy-years with data" in text
    chn = panel.loc[present & (panel.iso3 == "CHN"), "year"]
    assert f"CHN {chn.min()}-{chn.max()}" in text
    per_year = panel.loc[present & (panel.year == 2010), "iso3"].nunique()
    assert re.search(rf"2010 +{per_year}\b", text)

    lines.clear()
    describe_variable("state_capacity", built, echo=lines.append)
    text = "\n".join(lines)
    assert "pca_first_component of gov_effectiveness" in text and f"rule_of_law <- {data_path_prefix(built)}/worldbank/wgi.csv" in text


def test_describe_names_the_real_data_folder_when_griparm_data_is_unset(monkeypatch, tmp_path):
    inside = Settings(data_dir=PROJECT_ROOT / "data" / "raw", project_root=PROJECT_ROOT)
    outside = Settings(data_dir=tmp_path, project_root=PROJECT_ROOT)
    monkeypatch.delenv("GRIPARM_DATA", raising=False)
    assert data_path_prefix(inside) == "data/raw"
    assert data_path_prefix(outside) == tmp_path.resolve().as_posix()
    monkeypatch.setenv("GRIPARM_DATA", str(tmp_path))
    assert data_path_prefix(outside) == "$GRIPARM_DATA"
    assert data_path_prefix(inside) == "data/raw"     # the variable names another folder: the real one is shown
