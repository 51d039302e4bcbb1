"""The one small-sample object (estimation.small_sample) against fixest's documented ssc() conventions, and every
engine using it."""

import numpy as np
import pytest

from griparm_econ.errors import SpecError
from griparm_econ.estimation.covariance import plan_covariance, pvalue_df
from griparm_econ.estimation.small_sample import (FIXEST_DEFAULT, LIKELIHOOD_CONVENTIONS, LINEAR_CONVENTIONS,
                                                  SmallSample)


def test_fixest_default_clustered_factor_is_g_over_g_minus_one_times_n_minus_one_over_n_minus_k():
    # fixest ssc(): adj = (n - 1) / (n - K); cluster.adj = G / (G - 1).
    n, k, g = 500, 23, 40
    assert FIXEST_DEFAULT.factor("cluster", n, k, g) == pytest.approx(g / (g - 1) * (n - 1) / (n - k), rel=1e-15)
    assert SmallSample(adj=False).factor("cluster", n, k, g) == pytest.approx(g / (g - 1), rel=1e-15)
    assert SmallSample(cluster_adj=False).factor("cluster", n, k, g) == pytest.approx((n - 1) / (n - k), rel=1e-15)
    assert SmallSample(adj=False, cluster_adj=False).factor("cluster", n, k, g) == 1.0


def test_heteroskedasticity_robust_is_hc1_with_adj_and_n_over_n_minus_one_without():
    n, k = 120, 5
    assert FIXEST_DEFAULT.factor("hetero", n, k) == pytest.approx(n / (n - k), rel=1e-15)
    assert SmallSample(adj=False).factor("hetero", n, k) == pytest.approx(n / (n - 1), rel=1e-15)
    # iid: sigma^2 = SSR / (N - K) from SSR / N
    assert FIXEST_DEFAULT.factor("iid", n, k) == pytest.approx(n / (n - k), rel=1e-15)
    assert SmallSample(adj=False).factor("iid", n, k) == 1.0


@pytest.mark.parametrize("fixef_k, nested, expected", [
    # 3 slopes, 50 entities and 20 years; fixest counts 50 + 20 - 1 fixed-effect parameters ("full")
    ("full", {"entity": True, "time": False}, 3 + 50 + 20 - 1),
    # "nested" (our "nonnested"): the entity effects nested in the entity clusters count as one parameter
    ("nonnested", {"entity": True, "time": False}, 3 + 20),
    ("nonnested", {"entity": False, "time": False}, 3 + 50 + 20 - 1),
    ("nonnested", {"entity": True, "time": True}, 3 + 1),
    ("none", {"entity": True, "time": False}, 3),
])
def test_k_counts_fixed_effects_as_fixest_fixef_k(fixef_k, nested, expected):
    assert SmallSample(fixef_k=fixef_k).k(3, {"entity": 50, "time": 20}, nested) == expected


def test_k_of_one_way_effects_and_of_no_effects():
    assert FIXEST_DEFAULT.k(2, {"entity": 30}, {"entity": True}) == 3     # xtreg, fe: slopes + the constant
    assert FIXEST_DEFAULT.k(2, {"entity": 30}, {"entity": False}) == 32
    assert FIXEST_DEFAULT.k(4) == 4


def test_t_degrees_of_freedom_follow_t_df():
    assert FIXEST_DEFAULT.df_t("cluster", df_resid=480, n_clusters=40) == 39              # t.df = "min"
    assert SmallSample(t_df="conventional").df_t("cluster", df_resid=480, n_clusters=40) == 480
    assert FIXEST_DEFAULT.df_t("hetero", df_resid=480) == 480
    assert SmallSample(t_df="normal").df_t("cluster", df_resid=480, n_clusters=40) is None


def test_recount_k_replaces_the_libraries_k():
    cov = np.array([[2.0, 0.5], [0.5, 1.0]])
    out = FIXEST_DEFAULT.recount_k(cov, 100, 3, 23)
    assert np.allclose(out, cov * (100 - 3) / (100 - 23))
    assert SmallSample(adj=False).recount_k(cov, 100, 3, 23) is cov


def test_bad_options_are_refused_with_the_field():
    with pytest.raises(SpecError) as err:
        SmallSample(fixef_k="nested")
    assert err.value.field == "fixef_k"


def test_spec_conventions_are_small_sample_objects():
    assert LINEAR_CONVENTIONS["stata"].cluster_df == "conventional"
    assert LINEAR_CONVENTIONS["min_g"].cluster_df == "min"
    assert LINEAR_CONVENTIONS["none"] is None
    assert LIKELIHOOD_CONVENTIONS["stata"] == SmallSample(adj=False, t_df="normal")


def test_min_g_without_clusters_is_stata_hc1_as_documented():
    # docs/specs.md: min_g is "as stata" for conventional and robust covariances (it was unadjusted before).
    for cov in ("unadjusted", "robust"):
        stata = plan_covariance(cov, "ols", "stata", bandwidth=None, n_periods=None, panel_api=False)
        min_g = plan_covariance(cov, "ols", "min_g", bandwidth=None, n_periods=None, panel_api=False)
        assert stata.fit_kwargs == min_g.fit_kwargs
    plan = plan_covariance("cluster:entity+time", "pooled_ols", "min_g", bandwidth=None, n_periods=None,
                           panel_api=True)
    assert plan.rescale_min_g and plan.fit_kwargs["debiased"] is False
    assert pvalue_df(plan, df_resid=90, n_clusters=10, n_periods=20) == 9


def test_within_engine_k_is_the_objects():
    import pandas as pd

    from griparm_econ.estimation.within import fit_one
    from griparm_econ.estimation.within_model import WithinModel

    rng = np.random.default_rng(3)
    entity = np.repeat(np.arange(12), 6)
    year = np.tile(np.arange(2000, 2006), 12)
    x = rng.normal(size=entity.size)
    frame = pd.DataFrame({"e": entity, "t": year, "x": x, "y": 0.5 * x + rng.normal(size=entity.size)})
    for fixef_k in ("nonnested", "full", "none"):
        model = WithinModel("m", "y", ("x",), cov="cluster:entity", fixef_k=fixef_k)
        fit = fit_one(frame, model, entity="e", time="t")
        assert fit.df_k == SmallSample(fixef_k=fixef_k).k(1, {"entity": 12, "time": 6},
                                                          {"entity": True, "time": False})
        assert fit.df_t == 11


@pytest.mark.parametrize("ssc", [FIXEST_DEFAULT, SmallSample(adj=False), SmallSample(cluster_adj=False),
                                 SmallSample(adj=False, cluster_adj=False)])
@pytest.mark.parametrize("kind", ["iid", "hetero", "cluster"])
def test_the_exact_ratio_is_the_factor(ssc, kind):
    numerator, denominator = ssc.ratio(kind, 731, 12, 37)
    assert numerator / denominator == pytest.approx(ssc.factor(kind, 731, 12, 37), rel=1e-15)
    cov = np.array([[2.0, 0.3], [0.3, 1.0]])
    assert np.allclose(ssc.scale(cov, kind, 731, 12, 37), cov * ssc.factor(kind, 731, 12, 37), rtol=1e-15)
