"""Sun and Abraham (2021) interaction-weighted event study, as R fixest's ``sunab()``.

One two-way fixed-effects regression with a dummy for every (cohort, relative period) cell of the treated cohorts,
never-treated units as the control group, relative periods ``reference`` (default -1) left out (fixest's published
base_stagg output keeps the first relative period, -9, so it is not a reference by default; ``exclude_first_period``
adds it); then each relative period's effect is the average of its cells'
coefficients weighted by the cells' shares of observations, and the ATT the same average over every post-adoption
cell (fixest ``aggregate(agg = "ATT")``). Standard errors by the delta method from the cluster-robust covariance
with fixest's default small-sample factors; intervals and tests use t(G - 1).

The regression runs on the package's exact within engine (``estimation.within``). pyfixest's SaturatedEventStudy was
tried first: it drops the first relative period from the references and ignored the covariate of the fixest
example, so it does not reproduce fixest's published base_stagg output.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from griparm_econ.errors import GriparmError
from griparm_econ.estimation.designs.panel_inputs import cohort_counts, numeric, require_columns
from griparm_econ.estimation.designs.results import DesignResult, Estimate, EventTimeEstimate, wald_pretrend
from griparm_econ.estimation.within import fit_one
from griparm_econ.estimation.within_model import WithinModel
from griparm_econ.spec.vocabulary import cov_label

ESTIMATOR = "sun_abraham"


def _cells(cohort: np.ndarray, time: np.ndarray, treated_cohorts: np.ndarray, references: set[int]):
    """(cohort, k) of every dummy and each row's cell index (-1: no dummy)."""
    k = (time - cohort).astype(float)
    is_treated = np.isin(cohort, treated_cohorts)
    keys = sorted({(int(g), int(r)) for g, r in zip(cohort[is_treated], k[is_treated]) if int(r) not in references},
                  key=lambda c: (c[1], c[0]))
    index = {key: i for i, key in enumerate(keys)}
    row_cell = np.array([index.get((int(g), int(r)), -1) if t else -1
                         for g, r, t in zip(cohort, k, is_treated)])
    return keys, row_cell


def sun_abraham(frame: pd.DataFrame, *, outcome: str, unit: str, time: str, cohort: str,
                covariates: tuple[str, ...] = (), cluster: str | None = None, reference: tuple[int, ...] = (-1,),
                exclude_first_period: bool = False, level: float = 0.95) -> DesignResult:
    """Interaction-weighted event study.

    ``cohort``: each unit's first treated period; 0, missing, or a value outside the sample's periods means never
    treated (fixest codes them 10000). Units treated in or before the first period (always treated) are dropped, as
    fixest does. ``cluster`` defaults to ``unit``.
    """
    cluster = cluster or unit
    require_columns(frame, [outcome, unit, time, cohort, cluster, *covariates], estimator=ESTIMATOR)
    data = frame[list(dict.fromkeys([outcome, unit, time, cohort, cluster, *covariates]))].copy()
    data = data.dropna(subset=[outcome, unit, time, *covariates]).reset_index(drop=True)
    periods = numeric(data, time, estimator=ESTIMATOR)
    g = pd.to_numeric(data[cohort], errors="coerce").fillna(0).to_numpy(dtype=float)
    in_sample = np.isin(g, np.unique(periods))
    g = np.where(in_sample, g, 0.0)
    always = in_sample & (g <= periods.min())
    data, g, periods = data[~always].reset_index(drop=True), g[~always], periods[~always]
    treated_cohorts = np.unique(g[g != 0])
    if treated_cohorts.size == 0 or not (g == 0).any():
        raise GriparmError(f"{ESTIMATOR}: needs treated cohorts and never-treated units in the sample.",
                           field=cohort, fix="check the cohort column (0 or missing = never treated).")
    rel = periods - g
    references = set(reference)
    if exclude_first_period:
        references.add(int(rel[g != 0].min()))
    keys, row_cell = _cells(g, periods, treated_cohorts, references)
    names = [f"_sa_cell_{i}" for i in range(len(keys))]
    dummies = np.zeros((len(data), len(keys)))
    has = row_cell >= 0
    dummies[np.flatnonzero(has), row_cell[has]] = 1.0
    work = pd.concat([data, pd.DataFrame(dummies, columns=names)], axis=1)
    work["_sa_cluster"] = pd.factorize(work[cluster])[0]
    model = WithinModel(name=ESTIMATOR, dependent=outcome, regressors=(*covariates, *names),
                        effects=("entity", "time"), cov="cluster:_sa_cluster")
    fit = fit_one(work, model, entity=unit, time=time)
    position = {n: i for i, n in enumerate(fit.names)}
    kept = [i for i, n in enumerate(names) if n in position]
    cols = np.array([position[names[i]] for i in kept])
    beta, cov = fit.params[cols], fit.cov_matrix[np.ix_(cols, cols)]
    cell_n = dummies[:, kept].sum(axis=0)
    cell_k = np.array([keys[i][1] for i in kept])
    crit = float(stats.t.ppf(0.5 + level / 2, fit.df_t))

    def aggregate(select: np.ndarray) -> tuple[float, float, np.ndarray]:
        w = np.where(select, cell_n, 0.0)
        w = w / w.sum()
        return float(w @ beta), float(np.sqrt(w @ cov @ w)), w

    events, pre_w, event_w = [], [], []
    for k in np.unique(cell_k):
        b, se, w = aggregate(cell_k == k)
        events.append(EventTimeEstimate.from_se(int(k), b, se, crit))
        event_w.append(w)
        if k < min(reference):
            pre_w.append(w)
    att_b, att_se, _ = aggregate(cell_k >= 0)
    pretrend = None
    if pre_w:
        weights = np.array(pre_w)
        pretrend = wald_pretrend(weights @ beta, weights @ cov @ weights.T, df_denominator=fit.df_t)
    coef = {n: Estimate.from_se(fit.params[position[n]], fit.std_errors[position[n]], crit) for n in covariates
            if n in position}
    return DesignResult(
        estimator=ESTIMATOR, outcome=outcome, att=Estimate.from_se(att_b, att_se, crit), event_time=tuple(events),
        pretrend=pretrend, nobs=fit.nobs, n_units=int(data[unit].nunique()),
        n_treated_units=int(data.loc[g != 0, unit].nunique()),
        cohorts=cohort_counts(data.assign(_g=g), unit, "_g", estimator=ESTIMATOR),
        cov_label=cov_label("cluster:entity", str(cluster), "time"),
        aggregations={"covariates": coef} if coef else {},
        event_time_cov=tuple(tuple(float(v) for v in row) for row in np.array(event_w) @ cov @ np.array(event_w).T),
        stats={"n_clusters": float(fit.n_clusters or 0), "rsquared": fit.rsquared,
               "rsquared_within": fit.rsquared_within or float("nan"), "n_always_treated_rows": float(always.sum())},
        notes=("Never-treated units are the controls; reference periods: "
               + ", ".join(str(r) for r in sorted(references)) + ".",))
