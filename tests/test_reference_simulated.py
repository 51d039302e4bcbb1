"""All 51 Stata 13 runs on linearmodels' simulated panel, reproduced through spec files and the runner.

Expected values: tests/results/stata_simulated.py (parsed from the data folder's text file, commands there).
b, standard errors (sqrt of the diagonal of e(V)), t and p to 1e-6 relative; N exactly.
"""

from __future__ import annotations

import math

import pytest

from reference_helpers import data_dir, run_and_read, spec_text
from results.stata_simulated import STATA_SIMULATED

ESTIMATOR = {"pooled": "pooled_ols", "fixed_effect": "panel_ols", "random_effect": "random_effects",
             "between": "between_ols"}
# Stata's `xtreg, fe|re vce(robust)` is clustered by panel; our cov = "robust" means the same for those estimators.
COV = {"conventional": "unadjusted", "robust": "robust", "cluster": "cluster:entity"}
BLOCKS = sorted(STATA_SIMULATED)


def _spec(block: str) -> str:
    model, vce, weights, missing = block.split("-")
    regressors = " + ".join(f"x{i}{missing}" for i in range(1, 6))
    entry = {"name": block, "formula": f"y{missing} ~ 1 + {regressors}", "estimator": ESTIMATOR[model],
             "cov": COV[vce], "drop_singletons": False}     # xtreg keeps singleton panels
    if model == "fixed_effect":
        entry["effects"] = ["entity"]
    if weights == "weighted":
        entry["weights"] = "w"                              # Stata [aweight=w]
    if weights == "wls":
        entry["between_wls"] = True                         # xtreg, be wls
    data = {"path": "$GRIPARM_DATA/reference/linearmodels_stata_panel/simulated-panel.dta",
            "entity": "firm", "time": "time"}               # firm, not firm_id: see PROVENANCE.md
    return spec_text(f"Stata simulated panel: {block}", data, [entry])


@pytest.fixture(scope="module")
def estimates(tmp_path_factory):
    data_dir()
    tmp = tmp_path_factory.mktemp("simulated")
    return run_and_read(tmp, {block.replace("-", "_"): _spec(block) for block in BLOCKS})


@pytest.mark.snapshot
@pytest.mark.parametrize("block", BLOCKS)
def test_matches_stata(block, estimates):
    expected = STATA_SIMULATED[block]
    model = estimates[block.replace("-", "_")]["models"][0]
    assert model["nobs"] == expected["scalars"]["N"]
    if expected["scalars"].get("N_g"):
        assert model["n_entities"] == expected["scalars"]["N_g"]
    for stata_name, b in expected["params"].items():
        name = "Intercept" if stata_name == "_cons" else stata_name
        se = math.sqrt(expected["variance"][stata_name])
        assert model["params"][name] == pytest.approx(b, rel=1e-6), name
        assert model["std_errors"][name] == pytest.approx(se, rel=1e-6), name
        assert model["tstats"][name] == pytest.approx(expected["tstats"][stata_name], rel=1e-6), name
        p = expected["pvalues"][stata_name]
        if p > 1e-6:    # smaller p-values are printed with too few digits to compare relatively
            assert model["pvalues"][name] == pytest.approx(p, rel=1e-5), name


@pytest.mark.snapshot
@pytest.mark.parametrize("block", [b for b in BLOCKS if STATA_SIMULATED[b]["scalars"]["F"] is not None])
def test_model_f_statistic(block, estimates):
    """Stata's model F (e(F)) follows the covariance; ours is the Wald F from the reported covariance."""
    model = estimates[block.replace("-", "_")]["models"][0]
    assert model["stats"]["f_stat"] == pytest.approx(STATA_SIMULATED[block]["scalars"]["F"], rel=1e-6)


@pytest.mark.snapshot
@pytest.mark.parametrize("block", [b for b in BLOCKS if b.startswith(("fixed_effect", "pooled", "between"))])
def test_rsquared(block, estimates):
    """e(r2_w) for xtreg fe (weighted too), e(r2) for regress and xtreg be. (Stata's r2_b/r2_o of fe, and every
    R-squared of re, use other definitions on unbalanced panels and are not compared.)"""
    model = estimates[block.replace("-", "_")]["models"][0]
    scalars = STATA_SIMULATED[block]["scalars"]
    if block.startswith("fixed_effect"):
        assert model["rsquared_within"] == pytest.approx(scalars["r2_w"], rel=1e-6)
    else:
        assert model["rsquared"] == pytest.approx(scalars["r2"], rel=1e-6)


def test_committed_values_equal_the_text_file():
    root = data_dir()
    import importlib.util
    from pathlib import Path

    script = Path(__file__).parent / "results" / "parse_stata_simulated.py"
    spec = importlib.util.spec_from_file_location("parse_stata_simulated", script)
    parser = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(parser)
    parsed = parser.parse((root / parser.RESULTS).read_text())
    assert parsed == STATA_SIMULATED
