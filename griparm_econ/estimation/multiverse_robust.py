"""The heterogeneity-robust cells of a multiverse: one static ATT per model from the design engines.

A robust family (``callaway_santanna``, ``sun_abraham``, ``did2s``; ``multiverse_axes.MULTIVERSE_ESTIMATORS``) is
defined only where the treatment is a binary, staggered, absorbing adoption: no moderator, no controls, entity and
time effects, errors clustered by entity (``multiverse_axes.robust_cell_reason``), and in the data the model's lagged
treatment is 0/1, never switches off within an economy, and has both adopters and never-adopters in the sample.
Every other cell is returned as not applicable with its reason, never silently dropped.

The treatment term ``L<k>.d`` is the lagged indicator itself; the adoption cohort is the first period it equals 1 in
the model's sample. Economies already treated in their first observed period of the model's rows have no untreated
period and are left out of every robust cell (as fixest's sunab and R did do for units treated throughout), so the
three families use the same economies.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
import pandas as pd
from scipy import stats

from griparm_econ.errors import GriparmError
from griparm_econ.spec.multiverse_axes import robust_cell_reason

_COHORT = "__cohort__"


@dataclass(frozen=True)
class RobustFit:
    estimate: float
    std_error: float
    pvalue: float
    ci_low: float
    ci_high: float
    nobs: int
    n_clusters: int


def _fit_callaway(data: pd.DataFrame, outcome: str, treatment: str, entity: str, time: str, level: float):
    from griparm_econ.estimation.designs.callaway_santanna import callaway_santanna

    result = callaway_santanna(data, outcome=outcome, unit=entity, time=time, cohort=_COHORT, level=level)
    att = result.att
    return att, 2 * stats.norm.sf(abs(att.tstat)), result.nobs, result.n_units


def _fit_sun_abraham(data: pd.DataFrame, outcome: str, treatment: str, entity: str, time: str, level: float):
    from griparm_econ.estimation.designs.sun_abraham import sun_abraham

    result = sun_abraham(data, outcome=outcome, unit=entity, time=time, cohort=_COHORT, level=level)
    clusters = int(result.stats["n_clusters"])
    return result.att, 2 * stats.t.sf(abs(result.att.tstat), clusters - 1), result.nobs, clusters


def _fit_did2s(data: pd.DataFrame, outcome: str, treatment: str, entity: str, time: str, level: float):
    from griparm_econ.estimation.designs.did2s import did2s

    result = did2s(data, outcome=outcome, treatment=treatment, effects=(entity, time), cluster=entity, level=level)
    return result.att, 2 * stats.t.sf(abs(result.att.tstat), result.nobs - 1), result.nobs, result.n_units


ENGINES: dict[str, Callable] = {"callaway_santanna": _fit_callaway, "sun_abraham": _fit_sun_abraham,
                                "did2s": _fit_did2s}


def adoption_problem(frame: pd.DataFrame, treatment: str, entity: str, time: str) -> str | None:
    """Why ``treatment`` (over the rows of ``frame``, which hold no missing value) is not a binary staggered
    absorbing adoption (None when it is)."""
    values = frame[treatment].to_numpy(dtype=float)
    if not np.isin(values, (0.0, 1.0)).all():
        return f"{treatment} is not a 0/1 indicator"
    ordered = frame.sort_values([entity, time], kind="mergesort")
    steps = ordered.groupby(entity)[treatment].diff()
    switching_off = ordered.loc[steps < 0, entity].nunique()
    if switching_off:
        return f"{treatment} switches off in {switching_off} economies (not absorbing)"
    ever = ordered.groupby(entity)[treatment].max()
    if not (ever == 1).any() or not (ever == 0).any():
        return f"{treatment} needs adopters and never-adopters in the sample"
    return None


def robust_data(frame: pd.DataFrame, outcome: str, treatment: str, entity: str, time: str,
                sample: np.ndarray) -> tuple[pd.DataFrame | None, str | None]:
    """The model's rows with the adoption cohort, or the reason the cell does not apply. Adoption is judged on every
    row of the sample where the treatment is known (a switch-off in years the outcome misses still counts); the
    cohort is the first period the treatment is 1; economies with no untreated row left have no counterfactual."""
    known = frame.loc[sample, [entity, time, treatment]].dropna()
    problem = adoption_problem(known, treatment, entity, time)
    if problem:
        return None, problem
    cohort = known[time].where(known[treatment] == 1).groupby(known[entity]).min()
    rows = frame.loc[sample, [entity, time, outcome, treatment]].dropna().reset_index(drop=True)
    rows[_COHORT] = rows[entity].map(cohort).fillna(0).to_numpy()
    first_seen = rows.groupby(entity)[time].transform("min")
    always = (rows[_COHORT] > 0) & (rows[_COHORT] <= first_seen)
    rows = rows.loc[~always].reset_index(drop=True)
    if not (rows[_COHORT] > 0).any() or not (rows[_COHORT] == 0).any():
        return None, f"no adopter of {treatment} with an untreated year, or no never-adopter, among the outcome's rows"
    return rows, None


def fit_robust_model(estimator: str, frame: pd.DataFrame, *, outcome: str, treatment: str, entity: str, time: str,
                     sample: np.ndarray, level: float) -> tuple[RobustFit | None, str | None]:
    """One static ATT, or the reason the engine could not give it."""
    rows, problem = robust_data(frame, outcome, treatment, entity, time, sample)
    if problem:
        return None, problem
    try:
        att, pvalue, nobs, clusters = ENGINES[estimator](rows, outcome, treatment, entity, time, level)
    except GriparmError as err:
        return None, err.problem
    return RobustFit(att.estimate, att.std_error, float(pvalue), att.ci_low, att.ci_high, int(nobs), int(clusters)), None


def cell_reason(model) -> str | None:
    """The spec-level reason a grid model's robust family does not apply (None for twfe or an applicable cell)."""
    return robust_cell_reason(model.estimator, model.moderator, model.n_controls, model.effects, model.cov)


def robust_rows(grid, frame: pd.DataFrame, sample_columns: dict[str, str], entity: str, time: str, level: float,
                outcome_sd: dict[str, float]) -> tuple[list[dict], list[tuple[str, str, str]]]:
    """Estimate rows (one focus row per fitted model, the columns of the within engine's rows) for every robust
    model of ``grid``, and (model id, estimator, reason) for every robust model that does not apply."""
    rows: list[dict] = []
    skipped: list[tuple[str, str, str]] = []
    samples = {name: frame[column].to_numpy(dtype=bool) for name, column in sample_columns.items()}
    for model in grid:
        if model.estimator not in ENGINES:
            continue
        reason = cell_reason(model)
        fit = None
        if reason is None:
            fit, reason = fit_robust_model(model.estimator, frame, outcome=model.outcome, treatment=model.focus,
                                           entity=entity, time=time, sample=samples[model.sample], level=level)
        if fit is None:
            skipped.append((model.model_id, model.estimator, reason))
            continue
        rows.append({"model_id": model.model_id, **model.choices(), "n_controls": model.n_controls,
                     "term": model.focus, "is_focus": True, "estimate": fit.estimate, "std_error": fit.std_error,
                     "pvalue": fit.pvalue, "ci_low": fit.ci_low, "ci_high": fit.ci_high, "nobs": fit.nobs,
                     "n_clusters": fit.n_clusters, "outcome_sd": outcome_sd[model.outcome]})
    return rows, skipped
