"""Declared multiverses (``kind = "multiverse"``): grid expansion, refusal above the limit, estimates against the
regular runner and pyfixest, deterministic outputs, the specification curve and its summary.

The data are a synthetic balanced panel generated here with known effects: the one-year lag of ``x`` raises ``y_up``
by 2 and lowers ``y_down`` by 2, so every model of ``y_up`` has the expected (positive) sign and every model of
``y_down`` the opposite one, all of them significant.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from griparm_econ.cli import main
from griparm_econ.config import Settings
from griparm_econ.errors import SpecError
from griparm_econ.estimation.multiverse import expand_grid
from griparm_econ.estimation.multiverse_curve import Indicator, summarise
from griparm_econ.pipeline.sequencer import run_specs
from griparm_econ.spec import control_sets, lag_term, multiverse_size, parse_spec_text

TRUE_EFFECT = 2.0


def synthetic_panel(n_entities: int = 40, n_years: int = 20, seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    ids = np.repeat(np.arange(n_entities), n_years)
    years = np.tile(np.arange(2000, 2000 + n_years), n_entities)
    entity_effect = rng.normal(size=n_entities)[ids]
    year_effect = rng.normal(size=n_years)[years - 2000]
    frame = pd.DataFrame({"id": [f"E{i:02d}" for i in ids], "year": years,
                          "x": (rng.random(ids.size) < 0.3).astype(float),
                          "z": rng.normal(size=ids.size) + 0.3 * entity_effect,
                          "c1": rng.normal(size=ids.size), "c2": rng.normal(size=ids.size),
                          "rich": (ids % 3 == 0).astype(int)})
    lagged = frame.groupby("id")[["x", "z", "c1"]].shift(1)     # balanced panel: the previous row is t-1
    for name, sign in (("y_up", 1.0), ("y_down", -1.0)):
        frame[name] = (sign * TRUE_EFFECT * lagged["x"] + 0.5 * lagged["z"] + 0.3 * lagged["x"] * lagged["z"]
                       + 0.4 * lagged["c1"] + entity_effect + year_effect + rng.normal(scale=0.5, size=ids.size))
    return frame


MULTIVERSE = '''kind = "multiverse"
title = "Synthetic multiverse"
focus = "L.x"
expected_sign = "positive"
outcomes = ["y_up", "y_down"]
treatments = [["L.x", "L.z", "L.x:L.z"]]
controls = ["L.c1", "L.c2"]
control_sets = "all_subsets"
lags = [1, 2]
effects = [["entity", "time"], ["entity"]]
cov = ["cluster:entity"]

[data]
path = "panel.csv"
entity = "id"
time = "year"

[samples.all]
description = "all entities"

[samples.rich]
query = "rich == 1"
description = "rich entities"

[executor]
backend = "sequential"
progress = false
'''

REGRESSION = '''title = "The same models through the regular runner"
[data]
path = "panel.csv"
entity = "id"
time = "year"
[defaults]
estimator = "panel_ols"
cov = "cluster:entity"
[[model]]
name = "two-way"
formula = "y_up ~ L.x * L.z + L.c1 + L.c2"
effects = ["entity", "time"]
[[model]]
name = "one-way"
formula = "y_up ~ L.x * L.z + L.c1 + L.c2"
effects = ["entity"]
'''


def _settings(root: Path) -> Settings:
    return Settings(data_dir=None, project_root=root, specs_dir=root, work_dir=root / "data",
                    output_dir=root / "out")


def _spec(text: str):
    return parse_spec_text(text, Path("multiverse.toml")).spec


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    root = tmp_path_factory.mktemp("multiverse")
    synthetic_panel().to_csv(root / "panel.csv", index=False)
    (root / "mv.toml").write_text(MULTIVERSE)
    (root / "reg.toml").write_text(REGRESSION)
    lines: list[str] = []
    run_specs([root / "mv.toml", root / "reg.toml"], _settings(root), echo=lines.append)
    return root, lines


# --------------------------------------------------------------------------------------------- the grid


@pytest.mark.parametrize("sets, n_sets", [('"all_subsets"', 8), ('"all"', 1), ('"none"', 1),
                                          ('[["L.c1"], ["L.c1", "L.c3"]]', 2)])
def test_grid_counts(sets, n_sets):
    text = (MULTIVERSE.replace('controls = ["L.c1", "L.c2"]', 'controls = ["L.c1", "L.c2", "L.c3"]')
            .replace('control_sets = "all_subsets"', f"control_sets = {sets}"))
    spec = _spec(text)
    assert len(control_sets(spec)) == n_sets
    expected = 2 * 1 * n_sets * 2 * 2 * 2 * 1          # outcomes, treatments, controls, lags, samples, effects, cov
    grid = expand_grid(spec)
    assert multiverse_size(spec) == len(grid) == expected
    assert len({m.model_id for m in grid}) == expected
    assert len({tuple(m.choices().values()) for m in grid}) == expected


def test_all_subsets_are_every_subset_once():
    spec = _spec(MULTIVERSE.replace('controls = ["L.c1", "L.c2"]', 'controls = ["a", "b", "c", "d"]'))
    sets = control_sets(spec)
    assert len(sets) == 16 and len(set(map(frozenset, sets))) == 16 and sets[0] == () and len(sets[-1]) == 4


def test_lag_rewrites_one_period_lags_only():
    assert lag_term("L.x:L.z", 2) == "L2.x:L2.z"
    assert lag_term("L.x:z", 3) == "L3.x:z"
    assert lag_term("F.x", 2) == "F.x" and lag_term("L.x", 1) == "L.x"
    grid = expand_grid(_spec(MULTIVERSE))
    lag2 = next(m for m in grid if m.lag == 2)
    assert lag2.focus == "L2.x" and "L2.x:L2.z" in lag2.regressors


@pytest.mark.parametrize("change, field", [
    (('treatments = [["L.x", "L.z", "L.x:L.z"]]', 'treatments = [["L.x", "L.z"], ["L.z"]]'), "treatments[2]"),
    (('expected_sign = "positive"', 'expected_sign = "up"'), "expected_sign"),
    (('cov = ["cluster:entity"]', 'cov = ["cluster:entity+time"]'), "cov[1]"),
    (('lags = [1, 2]', 'lags = [1, 2]\nlagz = 3'), "lagz"),
    (('control_sets = "all_subsets"', 'control_sets = [["L.c9"]]'), "control_sets[1]"),
])
def test_validation_names_the_field(change, field):
    with pytest.raises(SpecError) as caught:
        _spec(MULTIVERSE.replace(*change))
    assert caught.value.field == field and caught.value.fix


def test_n_jobs_far_above_the_cores_is_clamped_with_one_warning(tmp_path, capsys):
    """`[executor] n_jobs` had no upper bound: 10**6 asked joblib for a million workers. Above 2 per core it runs on
    the machine's cores, and says so once; the estimates are those of any other worker count."""
    from joblib import cpu_count

    from griparm_econ.estimation.multiverse import local_workers

    assert local_workers(2 * cpu_count(), "loky", Path("m.toml")) == 2 * cpu_count()
    assert local_workers(10**6, "dask", Path("m.toml")) == 10**6          # a cluster's workers, not these cores
    assert not capsys.readouterr().err
    synthetic_panel().to_csv(tmp_path / "panel.csv", index=False)
    spec = tmp_path / "many.toml"
    spec.write_text(MULTIVERSE.replace('backend = "sequential"', 'backend = "threading"\nn_jobs = 1000000')
                    .replace("lags = [1, 2]", "lags = [1]").replace('"all_subsets"', '"all"'))
    assert main(["run", str(spec), "--out", str(tmp_path / "out")]) == 0
    err = capsys.readouterr().err
    warnings = [line for line in err.splitlines() if "n_jobs" in line]
    assert len(warnings) == 1 and f"using {cpu_count()}" in warnings[0] and "[executor]" in warnings[0], err


