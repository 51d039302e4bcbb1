"""The multi-model fixed-effects engine against pyfixest (feols) and linearmodels (PanelOLS), and on known parameters.

Synthetic panels only, generated here: unbalanced, with gaps in the regressors and the outcome, singleton countries
and years, and correlated country effects, so that complete cases, singleton dropping and the exactness of the
two-way within-transformation all matter.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from griparm_econ.errors import SpecError
from griparm_econ.estimation.results import ModelResult
from griparm_econ.estimation.bootstrap_design import within_design
from griparm_econ.estimation.demean import within_transform
from griparm_econ.estimation.within import fit_many, fit_one
from griparm_econ.estimation.within_groups import sample_groups
from griparm_econ.estimation.within_model import WithinModel
from griparm_econ.estimation.within_panel import drop_singletons
from griparm_econ.estimation.within_result import to_model_result

TRUE_BETA = {"x0": 1.0, "x1": -0.5, "x2": 0.25, "x3": 0.0}


def synthetic_panel(seed: int = 0, n_countries: int = 40, n_years: int = 15, missing: float = 0.06) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    keep = rng.random((n_countries, n_years)) > 0.2
    country, year = np.nonzero(keep)
    frame = pd.DataFrame({"country": country, "year": 2000 + year})
    # A country seen once and a year seen once: singletons of the two fixed effects.
    frame = pd.concat([frame, pd.DataFrame({"country": [n_countries], "year": [2003]}),
                       pd.DataFrame({"country": [0], "year": [2000 + n_years]})], ignore_index=True)
    n = len(frame)
    country_effect = rng.normal(size=n_countries + 1)[frame["country"]]
    year_effect = rng.normal(size=n_years + 1)[frame["year"] - 2000]
    for j in range(4):
        frame[f"x{j}"] = rng.normal(size=n) + 0.6 * country_effect + 0.3 * year_effect
    frame["level"] = rng.normal(size=n_countries + 1)[frame["country"]]       # time-invariant: absorbed by country FE
    noise = rng.normal(size=n) * (1 + np.abs(country_effect))
    frame["y"] = sum(b * frame[c] for c, b in TRUE_BETA.items()) + country_effect + year_effect + noise
    frame["y2"] = 0.5 * frame["x0"] + country_effect + rng.normal(size=n)
    for column in ("x1", "x2", "y", "y2"):
        frame.loc[rng.random(n) < missing, column] = np.nan
    frame["rich"] = frame["country"] % 3 == 0
    frame["region"] = "R" + (frame["country"] % 5).astype(str)
    frame["country"] = "C" + frame["country"].astype(str).str.zfill(2)
    return frame


PANEL = synthetic_panel()

# (formula for pyfixest, model, pyfixest vcov)
CASES = [
    ("y ~ x0 + x1 | country + year", WithinModel("twfe_cl_entity", "y", ("x0", "x1")), {"CRV1": "country"}),
    ("y ~ x0 + x1 + x2 + x3 | country + year", WithinModel("twfe_cl_time", "y", ("x0", "x1", "x2", "x3"),
                                                            cov="cluster:time"), {"CRV1": "year"}),
    ("y ~ x0 + x2 | country + year", WithinModel("twfe_cl_region", "y", ("x0", "x2"), cov="cluster:region"),
     {"CRV1": "region"}),
    ("y ~ x0 + x1 | country + year", WithinModel("twfe_iid", "y", ("x0", "x1"), cov="iid"), "iid"),
    ("y ~ x0 + x1 | country + year", WithinModel("twfe_hetero", "y", ("x0", "x1"), cov="hetero"), "hetero"),
    ("y ~ x0 + x1 + x2 | country", WithinModel("entity_fe", "y", ("x0", "x1", "x2"), ("entity",)),
     {"CRV1": "country"}),
    ("y ~ x0 + x1 | country", WithinModel("entity_fe_iid", "y", ("x0", "x1"), ("entity",), cov="unadjusted"), "iid"),
    ("y ~ x0 + x1 | year", WithinModel("time_fe", "y", ("x0", "x1"), ("time",)), {"CRV1": "country"}),
    ("y ~ x0 + x1 | year", WithinModel("time_fe_cl_time", "y", ("x0", "x1"), ("time",), cov="cluster:time"),
     {"CRV1": "year"}),
    ("y ~ x0 + x1 + x3", WithinModel("pooled", "y", ("x0", "x1", "x3"), ()), {"CRV1": "country"}),
    ("y ~ x0 + x1 + x3", WithinModel("pooled_hetero", "y", ("x0", "x1", "x3"), (), cov="robust"), "hetero"),
    ("y2 ~ x0 + x1 + x2 | country + year", WithinModel("other_outcome", "y2", ("x0", "x1", "x2")),
     {"CRV1": "country"}),
    ("y ~ x0 + x1 | country + year", WithinModel("subsample", "y", ("x0", "x1"), sample="rich"),
     {"CRV1": "country"}),
]


@pytest.fixture(scope="module")
def fits():
    models = [model for _, model, _ in CASES]
    return dict(zip([m.name for m in models], fit_many(PANEL, models, entity="country", time="year",
                                                         backend="sequential", progress=False)))


def _pyfixest(formula: str, vcov, frame: pd.DataFrame, **options):
    pf = pytest.importorskip("pyfixest")
    from pyfixest.demeaners import MapDemeaner

    # pyfixest's default demeaning tolerance (1e-6) is far looser than 1e-8 agreement needs on an unbalanced panel.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pf.feols(formula, frame, vcov=vcov, demeaner=MapDemeaner(fixef_tol=1e-14, fixef_maxiter=100_000),
                        **options)


@pytest.mark.parametrize("formula, model, vcov", CASES, ids=[m.name for _, m, _ in CASES])
def test_agrees_with_pyfixest(fits, formula, model, vcov):
    fit = fits[model.name]
    frame = PANEL[PANEL["rich"]] if model.sample else PANEL
    reference = _pyfixest(formula, vcov, frame)
    names = list(fit.names)
    assert fit.nobs == reference._N
    np.testing.assert_allclose(fit.params, reference.coef()[names].to_numpy(), rtol=0, atol=1e-8)
    np.testing.assert_allclose(fit.std_errors, reference.se()[names].to_numpy(), rtol=0, atol=1e-8)
    np.testing.assert_allclose(fit.pvalues, reference.pvalue()[names].to_numpy(), rtol=0, atol=1e-8)
    np.testing.assert_allclose(fit.cov_matrix, reference._vcov, rtol=0, atol=1e-10)
    assert fit.df_k == reference._df_k
    assert fit.rsquared == pytest.approx(reference._r2, abs=1e-10)
    if model.effects:
        assert fit.rsquared_within == pytest.approx(reference._r2_within, abs=1e-10)


def test_singletons_dropped_as_fixest(fits):
    fit = fits["twfe_cl_entity"]
    reference = _pyfixest("y ~ x0 + x1 | country + year", {"CRV1": "country"}, PANEL)
    complete = PANEL[["y", "x0", "x1"]].notna().all(axis=1).sum()
    assert fit.n_singletons_dropped == complete - reference._N > 0


def test_full_fixed_effect_count_agrees_with_linearmodels():
    """linearmodels' CR1 (debiased, group_debias) counts every absorbed level: fixef_k = "full"."""
    from linearmodels import PanelOLS

    frame = PANEL.dropna(subset=["y", "x0", "x1", "x2"])
    # Drop singletons first: linearmodels keeps them and they do not change the estimates, only N.
    codes = [pd.factorize(frame[c])[0] for c in ("country", "year")]
    frame = frame[drop_singletons(codes, np.ones(len(frame), dtype=bool))]
    model = WithinModel("lm", "y", ("x0", "x1", "x2"), fixef_k="full")
    fit = fit_one(frame, model, entity="country", time="year")
    indexed = frame.set_index(["country", "year"])
    reference = PanelOLS(indexed["y"], indexed[["x0", "x1", "x2"]], entity_effects=True, time_effects=True).fit(
        cov_type="clustered", cluster_entity=True, debiased=True, group_debias=True)
    np.testing.assert_allclose(fit.params, reference.params.to_numpy(), rtol=0, atol=1e-8)
    np.testing.assert_allclose(fit.std_errors, reference.std_errors.to_numpy(), rtol=0, atol=1e-8)
    assert fit.nobs == reference.nobs


