"""README.md's generated sections: up to date in the repository (so CI fails when a spec, the catalog, the reported
vintage or pyproject.toml changes without `griparm readme`), stale sections named, hand-written prose untouched."""

from __future__ import annotations

import json
import shutil

import pytest

from griparm_econ import cli
from griparm_econ.config import PROJECT_ROOT, Settings
from griparm_econ.errors import GriparmError
from griparm_econ.pipeline.records import study_specs
from griparm_econ.report.readme import SECTIONS, render_sections, update_readme
from griparm_econ.report.readme_markers import begin_marker, end_marker


def _quiet(_: str) -> None:
    return None


def test_repository_readme_is_up_to_date():
    stale = update_readme(Settings(), study_specs(Settings()), check=True, echo=_quiet)
    assert stale == [], (f"README.md sections {stale} are out of date: run `griparm readme` (or `make readme`) "
                         "and commit README.md")


def test_another_snapshot_example_is_neutral_and_ci_replicates():
    """The README's example of another snapshot was `GRIPARM_DATA=../shared/data make tables`, a snapshot the input
    check refuses (an older events file); CI ran `make tables` but never `make replicate`."""
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    assert "../shared/data make tables" not in readme
    assert "GRIPARM_DATA=/path/to/snapshot make tables" in readme and "griparm data manifest --data DIR" in readme
    ci = [line.strip() for line in (PROJECT_ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()]
    assert ci.index("make replicate") > ci.index("make tables")
    assert any(line.startswith('echo "ci: make replicate took') for line in ci)


def test_cli_check_passes_on_the_repository(capsys):
    assert cli.main(["readme", "--check"]) == 0
    assert "up to date" in capsys.readouterr().out


@pytest.fixture()
def project(tmp_path) -> Settings:
    """A copy of the files the README is generated from, so the tests may edit them."""
    for name in ("README.md", "pyproject.toml", "Makefile"):
        shutil.copy2(PROJECT_ROOT / name, tmp_path / name)
    shutil.copytree(PROJECT_ROOT / "specs", tmp_path / "specs")
    (tmp_path / "reported").mkdir()
    shutil.copy2(PROJECT_ROOT / "reported" / "estimates.json", tmp_path / "reported" / "estimates.json")
    settings = Settings(project_root=tmp_path, specs_dir=tmp_path / "specs", work_dir=tmp_path / "data",
                        output_dir=tmp_path / "output")
    update_readme(settings, study_specs(settings), echo=_quiet)   # the copy's README matches the copy's inputs
    return settings


def _outside_markers(text: str) -> str:
    """The hand-written part: everything outside the generated sections."""
    for name in SECTIONS:
        start = text.index(begin_marker(name))
        stop = text.index(end_marker(name))
        text = text[:start] + text[stop:]
    return text


def test_edited_spec_title_makes_the_tables_section_stale(project, monkeypatch, capsys):
    spec = project.specs_dir / "table3_backward.toml"
    text = spec.read_text(encoding="utf-8")
    spec.write_text(text.replace('title = "Backward linkages', 'title = "Upstream linkages', 1), encoding="utf-8")
    assert update_readme(project, study_specs(project), check=True, echo=_quiet) == ["tables"]

    monkeypatch.setattr(cli, "load_settings", lambda *args, **kwargs: project)
    assert cli.main(["readme", "--check"]) == 1
    assert "'tables' is out of date" in capsys.readouterr().out

    readme = project.project_root / "README.md"
    before = readme.read_text(encoding="utf-8")
    assert cli.main(["readme"]) == 0
    after = readme.read_text(encoding="utf-8")
    assert "Upstream linkages" in after and "Upstream linkages" not in before
    assert _outside_markers(after) == _outside_markers(before)
    assert cli.main(["readme", "--check"]) == 0


def test_a_spec_of_an_unknown_kind_is_listed_by_title_and_stem(project):
    (project.specs_dir / "zz_novel.toml").write_text('kind = "novel"\ntitle = "A kind nobody knows yet"\n',
                                                     encoding="utf-8")
    assert update_readme(project, study_specs(project), check=True, echo=_quiet) == ["tables"]
    tables = render_sections(project, study_specs(project))["tables"]
    row = next(line for line in tables.splitlines() if "zz_novel" in line)
    assert "A kind nobody knows yet" in row and "`specs/zz_novel.toml`" in row and "novel" in row


def test_catalog_vintage_and_dependencies_feed_their_sections(project):
    reported = project.project_root / "reported" / "estimates.json"
    document = json.loads(reported.read_text(encoding="utf-8"))
    document["data_vintage"]["worldbank_last_updated"]["GE.EST"] = "WGI 2099 update"
    document["data_vintage"]["inputs"][0]["sha256"] = "f" * 64
    reported.write_text(json.dumps(document), encoding="utf-8")
    pyproject = project.project_root / "pyproject.toml"
    text = pyproject.read_text(encoding="utf-8")
    pyproject.write_text(text.replace('"tqdm>=4.66",', '"tqdm>=4.66",\n    "zzpackage>=1",'), encoding="utf-8")
    assert update_readme(project, study_specs(project), check=True, echo=_quiet) == ["software", "data-sources", "worldbank-series"]
    sections = render_sections(project, study_specs(project))
    assert "WGI 2099 update" in sections["worldbank-series"]
    assert "`" + "f" * 12 + "`" in sections["data-sources"]
    assert "`zzpackage`" in sections["software"] and "PACKAGE_ROLES" in sections["software"]


def test_every_catalog_source_variable_and_live_series_is_listed(project):
    from griparm_econ.catalog import load_catalog

    sections = render_sections(project, study_specs(project))
    catalog = load_catalog(project.catalog_path)
    for entry in catalog:
        if entry.source == "worldbank":
            assert f"`{entry.source_code}`" in sections["worldbank-series"]
        assert f"`{entry.name}`" in sections["data-sources"]
    assert "/sources/2/series/" in sections["worldbank-series"]
    assert "/sources/3/series/" in sections["worldbank-series"]


RENDER = """
import json, sys
from pathlib import Path
from griparm_econ.config import Settings
from griparm_econ.pipeline.records import study_specs
from griparm_econ.report.readme import render_sections
root = Path(sys.argv[1])
settings = Settings(project_root=root, specs_dir=root / "specs", work_dir=root / "data", output_dir=root / "output")
print(json.dumps(render_sections(settings, study_specs(settings)), sort_keys=True))
"""


@pytest.mark.slow
def test_rendering_is_identical_in_two_processes(project):
    # Separate processes with different hash seeds: set or dict ordering that leaks into the text would differ.
    import os
    import subprocess
    import sys

    outputs = []
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed,
               "PYTHONPATH": os.pathsep.join(filter(None, [str(PROJECT_ROOT), os.environ.get("PYTHONPATH")]))}
        done = subprocess.run([sys.executable, "-c", RENDER, str(project.project_root)], capture_output=True,
                              text=True, env=env, timeout=300, check=True)
        outputs.append(done.stdout)
    assert outputs[0] == outputs[1] and len(outputs[0]) > 1000


def test_a_missing_marker_is_one_error_naming_the_section(project, monkeypatch, capsys):
    readme = project.project_root / "README.md"
    readme.write_text(readme.read_text(encoding="utf-8").replace(end_marker("software"), ""), encoding="utf-8")
    with pytest.raises(GriparmError) as caught:
        update_readme(project, study_specs(project), check=True, echo=_quiet)
    assert "software" in caught.value.message and "README.md" in caught.value.message
    monkeypatch.setattr(cli, "load_settings", lambda *args, **kwargs: project)
    assert cli.main(["readme"]) == 2
    assert "Fix:" in capsys.readouterr().err
