"""Randomization inference for the TWFE coefficient, on synthetic staggered panels generated here with known truth:
under a zero effect the test rejects at about its nominal size, under a large effect it nearly always rejects."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from griparm_econ.errors import GriparmError
from griparm_econ.estimation.designs.randomization import randomization_inference
from griparm_econ.estimation.demean import within_transform


def panel(effect: float, seed: int, units: int = 30, periods: int = 10) -> pd.DataFrame:
    """Units with random adoption dates (a third never treated), unit and period effects, iid N(0,1) noise."""
    rng = np.random.default_rng(seed)
    cohorts = rng.choice([0, 4, 6, 8], size=units, p=[1 / 3, 2 / 9, 2 / 9, 2 / 9])
    unit_fe, time_fe = rng.normal(0, 2, units), rng.normal(0, 1, periods)
    rows = [(i, t, cohorts[i]) for i in range(units) for t in range(1, periods + 1)]
    frame = pd.DataFrame(rows, columns=["unit", "year", "cohort"])
    treated = (frame["cohort"] > 0) & (frame["year"] >= frame["cohort"])
    frame["y"] = (unit_fe[frame["unit"]] + time_fe[frame["year"] - 1] + effect * treated
                  + rng.normal(0, 1, len(frame)))
    return frame


def test_observed_coefficient_is_the_twfe_estimate_and_recovers_the_effect():
    frame = panel(effect=2.0, seed=1)
    result = randomization_inference(frame, outcome="y", unit="unit", time="year", cohort="cohort", draws=199, seed=7)
    d = ((frame["cohort"] > 0) & (frame["year"] >= frame["cohort"])).astype(float)
    yd = within_transform(np.column_stack([frame["y"], d]), frame["unit"].to_numpy(), frame["year"].to_numpy() - 1)
    assert abs(result.estimate - yd[:, 0] @ yd[:, 1] / (yd[:, 1] @ yd[:, 1])) < 1e-12
    assert abs(result.estimate - 2.0) < 0.4
    assert result.pvalue == 1 / 200                                    # nothing as extreme: the smallest p possible


def test_same_seed_same_pvalue_and_seed_matters():
    frame = panel(effect=0.3, seed=2)
    kwargs = dict(outcome="y", unit="unit", time="year", cohort="cohort", draws=300)
    first = randomization_inference(frame, seed=11, **kwargs)
    assert first == randomization_inference(frame.sample(frac=1, random_state=3), seed=11, **kwargs)  # row order
    assert first.null_quantiles != randomization_inference(frame, seed=12, **kwargs).null_quantiles


@pytest.mark.slow
def test_size_under_the_null_and_power_under_an_effect():
    null_p = [randomization_inference(panel(0.0, s), outcome="y", unit="unit", time="year", cohort="cohort",
                                      draws=99, seed=s).pvalue for s in range(200)]
    size = np.mean(np.array(null_p) <= 0.05)
    assert 0.015 <= size <= 0.09, size          # nominal 5%; binomial sd with 200 replications is 1.5 points
    power = np.mean([randomization_inference(panel(1.0, 1000 + s), outcome="y", unit="unit", time="year",
                                             cohort="cohort", draws=99, seed=s).pvalue <= 0.05 for s in range(40)])
    assert power >= 0.9, power


def test_no_variation_is_one_error():
    frame = panel(0.0, 5).assign(cohort=4)
    with pytest.raises(GriparmError, match="nothing to permute"):
        randomization_inference(frame, outcome="y", unit="unit", time="year", cohort="cohort")