def test_recovers_known_parameters():
    frame = synthetic_panel(seed=7, n_countries=300, n_years=30, missing=0.02)
    fit = fit_one(frame, WithinModel("truth", "y", ("x0", "x1", "x2", "x3")), entity="country", time="year")
    estimates = fit.params_dict()
    for name, beta in TRUE_BETA.items():
        std_error = fit.std_errors[fit.names.index(name)]
        assert std_error < 0.03, name
        assert abs(estimates[name] - beta) < 4 * std_error, name


def test_exact_two_way_equals_alternating_projections():
    frame = PANEL.dropna(subset=["y", "x0", "x1"])
    entity, time = pd.factorize(frame["country"])[0], pd.factorize(frame["year"])[0]
    values = frame[["y", "x0", "x1"]].to_numpy()
    exact = within_transform(values, entity, time, method="exact")
    alternating = within_transform(values, entity, time, method="map")
    np.testing.assert_allclose(exact, alternating, rtol=0, atol=1e-10)
    # The transformed columns have no entity or time means left.
    for codes in (entity, time):
        sums = np.array([np.bincount(codes, weights=exact[:, j]) for j in range(3)])
        np.testing.assert_allclose(sums, 0, atol=1e-9)


def test_disconnected_panel_is_exact():
    """Two groups of countries observed in disjoint years: the Gram matrix has two null directions."""
    frame = pd.concat([PANEL.assign(year=PANEL["year"] + 100 * (PANEL["country"] < "C20"))], ignore_index=True)
    frame = frame.dropna(subset=["y", "x0"])
    entity, time = pd.factorize(frame["country"])[0], pd.factorize(frame["year"])[0]
    values = frame[["y", "x0"]].to_numpy()
    np.testing.assert_allclose(within_transform(values, entity, time, method="exact"),
                               within_transform(values, entity, time, method="map"), rtol=0, atol=1e-10)


