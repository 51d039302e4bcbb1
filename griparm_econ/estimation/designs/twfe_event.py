"""Dynamic two-way fixed-effects event study: event-time dummies with binned ends, reference period -1.

``event_time`` from a cohort column: k = period - cohort for treated units, binned at the window ends (every k below
``window[0]`` joins ``window[0]``, every k above ``window[1]`` joins ``window[1]``); never-treated units and the
reference period(s) get no dummy. The regression runs on the package's exact within engine (``estimation.within``)
with its fixest-convention clustered covariance; the static ATT is the TWFE coefficient on 1[period >= cohort].
Under staggered adoption with heterogeneous effects these coefficients mix cohorts with non-convex weights (Sun and
Abraham 2021); the engine is here as the benchmark the robust estimators are read against.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from griparm_econ.errors import GriparmError
from griparm_econ.estimation.designs.panel_inputs import (NEVER_TREATED, cohort_counts, in_sample_cohorts, numeric,
                                                               require_columns)
from griparm_econ.estimation.designs.results import DesignResult, Estimate, EventTimeEstimate, wald_pretrend
from griparm_econ.estimation.within import fit_one
from griparm_econ.estimation.within_model import WithinModel
from griparm_econ.spec.vocabulary import cov_label

ESTIMATOR = "twfe"


def binned_event_time(frame: pd.DataFrame, *, time: str, cohort: str, window: tuple[int, int] | None) -> pd.Series:
    """k = time - cohort for treated units (NaN for never treated), the ends binned into ``window``."""
    g = in_sample_cohorts(frame, time=time, cohort=cohort)
    k = (pd.to_numeric(frame[time]) - g).where(g != NEVER_TREATED)
    if window is not None:
        lo, hi = window
        if lo >= -1 or hi < 0:
            raise GriparmError(f"{ESTIMATOR}: window = [{lo}, {hi}].", field="window",
                               fix="give window = [lo, hi] with lo < -1 <= 0 <= hi.")
        k = k.clip(lower=lo, upper=hi)
    return k


def event_study_dummies(frame: pd.DataFrame, *, outcome: str, unit: str, time: str, event_time: str,
                        reference: tuple[float, ...] = (-1,), covariates: tuple[str, ...] = (),
                        cluster: str | None = None, level: float = 0.95):
    """TWFE regression of ``outcome`` on a dummy per value of ``event_time`` (missing and reference: none).

    Returns (event-time estimates, pre-trend test, the within fit)."""
    cluster = cluster or unit
    require_columns(frame, [outcome, unit, time, event_time, cluster, *covariates], estimator=ESTIMATOR)
    data = frame.dropna(subset=[outcome, unit, time, cluster, *covariates]).reset_index(drop=True)
    k = numeric(data, event_time, estimator=ESTIMATOR)
    levels = [v for v in np.unique(k[np.isfinite(k)]) if v not in reference]
    if not levels:
        raise GriparmError(f"{ESTIMATOR}: no event time outside the reference.", field=event_time,
                           fix="check the cohort column and the window.")
    names = [f"_es_k_{i}" for i in range(len(levels))]
    dummies = pd.DataFrame(np.column_stack([(k == v).astype(float) for v in levels]), columns=names)
    work = pd.concat([data, dummies], axis=1)
    work["_es_cluster"] = pd.factorize(work[cluster])[0]
    model = WithinModel(name=ESTIMATOR, dependent=outcome, regressors=(*covariates, *names),
                        effects=("entity", "time"), cov="cluster:_es_cluster")
    fit = fit_one(work, model, entity=unit, time=time)
    position = {n: i for i, n in enumerate(fit.names)}
    crit = float(stats.t.ppf(0.5 + level / 2, fit.df_t))
    events, pre = [], []
    for name, v in zip(names, levels):
        if name in position:
            i = position[name]
            events.append(EventTimeEstimate.from_se(int(v), fit.params[i], fit.std_errors[i], crit))
            if v < min(reference):
                pre.append(i)
    pretrend = wald_pretrend(fit.params[pre], fit.cov_matrix[np.ix_(pre, pre)], df_denominator=fit.df_t) if pre \
        else None
    return tuple(events), pretrend, fit


def twfe_event_study(frame: pd.DataFrame, *, outcome: str, unit: str, time: str, cohort: str,
                     window: tuple[int, int] | None = None, reference: tuple[int, ...] = (-1,),
                     covariates: tuple[str, ...] = (), cluster: str | None = None,
                     level: float = 0.95) -> DesignResult:
    """Dynamic TWFE from a cohort column (0 or missing = never treated), ends binned into ``window``."""
    cluster = cluster or unit
    require_columns(frame, [outcome, unit, time, cohort, cluster, *covariates], estimator=ESTIMATOR)
    data = frame[list(dict.fromkeys([outcome, unit, time, cohort, cluster, *covariates]))].copy()
    data[cohort] = in_sample_cohorts(data, time=time, cohort=cohort)
    data["_es_k"] = binned_event_time(data, time=time, cohort=cohort, window=window)
    events, pretrend, fit = event_study_dummies(data, outcome=outcome, unit=unit, time=time, event_time="_es_k",
                                                reference=reference, covariates=covariates, cluster=cluster,
                                                level=level)
    # The event-time covariance (for Rambachan-Roth sets): the dummies are named _es_k_<i> in the order of the
    # sorted non-reference event times, as event_study_dummies makes them.
    k = pd.to_numeric(data["_es_k"], errors="coerce").to_numpy(dtype=float)
    levels = [v for v in np.unique(k[np.isfinite(k)]) if v not in reference]
    position = {n: i for i, n in enumerate(fit.names)}
    kept = [position[f"_es_k_{levels.index(float(e.k))}"] for e in events]
    events_cov = tuple(tuple(float(v) for v in row) for row in fit.cov_matrix[np.ix_(kept, kept)])
    g = data[cohort]
    data["_es_post"] = ((g != NEVER_TREATED) & (pd.to_numeric(data[time]) >= g)).astype(float)
    data["_es_cluster"] = pd.factorize(data[cluster])[0]
    static = fit_one(data, WithinModel(name=ESTIMATOR, dependent=outcome, regressors=(*covariates, "_es_post"),
                                       effects=("entity", "time"), cov="cluster:_es_cluster"), entity=unit, time=time)
    i = list(static.names).index("_es_post")
    crit = float(stats.t.ppf(0.5 + level / 2, static.df_t))
    counts = cohort_counts(data, unit, cohort, estimator=ESTIMATOR)
    return DesignResult(
        estimator=ESTIMATOR, outcome=outcome, att=Estimate.from_se(static.params[i], static.std_errors[i], crit),
        event_time=events, pretrend=pretrend, nobs=fit.nobs, n_units=int(data[unit].nunique()),
        n_treated_units=int(sum(counts.values())), cohorts=counts,
        cov_label=cov_label("cluster:entity", str(cluster), "time"),
        stats={"n_clusters": float(fit.n_clusters or 0), "rsquared_within": fit.rsquared_within or float("nan")},
        event_time_cov=events_cov,
        notes=(f"Event-time window {list(window) if window else 'unbinned'}; reference "
               + ", ".join(map(str, reference)) + "; never-treated units carry no event-time dummy.",))
