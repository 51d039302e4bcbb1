"""Fit the models of an ``kind = "event_study"`` spec with the design engines (one column per model).

The registry :data:`EVENT_ESTIMATORS` is the one place that says which estimators a spec may name and what each can
do (control groups, covariates, robust Rambachan-Roth sets); the schema (:mod:`griparm_econ.spec_event_study`) reads
it to refuse what an estimator cannot do before any data are read, and this module reads it to fit.

Cohorts come from a ``cohort`` column (first treated period; 0 or missing = never treated) or from a 0/1
``treatment`` column (each unit's first period at 1). How ``window`` is used differs by estimator and is said in the
table notes: ``twfe`` and ``did2s`` bin event times beyond the window into its end points; ``sun_abraham`` and
``callaway_santanna`` estimate every relative period their cells identify and the table and figure show those
inside the window.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Callable

import numpy as np
import pandas as pd

from griparm_econ.errors import GriparmError, SpecError
from griparm_econ.estimation.designs.panel_inputs import (NEVER_TREATED, cohort_counts, cohort_from_treatment,
                                                               in_sample_cohorts)
from griparm_econ.estimation.designs.results import DesignResult, wald_pretrend

COHORT = "_es_cohort"        # derived columns of the working frame
TREATED = "_es_treated"
EVENT_TIME = "_es_event_time"


@dataclass(frozen=True)
class EventEstimator:
    """What one estimator of an event-study spec can do; ``fit`` maps (frame, model, unit, time, level) -> result."""

    name: str
    label: str                          # column header of the table, legend entry of the figure
    control_groups: tuple[str, ...]     # the first is the default
    window_use: str                     # how the window enters (said in the notes)
    honest_did: bool                    # the engine returns the event-time covariance the robust sets need
    reference_free: bool = False        # the estimator has no reference period to choose
    fit: Callable | None = None


def _fit_twfe(frame, model, unit, time, level):
    from griparm_econ.estimation.designs.twfe_event import twfe_event_study

    return twfe_event_study(frame, outcome=model.outcome, unit=unit, time=time, cohort=COHORT,
                            window=tuple(model.window), reference=(model.reference,),
                            covariates=tuple(model.controls), cluster=unit, level=level)


def _fit_sun_abraham(frame, model, unit, time, level):
    from griparm_econ.estimation.designs.sun_abraham import sun_abraham

    return sun_abraham(frame, outcome=model.outcome, unit=unit, time=time, cohort=COHORT,
                       covariates=tuple(model.controls), cluster=unit, reference=(model.reference,), level=level)


def _fit_callaway_santanna(frame, model, unit, time, level):
    from griparm_econ.estimation.designs.callaway_santanna import callaway_santanna

    return callaway_santanna(frame, outcome=model.outcome, unit=unit, time=time, cohort=COHORT,
                             covariates=tuple(model.controls), control_group=model.control_group, level=level)


def _fit_did2s(frame, model, unit, time, level):
    from griparm_econ.estimation.designs.did2s import did2s

    lo, hi = model.window
    # Units treated in every row they have: their stage-1 unit effect is not identified from untreated rows, so
    # they leave the sample (R did2s's fixest stage drops their rows the same way, as unpredictable).
    always = frame.groupby(unit)[TREATED].transform("min") == 1
    work = frame.loc[~always].reset_index(drop=True)
    k = pd.to_numeric(work[time]) - work[COHORT]
    work[EVENT_TIME] = k.where(work[COHORT] != NEVER_TREATED).clip(lower=lo, upper=hi)
    result = did2s(work, outcome=model.outcome, treatment=TREATED, effects=(unit, time), cluster=unit,
                   event_time=EVENT_TIME, reference=(model.reference,), covariates=tuple(model.controls), level=level)
    dropped = sorted(frame.loc[always, unit].unique())
    if not dropped:
        return result
    return replace(result, stats=dict(result.stats) | {"n_always_treated_units_dropped": float(len(dropped))},
                   notes=result.notes + (f"Left out, treated in every observed period: {', '.join(map(str, dropped))}.",))


EVENT_ESTIMATORS: dict[str, EventEstimator] = {
    "twfe": EventEstimator("twfe", "Dynamic TWFE", ("not_yet_treated",), "event times beyond the window binned "
                           "into its end points", True, fit=_fit_twfe),
    "sun_abraham": EventEstimator("sun_abraham", "Sun-Abraham", ("never_treated",), "every relative period "
                                  "estimated, those inside the window shown", True, fit=_fit_sun_abraham),
    "callaway_santanna": EventEstimator("callaway_santanna", "Callaway-Sant'Anna", ("never_treated",
                                        "not_yet_treated"), "every relative period estimated (short differences "
                                        "before adoption, R did's varying base period), those inside the window "
                                        "shown", False, reference_free=True, fit=_fit_callaway_santanna),
    "did2s": EventEstimator("did2s", "did2s (Gardner)", ("not_yet_treated",), "event times beyond the window "
                            "binned into its end points", True, fit=_fit_did2s),
}
# Named in issue 12 but not served: refused at validation with this reason.
UNAVAILABLE_ESTIMATORS = {
    "did_multiplegt": "de Chaisemartin and D'Haultfoeuille's estimator has no engine here: its Python port "
                      "py-did-multiplegt-dyn 0.1.9 breaks with polars 2 and, run with polars 1.44, matches R did's "
                      "not-yet-treated event study on mpdta in its estimates (the two estimators coincide for an "
                      "absorbing treatment) but not in its standard errors (up to 2.3% apart, a different variance "
                      "estimator); no published reference numbers of did_multiplegt_dyn exist for a dataset the "
                      "package holds, so neither its standard errors nor the switching-off case it is for can be "
                      "validated, and the package reports only estimators that match a reference",
}
CONTROL_GROUPS = ("never_treated", "not_yet_treated")


def switching_units(frame: pd.DataFrame, unit: str, time: str, treatment: str) -> list:
    """Units whose 0/1 treatment goes from 1 back to 0 (an on/off treatment)."""
    d = pd.to_numeric(frame[treatment], errors="coerce")
    ordered = pd.DataFrame({"u": frame[unit].to_numpy(), "t": frame[time].to_numpy(), "d": d.to_numpy()})
    ordered = ordered.dropna().sort_values(["u", "t"], kind="stable")
    drops = ordered.groupby("u")["d"].apply(lambda s: bool((np.diff(s.to_numpy()) < 0).any()))
    return sorted(drops.index[drops])


def working_frame(frame: pd.DataFrame, model, unit: str, time: str, *, where, field: str) -> pd.DataFrame:
    """The columns one model reads plus its cohort and treated-row indicator."""
    timing = model.cohort or model.treatment
    columns = list(dict.fromkeys([unit, time, model.outcome, timing, *model.controls]))
    work = frame[columns].copy()
    if model.treatment is not None:
        values = pd.to_numeric(work[model.treatment], errors="coerce")
        bad = values.dropna()[~values.dropna().isin((0, 1))]
        if len(bad):
            raise SpecError(f"the treatment '{model.treatment}' is not 0/1 (value {bad.iloc[0]!r}).", where=where,
                            field=f"{field}.treatment", fix="name a 0/1 column, or give first treated periods "
                            "with cohort = \"...\".")
        switching = switching_units(work, unit, time, model.treatment)
        if switching and model.on_off != "first_adoption":
            raise SpecError(f"the treatment '{model.treatment}' switches off in {len(switching)} unit(s) (e.g. "
                            f"{switching[0]}); {model.estimator} needs a treatment that stays on once adopted, and "
                            "did_multiplegt, which allows switching off, is not available.", where=where,
                            field=f"{field}.treatment", fix="set on_off = \"first_adoption\" to treat each unit as "
                            "treated from its first period at 1 on (say so in the notes), or drop those units.")
        # from the whole treatment history: a first adoption in a year without outcome data still dates the cohort
        work[COHORT] = cohort_from_treatment(work, unit, time, model.treatment).to_numpy()
    else:
        work[COHORT] = pd.to_numeric(work[model.cohort], errors="coerce").fillna(NEVER_TREATED).to_numpy()
    work = work.dropna(subset=[model.outcome, *model.controls]).reset_index(drop=True)
    if work.empty:
        raise SpecError(f"no observation has '{model.outcome}' (and the controls) in the sample.", where=where,
                        field=f"{field}.outcome", fix="check the outcome's years against the sample.")
    # cohorts after the last period with outcome data are not treated in the estimation sample
    work[COHORT] = in_sample_cohorts(work, time=time, cohort=COHORT)
    periods = pd.to_numeric(work[time])
    work[TREATED] = ((work[COHORT] != NEVER_TREATED) & (periods >= work[COHORT])).astype(float)
    return work


def window_pretrend(result: DesignResult, model) -> DesignResult:
    """The pre-trend test over the pre-periods inside the window (lo <= k < reference), from the engine's event-time
    covariance, so that every column tests the same periods; the engine's own test over every pre-period stays in
    ``stats``. Callaway-Sant'Anna keeps R did's pre-test (no event-time covariance)."""
    if not result.event_time_cov:
        return result
    lo, _ = model.window
    index = [i for i, e in enumerate(result.event_time) if lo <= e.k < model.reference]
    if not index:
        return result
    cov = np.asarray(result.event_time_cov, dtype=float)[np.ix_(index, index)]
    beta = [result.event_time[i].estimate for i in index]
    own = result.pretrend
    test = wald_pretrend(beta, cov, df_denominator=own.df_denominator if own is not None else None)
    extra = {"pretrend_all_statistic": own.statistic, "pretrend_all_df": float(own.df),
             "pretrend_all_pvalue": own.pvalue} if own is not None else {}
    return replace(result, pretrend=test, stats=dict(result.stats) | extra)


def fit_event_model(frame: pd.DataFrame, model, unit: str, time: str, *, level: float, where,
                    field: str) -> DesignResult:
    """One column: the model's engine on its working frame; an engine's complaint becomes one spec message."""
    work = working_frame(frame, model, unit, time, where=where, field=field)
    if not (work[COHORT] != NEVER_TREATED).any():
        raise SpecError("no unit is treated within the sample.", where=where, field=f"{field}.cohort",
                        fix="check the cohort or treatment column and the sample's years.")
    try:
        result = EVENT_ESTIMATORS[model.estimator].fit(work, model, unit, time, level)
        if not result.cohorts:      # did2s reads only the treated rows; the table reports cohorts for every column
            used = work if "n_always_treated_units_dropped" not in result.stats else \
                work[work.groupby(unit)[TREATED].transform("min") < 1]
            result = replace(result, cohorts=cohort_counts(used, unit, COHORT, estimator=model.estimator))
        return window_pretrend(result, model)
    except SpecError:
        raise
    except GriparmError as err:
        own = {COHORT: model.cohort or model.treatment, TREATED: model.cohort or model.treatment,
               EVENT_TIME: "window"}
        column = own.get(err.field, err.field)
        problem = err.problem
        for internal, name in own.items():
            problem = problem.replace(repr(internal), repr(name))
        raise SpecError(problem, where=where, field=f"{field}" + (f" ({column})" if column else ""),
                        fix=err.fix) from None
