"""Every bad input ends in one message naming the file, the field (or term) and the fix; exit status 2; no output.

Synthetic data only, generated here.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from griparm_econ.cli import main

GOOD_MODEL = """
[[model]]
name = "FE"
formula = "y ~ 1 + x"
estimator = "panel_ols"
effects = ["entity"]
cov = "cluster:entity"
"""


@pytest.fixture()
def workdir(tmp_path):
    rng = np.random.default_rng(7)
    rows = [(f"e{i:02d}", year) for i in range(20) for year in range(2000, 2006)] + [("lonely", 2003)]
    frame = pd.DataFrame(rows, columns=["firm", "year"])
    frame["x"] = rng.normal(size=len(frame))
    frame["z"] = frame["firm"].map({f: k for k, f in enumerate(frame["firm"].unique())}).astype(float)
    frame["y"] = 1.0 + 0.5 * frame["x"] + rng.normal(scale=0.1, size=len(frame))
    frame.to_csv(tmp_path / "panel.csv", index=False)
    frame.drop(columns=["year"]).drop_duplicates("firm").to_csv(tmp_path / "cross.csv", index=False)
    return tmp_path


def _spec(workdir, body: str, *, name="bad", data='path = "panel.csv"\nentity = "firm"\ntime = "year"') -> str:
    path = workdir / f"{name}.toml"
    path.write_text(f'title = "Test"\n[data]\n{data}\n{body}', encoding="utf-8")
    return str(path)


def _run_fails(workdir, capsys, spec: str, *needles: str) -> str:
    out = workdir / "out"
    assert main(["run", spec, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err                      # one message
    assert spec in err and "Fix:" in err, err             # names the file and the fix
    for needle in needles:
        assert needle in err, (needle, err)
    assert not out.exists() or not any(p.is_file() for p in out.rglob("*")), "output was written"
    return err


CASES = [
    ("malformed_toml", 'title = "Test\n[[model]]\nname = "FE"\n', "line 1"),
    ("unknown_key", GOOD_MODEL + 'clusters = "entity"\n', "clusters", "model[1] (name = 'FE')"),
    ("misspelt_estimator", GOOD_MODEL.replace('"panel_ols"', '"panel_olss"'), "estimator", "panel_ols", "random_effects"),
    ("misspelt_cov", GOOD_MODEL.replace('"cluster:entity"', '"clustered:entity"'), "cov", "cluster:entity",
     "driscoll_kraay"),
    ("unknown_variable", GOOD_MODEL.replace("y ~ 1 + x", "y ~ 1 + xx"), "formula: xx", "x"),
    ("iv_without_instruments", GOOD_MODEL.replace("y ~ 1 + x", "y ~ 1 + [x ~ ]").replace('"panel_ols"', '"iv2sls"')
     .replace('effects = ["entity"]\n', ""), "no instruments", "formula"),
    ("iv2sls_without_bracket", GOOD_MODEL.replace('"panel_ols"', '"iv2sls"').replace('effects = ["entity"]\n', ""),
     "estimator iv2sls needs instruments", "formula"),
    ("empty_sample", '[sample]\nquery = "year > 2050"\n' + GOOD_MODEL, "[sample]", "empty"),
    ("absorbed", GOOD_MODEL.replace("y ~ 1 + x", "y ~ 1 + x + z"), "z is fully absorbed", "formula: z"),
    ("unknown_named_sample", GOOD_MODEL + 'sample = "early"\n', "early", "sample"),
    ("bad_query", '[sample]\nquery = "year >>> 3"\n' + GOOD_MODEL, "sample.query"),
    ("unknown_label", '[labels]\nvalue = "Market value"\n' + GOOD_MODEL, "labels.value"),
    ("backwards_years", '[sample]\nyears = [2005, 2000]\n' + GOOD_MODEL, "sample.years"),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_bad_spec(workdir, capsys, case):
    name, body, *needles = case
    if name == "malformed_toml":
        path = workdir / "bad.toml"
        path.write_text(body, encoding="utf-8")
        spec = str(path)
    else:
        spec = _spec(workdir, body)
    _run_fails(workdir, capsys, spec, *needles)


def test_cluster_time_without_time_index(workdir, capsys):
    body = '[[model]]\nname = "OLS"\nformula = "y ~ 1 + x"\nestimator = "ols"\ncov = "cluster:time"\n'
    spec = _spec(workdir, body, data='path = "cross.csv"\nentity = "firm"')
    _run_fails(workdir, capsys, spec, "cov", "time index")


def test_panel_estimator_on_cross_section(workdir, capsys):
    spec = _spec(workdir, GOOD_MODEL, data='path = "cross.csv"')
    _run_fails(workdir, capsys, spec, "estimator", "needs a panel")


def test_check_validates_without_data(workdir, capsys):
    spec = _spec(workdir, GOOD_MODEL, data='path = "does-not-exist.csv"\nentity = "firm"\ntime = "year"')
    assert main(["check", spec]) == 0
    bad = _spec(workdir, GOOD_MODEL.replace('"panel_ols"', '"fixed_effects"'), name="bad2")
    assert main(["check", bad]) == 2
    assert "fixed_effects" in capsys.readouterr().err


def test_a_later_bad_spec_leaves_no_output(workdir, capsys):
    good = _spec(workdir, GOOD_MODEL, name="good")
    bad = _spec(workdir, GOOD_MODEL.replace("y ~ 1 + x", "y ~ 1 + q"), name="bad")
    out = workdir / "out"
    assert main(["run", good, bad, "--out", str(out)]) == 2
    assert "formula: q" in capsys.readouterr().err
    assert not out.exists() or not any(p.is_file() for p in out.rglob("*"))


def test_singletons_dropped_and_reported(workdir):
    spec = _spec(workdir, GOOD_MODEL, name="good")
    out = workdir / "out"
    assert main(["run", spec, "--out", str(out)]) == 0
    estimates = json.loads((out / "estimates" / "good.json").read_text())
    model = estimates["models"][0]
    assert model["n_singletons_dropped"] == 1
    assert model["nobs"] == 120 and model["n_entities"] == 20
    assert any("1 singleton firm" in note for note in estimates["notes"])
    assert model["params"]["x"] == pytest.approx(0.5, abs=0.05)


def test_unset_environment_variable_in_data_path(workdir, capsys, monkeypatch):
    monkeypatch.delenv("GRIPARM_DATA", raising=False)
    spec = _spec(workdir, GOOD_MODEL, data='path = "$GRIPARM_DATA/panel.csv"\nentity = "firm"\ntime = "year"')
    _run_fails(workdir, capsys, spec, "data.path", "GRIPARM_DATA")


# ------------------------------------------------------------------------------------------------------------------
# Wrong numbers and tracebacks (issue 9, "Silent wrong results", "Tracebacks instead of messages", "Misleading
# messages"): degenerate designs are refused before fitting. The panel gains x2 = 2x + 1 (collinear with x and the
# constant), x3 = 2x + entity effect (collinear with x once entity effects are removed) and a constant column c.

def _model(formula: str, estimator: str, *, effects: str = "", cov: str = "unadjusted", extra: str = "") -> str:
    return (f'[[model]]\nname = "M"\nformula = "{formula}"\nestimator = "{estimator}"\ncov = "{cov}"\n'
            + (f"effects = {effects}\n" if effects else "") + extra)


DEGENERATE_CASES = [
    # (id, spec body, needles in the one message)
    ("constant_outcome", _model("c ~ 1 + x", "pooled_ols"), "formula: c", "single value"),
    ("constant_outcome_fe", _model("c ~ x", "panel_ols", effects='["entity"]'), "formula: c", "single value"),
    ("outcome_as_regressor", _model("y ~ 1 + y + x", "pooled_ols"), "formula: y", "also a regressor"),
    ("outcome_as_regressor_fe", _model("y ~ y + x", "panel_ols", effects='["entity"]'), "formula: y",
     "also a regressor"),
    ("collinear_pooled_ols", _model("y ~ 1 + x + x2", "pooled_ols"), "formula: x2", "perfectly collinear",
     "the constant and x"),
    ("collinear_first_difference", _model("y ~ x + x2", "first_difference"), "formula: x2", "perfectly collinear"),
    ("collinear_random_effects", _model("y ~ 1 + x + x2", "random_effects"), "formula: x2", "perfectly collinear"),
    ("collinear_ols", _model("y ~ 1 + x + x2", "ols"), "formula: x2", "perfectly collinear"),
    ("collinear_between", _model("y ~ 1 + x + x2", "between_ols"), "formula: x2", "perfectly collinear"),
    ("collinear_panel_ols_not_absorbed", _model("y ~ x + x3", "panel_ols", effects='["entity"]'), "formula: x3",
     "combination of x once the entity fixed effects are removed"),
    ("collinear_panel_ols_two_way", _model("y ~ x + x2", "panel_ols", effects='["entity", "time"]'), "formula: x2",
     "combination of x once the entity and time fixed effects are removed"),
    ("single_cluster", '[sample]\nentities = ["e01"]\n' + _model("y ~ 1 + x", "pooled_ols", cov="cluster:entity"),
     "cov", "single firm"),
    ("single_cluster_time", '[sample]\nyears = [2003, 2003]\n'
     + _model("y ~ 1 + x", "pooled_ols", cov="cluster:time"), "cov", "single year"),
    ("single_cluster_min_g", '[sample]\nentities = ["e01"]\n'
     + _model("y ~ 1 + x", "pooled_ols", cov="cluster:entity", extra='small_sample = "min_g"\n'), "cov",
     "single firm"),
]


@pytest.fixture()
def degenerate_workdir(workdir):
    frame = pd.read_csv(workdir / "panel.csv")
    frame["x2"] = 2 * frame["x"] + 1
    frame["x3"] = 2 * frame["x"] + frame["z"]
    frame["c"] = 3.0
    frame.to_csv(workdir / "panel.csv", index=False)
    return workdir


@pytest.mark.parametrize("case", DEGENERATE_CASES, ids=[c[0] for c in DEGENERATE_CASES])
def test_degenerate_design(degenerate_workdir, capsys, case):
    name, body, *needles = case
    err = _run_fails(degenerate_workdir, capsys, _spec(degenerate_workdir, body), *needles)
    assert "fully absorbed" not in err or name.startswith("absorbed")


def test_absorbed_regressor_keeps_the_absorbed_message(degenerate_workdir, capsys):
    err = _run_fails(degenerate_workdir, capsys, _spec(degenerate_workdir, GOOD_MODEL.replace("y ~ 1 + x",
                                                                                              "y ~ 1 + x + z")),
                     "z is fully absorbed", "formula: z")
    assert "collinear" not in err
# ------------------------------------------------------------------------------------------------ end of issue 9 wrong numbers


# ------------------------------------------------------------------------------------------------------------------
# Maximum-likelihood estimators (issue 13: ppml, logit, cloglog, risk_set): unsupported combinations and outcomes
# they cannot fit end in one message. The panel gains a 0/1 outcome b, a status with a negative value s, a count n.

ML_CASES = [
    ("logit_driscoll_kraay", _model("b ~ 1 + x", "logit", cov="driscoll_kraay"), "model[1] (name = 'M').cov",
     "logit computes cov = unadjusted, robust, cluster:entity, cluster:time"),
    ("ppml_two_way_cluster", _model("n ~ x", "ppml", effects='["entity"]', cov="cluster:entity+time"), "cov",
     "ppml computes cov"),
    ("cloglog_min_g", _model("b ~ 1 + x", "cloglog", cov="cluster:entity", extra='small_sample = "min_g"\n'),
     "small_sample", "stata, none"),
    ("logit_effects", _model("b ~ 1 + x", "logit", effects='["entity"]'), "effects", "cannot absorb"),
    ("risk_set_on_panel_ols", _model("b ~ x", "panel_ols", effects='["entity"]', extra='risk_set = "first_adoption"\n'),
     "risk_set", "logit, cloglog"),
    ("risk_set_misspelt", _model("b ~ 1 + x", "logit", extra='risk_set = "first_adopt"\n'), "risk_set",
     "first_adoption"),
    ("logit_outcome_not_binary", _model("y ~ 1 + x", "logit"), "formula: y", "0/1 outcome"),
    ("ppml_negative_outcome", _model("y ~ x", "ppml", effects='["entity"]'), "formula: y", "non-negative"),
    ("risk_set_negative_status", _model("s ~ 1 + x", "cloglog", extra='risk_set = "first_adoption"\n'),
     "formula: s", "negative values"),
    ("logit_perfect_separation", _model("b ~ 1 + sep", "logit"), "model[1]", "logit"),
]


@pytest.fixture()
def ml_workdir(workdir):
    frame = pd.read_csv(workdir / "panel.csv")
    rng = np.random.default_rng(11)
    frame["b"] = (rng.uniform(size=len(frame)) < 0.3).astype(float)
    frame["sep"] = frame["b"] * 2.0 - 1.0
    frame["s"] = frame["b"]
    frame.loc[3, "s"] = -1.0
    frame["n"] = rng.poisson(2.0, size=len(frame)).astype(float)
    frame["y"] = frame["y"] - 5.0   # negative values: not a ppml outcome
    frame.to_csv(workdir / "panel.csv", index=False)
    return workdir


@pytest.mark.parametrize("case", ML_CASES, ids=[c[0] for c in ML_CASES])
def test_maximum_likelihood_bad_input(ml_workdir, capsys, case):
    _, body, *needles = case
    _run_fails(ml_workdir, capsys, _spec(ml_workdir, body), *needles)
# ------------------------------------------------------------------------------------------------ end of issue 13 ML estimators
