"""Grunfeld, Petersen and AJR (2001) reference values reproduced through spec files and the runner.

Expected values and their sources: tests/results/published.py. Numbers printed with few digits are matched at their
printed precision; long ones to 1e-6 relative.
"""

from __future__ import annotations

import pytest

from reference_helpers import close_to_printed, data_dir, model_by_name, rel_close, run_and_read, spec_text
from results.published import (AJR_FIRST_STAGE_R2, AJR_OLS_R2, AJR_PUBLISHED, AJR_RECOMPUTED, GRUNFELD_FE,
                               GRUNFELD_FE_R2_WITHIN, GRUNFELD_POOLED, PETERSEN, PETERSEN_RECOMPUTED)

GRUNFELD = {"path": "$GRIPARM_DATA/reference/grunfeld_plm/Grunfeld.csv", "entity": "firm", "time": "year"}
PETERSEN_DATA = {"path": "$GRIPARM_DATA/reference/petersen/PetersenCl.csv", "entity": "firm", "time": "year"}
AJR = {"path": "$GRIPARM_DATA/reference/ajr2001/maketable4.dta"}
FORMULA = "inv ~ 1 + value + capital"


def _matches(actual: float, printed: str) -> bool:
    """1e-6 relative when the source prints 7+ significant digits, else its printed precision."""
    digits = len(printed.lstrip("-").lstrip("0.").replace(".", ""))
    return rel_close(actual, float(printed)) if digits >= 7 else close_to_printed(actual, printed)


GRUNFELD_CASES = [
    # (model name, spec keys, expected params, expected std errors)
    ("fe", {"estimator": "panel_ols", "effects": ["entity"], "cov": "unadjusted"},
     GRUNFELD_FE["params"], GRUNFELD_FE["unadjusted"]),
    ("fe_cluster", {"estimator": "panel_ols", "effects": ["entity"], "cov": "cluster:entity"},
     GRUNFELD_FE["params"], GRUNFELD_FE["cluster:entity"]),
    ("fe_robust", {"estimator": "panel_ols", "effects": ["entity"], "cov": "robust"},   # xtreg, fe vce(robust)
     GRUNFELD_FE["params"], GRUNFELD_FE["cluster:entity"]),
    ("pooled", {"estimator": "pooled_ols", "cov": "unadjusted"}, GRUNFELD_POOLED["params"],
     GRUNFELD_POOLED["unadjusted"]),
    ("pooled_robust", {"estimator": "pooled_ols", "cov": "robust"}, GRUNFELD_POOLED["params"],
     GRUNFELD_POOLED["robust"]),
    ("pooled_cluster", {"estimator": "pooled_ols", "cov": "cluster:entity"}, GRUNFELD_POOLED["params"],
     GRUNFELD_POOLED["cluster:entity"]),
    ("ols_cluster", {"estimator": "ols", "cov": "cluster:entity"}, GRUNFELD_POOLED["params"],
     GRUNFELD_POOLED["cluster:entity"]),
    ("pooled_twoway_min_g", {"estimator": "pooled_ols", "cov": "cluster:entity+time", "small_sample": "min_g"},
     GRUNFELD_POOLED["params"], GRUNFELD_POOLED["cluster:entity+time/min_g"]),
    ("ols_twoway_min_g", {"estimator": "ols", "cov": "cluster:entity+time", "small_sample": "min_g"},
     GRUNFELD_POOLED["params"], GRUNFELD_POOLED["cluster:entity+time/min_g"]),
    ("pooled_dk", {"estimator": "pooled_ols", "cov": "driscoll_kraay", "bandwidth": 4}, GRUNFELD_POOLED["params"],
     GRUNFELD_POOLED["driscoll_kraay/4"]),
]


@pytest.fixture(scope="module")
def grunfeld(tmp_path_factory):
    data_dir()
    models = [{"name": name, "formula": FORMULA, **keys} for name, keys, _, _ in GRUNFELD_CASES]
    text = spec_text("Grunfeld reference", GRUNFELD, models)
    return run_and_read(tmp_path_factory.mktemp("grunfeld"), {"grunfeld": text})["grunfeld"]


@pytest.mark.snapshot
@pytest.mark.parametrize("name, keys, params, std_errors", GRUNFELD_CASES, ids=[c[0] for c in GRUNFELD_CASES])
def test_grunfeld(grunfeld, name, keys, params, std_errors):
    model = model_by_name(grunfeld, name)
    assert model["nobs"] == 200
    for term, printed in params.items():
        assert _matches(model["params"][term], printed), (term, model["params"][term], printed)
    for term, printed in std_errors.items():
        assert _matches(model["std_errors"][term], printed), (term, model["std_errors"][term], printed)


@pytest.mark.snapshot
def test_grunfeld_fe_summary(grunfeld):
    model = model_by_name(grunfeld, "fe_cluster")
    assert close_to_printed(model["rsquared_within"], GRUNFELD_FE_R2_WITHIN)
    assert model["n_entities"] == 10 and model["n_clusters"] == 10
    assert model["cov"] == "cluster:entity" and model["estimator"] == "panel_ols" and model["dependent"] == "inv"
    assert grunfeld["spec_sha256"] and grunfeld["data_sha256"] == (
        "12ff1bcf9491d2349115203f3bb7212c158754051ab180a814585d8656458204")


