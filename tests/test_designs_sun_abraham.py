"""Sun-Abraham engine against fixest's published base_stagg output (reference/fixest_base_stagg).

Published in fixest's ``sunab`` reference page (github lrberge/fixest docs/reference/sunab.html, commit 025c38ce):
``feols(y ~ x1 + sunab(year_treated, year) | id + year, base_stagg)``, clustered by id, default ssc.
"""

from __future__ import annotations

import pandas as pd
import pytest

from griparm_econ.errors import GriparmError
from griparm_econ.estimation.designs.sun_abraham import sun_abraham
from reference_helpers import close_to_printed, reference_set

# etable(res_sunab): event time -> (estimate, std. error) as printed.
PUBLISHED_EVENTS = {
    -9: ("0.3518", "0.3591"), -8: ("-0.0790", "0.2975"), -7: ("0.1010", "0.3670"), -6: ("-0.0564", "0.3089"),
    -5: ("-0.2953", "0.2940"), -4: ("-0.3037", "0.2491"), -3: ("-0.0884", "0.2558"), -2: ("0.0847", "0.2443"),
    0: ("-5.188", "0.2211"), 1: ("-3.540", "0.2128"), 2: ("-2.155", "0.2258"), 3: ("-0.7750", "0.2771"),
    4: ("1.069", "0.3104"), 5: ("2.118", "0.4481"), 6: ("4.631", "0.4604"), 7: ("4.890", "0.3394"),
    8: ("6.244", "0.2976"),
}


@pytest.fixture(scope="module")
def base_stagg():
    pyreadr = pytest.importorskip("pyreadr", reason="pyreadr reads the .RData reference")
    path = reference_set("fixest_base_stagg") / "base_stagg.RData"
    if not path.exists():
        pytest.skip(f"reference data absent: {path}")
    return pyreadr.read_r(str(path))["base_stagg"]


def test_event_time_coefficients_match_fixest(base_stagg):
    result = sun_abraham(base_stagg, outcome="y", unit="id", time="year", cohort="year_treated", covariates=("x1",))
    assert sorted(e.k for e in result.event_time) == sorted(PUBLISHED_EVENTS)
    for event in result.event_time:
        b, se = PUBLISHED_EVENTS[event.k]
        assert close_to_printed(event.estimate, b) and close_to_printed(event.std_error, se), event


def test_att_and_covariate_match_fixest_summary(base_stagg):
    # summary(res_sunab, agg = "ATT"): x1 0.994678 (0.018378); ATT -1.133749 (0.205070)
    result = sun_abraham(base_stagg, outcome="y", unit="id", time="year", cohort="year_treated", covariates=("x1",))
    assert close_to_printed(result.att.estimate, "-1.133749")
    assert close_to_printed(result.att.std_error, "0.205070")
    x1 = result.aggregations["covariates"]["x1"]
    assert close_to_printed(x1.estimate, "0.994678") and close_to_printed(x1.std_error, "0.018378")
    assert result.nobs == 950 and result.stats["n_clusters"] == 95
    assert result.cohorts == {g: 5 for g in range(2, 11)}


def test_no_never_treated_is_one_error():
    frame = pd.DataFrame({"y": [1.0, 2, 3, 4], "i": [1, 1, 2, 2], "t": [1, 2, 1, 2], "g": [2, 2, 2, 2]})
    with pytest.raises(GriparmError, match="never-treated"):
        sun_abraham(frame, outcome="y", unit="i", time="t", cohort="g")
