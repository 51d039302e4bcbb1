"""Goodman-Bacon decomposition against R bacondecomp on its castle data (reference/bacon_castle, PROVENANCE A)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from griparm_econ.errors import GriparmError
from griparm_econ.estimation.designs.bacon import goodman_bacon
from reference_helpers import close_to_printed, reference_set

# bacondecomp tests/testthat/test_summary.R (rounded to 3 decimals, stated to equal Stata's bacondecomp)
PUBLISHED_SUMMARY = {"Earlier vs Later Treated": ("0.060", "-0.006"), "Later vs Earlier Treated": ("0.032", "0.070"),
                     "Treated vs Untreated": ("0.908", "0.088")}
# bacondecomp index.ipynb: the three type weights at full printed precision
PUBLISHED_WEIGHTS = {"Earlier vs Later Treated": "0.05976325", "Later vs Earlier Treated": "0.03189818",
                     "Treated vs Untreated": "0.90833857"}


@pytest.fixture(scope="module")
def castle():
    pyreadr = pytest.importorskip("pyreadr", reason="pyreadr reads the .rda reference")
    path = reference_set("bacon_castle") / "castle_bacondecomp.rda"
    if not path.exists():
        pytest.skip(f"reference data absent: {path}")
    return pyreadr.read_r(str(path))["castle"]


def test_summary_by_type_matches_bacondecomp(castle):
    result = goodman_bacon(castle, outcome="l_homicide", unit="state", time="year", treatment="post")
    assert set(result.by_type) == set(PUBLISHED_SUMMARY)
    for kind, (weight, estimate) in PUBLISHED_SUMMARY.items():
        assert close_to_printed(result.by_type[kind].weight, weight)
        assert close_to_printed(result.by_type[kind].avg_estimate, estimate)
        assert close_to_printed(result.by_type[kind].weight, PUBLISHED_WEIGHTS[kind])


def test_weights_reproduce_the_twfe_coefficient(castle):
    result = goodman_bacon(castle, outcome="l_homicide", unit="state", time="year", treatment="post")
    assert abs(result.twfe_estimate - 0.0818116169306471) < 1e-12      # lm(... + factor(state) + factor(year))
    assert abs(result.weighted_sum - result.twfe_estimate) < 1e-12
    assert abs(sum(c.weight for c in result.comparisons) - 1) < 1e-12
    largest = max(result.comparisons, key=lambda c: c.weight)           # index.ipynb: 2006 vs never treated
    assert largest.treated == 2006 and not np.isfinite(largest.control)
    assert close_to_printed(largest.estimate, "0.06823587") and close_to_printed(largest.weight, "0.5923947")


def test_switching_off_is_one_error():
    frame = pd.DataFrame({"y": np.arange(6.0), "i": [1, 1, 1, 2, 2, 2], "t": [1, 2, 3] * 2, "d": [0, 1, 0, 0, 0, 0]})
    with pytest.raises(GriparmError, match="switches off"):
        goodman_bacon(frame, outcome="y", unit="i", time="t", treatment="d")