PETERSEN_CASES = ["unadjusted", "cluster:entity", "cluster:time", "cluster:entity+time"]


@pytest.fixture(scope="module")
def petersen(tmp_path_factory):
    data_dir()
    models = [{"name": f"pooled {cov}", "formula": "y ~ 1 + x", "estimator": "pooled_ols", "cov": cov}
              for cov in PETERSEN_CASES]
    models += [{"name": f"ols {cov}", "formula": "y ~ 1 + x", "estimator": "ols", "cov": cov} for cov in PETERSEN_CASES]
    text = spec_text("Petersen test data", PETERSEN_DATA, models)
    return run_and_read(tmp_path_factory.mktemp("petersen"), {"petersen": text})["petersen"]


@pytest.mark.snapshot
@pytest.mark.parametrize("estimator", ["pooled", "ols"])
@pytest.mark.parametrize("cov", PETERSEN_CASES)
def test_petersen(petersen, estimator, cov):
    model = model_by_name(petersen, f"{estimator} {cov}")
    for source in (PETERSEN, PETERSEN_RECOMPUTED):
        for term, printed in source["params"].items():
            assert close_to_printed(model["params"][term], printed)
        for term, printed in source[cov].items():
            assert close_to_printed(model["std_errors"][term], printed), (term, model["std_errors"][term], printed)
    if "+" in cov:
        assert model["clusters_by_dim"] == {"entity": 500, "time": 10} and model["n_clusters"] == 10


@pytest.fixture(scope="module")
def ajr(tmp_path_factory):
    data_dir()
    models = [
        {"name": "iv", "formula": "logpgp95 ~ 1 + [avexpr ~ logem4]", "estimator": "iv2sls"},
        {"name": "first_stage", "formula": "avexpr ~ 1 + logem4", "estimator": "ols"},
        {"name": "ols", "formula": "logpgp95 ~ 1 + avexpr", "estimator": "ols"},
    ]
    text = spec_text("AJR (2001) Table 4", AJR, models, extra='cov = "unadjusted"') \
        .replace('cov = "unadjusted"\n', "") + '[sample]\nquery = "baseco == 1"\n'
    return run_and_read(tmp_path_factory.mktemp("ajr"), {"ajr": text})["ajr"]


@pytest.mark.snapshot
@pytest.mark.parametrize("name", ["iv", "first_stage", "ols"])
def test_ajr(ajr, name):
    model = model_by_name(ajr, name)
    assert model["nobs"] == 64
    for source in (AJR_PUBLISHED, AJR_RECOMPUTED):
        for term, (b, se) in source[name].items():
            assert close_to_printed(model["params"][term], b), (term, model["params"][term], b)
            assert close_to_printed(model["std_errors"][term], se), (term, model["std_errors"][term], se)
    if name == "first_stage":
        assert close_to_printed(model["rsquared"], AJR_FIRST_STAGE_R2)
    if name == "ols":
        assert close_to_printed(model["rsquared"], AJR_OLS_R2)
    if name == "iv":
        assert model["endogenous"] == ["avexpr"] and model["instruments"] == ["logem4"]


ISSUE_SPEC = '''title = "Investment and firm value"        # table caption

[data]                                     # optional; omitted = the study's country-year panel
path = "{path}"                            # .csv, .parquet or .dta; relative to the spec file
entity = "firm"
time = "year"

[sample]                                   # optional
query = "firm != 11"                       # pandas query syntax
years = [1935, 1954]                       # inclusive

[[model]]
name = "FE"
formula = "inv ~ value + capital"          # IV: "y ~ 1 + exog + [endog ~ instrument]"
estimator = "panel_ols"                    # panel_ols | random_effects | between_ols | first_difference | pooled_ols | iv2sls | ols
effects = ["entity"]                       # any of entity, time
cov = "cluster:entity"                     # unadjusted | robust | cluster:entity | cluster:time | cluster:entity+time | driscoll_kraay
'''


@pytest.mark.snapshot
def test_issue_core_spec_and_estimates_shape(tmp_path):
    root = data_dir()
    text = ISSUE_SPEC.format(path=(root / "reference/grunfeld_plm/Grunfeld.csv").as_posix())
    estimates = run_and_read(tmp_path, {"grunfeld": text})["grunfeld"]
    for key in ("spec", "spec_sha256", "data_sha256", "models"):
        assert key in estimates
    model = estimates["models"][0]
    for key in ("name", "estimator", "dependent", "nobs", "params", "std_errors", "pvalues", "rsquared",
                "rsquared_within", "n_entities", "n_clusters", "cov"):
        assert key in model
    assert (model["name"], model["estimator"], model["dependent"], model["nobs"], model["n_entities"],
            model["n_clusters"], model["cov"]) == ("FE", "panel_ols", "inv", 200, 10, 10, "cluster:entity")
    assert set(model["params"]) == {"value", "capital"}          # no "1 +": no constant
    assert _matches(model["params"]["value"], GRUNFELD_FE["params"]["value"])
    assert _matches(model["params"]["capital"], GRUNFELD_FE["params"]["capital"])
