"""Wild cluster bootstrap against the ``wildboottest`` package on the same models.

Seed-independent checks: with G <= 12 clusters and B > 2^G every Rademacher sign vector is enumerated, so the
bootstrap distribution and the p-value are exact. Under WCR the draws v = +-(1, ..., 1) rebuild the original sample
and give |t*| = |t| in exact arithmetic; whether such a tie counts as "more extreme" is decided by the last bit of
each implementation's rounding. We count ties as not more extreme (the strict rule taken exactly) and compare with
the p-value of wildboottest's own t and t* under that rule; its raw p-value differs by at most those two draws.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from griparm_econ.errors import SpecError
from griparm_econ.estimation.bootstrap import (bootstrap_model, bootstrap_pvalue, bootstrap_weights,
                                               wild_cluster_bootstrap)
from griparm_econ.estimation.within import fit_one
from griparm_econ.estimation.within_model import WithinModel

NAMES = ["x0", "x1", "x2"]


def clustered_data(n_clusters: int, seed: int, per_cluster: int = 30):
    rng = np.random.default_rng(seed)
    clusters = np.repeat(np.arange(n_clusters), per_cluster)
    rng.shuffle(clusters)
    x = rng.normal(size=(clusters.size, 3))
    x[:, 1] += rng.normal(size=n_clusters)[clusters]
    y = x @ np.array([0.15, 0.05, -0.3]) + rng.normal(size=n_clusters)[clusters] + rng.normal(size=clusters.size)
    return y, x, clusters


def reference(y, x, clusters, column: int, B: int, seed: int, weights="rademacher", impose_null=True,
              pvalue_type="two-tailed"):
    wildboottest = pytest.importorskip("wildboottest.wildboottest")
    restriction = np.zeros(x.shape[1])
    restriction[column] = 1
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        boot = wildboottest.WildboottestCL(X=x, Y=y, cluster=clusters, R=restriction, B=B, seed=seed,
                                           parallel=False)
        boot.get_scores(bootstrap_type="11", impose_null=impose_null)
        boot.get_weights(weights_type=weights)
        boot.get_numer()
        boot.get_denom()
        boot.get_tboot()
        boot.get_vcov()
        boot.get_tstat()
        boot.get_pvalue(pval_type=pvalue_type)
    return boot


# 12 clusters enumerate 4,096 sign vectors per case: slow (make test-fast checks 6 and 9 clusters).
@pytest.mark.parametrize("n_clusters", [6, 9, pytest.param(12, marks=pytest.mark.slow)])
@pytest.mark.parametrize("column", [0, 1, 2])
@pytest.mark.parametrize("impose_null", [True, False])
def test_full_enumeration_matches_wildboottest(n_clusters, column, impose_null):
    y, x, clusters = clustered_data(n_clusters, seed=n_clusters + 10 * column)
    ours = wild_cluster_bootstrap(y, x, clusters, NAMES, [NAMES[column]], B=9_999, impose_null=impose_null,
                                  keep_draws=True, confidence_interval=False)[NAMES[column]]
    theirs = reference(y, x, clusters, column, B=9_999, seed=1, impose_null=impose_null)
    assert ours.full_enumeration and ours.B == theirs.B == 2 ** n_clusters
    their_t = float(np.ravel(theirs.t_stat)[0])
    assert ours.tstat == pytest.approx(their_t, abs=1e-10)
    # The enumerated bootstrap distributions are the same set of numbers (orders of enumeration differ).
    np.testing.assert_allclose(np.sort(ours.t_boot), np.sort(theirs.t_boot), rtol=1e-10, atol=1e-10)
    assert ours.pvalue == pytest.approx(bootstrap_pvalue(their_t, theirs.t_boot), abs=1e-12)
    assert abs(ours.pvalue - theirs.pvalue) <= 2 / 2 ** n_clusters + 1e-12


def test_full_enumeration_equal_tailed_matches_wildboottest():
    y, x, clusters = clustered_data(10, seed=3)
    ours = wild_cluster_bootstrap(y, x, clusters, NAMES, ["x0"], B=9_999, pvalue_type="equal-tailed",
                                  confidence_interval=False)["x0"]
    theirs = reference(y, x, clusters, 0, B=9_999, seed=1, pvalue_type="equal-tailed")
    assert ours.pvalue == pytest.approx(bootstrap_pvalue(float(np.ravel(theirs.t_stat)[0]), theirs.t_boot,
                                                         "equal-tailed"), abs=1e-12)


@pytest.mark.parametrize("weights", ["rademacher", "webb"])
def test_random_draws_follow_wildboottest_stream(weights):
    """Not a seed-independent check: our draws use the same Generator calls as wildboottest, so they coincide."""
    y, x, clusters = clustered_data(40, seed=5)
    ours = wild_cluster_bootstrap(y, x, clusters, NAMES, ["x1"], B=1_999, seed=2024, weights=weights,
                                  keep_draws=True, confidence_interval=False)["x1"]
    theirs = reference(y, x, clusters, 1, B=1_999, seed=2024, weights=weights)
    np.testing.assert_allclose(ours.t_boot, theirs.t_boot, rtol=1e-10)
    assert ours.pvalue == theirs.pvalue


def test_seeded_and_reproducible():
    y, x, clusters = clustered_data(40, seed=8)
    first = wild_cluster_bootstrap(y, x, clusters, NAMES, ["x0", "x2"], B=999, seed=11, weights="webb")
    again = wild_cluster_bootstrap(y, x, clusters, NAMES, ["x0", "x2"], B=999, seed=11, weights="webb")
    other = wild_cluster_bootstrap(y, x, clusters, NAMES, ["x0"], B=999, seed=12, weights="webb",
                                   keep_draws=True)
    assert first == again
    assert other["x0"].ci_low != first["x0"].ci_low
    assert first["x0"].B == 999 and not first["x0"].full_enumeration


def test_confidence_interval_inverts_the_test():
    y, x, clusters = clustered_data(30, seed=21)
    result = wild_cluster_bootstrap(y, x, clusters, NAMES, ["x2"], B=1_999, seed=4)["x2"]
    assert result.ci_low < result.estimate < result.ci_high
    width = result.ci_high - result.ci_low
    # Just inside each end the null is not rejected at 5%, just outside it is.
    for end, outward in ((result.ci_low, -1), (result.ci_high, 1)):
        for shift, rejected in ((-outward * 1e-4 * width, False), (outward * 1e-4 * width, True)):
            shifted = y - (end + shift) * x[:, 2]       # H0: beta = end + shift, as a test of zero
            p = wild_cluster_bootstrap(shifted, x, clusters, NAMES, ["x2"], B=1_999, seed=4,
                                       confidence_interval=False)["x2"].pvalue
            assert (p < 0.05) == rejected
    # With many clusters and well-behaved errors it is close to the t-based interval.
    fit_se = abs(result.estimate / result.tstat)
    assert width == pytest.approx(2 * 2.045 * fit_se, rel=0.2)


def test_fixed_effects_model_through_the_within_engine():
    """On a two-way FE panel: the t-statistic is the engine's clustered t, the p-value wildboottest's on FWL data."""
    rng = np.random.default_rng(17)
    country, year = np.meshgrid(np.arange(11), np.arange(14), indexing="ij")
    frame = pd.DataFrame({"country": country.ravel(), "year": year.ravel() + 2000})
    frame = frame[rng.random(len(frame)) > 0.1].reset_index(drop=True)
    effect = rng.normal(size=11)[frame["country"]]
    frame["x0"] = rng.normal(size=len(frame)) + effect
    frame["x1"] = rng.normal(size=len(frame))
    frame["y"] = 0.1 * frame["x0"] + effect + rng.normal(size=11)[frame["country"]] * frame["x1"] + rng.normal(
        size=len(frame))
    model = WithinModel("main", "y", ("x0", "x1"))
    fit = fit_one(frame, model, entity="country", time="year")
    ours = bootstrap_model(frame, model, ["x0"], entity="country", time="year", B=9_999, keep_draws=True)["x0"]
    assert ours.tstat == pytest.approx(fit.tstats[0], abs=1e-10)
    assert ours.full_enumeration and ours.n_clusters == 11

    from griparm_econ.estimation.bootstrap_design import within_design

    design = within_design(frame, model, entity="country", time="year")
    theirs = reference(design.y, design.x, design.clusters, 0, B=9_999, seed=1)
    assert ours.pvalue == pytest.approx(bootstrap_pvalue(float(np.ravel(theirs.t_stat)[0]), theirs.t_boot),
                                        abs=1e-12)


def test_pyfixest_wildboottest_on_dummies_gives_the_same_pvalue():
    """pyfixest bootstraps the model with fixed-effect dummies; FWL makes its bootstrap p-value ours."""
    pf = pytest.importorskip("pyfixest")
    rng = np.random.default_rng(5)
    frame = pd.DataFrame({"country": np.repeat(np.arange(25), 12), "year": np.tile(np.arange(12), 25)})
    effect = rng.normal(size=25)[frame["country"]]
    frame["x0"] = rng.normal(size=len(frame)) + effect
    frame["y"] = 0.05 * frame["x0"] + effect + rng.normal(size=25)[frame["country"]] + rng.normal(size=len(frame))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fitted = pf.feols("y ~ x0 | country + year", frame, vcov={"CRV1": "country"})
        theirs = fitted.wildboottest(param="x0", reps=999, seed=99)
    ours = bootstrap_model(frame, WithinModel("m", "y", ("x0",)), ["x0"], entity="country", time="year", B=999,
                           seed=99, confidence_interval=False)["x0"]
    assert ours.pvalue == pytest.approx(float(theirs["Pr(>|t|)"]), abs=1e-12)


def test_enumeration_weights_are_all_sign_vectors():
    v, full = bootstrap_weights(5, 9_999, "rademacher", np.random.default_rng(0))
    assert full and v.shape == (5, 32)
    assert len({tuple(column) for column in v.T}) == 32
    webb, full = bootstrap_weights(5, 100, "webb", np.random.default_rng(0))
    assert not full and np.allclose(np.sort(np.unique(np.abs(webb))), np.sqrt([0.5, 1.0, 1.5]))


def test_user_errors():
    y, x, clusters = clustered_data(8, seed=1)
    with pytest.raises(SpecError):
        wild_cluster_bootstrap(y, x, clusters, NAMES, ["nope"])
    with pytest.raises(SpecError):
        wild_cluster_bootstrap(y, x, clusters, NAMES, ["x0"], weights="mammen")
    with pytest.raises(SpecError):
        wild_cluster_bootstrap(y, x, np.zeros_like(clusters), NAMES, ["x0"])


def test_clustered_by_time_keeps_entity_dummies_like_pyfixest():
    """Clustering by year: the country effects cut across clusters, so they stay in the bootstrap as dummies."""
    pf = pytest.importorskip("pyfixest")
    rng = np.random.default_rng(9)
    frame = pd.DataFrame({"country": np.repeat(np.arange(20), 16), "year": np.tile(np.arange(16), 20)})
    effect = rng.normal(size=20)[frame["country"]]
    shock = rng.normal(size=16)[frame["year"]]
    frame["x0"] = rng.normal(size=len(frame)) + effect + shock
    frame["y"] = 0.1 * frame["x0"] + effect + shock * frame["x0"] + rng.normal(size=len(frame))
    model = WithinModel("m", "y", ("x0",), cov="cluster:time")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fitted = pf.feols("y ~ x0 | country + year", frame, vcov={"CRV1": "year"})
        theirs = fitted.wildboottest(param="x0", reps=999, seed=3)
    ours = bootstrap_model(frame, model, ["x0"], entity="country", time="year", B=999, seed=3,
                           confidence_interval=False)["x0"]
    assert ours.n_clusters == 16 and not ours.full_enumeration
    assert ours.pvalue == pytest.approx(float(theirs["Pr(>|t|)"]), abs=1e-12)
    assert ours.tstat == pytest.approx(fit_one(frame, model, entity="country", time="year").tstats[0], abs=1e-10)
