"""All 51 Stata 13 runs on linearmodels' simulated panel, reproduced through spec files and the runner.

Expected values: the data folder's Stata text file, parsed at test time by tests/results/parse_stata_simulated.py
(which lists the Stata commands).
b, standard errors (sqrt of the diagonal of e(V)), t and p to 1e-6 relative; N exactly.
"""

from __future__ import annotations

import math

import pytest

from reference_helpers import SHIPPED, data_dir, run_and_read, spec_text
from results.parse_stata_simulated import RESULTS, load

# Parsed when the module is collected (the blocks name the parametrized tests), from the copy shipped with the tests.
STATA_SIMULATED = load(SHIPPED) if (SHIPPED / RESULTS).is_file() else {}

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


@pytest.mark.slow
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


@pytest.mark.slow
@pytest.mark.snapshot
@pytest.mark.parametrize("block", [b for b in BLOCKS if STATA_SIMULATED[b]["scalars"]["F"] is not None])
def test_model_f_statistic(block, estimates):
    """Stata's model F (e(F)) follows the covariance; ours is the Wald F from the reported covariance."""
    model = estimates[block.replace("-", "_")]["models"][0]
    assert model["stats"]["f_stat"] == pytest.approx(STATA_SIMULATED[block]["scalars"]["F"], rel=1e-6)


@pytest.mark.slow
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


@pytest.mark.snapshot
def test_the_text_file_parses_into_every_block():
    assert len(STATA_SIMULATED) == 51
    assert sum(len(block["params"]) for block in STATA_SIMULATED.values()) == 51 * 6
    first = STATA_SIMULATED["between-conventional--"]      # as printed in the text file
    assert first["params"]["x1"] == 0.13988340283 and first["scalars"]["N"] == 3000