def test_models_sharing_a_sample_share_one_transformation_and_backends_agree(fits):
    models = [model for _, model, _ in CASES]
    threaded = fit_many(PANEL, models, entity="country", time="year", backend="threading", n_jobs=2,
                        progress=False)
    processes = fit_many(PANEL, models, entity="country", time="year", backend="loky", n_jobs=2, progress=False)
    for fit_t, fit_p, model in zip(threaded, processes, models):
        assert fit_t.model == fit_p.model == model
        np.testing.assert_array_equal(fit_t.params, fits[model.name].params)
        np.testing.assert_array_equal(fit_p.std_errors, fits[model.name].std_errors)


def test_collinear_regressor_is_dropped_like_fixest():
    model = WithinModel("collinear", "y", ("x0", "level", "x1"), ("entity", "time"))
    fit = fit_one(PANEL, model, entity="country", time="year")
    reference = _pyfixest("y ~ x0 + level + x1 | country + year", {"CRV1": "country"}, PANEL)
    assert fit.dropped_collinear == ("level",)
    assert list(fit.names) == list(reference.coef().index)
    np.testing.assert_allclose(fit.params, reference.coef().to_numpy(), atol=1e-8)
    np.testing.assert_allclose(fit.std_errors, reference.se().to_numpy(), atol=1e-8)


