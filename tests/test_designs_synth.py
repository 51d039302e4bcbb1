"""Synthetic control engine against its three published references, plus a recovery test on generated data.

References (each with PROVENANCE.md under data_dir()/reference/<set>): California's Proposition 99 (Abadie, Diamond
and Hainmueller 2010), the Basque Country (Abadie and Gardeazabal 2003, via R Synth's example and pysyncon's test)
and West German reunification (Abadie, Diamond and Hainmueller 2015). "No worse than published" means a
fitting-period RMSPE at most the one the published weights give on the same data, computed here from those weights.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from griparm_econ.errors import DataError
from griparm_econ.estimation.designs.synthetic_control import Predictor, synthetic_control
from reference_helpers import close_to_printed, reference_set


def _reference(name: str):
    folder = reference_set(name)
    if not folder.is_dir():
        pytest.skip(f"reference data set {name!r} is not in {folder.parent}")
    return folder


def _years(variable: str, first: int, last: int) -> dict:
    return {"variable": variable, "years": [first, last]}


def _rmspe_of(outcomes: pd.DataFrame, treated: str, weights: dict, periods) -> float:
    synthetic = sum(outcomes[d] * w for d, w in weights.items())
    gap = (outcomes[treated] - synthetic).loc[list(periods)]
    return float(np.sqrt((gap ** 2).mean()))


# --- Proposition 99 ------------------------------------------------------------------------------------------------

PROP99_PUBLISHED_W = {"Colorado": 0.164, "Connecticut": 0.069, "Montana": 0.199, "Nevada": 0.234, "Utah": 0.334}
# ADH 2010 Table 1, synthetic California (age15to24 is a share in the data, percent in the paper).
PROP99_PUBLISHED_SYNTHETIC = {"lnincome (1980-1988)": 9.86, "retprice (1980-1988)": 89.41,
                              "age15to24 (1980-1988)": 0.1740, "beer (1984-1988)": 24.20, "cigsale (1988)": 91.62,
                              "cigsale (1980)": 120.43, "cigsale (1975)": 126.99}


@pytest.fixture(scope="module")
def smoking() -> pd.DataFrame:
    frame = pd.read_stata(_reference("prop99_smoking") / "smoking.dta")
    frame["state"] = frame["state"].astype(str)
    return frame


def _prop99(smoking: pd.DataFrame, **options):
    predictors = [_years("lnincome", 1980, 1988), _years("retprice", 1980, 1988), _years("age15to24", 1980, 1988),
                  _years("beer", 1984, 1988), _years("cigsale", 1988, 1988), _years("cigsale", 1980, 1980),
                  _years("cigsale", 1975, 1975)]
    return synthetic_control(smoking, outcome="cigsale", unit="state", time="year", unit_treated="California",
                             treatment_period=1989, predictors=predictors, **options)


@pytest.fixture(scope="module")
def prop99(smoking):
    return _prop99(smoking, placebo=False)


def test_prop99_fit_no_worse_than_published_weights(prop99, smoking):
    outcomes = smoking.pivot(index="year", columns="state", values="cigsale").astype(float)
    outcomes.index = outcomes.index.astype(int)
    published = _rmspe_of(outcomes, "California", PROP99_PUBLISHED_W, range(1970, 1989))
    assert prop99.fit_periods == tuple(range(1970, 1989))
    assert prop99.pre_rmspe <= published                    # ours 1.7540, published weights 1.7576
    assert sum(prop99.weights.values()) == pytest.approx(1.0, abs=1e-12)
    positive = {d for d, w in prop99.weights.items() if w > 0.01}
    assert positive == set(PROP99_PUBLISHED_W)
    for donor, w in PROP99_PUBLISHED_W.items():
        assert prop99.weights[donor] == pytest.approx(w, abs=0.005)


def test_prop99_published_effects_and_balance(prop99):
    # "almost 20 packs" on average over 1989-2000 and "about 26 packs" in 2000 (ours -18.98 and -25.73).
    assert -20.0 < prop99.att < -18.5
    assert round(prop99.post_gap[2000]) == -26
    assert sorted(prop99.post_gap) == list(range(1989, 2001))
    balance = {row.predictor: row for row in prop99.balance}
    assert list(balance) == list(PROP99_PUBLISHED_SYNTHETIC)
    for label, published in PROP99_PUBLISHED_SYNTHETIC.items():
        assert balance[label].synthetic == pytest.approx(published, rel=0.005), label
    assert close_to_printed(balance["beer (1984-1988)"].treated, "24.28")
    assert close_to_printed(balance["cigsale (1988)"].treated, "90.10")
    assert close_to_printed(balance["cigsale (1975)"].treated, "127.10")
    assert sum(prop99.v_weights.values()) == pytest.approx(1.0)


@pytest.mark.slow
def test_prop99_placebo_pvalue_is_one_in_39(smoking):
    # ADH 2010: California has the largest post/pre RMSPE ratio of the 39 states, p = 1/39 (38 refits, a few seconds:
    # benchmarks/bench_synth.py).
    prop99 = _prop99(smoking, leave_one_out=False)
    assert len(prop99.placebo_gaps) == 38 and "California" not in prop99.placebo_gaps
    assert prop99.rmspe_ratio > max(prop99.placebo_ratios.values())
    assert prop99.placebo_pvalue == pytest.approx(1 / 39)
    assert all(len(gaps) == 31 for gaps in prop99.placebo_gaps.values())


def test_prop99_leave_one_out_keeps_a_negative_effect(prop99):
    assert set(prop99.leave_one_out) == set(PROP99_PUBLISHED_W)
    for donor, path in prop99.leave_one_out.items():
        assert prop99.treated_path[2000] - path[2000] < -20, donor


def test_same_inputs_give_identical_numbers(prop99, smoking):
    again = _prop99(smoking.sample(frac=1.0, random_state=7), placebo=False)
    assert again.weights == prop99.weights
    assert again.v_weights == prop99.v_weights
    assert again.post_gap == prop99.post_gap
    assert again.leave_one_out == prop99.leave_one_out


# --- Basque Country ------------------------------------------------------------------------------------------------

BASQUE = "Basque Country (Pais Vasco)"
BASQUE_PUBLISHED_W = {"Cataluna": 0.850816306, "Madrid (Comunidad De)": 0.149183694}


@pytest.fixture(scope="module")
def basque_frame() -> pd.DataFrame:
    return pd.read_csv(_reference("basque") / "basque.csv")


def _basque(basque_frame, **options):
    schooling = ["school.illit", "school.prim", "school.med", "school.high", "school.post.high", "invest"]
    sectors = ["sec.agriculture", "sec.energy", "sec.industry", "sec.construction", "sec.services.venta",
               "sec.services.nonventa"]
    # Sector shares exist for odd years only, so the mean over 1961-1969 is R Synth's mean over 1961, 1963, ..., 1969.
    predictors = ([_years(v, 1964, 1969) for v in schooling] + [_years("gdpcap", 1960, 1969)]
                  + [_years(v, 1961, 1969) for v in sectors] + [_years("popdens", 1969, 1969)])
    return synthetic_control(basque_frame, outcome="gdpcap", unit="regionname", time="year", unit_treated=BASQUE,
                             treatment_period=1975, predictors=predictors, pre_period=range(1960, 1970),
                             placebo=False, leave_one_out=False, **options)


@pytest.fixture(scope="module")
def basque(basque_frame):
    return _basque(basque_frame)


def test_basque_fit_no_worse_than_published(basque, basque_frame):
    outcomes = basque_frame.pivot(index="year", columns="regionname", values="gdpcap")
    outcomes.index = outcomes.index.astype(int)
    published = _rmspe_of(outcomes, BASQUE, BASQUE_PUBLISHED_W, range(1960, 1970))
    assert basque.pre_rmspe <= published * (1 + 1e-9)
    assert basque.pre_rmspe ** 2 <= 0.008864544955047298           # R Synth's "identical pre-MSPE (0.0089)"
    assert len(basque.donors) == 17                                 # 16 regions and the Spain average
    for donor, w in basque.weights.items():
        assert w == pytest.approx(BASQUE_PUBLISHED_W.get(donor, 0.0), abs=1e-3), donor


def test_basque_published_effect_and_balance(basque):
    assert basque.att == pytest.approx(-0.6995647842110987, abs=1e-5)
    synthetic = {row.predictor.split(" (")[0]: row.synthetic for row in basque.balance}
    assert synthetic["gdpcap"] == pytest.approx(5.27078346, rel=1e-4)
    assert synthetic["popdens"] == pytest.approx(196.283316, rel=1e-4)
    assert synthetic["sec.industry"] == pytest.approx(37.6359420, rel=1e-4)


def test_basque_multistart_finds_a_closer_fit_with_another_effect(basque, basque_frame):
    # The published fit is a local optimum of the nested problem: the multistart search halves its MSPE (0.0043
    # against 0.0089) with Baleares in the mix, and the ATT moves from -0.70 to about -1.02. Pinned so that the
    # design note's warning stays true.
    wider = _basque(basque_frame, search="multistart")
    assert wider.pre_rmspe < 0.75 * basque.pre_rmspe
    assert wider.weights["Baleares (Islas)"] > 0.1
    assert wider.att < basque.att - 0.2


# --- West Germany --------------------------------------------------------------------------------------------------

GERMANY_PUBLISHED_W = {"Austria": "0.42", "USA": "0.22", "Japan": "0.16", "Switzerland": "0.11", "Netherlands": "0.09"}


@pytest.fixture(scope="module")
def germany_frame() -> pd.DataFrame:
    return pd.read_csv(_reference("west_germany") / "germany.csv")


def _germany(frame: pd.DataFrame, decade: int, **options):
    predictors = [_years("gdp", decade + 1, decade + 10), _years("trade", decade + 1, decade + 10),
                  _years("infrate", decade + 1, decade + 10), _years("industry", decade + 1, decade + 10),
                  _years("schooling", decade, decade + 5), _years(f"invest{decade % 100}", 1980, 1980)]
    return synthetic_control(frame, outcome="gdp", unit="country", time="year", unit_treated="West Germany",
                             predictors=predictors, placebo=False, leave_one_out=False, **options)


@pytest.fixture(scope="module")
def germany_cross_validated(germany_frame):
    # ADH 2015: V chosen on 1971-1980 predictors to fit 1981-1990, then W on 1981-1990 predictors with that V.
    training = _germany(germany_frame, 1970, treatment_period=1991, pre_period=range(1981, 1991))
    return _germany(germany_frame, 1980, treatment_period=1990, v_weights=list(training.v_weights.values()))


def _germany_published_rmspe(frame: pd.DataFrame) -> float:
    outcomes = frame.pivot(index="year", columns="country", values="gdp").astype(float)
    return _rmspe_of(outcomes, "West Germany", {c: float(w) for c, w in GERMANY_PUBLISHED_W.items()},
                     range(1960, 1990))


def test_germany_cross_validated_fit_matches_published(germany_cross_validated, germany_frame):
    fit = germany_cross_validated
    assert fit.pre_rmspe <= _germany_published_rmspe(germany_frame)       # ours 120.5, published weights 122.3
    for donor, printed in GERMANY_PUBLISHED_W.items():
        assert close_to_printed(fit.weights[donor], printed), donor
    # "about -1600 USD" a year over 1990-2003 (ours -1579); synthetic 2003 "about 12%" above actual.
    assert round(fit.att, -2) == -1600
    assert round(fit.synthetic_path[2003] / fit.treated_path[2003] - 1, 2) == 0.12


def test_germany_nested_fit_no_worse_than_published(germany_frame):
    nested = _germany(germany_frame, 1980, treatment_period=1990)
    assert nested.pre_rmspe <= _germany_published_rmspe(germany_frame)    # ours 103.3
    wider = _germany(germany_frame, 1980, treatment_period=1990, search="multistart")
    assert wider.pre_rmspe <= nested.pre_rmspe                           # ours 99.6


# --- generated data and bad input ----------------------------------------------------------------------------------

def _generated_panel(effect: float = 5.0) -> pd.DataFrame:
    """Five donors with distinct trends; the treated unit is exactly 0.6 A + 0.4 C before 2010 and ``effect`` above
    that combination from 2010 on, so the true weights and ATT are known."""
    rng = np.random.default_rng(12)
    years = np.arange(2000, 2016)
    donors = {name: 10 + slope * (years - 2000) + rng.normal(0, 1, len(years))
              for name, slope in zip("ABCDE", (0.5, -0.3, 1.2, 0.1, 2.0))}
    covariate = {name: rng.normal(50, 10, len(years)) for name in donors}
    donors["T"] = 0.6 * donors["A"] + 0.4 * donors["C"] + np.where(years >= 2010, effect, 0.0)
    covariate["T"] = 0.6 * covariate["A"] + 0.4 * covariate["C"]
    return pd.DataFrame([{"unit": u, "year": int(t), "y": y[i], "x": covariate[u][i]}
                         for u, y in donors.items() for i, t in enumerate(years)])


def test_generated_panel_recovers_weights_and_effect():
    frame = _generated_panel()
    result = synthetic_control(frame, outcome="y", unit="unit", time="year", unit_treated="T", treatment_period=2010,
                               predictors=[Predictor("y", 2000, 2009), Predictor("x", 2000, 2009),
                                           _years("y", 2005, 2009)])
    assert result.weights["A"] == pytest.approx(0.6, abs=1e-6)
    assert result.weights["C"] == pytest.approx(0.4, abs=1e-6)
    assert result.pre_rmspe == pytest.approx(0.0, abs=1e-5)
    assert result.att == pytest.approx(5.0, abs=1e-5)
    assert result.placebo_pvalue == pytest.approx(1 / 6)
    assert set(result.leave_one_out) == {"A", "C"}


@pytest.mark.parametrize("change, field", [
    ({"unit_treated": "Z"}, "unit_treated"),
    ({"donors": ["A", "T"]}, "donors"),
    ({"predictors": [{"variable": "nope", "years": [2000, 2009]}]}, "predictors"),
    ({"predictors": [{"variable": "y", "years": [2000]}]}, "predictors"),
    ({"predictors": [{"variable": "y", "years": [2000, 2009], "op": "eval"}]}, "predictors"),
    ({"pre_period": [2011]}, "pre_period"),
    ({"v_weights": [1.0, 2.0]}, "v_weights"),
    ({"search": "global"}, "search"),
    ({"predictors": [_years("y", 2000, 2009), _years("y", 2000, 2009)]}, "predictors"),
    ({"predictors": [_years("unit", 2000, 2009)]}, "predictors"),
    ({"outcome": "unit"}, "outcome"),
    ({"time": "when"}, "time"),
])
def test_bad_input_is_one_data_error_naming_the_field(change, field):
    options = dict(outcome="y", unit="unit", time="year", unit_treated="T", treatment_period=2010,
                   predictors=[_years("y", 2000, 2009)], placebo=False, leave_one_out=False)
    options.update(change)
    with pytest.raises(DataError) as raised:
        synthetic_control(_generated_panel(), **options)
    assert raised.value.field == field
    assert raised.value.fix


def test_leave_one_out_fits_equal_refits_without_the_donor():
    frame = _generated_panel()
    predictors = [Predictor("y", 2000, 2009), Predictor("x", 2000, 2009)]
    result = synthetic_control(frame, outcome="y", unit="unit", time="year", unit_treated="T", treatment_period=2010,
                               predictors=predictors, placebo=False)
    fits = result.leave_one_out_fits()
    assert set(fits) == {"A", "C"}
    for dropped, (att, rmspe) in fits.items():
        pool = [u for u in "ABCDE" if u != dropped]
        refit = synthetic_control(frame, outcome="y", unit="unit", time="year", unit_treated="T",
                                  treatment_period=2010, predictors=predictors, donors=pool, placebo=False,
                                  leave_one_out=False)
        assert att == pytest.approx(refit.att, abs=1e-10) and rmspe == pytest.approx(refit.pre_rmspe, abs=1e-8)
        assert rmspe > 0.1                      # without one of the two true donors the fit is no longer exact
