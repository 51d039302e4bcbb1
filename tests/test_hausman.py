"""Hausman test of random against fixed effects, through a spec and the runner.

Reference: Stata 13's own estimates of `xtreg y x1-x5, fe` and `xtreg y x1-x5, re` on linearmodels' simulated panel
(blocks fixed_effect-conventional-- and random_effect-conventional-- of stata-panel-simulated-results.txt, full e(b)
and e(V)). Stata's `hausman fe re` is (b_fe - b_re)' (V_fe - V_re)^- (b_fe - b_re) on the common coefficients with
df = rank(V_fe - V_re) ([R] hausman, Methods and formulas), so the statistic follows from those stored matrices.
"""

import numpy as np
import pytest
from scipy import stats

from griparm_econ.errors import SpecError
from griparm_econ.spec import parse_spec_text
from reference_helpers import model_by_name, reference_set, run_and_read, spec_text

TERMS = ["x1", "x2", "x3", "x4", "x5"]


def _stata_block(text: str, name: str) -> tuple[np.ndarray, np.ndarray]:
    block = text.split(f"!{name}!")[1].split("#################!")[0]
    head, variance = block.split("********* Variance *************")
    coefficients = dict(line.split("\t")[:2] for line in head.splitlines() if line.split("\t")[0] in TERMS)
    b = np.array([float(coefficients[t]) for t in TERMS])
    rows = [line.split("\t") for line in variance.strip().splitlines()[2:]]
    matrix = {r[0]: [float(x) for x in r[1:]] for r in rows}
    v = np.array([matrix[t][:len(TERMS)] for t in TERMS])
    return b, v


@pytest.mark.snapshot
def test_hausman_matches_stata_formula_on_stata_estimates(tmp_path):
    root = reference_set("linearmodels_stata_panel")
    text = (root / "stata-panel-simulated-results.txt").read_text()
    b_fe, v_fe = _stata_block(text, "fixed_effect-conventional--")
    b_re, v_re = _stata_block(text, "random_effect-conventional--")
    diff = b_fe - b_re
    expected = float(diff @ np.linalg.pinv(v_fe - v_re) @ diff)

    data = {"path": str(root / "simulated-panel.dta"), "entity": "firm", "time": "time"}
    est = run_and_read(tmp_path, {"re": spec_text("RE", data, [
        {"name": "RE", "formula": "y ~ 1 + x1 + x2 + x3 + x4 + x5", "estimator": "random_effects",
         "hausman": True, "drop_singletons": False}])})["re"]
    model = model_by_name(est, "RE")
    assert model["stats"]["hausman_chi2"] == pytest.approx(expected, rel=1e-6)
    assert model["stats"]["hausman_df"] == 5
    assert model["stats"]["hausman_pvalue"] == pytest.approx(stats.chi2.sf(expected, 5), rel=1e-6)
    assert any("Hausman" in note for note in est["notes"])


def test_hausman_only_for_random_effects(tmp_path):
    text = spec_text("x", {"path": "d.csv", "entity": "i", "time": "t"},
                     [{"name": "FE", "formula": "y ~ x", "estimator": "panel_ols", "hausman": True}])
    with pytest.raises(SpecError) as info:
        parse_spec_text(text, tmp_path / "s.toml")
    assert "hausman" in info.value.field and "random_effects" in info.value.message