def test_model_result_hand_over(fits):
    fit = fits["twfe_cl_entity"]
    result = to_model_result(fit, entity_label="Country", time_label="Year")
    assert isinstance(result, ModelResult)
    assert result.estimator == "panel_ols" and result.effects == ("entity", "time")
    assert result.cov_label == "Clustered by country"
    assert result.params["x0"] == fit.params[0]
    assert result.n_clusters == fit.n_clusters == result.clusters_by_dim["entity"]
    assert result.years == (2000, 2014)
    assert result.to_json_dict()["cov_matrix"]["x0"]["x1"] == pytest.approx(fit.cov_matrix[0, 1])
    pooled = to_model_result(fits["pooled"])
    assert pooled.estimator == "ols" and "Intercept" in pooled.params


def test_within_design_is_the_fitted_model(fits):
    # Clustered by country: country effects are partialled out, year effects (not nested) stay as dummies.
    design = within_design(PANEL, CASES[0][1], entity="country", time="year")
    assert design.partialled_out == ("entity",) and design.as_dummies == ("time",)
    assert design.names[:2] == ("x0", "x1") and design.names[2].startswith("time[")
    assert design.x.shape[1] == 2 + fits["twfe_cl_entity"].n_periods - 1
    beta = np.linalg.lstsq(design.x, design.y, rcond=None)[0]
    np.testing.assert_allclose(beta[:2], fits["twfe_cl_entity"].params, atol=1e-12)
    assert design.df_k == fits["twfe_cl_entity"].df_k
    flat = within_design(PANEL, CASES[0][1], entity="country", time="year", partial_out="all")
    assert flat.names == ("x0", "x1")
    np.testing.assert_allclose(np.linalg.lstsq(flat.x, flat.y, rcond=None)[0], beta[:2], atol=1e-12)


@pytest.mark.parametrize("model, field", [
    (WithinModel("bad", "y", ("nope",)), "nope"),
    (WithinModel("bad", "y", ("x0",), cov="sandwich"), "cov"),
    (WithinModel("bad", "y", ("x0",), cov="cluster:nope"), "cov"),
    (WithinModel("bad", "y", ("x0",), sample="nope"), "sample"),
    (WithinModel("bad", "y", ("x0",), sample="region"), "sample"),
    (WithinModel("bad", "y", ("x0", "region")), "region"),
])
def test_user_errors_name_the_field(model, field):
    with pytest.raises(SpecError) as error:
        fit_many(PANEL, [model], entity="country", time="year", backend="sequential", progress=False)
    assert error.value.field == field


def test_sample_groups_share_one_transformation():
    models = [WithinModel("a", "y", ("x0",)), WithinModel("b", "y", ("x0", "x3")),   # x0, x3 have no gaps
              WithinModel("c", "y", ("x0", "x1")),                                    # x1 has its own gaps
              WithinModel("d", "y", ("x0",), cov="iid"),                              # same sample as a and b
              WithinModel("e", "y", ("x0",), ("entity",)),                            # other fixed effects
              WithinModel("f", "y", ("x0",), sample="rich")]
    groups = sample_groups(PANEL, models, entity="country", time="year")
    assert sorted(groups) == [(0, 1, 3), (2,), (4,), (5,)]


def test_errors_from_workers_keep_their_fields():
    frame = PANEL.assign(one_cluster="same")
    models = [WithinModel("ok", "y", ("x0",)), WithinModel("single", "y", ("x0",), cov="cluster:one_cluster")]
    for backend in ("sequential", "loky"):
        with pytest.raises(SpecError) as error:
            fit_many(frame, models, entity="country", time="year", backend=backend, n_jobs=2, progress=False)
        assert error.value.field == "cov" and "single" in error.value.problem


def test_rows_without_a_cluster_label_are_left_out():
    frame = PANEL.assign(region=PANEL["region"].where(PANEL["country"] != "C01"))
    fit = fit_one(frame, WithinModel("m", "y", ("x0",), cov="cluster:region"), entity="country", time="year")
    reference = fit_one(frame[frame["country"] != "C01"], WithinModel("m", "y", ("x0",), cov="cluster:region"),
                        entity="country", time="year")
    assert fit.nobs == reference.nobs
    np.testing.assert_allclose(fit.std_errors, reference.std_errors, atol=1e-12)
