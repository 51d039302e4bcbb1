"""The maximum-likelihood estimators a spec can name (ppml, logit, cloglog), through spec files and the runner.

References: Stata's own runs shipped with statsmodels' test suite (Stata 11 ``logit grade gpa tuce psi`` on Spector
and Mazzeo's data; Stata ``poisson accident yr_con op_75_79, vce(cluster ship)`` on McCullagh and Nelder's ship
accidents); then statsmodels and a dummy-variable GLM directly, on synthetic panels with known parameters.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from reference_helpers import model_by_name, run_and_read, spec_text

STATSMODELS = Path(sm.__file__).parent

# Stata 11, `logit grade gpa tuce psi` (statsmodels/discrete/tests/results/results_discrete.py, Spector.logit)
SPECTOR_LOGIT = {"params": {"GPA": 2.82611297201, "TUCE": .0951576702557, "PSI": 2.37868772835,
                            "Intercept": -13.0213483201},
                 "bse": {"GPA": 1.26294114526, "TUCE": .141554207662, "PSI": 1.06456430165,
                         "Intercept": 4.93132462871}}
# Stata `poisson accident yr_con op_75_79, vce(cluster ship)`
# (statsmodels/discrete/tests/results/results_count_robust_cluster.py, results_poisson_clu): b, se; ll; N_clust
SHIPS_POISSON = {"params": {"yr_con": -.02172061893549, "op_75_79": .22148585072024, "Intercept": 2.2697077143215},
                 "bse": {"yr_con": .19933709357097, "op_75_79": .11093628220713, "Intercept": 1.1048569901548},
                 "ll": -354.2436413025559, "r2_p": .0055004288638308, "N_clust": 5}


def _rel(a: float, b: float, rtol: float = 1e-6) -> bool:
    return abs(a - b) <= rtol * max(abs(b), 1e-12)


def test_logit_matches_stata_on_spector(tmp_path):
    frame = sm.datasets.spector.load_pandas().data.reset_index().rename(columns={"index": "id"})
    path = tmp_path / "spector.csv"
    frame.to_csv(path, index=False)
    text = spec_text("Spector", {"path": str(path), "entity": "id"},
                     [{"name": "logit", "formula": "GRADE ~ 1 + GPA + TUCE + PSI", "estimator": "logit",
                       "cov": "unadjusted"}])
    model = model_by_name(run_and_read(tmp_path, {"spector": text})["spector"], "logit")
    for term, value in SPECTOR_LOGIT["params"].items():
        assert _rel(model["params"][term], value, 1e-5), term
        assert _rel(model["std_errors"][term], SPECTOR_LOGIT["bse"][term], 1e-5), term
    assert model["nobs"] == 32 and model["stats"]["events_count"] == frame["GRADE"].sum() == 11
    assert _rel(model["stats"]["loglik"], -12.889634, 1e-6)


def test_ppml_matches_stata_poisson_clustered_on_ships(tmp_path):
    frame = pd.read_csv(STATSMODELS / "discrete" / "tests" / "results" / "ships.csv")
    path = tmp_path / "ships.csv"
    frame.to_csv(path, index=False)
    text = spec_text("Ships", {"path": str(path), "entity": "ship"},
                     [{"name": "pois", "formula": "accident ~ 1 + yr_con + op_75_79", "estimator": "ppml",
                       "cov": "cluster:entity"}])
    model = model_by_name(run_and_read(tmp_path, {"ships": text})["ships"], "pois")
    for term, value in SHIPS_POISSON["params"].items():
        assert _rel(model["params"][term], value, 1e-5), term
        assert _rel(model["std_errors"][term], SHIPS_POISSON["bse"][term], 1e-5), term
    assert model["n_clusters"] == SHIPS_POISSON["N_clust"] and model["nobs"] == 34
    assert _rel(model["stats"]["loglik"], SHIPS_POISSON["ll"], 1e-6)
    assert _rel(model["stats"]["pseudo_r2"], SHIPS_POISSON["r2_p"], 1e-4)


def _synthetic_panel(seed: int, n_entities: int = 60, n_years: int = 12) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    entity = np.repeat(np.arange(n_entities), n_years)
    year = np.tile(np.arange(2000, 2000 + n_years), n_entities)
    alpha = rng.normal(scale=0.5, size=n_entities)[entity]
    gamma = np.linspace(-0.3, 0.3, n_years)[year - 2000]
    x = rng.normal(size=entity.size) + 0.3 * alpha
    z = rng.normal(size=entity.size)
    counts = rng.poisson(np.exp(0.5 + alpha + gamma + 0.7 * x - 0.4 * z))
    index = -1.0 + 0.8 * x - 0.5 * z
    logit_y = (rng.uniform(size=entity.size) < 1 / (1 + np.exp(-index))).astype(float)
    cloglog_y = (rng.uniform(size=entity.size) < 1 - np.exp(-np.exp(index))).astype(float)
    return pd.DataFrame({"unit": entity, "year": year, "x": x, "z": z, "counts": counts.astype(float),
                         "logit_y": logit_y, "cloglog_y": cloglog_y})


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("nonlinear")
    frame = _synthetic_panel(7)
    path = tmp / "panel.csv"
    frame.to_csv(path, index=False)
    models = [
        {"name": "ppml_fe", "formula": "counts ~ x + z", "estimator": "ppml", "effects": ["entity", "time"],
         "cov": "cluster:entity"},
        {"name": "ppml_robust", "formula": "counts ~ x + z", "estimator": "ppml", "effects": ["entity", "time"],
         "cov": "robust"},
        {"name": "logit", "formula": "logit_y ~ 1 + x + z", "estimator": "logit", "cov": "cluster:entity"},
        {"name": "logit_robust", "formula": "logit_y ~ 1 + x + z", "estimator": "logit", "cov": "robust"},
        {"name": "cloglog", "formula": "cloglog_y ~ 1 + x + z", "estimator": "cloglog", "cov": "cluster:entity"},
        {"name": "cloglog_none", "formula": "cloglog_y ~ 1 + x + z", "estimator": "cloglog",
         "cov": "cluster:entity", "small_sample": "none"},
    ]
    text = spec_text("Synthetic", {"path": str(path), "entity": "unit", "time": "year"}, models)
    return frame, run_and_read(tmp, {"synthetic": text})["synthetic"]


@pytest.mark.slow
def test_ppml_with_fixed_effects_matches_dummy_variable_glm(synthetic):
    frame, estimates = synthetic
    model = model_by_name(estimates, "ppml_fe")
    dummies = pd.get_dummies(frame[["unit", "year"]].astype(str), drop_first=True, dtype=float)
    exog = sm.add_constant(pd.concat([frame[["x", "z"]], dummies], axis=1))
    glm = sm.GLM(frame["counts"], exog, family=sm.families.Poisson()).fit(
        cov_type="cluster", cov_kwds={"groups": frame["unit"].to_numpy(), "use_correction": False}, tol=1e-12)
    g = frame["unit"].nunique()
    for term in ("x", "z"):
        assert _rel(model["params"][term], glm.params[term], 1e-6)
        assert _rel(model["std_errors"][term], glm.bse[term] * np.sqrt(g / (g - 1)), 1e-5)
    # the true slopes (0.7, -0.4) are recovered
    assert abs(model["params"]["x"] - 0.7) < 3 * model["std_errors"]["x"]
    assert abs(model["params"]["z"] + 0.4) < 3 * model["std_errors"]["z"]
    robust = model_by_name(estimates, "ppml_robust")
    hc0 = sm.GLM(frame["counts"], exog, family=sm.families.Poisson()).fit(cov_type="HC0", tol=1e-12)
    n = len(frame)
    assert _rel(robust["std_errors"]["x"], hc0.bse["x"] * np.sqrt(n / (n - 1)), 1e-5)
    assert model["estimator"] == "ppml" and model["rsquared"] is None and "pseudo_r2" in model["stats"]


@pytest.mark.parametrize("name,outcome", [("logit", "logit_y"), ("cloglog", "cloglog_y")])
def test_binary_models_match_statsmodels_with_stata_cluster_factor(synthetic, name, outcome):
    frame, estimates = synthetic
    model = model_by_name(estimates, name)
    exog = sm.add_constant(frame[["x", "z"]]).rename(columns={"const": "Intercept"})
    groups = {"groups": frame["unit"].to_numpy(), "use_correction": False}
    if name == "logit":
        ref = sm.Logit(frame[outcome], exog).fit(disp=0, cov_type="cluster", cov_kwds=groups)
        llnull = ref.llnull
    else:
        family = sm.families.Binomial(link=sm.families.links.CLogLog())
        ref = sm.GLM(frame[outcome], exog, family=family).fit(method="newton", cov_type="cluster", cov_kwds=groups)
        llnull = ref.llnull
    g = frame["unit"].nunique()
    for term in ("Intercept", "x", "z"):
        assert _rel(model["params"][term], ref.params[term], 1e-6)
        assert _rel(model["std_errors"][term], ref.bse[term] * np.sqrt(g / (g - 1)), 1e-6)
    assert _rel(model["stats"]["loglik"], ref.llf, 1e-9)
    assert _rel(model["stats"]["pseudo_r2"], 1 - ref.llf / llnull, 1e-9)
    assert model["stats"]["events_count"] == frame[outcome].sum()
    # true index: -1 + 0.8 x - 0.5 z
    for term, truth in (("x", 0.8), ("z", -0.5), ("Intercept", -1.0)):
        assert abs(model["params"][term] - truth) < 3 * model["std_errors"][term], term
    assert model["df_pvalues"] is None   # z statistics, as Stata's ML commands


def test_small_sample_none_is_the_raw_sandwich(synthetic):
    _, estimates = synthetic
    adjusted, raw = model_by_name(estimates, "cloglog"), model_by_name(estimates, "cloglog_none")
    g = adjusted["n_clusters"]
    assert _rel(adjusted["std_errors"]["x"], raw["std_errors"]["x"] * np.sqrt(g / (g - 1)), 1e-9)


def test_logit_robust_uses_stata_n_over_n_minus_one(synthetic):
    frame, estimates = synthetic
    model = model_by_name(estimates, "logit_robust")
    exog = sm.add_constant(frame[["x", "z"]]).rename(columns={"const": "Intercept"})
    ref = sm.Logit(frame["logit_y"], exog).fit(disp=0, cov_type="HC0")
    n = len(frame)
    assert _rel(model["std_errors"]["x"], ref.bse["x"] * np.sqrt(n / (n - 1)), 1e-6)
