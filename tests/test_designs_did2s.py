"""did2s engine against R did2s's full-precision outputs on df_het (reference/did2s_df_het, PROVENANCE B)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from griparm_econ.errors import GriparmError
from griparm_econ.estimation.designs.did2s import did2s
from reference_helpers import reference_set

TOL = 1e-9   # R did2s solves stage 1 exactly; so does the engine (measured max difference 8e-14)


@pytest.fixture(scope="module")
def reference():
    folder = reference_set("did2s_df_het")
    # shipped gzipped (tests/data/reference/did2s_df_het), a plain copy beside the repository
    path = next((folder / name for name in ("df_het.csv", "df_het.csv.gz") if (folder / name).exists()), None)
    if path is None:
        pytest.skip(f"reference data absent: {folder}")
    frame = pd.read_csv(path)
    frame["X"] = np.random.default_rng(12345).normal(size=len(frame))   # the covariate of R model3
    r = pd.read_csv(folder / "pyfixest_tests_data_all_did2s_dfs.csv", index_col=[0])
    by_model = {m: {term.split("::")[1]: (float(b), float(se)) for term, b, se in zip(g["0"], g["1"], g["2"])}
                for m, g in r.groupby(level=0)}
    return frame, by_model


def _check_events(result, expected):
    for event in result.event_time:
        b, se = expected[str(event.k)]
        assert abs(event.estimate - b) < TOL and abs(event.std_error - se) < TOL, event.k
    never = result.aggregations["other"]["never_treated_minus_inf"]
    assert abs(never.estimate - expected["-Inf"][0]) < TOL
    assert len(result.event_time) + 1 == len(expected)


def test_static_and_event_study_match_r(reference):
    frame, r = reference
    result = did2s(frame, outcome="dep_var", treatment="treat", effects=("state", "year"), cluster="state",
                   event_time="rel_year")
    b, se = r["model1"]["TRUE"]
    assert abs(result.att.estimate - b) < TOL and abs(result.att.std_error - se) < TOL
    assert abs(result.att.ci_low - 2.058904991991432) < 1e-9          # broom's t(N - K) interval
    assert abs(result.event(-20).ci_low - (-0.1695600913438295)) < 1e-9
    _check_events(result, r["model2"])
    assert result.nobs == 46500 and result.pretrend.df == 19


def test_first_stage_covariate_matches_r(reference):
    frame, r = reference
    result = did2s(frame, outcome="dep_var", treatment="treat", effects=("state", "year"), cluster="state",
                   event_time="rel_year", covariates=("X",))
    _check_events(result, r["model3"])


def test_bad_treatment_is_one_error():
    frame = pd.DataFrame({"y": [1.0, 2, 3, 4], "d": [0, 2, 0, 1], "i": [1, 1, 2, 2], "t": [1, 2, 1, 2]})
    with pytest.raises(GriparmError, match="0/1"):
        did2s(frame, outcome="y", treatment="d", effects=("i", "t"), cluster="i")
    with pytest.raises(GriparmError, match="not in the data"):
        did2s(frame, outcome="nope", treatment="d", effects=("i", "t"), cluster="i")
