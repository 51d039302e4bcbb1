"""The results contract (issue 10): typed test statistics on every model, one provenance base for every artefact,
and estimates files whose flat "stats" keys stay what they were."""

import dataclasses
import json

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import griparm_econ as gp
from griparm_econ.estimation.event_study import EventStudyResult
from griparm_econ.estimation.frames import FrameResult
from griparm_econ.estimation.multiverse import MultiverseResult
from griparm_econ.estimation.results import ArtefactResult, ModelResult, TableResult, TestStatistic
from griparm_econ.estimation.synthetic_spec import SyntheticSpecResult
from griparm_econ.report.estimates import estimates_dict, record_header

TRUE_BETA = 0.75


@pytest.fixture
def synthetic(tmp_path):
    """y = alpha_i + 0.75 x + e with an instrument z for x (true slope 0.75)."""
    rng = np.random.default_rng(101)
    firms, years = 50, 10
    entity = np.repeat(np.arange(firms), years)
    year = np.tile(np.arange(2000, 2000 + years), firms)
    z = rng.normal(size=firms * years)
    x = z + rng.normal(size=firms * years)
    y = rng.normal(size=firms)[entity] + TRUE_BETA * x + 0.5 * rng.normal(size=firms * years)
    path = tmp_path / "panel.csv"
    pd.DataFrame({"firm": entity, "year": year, "x": x, "y": y, "z": z}).to_csv(path, index=False)
    return path


def _run(path):
    spec = {"title": "Contract", "data": {"path": str(path), "entity": "firm", "time": "year"},
            "model": [{"name": "FE", "formula": "y ~ x", "estimator": "panel_ols", "effects": ["entity"],
                       "cov": "cluster:entity"},
                      {"name": "RE", "formula": "y ~ 1 + x", "estimator": "random_effects", "hausman": True},
                      {"name": "IV", "formula": "y ~ 1 + [x ~ z]", "estimator": "iv2sls"}]}
    return gp.run(spec)


def test_models_carry_typed_tests_with_distribution_df_and_pvalue(synthetic):
    fe, re, iv = (model.result for model in _run(synthetic).models)
    assert fe.params["x"] == pytest.approx(TRUE_BETA, abs=0.05)
    f = fe.test("f_stat")
    # One slope: F(1, G-1) is the square of the clustered t, with the same p-value.
    assert fe.df_pvalues == 49 and f.distribution == "F" and f.df == (1, 49)
    assert f.statistic == pytest.approx(fe.tstats["x"] ** 2, rel=1e-10)
    assert f.pvalue == pytest.approx(fe.pvalues["x"], rel=1e-8)
    wald = re.test("wald_chi2")
    assert re.test("f_stat") is None and wald.distribution == "chi2" and wald.df == 1
    assert wald.pvalue == pytest.approx(stats.chi2.sf(wald.statistic, 1), rel=1e-12)
    hausman = re.test("hausman")
    assert hausman.distribution == "chi2" and hausman.df == 1 and 0 <= hausman.pvalue <= 1
    first = iv.test("first_stage_f", term="x")
    assert first is not None and first.key == "first_stage_f:x" and first.statistic > 100   # a strong instrument


def test_estimates_file_keeps_flat_stat_keys_and_round_trips_the_tests(synthetic):
    run = _run(synthetic)
    re = run.models[1].result
    record = json.loads(json.dumps(re.to_json_dict()))
    # the keys of earlier estimates files (tests/test_hausman.py and the Stata replays read them)
    assert {"wald_chi2", "hausman_chi2", "hausman_df", "hausman_pvalue", "sigma_u"} <= set(record["stats"])
    assert record["stats"]["hausman_df"] == 1.0
    back = ModelResult.from_json_dict(record)
    assert back.tests == re.tests and dict(back.stats) == dict(re.stats)
    assert "hausman_chi2" not in back.stats                    # not duplicated in the descriptive statistics
    first = TestStatistic("first_stage_f", 23.0, "F", df=(1, 40), pvalue=1e-5, term="z")
    assert TestStatistic.from_json_dict(json.loads(json.dumps(first.to_json_dict()))) == first
    assert first.flat_stats() == {"first_stage_f:z": 23.0}


def test_a_test_with_an_unknown_distribution_is_refused():
    with pytest.raises(ValueError):
        TestStatistic("f_stat", 1.0, "normal")


@pytest.mark.parametrize("cls", [TableResult, MultiverseResult, EventStudyResult, SyntheticSpecResult, FrameResult])
def test_every_artefact_shares_one_provenance_base(cls):
    assert issubclass(cls, ArtefactResult)
    base = {f.name for f in dataclasses.fields(ArtefactResult)}
    assert base <= {f.name for f in dataclasses.fields(cls)}
    assert all(f.kw_only for f in dataclasses.fields(cls) if f.name in base)


def test_the_estimates_header_is_written_from_the_base_fields():
    table = TableResult(stem="t", title="T", spec_path="specs/t.toml", spec_sha256="a" * 64, data_path="d.csv",
                        data_sha256="b" * 64, models=(), notes=("n",))
    header = record_header(table)
    assert (header["kind"], header["stem"], header["spec"], header["data_sha256"], header["notes"]) == (
        "regression", "t", "specs/t.toml", "b" * 64, ["n"])
    assert estimates_dict(table)["kind"] == "regression"
