"""Rambachan-Roth relative-magnitudes sets (Delta^RM, C-LF) against HonestDiD's published Medicaid sets
(reference/honestdid_medicaid, PROVENANCE 1 and 3), on the README's TWFE event study (the package's twfe engine).

The published ends are grid points: HonestDiD tests 1000 values of theta on +/- 20 sd(theta_hat) and reports the
smallest and largest accepted one, and its least-favourable critical value comes from 1000 simulated draws. So a
published end is matched to within half a unit of its last printed digit plus one grid step (40 sd / 999: 3.7e-4
for the 2014 effect, 3.6e-4 for the average). Largest differences found (printed minus ours):
R README, 2014 effect: 3.5e-4 (Mbar 1.5, lower end 0.00859 vs 0.00824), every other end <= 1.7e-4;
Stata README, 2014 effect: every end within its printed rounding; Stata, average effect: 7.3e-4 (Mbar 0.5, lower end
0.033 vs 0.0323; 2.3e-4 beyond the printed rounding), every other end within its rounding.
"""

from __future__ import annotations

import numpy as np
import pytest

from griparm_econ.errors import GriparmError
from griparm_econ.estimation.designs.relative_magnitudes import (dual_vertices, relative_magnitude_constraints,
                                                                 relative_magnitudes_set, truncated_normal_quantile)
from reference_helpers import medicaid_event_study

# R README: createSensitivityResults_relativeMagnitudes(..., Mbarvec = seq(0.5, 2, by = 0.5)), theta = 2014 effect
PUBLISHED_R = {0.5: ("0.0241", "0.0673"), 1.0: ("0.0171", "0.0720"), 1.5: ("0.00859", "0.0796"),
               2.0: ("-0.00107", "0.0883")}
# Stata README: honestdid, pre(1/5) post(7/8) mvec(0.5(0.5)2)
PUBLISHED_STATA = {0.5: ("0.024", "0.067"), 1.0: ("0.017", "0.072"), 1.5: ("0.008", "0.080"), 2.0: ("-0.001", "0.088")}
# Stata README: l_vec = (0.5, 0.5), mvec(0(0.5)2)
PUBLISHED_STATA_AVERAGE = {0.0: ("0.041", "0.075"), 0.5: ("0.033", "0.080"), 1.0: ("0.020", "0.090"),
                           1.5: ("0.006", "0.103"), 2.0: ("-0.008", "0.117")}


@pytest.fixture(scope="module")
def event_study():
    _, params, cov = medicaid_event_study()
    return np.asarray(params, float), np.asarray(cov, float)


def _grid_step(sigma, l_vec):
    return 40 * float(np.sqrt(l_vec @ sigma[5:, 5:] @ l_vec)) / 999


@pytest.mark.parametrize("published,l_vec", [(PUBLISHED_R, (1.0, 0.0)), (PUBLISHED_STATA, (1.0, 0.0)),
                                             (PUBLISHED_STATA_AVERAGE, (0.5, 0.5))], ids=["R", "Stata", "Stata_avg"])
def test_relative_magnitudes_match_honestdid(event_study, published, l_vec):
    beta, sigma = event_study
    l_vec = np.array(l_vec)
    step = _grid_step(sigma, l_vec)
    for mbar, (low, high) in published.items():
        found = relative_magnitudes_set(beta, sigma, num_pre=5, num_post=2, mbar=mbar, l_vec=l_vec)
        assert found.restriction == "relative_magnitudes" and found.m == mbar
        for value, printed in ((found.ci_low, low), (found.ci_high, high)):
            rounding = 0.5 * 10 ** -len(printed.split(".")[1])
            assert abs(value - float(printed)) <= rounding + step, (mbar, value, printed)