@pytest.mark.parametrize("n_jobs", ["0", "-2"])
def test_n_jobs_without_workers_is_refused(n_jobs):
    with pytest.raises(SpecError) as caught:
        _spec(MULTIVERSE.replace('progress = false', f'progress = false\nn_jobs = {n_jobs}'))
    assert caught.value.field == "executor.n_jobs" and caught.value.fix


def test_grid_above_the_limit_is_refused_before_any_output(tmp_path, capsys):
    synthetic_panel().to_csv(tmp_path / "panel.csv", index=False)
    spec = tmp_path / "big.toml"
    spec.write_text(MULTIVERSE.replace('lags = [1, 2]', 'lags = [1, 2]\nlimit = 20'))
    out = tmp_path / "out"
    assert main(["run", str(spec), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "to 64 models" in err and "limit of 20" in err and "[limit]" in err and "Fix:" in err
    assert not out.exists() or not any(p.is_file() for p in out.rglob("*"))


# --------------------------------------------------------------------------------------------- estimates


def _parquet(root: Path) -> pd.DataFrame:
    return pd.read_parquet(root / "out" / "estimates" / "mv.parquet")


def test_count_printed_and_files_written(study):
    root, lines = study
    assert any(line.startswith("mv: 64 models") for line in lines)
    out = root / "out"
    for rel in ("estimates/mv.parquet", "estimates/mv.json", "tables/mv.csv", "tables/mv.html", "tables/mv.docx",
                "figures/mv.png", "figures/mv.pdf"):
        assert (out / rel).is_file() and (out / rel).stat().st_size > 500, rel
    frame = _parquet(root)
    assert frame["model_id"].nunique() == 64 and frame["is_focus"].sum() == 64
    for column in ("outcome", "treatment", "controls", "lag", "sample", "effects", "cov", "term", "estimate",
                   "std_error", "pvalue", "ci_low", "ci_high", "nobs", "n_clusters"):
        assert column in frame.columns
    record = json.loads((out / "estimates" / "mv.json").read_text())
    for key in ("kind", "spec", "spec_sha256", "stem", "title", "data", "data_sha256", "data_read_sha256",
                "estimation_code_sha256", "report_code_sha256",
                "griparm_version", "notes", "models", "summary"):
        assert key in record
    assert record["models"] == [] and record["kind"] == "multiverse"


def test_estimates_equal_the_regular_runner(study):
    root, _ = study
    frame = _parquet(root)
    regular = json.loads((root / "out" / "estimates" / "reg.json").read_text())
    for model in regular["models"]:
        effects = "entity+time" if model["name"] == "two-way" else "entity"
        ours = frame[(frame.outcome == "y_up") & (frame.controls == "L.c1 + L.c2") & (frame.lag == 1)
                     & (frame["sample"] == "all") & (frame.effects == effects)].set_index("term")
        assert set(ours.index) == set(model["params"])
        assert int(ours["nobs"].iloc[0]) == model["nobs"]
        ratios = []
        for term, value in model["params"].items():
            assert ours.loc[term, "estimate"] == pytest.approx(value, rel=1e-10, abs=1e-12)
            ratios.append(model["std_errors"][term] / ours.loc[term, "std_error"])
        # Standard errors differ only by the small-sample factor (Stata's K vs fixest's): one scalar per model.
        assert max(ratios) - min(ratios) < 1e-10


def test_estimates_equal_pyfixest(study):
    pyfixest = pytest.importorskip("pyfixest")
    root, _ = study
    frame = _parquet(root)
    panel = synthetic_panel()
    lagged = panel.groupby("id")[["x", "z", "c1", "c2"]].shift(1)
    for column in lagged:
        panel[f"L_{column}"] = lagged[column]
    panel["L_x_L_z"] = panel["L_x"] * panel["L_z"]
    names = {"L_x": "L.x", "L_z": "L.z", "L_x_L_z": "L.x:L.z", "L_c1": "L.c1", "L_c2": "L.c2"}
    for outcome in ("y_up", "y_down"):
        for fe, effects in (("id + year", "entity+time"), ("id", "entity")):
            fit = pyfixest.feols(f"{outcome} ~ L_x + L_z + L_x_L_z + L_c1 + L_c2 | {fe}", data=panel,
                                 vcov={"CRV1": "id"}, fixef_tol=1e-14)
            ours = frame[(frame.outcome == outcome) & (frame.controls == "L.c1 + L.c2") & (frame.lag == 1)
                         & (frame["sample"] == "all") & (frame.effects == effects)].set_index("term")
            for theirs, term in names.items():
                assert ours.loc[term, "estimate"] == pytest.approx(fit.coef()[theirs], rel=1e-8)
                assert ours.loc[term, "std_error"] == pytest.approx(fit.se()[theirs], rel=1e-8)
                assert ours.loc[term, "pvalue"] == pytest.approx(fit.pvalue()[theirs], rel=1e-6, abs=1e-12)


def test_summary_shares_match_the_known_signs(study):
    root, _ = study
    record = json.loads((root / "out" / "estimates" / "mv.json").read_text())
    summary, values = record["summary"], record["values"]
    assert summary["n_models"] == 64
    # With the one-year lag, half the models are of y_up (true effect +2), half of y_down (-2), all clearly
    # significant. (The two-year lag of x has no effect: those models only enter the overall shares.)
    assert values["Lag: t-1"]["Models"] == 32
    assert values["Lag: t-1"]["Expected sign (%)"] == 50.0
    assert values["Lag: t-1"]["Significant at 5% (%)"] == 100.0
    assert values["Lag: t-1"]["Expected sign and significant (%)"] == 50.0
    focus = _parquet(root).query("is_focus")
    assert summary["share_expected_sign"] == pytest.approx(float(np.mean(focus["estimate"] > 0)), abs=1e-15)
    assert summary["share_significant_5pct"] == pytest.approx(float(np.mean(focus["pvalue"] < 0.05)), abs=1e-15)
    assert summary["median_estimate"] is None          # two outcomes: raw estimates are not pooled
    lag1 = focus.query("lag == 1 and sample == 'all'")
    assert np.allclose(lag1.groupby("outcome")["estimate"].mean().sort_index(), [-TRUE_EFFECT, TRUE_EFFECT],
                       atol=0.3)


def test_summarise_on_a_hand_made_curve():
    curve = pd.DataFrame({"model_id": ["a", "b", "c", "d"], "outcome": ["y"] * 4,
                          "estimate": [1.0, 2.0, -1.0, 3.0], "estimate_scaled": [0.1, 0.2, -0.1, 0.3],
                          "pvalue": [0.01, 0.2, 0.01, 0.04]})
    rows = [Indicator("Lag", "t-1", np.array([True, True, False, False]))]
    table = summarise(curve, "positive", rows)
    assert table.loc["All models", "Expected sign (%)"] == 75.0
    assert table.loc["All models", "Significant at 5% (%)"] == 75.0
    assert table.loc["All models", "Expected sign and significant (%)"] == 50.0
    assert table.loc["All models", "Median estimate"] == 1.5
    assert table.loc["Lag: t-1", "Models"] == 2 and table.loc["Lag: t-1", "Significant at 5% (%)"] == 50.0
    assert summarise(curve, "negative", []).loc["All models", "Expected sign and significant (%)"] == 25.0


@pytest.mark.slow
def test_outputs_are_byte_identical_and_reruns_are_skipped(study, tmp_path):
    root, _ = study
    lines: list[str] = []
    run_specs([root / "mv.toml"], _settings(root), echo=lines.append)
    assert any(line.startswith("up to date") for line in lines)
    run_specs([root / "mv.toml"], _settings(root), force=True, echo=lambda _: None, out_dir=tmp_path)
    for rel in ("estimates/mv.parquet", "estimates/mv.json", "tables/mv.csv", "tables/mv.md", "figures/mv.png",
                "figures/mv.pdf"):
        assert (tmp_path / rel).read_bytes() == (root / "out" / rel).read_bytes(), rel


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["loky", "threading"])
def test_local_backends_give_the_same_estimates(study, backend, tmp_path):
    root, _ = study
    text = MULTIVERSE.replace('backend = "sequential"', f'backend = "{backend}"\nn_jobs = 2')
    (root / f"mv_{backend}.toml").write_text(text)
    run_specs([root / f"mv_{backend}.toml"], _settings(root), echo=lambda _: None, out_dir=tmp_path)
    theirs = pd.read_parquet(tmp_path / "estimates" / f"mv_{backend}.parquet")
    pd.testing.assert_frame_equal(theirs, _parquet(root))
