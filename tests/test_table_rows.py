"""What a referee reads in a regression table (issue 9): clusters ever treated next to clustered inference, what
first differences do to the entity effects, and the one model test that belongs to each estimator.

Synthetic data generated here; Table 2 column 5's count on the study panel."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pandas as pd
import pytest

from griparm_econ.cli import main

TREATED = ("e03", "e07", "e11")


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("rows")
    rng = np.random.default_rng(11)
    rows = [(f"e{i:02d}", year) for i in range(20) for year in range(2000, 2010)]
    frame = pd.DataFrame(rows, columns=["firm", "year"])
    frame["d"] = (frame["firm"].isin(TREATED) & (frame["year"] >= 2005)).astype(int)
    frame["x"] = rng.normal(size=len(frame))
    frame["y"] = 0.3 * frame["d"] + 0.5 * frame["x"] + rng.normal(size=len(frame))
    frame.to_csv(tmp / "panel.csv", index=False)
    spec = tmp / "rows.toml"
    spec.write_text('title = "Rows"\n[data]\npath = "panel.csv"\nentity = "firm"\ntime = "year"\n'
                    '[[model]]\nname = "FE"\nformula = "y ~ d * x"\nestimator = "panel_ols"\n'
                    'effects = ["entity", "time"]\ncov = "cluster:entity"\n'
                    '[[model]]\nname = "RE"\nformula = "y ~ 1 + d + x"\nestimator = "random_effects"\n'
                    'cov = "cluster:entity"\n'
                    '[[model]]\nname = "FD"\nformula = "y ~ d + x"\nestimator = "first_difference"\n'
                    'cov = "cluster:entity"\n'
                    '[[model]]\nname = "Conventional"\nformula = "y ~ 1 + d + x"\nestimator = "pooled_ols"\n',
                    encoding="utf-8")
    assert main(["run", str(spec), "--out", str(tmp / "out")]) == 0
    estimates = json.loads((tmp / "out" / "estimates" / "rows.json").read_text())
    table = pd.read_csv(tmp / "out" / "tables" / "rows.csv", dtype=str, keep_default_na=False)
    return {m["name"]: m for m in estimates["models"]}, table


def _row(table: pd.DataFrame, stub: str) -> list[str]:
    matches = table[table.iloc[:, 0] == stub]
    assert len(matches) == 1, (stub, list(table.iloc[:, 0]))
    return list(matches.iloc[0, 1:])


def test_ever_treated_clusters_in_estimates_and_table(run):
    models, table = run
    for name in ("FE", "RE", "FD"):
        assert models[name]["ever_treated_clusters"] == {"d": {"entity": len(TREATED)}}, name
    assert models["Conventional"]["ever_treated_clusters"] == {}      # not clustered: nothing to read it against
    assert "d:x" not in models["FE"]["ever_treated_clusters"]          # an interaction is not a treatment
    assert "x" not in models["FE"]["ever_treated_clusters"]            # not binary
    assert _row(table, "Clusters ever treated: d") == ["3", "3", "3", ""]


def test_first_differences_say_the_entity_effects_are_differenced_out(run):
    _, table = run
    assert _row(table, "Firm FE") == ["Yes", "No", "Differenced out", "No"]


def test_random_effects_show_the_wald_chi2_and_no_f(run):
    models, table = run
    re = models["RE"]
    assert "f_stat" not in re["stats"] and "wald_chi2" in re["stats"]
    names = ["d", "x"]
    b = np.array([re["params"][n] for n in names])
    v = np.array([[re["cov_matrix"][r][c] for c in names] for r in names])
    assert re["stats"]["wald_chi2"] == pytest.approx(float(b @ np.linalg.solve(v, b)), rel=1e-10)
    assert _row(table, "F statistic")[1] == "" and _row(table, "F statistic")[0] != ""
    assert _row(table, "Wald χ²")[0] == "" and _row(table, "Wald χ²")[1] != ""


@pytest.mark.slow
def test_table2_column5_has_four_treated_countries(snapshot):
    from griparm_econ.config import PROJECT_ROOT
    from griparm_econ.estimation.dataset import load_dataset
    from griparm_econ.estimation.design import build_design
    from griparm_econ.estimation.dispatch import fit_model
    from griparm_econ.spec import load_spec

    loaded = load_spec(PROJECT_ROOT / "specs" / "table2_forward.toml")
    data = load_dataset(loaded, snapshot)
    design = build_design(loaded, 4, data)
    result = fit_model(dataclasses.replace(loaded.models[4], bootstrap=None), design, where="table2")
    assert result.ever_treated_clusters == {"L.export_restriction_any": {"entity": 4}}
    treated = design.exog["L.export_restriction_any"].to_numpy() == 1
    countries = sorted(set(design.y.index.get_level_values(0)[treated]))
    assert countries == ["CHN", "IDN", "RUS", "VNM"]
