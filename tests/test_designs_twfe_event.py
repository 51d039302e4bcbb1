"""Dynamic TWFE event study: Stevenson-Wolfers (2006) Table 1 col. 1 on bacondecomp's divorce data (reference/
bacon_castle, PROVENANCE B), and fixest conventions (SEs) cross-checked on base_stagg with pyfixest."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from griparm_econ.errors import GriparmError
from griparm_econ.estimation.designs.twfe_event import event_study_dummies, twfe_event_study
from reference_helpers import reference_set

# round(coef, 3) * 100 of factor(chyrspos) in lm(suiciderate_elast_jag ~ factor(chyrspos) + factor(st) + factor(year))
STEVENSON_WOLFERS = [1.6, -1.5, -1.5, -3.0, -8.0, -10.0, -11.9, -12.8, -13.3, -16.4, -18.7]


def _read(name: str, obj: str) -> pd.DataFrame:
    pyreadr = pytest.importorskip("pyreadr", reason="pyreadr reads the .rda references")
    folder, file = name.split("/", 1)
    path = reference_set(folder) / file
    return pyreadr.read_r(str(path))[obj]


def test_binned_event_study_replicates_stevenson_wolfers():
    divorce = _read("bacon_castle/divorce_bacondecomp.rda", "divorce")
    women = divorce[divorce["sex"] == 2]
    events, pretrend, fit = event_study_dummies(women, outcome="suiciderate_elast_jag", unit="st", time="year",
                                                event_time="chyrspos", reference=(-1,))
    assert [e.k for e in events] == [0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20]
    assert np.allclose([round(e.estimate, 3) * 100 for e in events], STEVENSON_WOLFERS, atol=1e-9)
    assert pretrend is None and fit.nobs == len(women)


def test_cohort_engine_bins_ends_and_matches_fixest_conventions():
    pf = pytest.importorskip("pyfixest")
    stagg = _read("fixest_base_stagg/base_stagg.RData", "base_stagg")
    result = twfe_event_study(stagg, outcome="y", unit="id", time="year", cohort="year_treated", window=(-5, 5),
                              covariates=("x1",))
    assert [e.k for e in result.event_time] == [-5, -4, -3, -2, 0, 1, 2, 3, 4, 5]
    assert result.cohorts == {g: 5 for g in range(2, 11)}          # 10000 = never treated, as fixest codes it
    frame = stagg.copy()
    g = frame["year_treated"].where(frame["year_treated"] < 10000, 0)
    frame["k"] = (frame["year"] - g).where(g > 0, -1).clip(-5, 5)
    check = pf.feols("y ~ x1 + i(k, ref=-1) | id + year", data=frame, vcov={"CRV1": "id"})
    for event in result.event_time:
        name = f"k::{float(event.k)}"
        assert abs(event.estimate - check.coef()[name]) < 1e-6
        assert abs(event.std_error - check.se()[name]) < 1e-6
    assert result.pretrend.df == 4 and result.pretrend.distribution == "F"


def test_bad_window_is_one_error():
    frame = pd.DataFrame({"y": [1.0, 2, 3, 4], "i": [1, 1, 2, 2], "t": [1, 2, 1, 2], "g": [2, 2, 0, 0]})
    with pytest.raises(GriparmError, match="window"):
        twfe_event_study(frame, outcome="y", unit="i", time="t", cohort="g", window=(0, 3))
