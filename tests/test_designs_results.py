"""The design result types: frozen, and their estimates-file shape is plain JSON (non-finite numbers become null)."""

from __future__ import annotations

import dataclasses
import json
import math

import numpy as np
import pytest

from griparm_econ.estimation.designs.results import (DesignResult, Estimate, EventTimeEstimate, PretrendTest,
                                                     wald_pretrend)


def test_json_shape_and_frozen():
    result = DesignResult(
        estimator="twfe", outcome="y", att=Estimate.from_se(np.float64(1.0), 0.5, 1.96),
        event_time=(EventTimeEstimate.from_se(-2, 0.1, math.nan, 1.96), EventTimeEstimate.from_se(0, 1.0, 0.5, 1.96)),
        pretrend=PretrendTest(1.0, 1, 0.3), nobs=10, n_units=5, n_treated_units=2, cohorts={2004: 2})
    data = json.loads(json.dumps(result.to_json_dict(), allow_nan=False))
    assert data["att"] == {"estimate": 1.0, "std_error": 0.5, "ci_low": 1.0 - 0.98, "ci_high": 1.0 + 0.98}
    assert data["event_time"][0] == {"k": -2, "estimate": 0.1, "std_error": None, "ci_low": None, "ci_high": None}
    assert data["pretrend"]["statistic"] == 1.0 and data["cohorts"] == {"2004": 2}
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.nobs = 3


def test_wald_pretrend_chi2_and_f():
    chi2 = wald_pretrend([1.0, 2.0], np.eye(2))
    assert chi2.statistic == 5.0 and chi2.df == 2 and abs(chi2.pvalue - math.exp(-2.5)) < 1e-12
    f = wald_pretrend([1.0, 2.0], np.eye(2), df_denominator=30)
    assert f.statistic == 2.5 and f.distribution == "F" and f.df_denominator == 30
    assert wald_pretrend([], np.zeros((0, 0))) is None


def test_cohorts_from_treatment_and_never_treated_codes():
    import pandas as pd

    from griparm_econ.errors import GriparmError
    from griparm_econ.estimation.designs.panel_inputs import (cohort_counts, cohort_from_treatment,
                                                              in_sample_cohorts)
    frame = pd.DataFrame({"i": [1, 1, 1, 2, 2, 2, 3, 3, 3], "t": [1, 2, 3] * 3,
                          "d": [0, 1, 1, 0, 0, 0, 0, 0, 1], "g": [2, 2, 2, 10000, 10000, 10000, None, None, None]})
    assert cohort_from_treatment(frame, "i", "t", "d").tolist() == [2, 2, 2, 0, 0, 0, 3, 3, 3]
    assert in_sample_cohorts(frame, time="t", cohort="g").tolist() == [2, 2, 2, 0, 0, 0, 0, 0, 0]
    assert cohort_counts(frame.assign(g=cohort_from_treatment(frame, "i", "t", "d")), "i", "g",
                         estimator="x") == {2: 1, 3: 1}
    with pytest.raises(GriparmError, match="changes within unit"):
        cohort_counts(frame.assign(g=[2, 3, 2, 0, 0, 0, 0, 0, 0]), "i", "g", estimator="x")
