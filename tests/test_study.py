"""The whole study on the real snapshot: every table and figure, byte-identical reruns, incremental reruns, and the
replication check (issues 4 and 5). Runs in a temporary copy of specs/ and temporary data/output folders."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from griparm_econ.config import PROJECT_ROOT, Settings
from griparm_econ.report.replication import console_lines
from griparm_econ.pipeline.layout import reported_path
from griparm_econ.pipeline.records import data_vintage
from griparm_econ.pipeline.replicate import freeze_reported, replicate
from griparm_econ.pipeline.sequencer import run_study

pytestmark = [pytest.mark.snapshot, pytest.mark.slow]

TABLES = ("multiverse_forward", "multiverse_measures", "table1_descriptives", "table2_forward", "table3_backward",
          "table4_robustness", "table5_value_chain", "table6_event_study", "table7_synth_indonesia_nickel",
          "table8_policy_choice", "table9_importers")
EVENT_STUDIES = ("table6_event_study",)
SYNTHETIC_CONTROLS = ("table7_synth_indonesia_nickel",)
MULTIVERSES = ("multiverse_forward", "multiverse_measures")
REGRESSIONS = ("table2_forward", "table3_backward", "table4_robustness", "table8_policy_choice")
FIGURES = ("fig1_trajectories", "fig2_marginal_effect", "fig3_coefficients", "fig4_ree_shares",
           "fig5_restrictions_timeline", "fig6_importers")


def _settings(root: Path, data: Path) -> Settings:
    return Settings(data_dir=data, project_root=root, specs_dir=root / "specs",
                    work_dir=root / "data", output_dir=root / "output")


def _digests(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def project(tmp_path_factory, snapshot):
    root = tmp_path_factory.mktemp("study")
    shutil.copytree(PROJECT_ROOT / "specs", root / "specs")
    settings = _settings(root, snapshot.data_dir)
    lines: list[str] = []
    run_study(settings, echo=lines.append)
    return settings, _digests(settings.output_dir), lines


def test_every_table_and_figure_and_the_index_exist(project):
    settings, files, _ = project
    for stem in TABLES:
        for suffix in (".tex", ".html", ".md", ".csv", ".docx"):
            assert f"tables/{stem}{suffix}" in files, f"{stem}{suffix} missing"
        assert f"estimates/{stem}.json" in files
    for stem in FIGURES:
        for suffix in (".png", ".pdf"):
            assert len(files[f"figures/{stem}{suffix}"]) > 10_000, f"{stem}{suffix} missing or empty"
    for stem in MULTIVERSES:
        assert len(files[f"estimates/{stem}.parquet"]) > 10_000
        for suffix in (".png", ".pdf"):
            assert len(files[f"figures/{stem}{suffix}"]) > 10_000, f"{stem}{suffix} missing or empty"
    index = files["index.html"].decode()
    for stem in TABLES + FIGURES:
        assert stem in index
    manifest = json.loads(files["manifest.json"])
    for stem in MULTIVERSES:
        for rel in (f"estimates/{stem}.parquet", f"figures/{stem}.png", f"figures/{stem}.pdf"):
            assert rel in manifest["outputs"] and rel in index, rel
    assert "tables/table2_forward.tex" in manifest["outputs"]
    assert manifest["outputs"]["tables/table2_forward.tex"]["spec"] == "specs/table2_forward.toml"
    assert any(i["path"] == "worldbank/wgi.csv" for i in manifest["inputs"])
    assert {"numpy", "pandas", "linearmodels", "statsmodels", "wbgapi", "scipy"} <= set(manifest["versions"])


def test_event_study_outputs_exist_with_the_issue_12_fields(project):
    _, files, _ = project
    manifest = json.loads(files["manifest.json"])
    index = files["index.html"].decode()
    for stem in EVENT_STUDIES:
        for rel in (f"figures/{stem}.png", f"figures/{stem}.pdf"):
            assert len(files[rel]) > 10_000 and rel in manifest["outputs"] and rel in index, rel
        estimates = json.loads(files[f"estimates/{stem}.json"])
        assert {m["estimator"] for m in estimates["models"]} == {"twfe", "sun_abraham", "callaway_santanna", "did2s"}
        for model in estimates["models"]:
            assert set(model["att"]) == {"estimate", "std_error", "ci_low", "ci_high"}
            assert {"k", "estimate", "std_error", "ci_low", "ci_high"} <= set(model["event_time"][0])
            assert {"statistic", "df", "pvalue"} <= set(model["pretrend"] or {"statistic", "df", "pvalue"})
            assert model["n_treated_units"] == sum(model["cohorts"].values()) > 0
        table = files[f"tables/{stem}.md"].decode()
        assert "Treated countries" in table and "Cohort 1999" in table and "Pre-trend p-value" in table


def test_synthetic_control_outputs_exist(project):
    _, files, _ = project
    manifest = json.loads(files["manifest.json"])
    for stem in SYNTHETIC_CONTROLS:
        for rel in (f"tables/{stem}.weights.docx", f"figures/{stem}.path.png", f"figures/{stem}.gaps.pdf"):
            assert rel in files and rel in manifest["outputs"], rel
        model = json.loads(files[f"estimates/{stem}.json"])["models"][0]
        assert abs(sum(model["weights"].values()) - 1) < 1e-9 and "PHL" not in model["weights"]
        assert {"pre_rmspe", "post_gap", "att", "placebo_pvalue"} <= set(model)


def test_table2_carries_the_twfe_diagnostics(project):
    _, files, _ = project
    estimates = json.loads(files["estimates/table2_forward.json"])
    for model in estimates["models"]:
        assert {"bacon", "randomization_inference"} <= set(model["diagnostics"])
    notes = " ".join(estimates["notes"])
    assert "Goodman-Bacon decomposition" in notes and "randomization-inference p-value" in notes


def test_regression_tables_have_estimates_and_honest_notes(project):
    _, files, _ = project
    for stem in REGRESSIONS:
        est = json.loads(files[f"estimates/{stem}.json"])
        assert est["models"], stem
        for model in est["models"]:
            assert model["nobs"] > 0 and model["params"], (stem, model["name"])
            assert all(v is not None for v in model["std_errors"].values()), (stem, model["name"])
        assert any("countries" in note for note in est["notes"]), "notes must state the sample coverage"
    table1 = json.loads(files["estimates/table1_descriptives.json"])
    assert any(key.startswith("Resource-rich") for key in table1["values"])


def test_figure_notes_name_exhibits_and_labels_not_file_stems_or_terms(project):
    """Issue 9: "From table table2_forward", `L.export_restriction_any` and "N = 3365" were printed under Figure 2."""
    _, files, _ = project
    fig2 = json.loads(files["figures/fig2_marginal_effect.json"])["notes"]
    assert fig2[0].startswith("From Table 2, column (1) Manufactures exports") and re.search(r"N = \d,\d{3}\)", fig2[0])
    fig3 = json.loads(files["figures/fig3_coefficients.json"])["notes"]
    assert any(note.startswith("Not shown: Table 4 (6) Two-year lags") for note in fig3)
    for note in fig2 + fig3:
        assert "table2_forward" not in note and "L.export" not in note and note.endswith("."), note


def test_unchanged_rerun_skips_everything_and_changes_no_byte(project):
    settings, files, _ = project
    lines: list[str] = []
    run_study(settings, echo=lines.append)
    assert not any(line.startswith(("wrote 6 files", "drew ")) for line in lines), lines
    assert sum(line.startswith("up to date") for line in lines) == len(TABLES) + len(FIGURES)
    assert _digests(settings.output_dir) == files


def test_forced_rerun_is_byte_identical(project):
    settings, files, _ = project
    run_study(settings, force=True, echo=lambda _: None)
    assert _digests(settings.output_dir) == files


def test_changed_spec_is_the_only_one_reestimated(project, tmp_path):
    settings, _, _ = project
    spec = settings.specs_dir / "table3_backward.toml"
    original = spec.read_text()
    try:
        spec.write_text(original.replace('title = "Backward linkages', 'title = "Backward linkages (edited)'))
        lines: list[str] = []
        run_study(settings, echo=lines.append)
        remade = [line for line in lines if line.startswith(("wrote 6 files", "re-rendered"))]
        # A new title is display-only: the table is re-rendered from its stored estimates, not re-estimated.
        assert len(remade) == 1 and remade[0].startswith("re-rendered table3_backward"), lines
        # Figure 3 reads Table 3's estimates file, which changed (its spec hash), so it is redrawn too.
        assert [line for line in lines if line.startswith("drew ")] == [
            next(line for line in lines if line.startswith("drew fig3"))]
    finally:
        spec.write_text(original)
        run_study(settings, echo=lambda _: None)


def test_replication_passes_then_names_a_changed_number(project):
    settings, _, _ = project
    freeze_reported(settings, echo=lambda _: None)
    assert replicate(settings, echo=lambda _: None)
    path = reported_path(settings)
    reported = json.loads(path.read_text())
    model = reported["tables"]["table2_forward"]["models"][0]
    model["std_errors"]["L.state_capacity"] *= 1 + 1e-5
    path.write_text(json.dumps(reported))
    lines: list[str] = []
    assert not replicate(settings, echo=lines.append)
    mismatch = [line for line in lines if "L.state_capacity (se)" in line]
    assert len(mismatch) == 1 and "table2_forward" in mismatch[0] and model["name"] in mismatch[0]
    report = (settings.output_dir / "replication_report.md").read_text()
    assert "FAIL" in report and "L.state_capacity (se)" in report


def test_committed_reported_estimates_replicate(project):
    """reported/estimates.json in the repository matches what the code computes from the snapshot."""
    from griparm_econ.replication import check, reported

    settings, _, _ = project
    frozen = reported.load(PROJECT_ROOT / "reported" / "estimates.json")
    records = (settings.output_dir / "estimates").glob("*.json")
    replicated = {path.stem: json.loads(path.read_text()) for path in records}
    result = check.check(frozen, replicated, data_vintage(settings))
    assert result.ok, "\n".join(console_lines(result))
    assert not [w for w in result.vintage_warnings if "input" in w], result.vintage_warnings
