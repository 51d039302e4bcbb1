"""The first-adoption risk set of discrete-time hazard models (griparm_econ.estimation.hazard), and a hazard model
fitted through a spec on a synthetic panel whose true hazard is known."""

from __future__ import annotations

import numpy as np
import pandas as pd

from griparm_econ.estimation.hazard import first_adoption
from reference_helpers import model_by_name, run_and_read, spec_text

NAN = np.nan


def _rule(status: list[float], years: list[int] | None = None) -> tuple[list[bool], list[float]]:
    years = years or list(range(2000, 2000 + len(status)))
    at_risk, event = first_adoption(np.array(status, dtype=float), np.zeros(len(status)), np.array(years))
    return at_risk.tolist(), [None if np.isnan(e) else e for e in event]


def test_adopter_leaves_the_risk_set_after_its_first_adoption():
    # in force 2002-2003, lifted in 2004, re-imposed 2005: only 2000-2002 are at risk, 2002 is the event
    at_risk, event = _rule([0, 0, 1, 1, 0, 1])
    assert at_risk == [True, True, True, False, False, False]
    assert event[:3] == [0, 0, 1]


def test_never_adopter_is_at_risk_throughout_and_counts_are_a_status():
    assert _rule([0, 0, 0]) == ([True, True, True], [0, 0, 0])
    assert _rule([0, 3, 2])[1][:2] == [0, 1]   # a count of measures in force: first positive year is the event


def test_left_censored_entity_never_enters():
    # positive in its first observed year: adoption year unknown, no event, no at-risk years
    assert _rule([1, 1, 1])[0] == [False, False, False]
    assert _rule([NAN, 1, 1])[0] == [False, False, False]


def test_gap_before_adoption_censors_instead_of_dating_the_event():
    # 2002 missing, positive in 2003: adopted in 2002 or 2003, unknown; years before the gap stay at risk
    at_risk, event = _rule([0, 0, NAN, 1, 1])
    assert at_risk == [True, True, False, False, False]
    # a gap in the time index (no 2002 row at all) is the same: the previous row is not the previous year
    at_risk, _ = _rule([0, 0, 1], years=[2000, 2001, 2003])
    assert at_risk == [True, True, False]


def test_rows_are_matched_by_entity_and_time_not_by_order():
    status = np.array([1, 0, 0, 0, 1, 0], dtype=float)
    entity = np.array(["b", "a", "b", "a", "a", "b"])
    years = np.array([2002, 2000, 2001, 2001, 2002, 2000])
    at_risk, event = first_adoption(status, entity, years)
    assert at_risk.tolist() == [True, True, True, True, True, True]
    assert event.tolist() == [1, 0, 0, 0, 1, 0]


def test_cloglog_hazard_recovers_the_true_parameters(tmp_path):
    # grouped-time proportional hazard: P(adopt at t | at risk) = 1 - exp(-exp(-2.5 + 0.8 x_it))
    rng = np.random.default_rng(3)
    rows = []
    for unit in range(1500):
        adopted = False
        for year in range(1990, 2010):
            x = rng.normal()
            if not adopted and rng.uniform() < 1 - np.exp(-np.exp(-2.5 + 0.8 * x)):
                adopted = True
            # the adoption year is 1; afterwards the status may lapse (0) or stay (1): either way out of the risk set
            newly = adopted and not any(r[0] == unit and r[4] for r in rows[-1:])
            status = 1.0 if newly else float(adopted and rng.uniform() < 0.7)
            rows.append((unit, year, x, status, adopted))
    frame = pd.DataFrame(rows, columns=["unit", "year", "x", "status", "adopted"])
    path = tmp_path / "hazard.csv"
    frame.drop(columns=["adopted"]).to_csv(path, index=False)
    models = [{"name": estimator, "formula": "status ~ 1 + x", "estimator": estimator, "cov": "cluster:entity",
               "risk_set": "first_adoption"} for estimator in ("cloglog", "logit")]
    estimates = run_and_read(tmp_path, {"hazard": spec_text("Hazard", {"path": str(path), "entity": "unit",
                                                                         "time": "year"}, models)})["hazard"]
    model = model_by_name(estimates, "cloglog")
    first = frame[frame["adopted"]].groupby("unit")["year"].min()
    at_risk = frame.merge(first.rename("first"), left_on="unit", right_index=True, how="left")
    # units adopting in the first year (1990) are left-censored: never at risk
    at_risk = at_risk[(at_risk["first"].isna() | (at_risk["year"] <= at_risk["first"])) & (at_risk["first"] != 1990)]
    assert model["nobs"] == len(at_risk)
    assert model["stats"]["events_count"] == (first > 1990).sum()
    for term, truth in (("Intercept", -2.5), ("x", 0.8)):
        assert abs(model["params"][term] - truth) < 3 * model["std_errors"][term], term
    assert model_by_name(estimates, "logit")["nobs"] == len(at_risk)


def test_risk_set_false_switches_off_the_default():
    from pathlib import Path

    from griparm_econ.spec import parse_spec_text

    text = ('title = "T"\n[data]\npath = "p.csv"\nentity = "u"\ntime = "t"\n[defaults]\ncov = "cluster:entity"\n'
            'risk_set = "first_adoption"\n[[model]]\nname = "hazard"\nformula = "s ~ 1 + x"\nestimator = "cloglog"\n'
            '[[model]]\nname = "plain"\nformula = "s ~ 1 + x"\nestimator = "logit"\nrisk_set = false\n')
    hazard, plain = parse_spec_text(text, Path("t.toml")).models
    assert hazard.risk_set == "first_adoption" and plain.risk_set is None