def test_sets_widen_with_mbar_and_contain_the_estimate(event_study):
    beta, sigma = event_study
    sets = [relative_magnitudes_set(beta, sigma, num_pre=5, num_post=2, mbar=m) for m in (0.0, 0.5, 1.0, 2.0)]
    for narrow, wide in zip(sets, sets[1:]):
        assert wide.ci_low <= narrow.ci_low and wide.ci_high >= narrow.ci_high
    assert sets[0].ci_low < beta[5] < sets[0].ci_high


def test_constraints_are_honestdids_polyhedron():
    # 2 pre, 1 post, s = 0 (largest pre difference delta_0 - delta_-1 = -delta_-1), positive, Mbar = 2:
    # rows +(d_-1 - d_-2), +(d_1 - d_0), then -(d_-1 - d_-2), -(d_0 - d_-1), -(d_1 - d_0), each minus its bound
    # (-d_-1 before the reference, -2 d_-1 after it); the largest difference bounding itself is no row
    a = relative_magnitude_constraints(2, 1, 2.0, 0, True)
    expected = np.array([[-1, 2, 0], [0, 2, 1], [1, 0, 0], [0, 2, 0], [0, 2, -1]], float)
    assert np.array_equal(a, expected)


def test_dual_vertices_without_nuisance_are_scaled_unit_vectors():
    sd = np.array([1.0, 2.0, 4.0])
    vertices = dual_vertices(sd, np.empty((3, 0)))
    assert np.allclose(sorted(map(tuple, vertices)), sorted(map(tuple, np.diag(1 / sd))))


def test_truncated_normal_quantile_in_both_tails():
    from scipy import stats
    for low, high in ((-1.0, 2.0), (6.0, 9.0), (-9.0, -6.0), (-np.inf, np.inf)):
        q = truncated_normal_quantile(np.array([0.9]), np.array([low]), np.array([high]))[0]
        assert abs(q - stats.truncnorm.ppf(0.9, low, high)) < 1e-8


def test_known_coverage_on_synthetic_event_study():
    """Delta^RM(1) holds (no violation at all): the sets of many seeded draws cover the true effect at least at
    the nominal rate (the test is conservative by construction)."""
    rng = np.random.default_rng(12)
    num_pre, num_post, tau = 3, 2, 0.5
    sigma = 0.04 * (np.eye(num_pre + num_post) + 0.3)
    chol = np.linalg.cholesky(sigma)
    truth = np.concatenate([np.zeros(num_pre), [tau, tau]])
    covered = [relative_magnitudes_set(truth + chol @ rng.standard_normal(num_pre + num_post), sigma,
                                       num_pre=num_pre, num_post=num_post, mbar=1.0, grid_points=400)
               for _ in range(60)]
    rate = np.mean([s.ci_low <= tau <= s.ci_high for s in covered])
    assert rate >= 0.9


def test_bad_inputs_are_one_error():
    with pytest.raises(GriparmError, match="do not fit"):
        relative_magnitudes_set(np.zeros(3), np.eye(3), num_pre=5, num_post=2, mbar=1.0)
    with pytest.raises(GriparmError, match="Mbar"):
        relative_magnitudes_set(np.zeros(3), np.eye(3), num_pre=2, num_post=1, mbar=-1.0)
    with pytest.raises(GriparmError, match="post periods"):
        relative_magnitudes_set(np.zeros(3), np.eye(3), num_pre=2, num_post=1, mbar=1.0, l_vec=[0.0])


def test_a_set_reaching_the_grid_edge_is_unbounded():
    # wildly noisy pre-periods and a large Mbar: every theta on the grid is accepted, so both ends are open
    beta = np.array([3.0, -3.0, 0.0, 0.1, 0.1])
    sigma = np.eye(5) * 0.01
    found = relative_magnitudes_set(beta, sigma, num_pre=3, num_post=2, mbar=2.0)
    assert found.ci_low == -np.inf and found.ci_high == np.inf
    assert found.to_json_dict()["empty"] is False
    assert relative_magnitudes_set(beta, sigma, num_pre=3, num_post=2, mbar=0.0).ci_high < np.inf
