"""Callaway and Sant'Anna (2021) group-time ATTs and their aggregations, through the ``csdid`` package.

csdid (a Python port of R ``did`` by its authors) is used as it stands: with analytical standard errors
(``bstrap=False``) it reproduces R did 2.5.1's group-time ATTs, the simple / group / dynamic / calendar
aggregations and the parallel-trends Wald pre-test on mpdta to about 1e-16 (tests/test_designs_callaway_santanna.py).
``differences`` 0.3 was not needed once csdid matched. This module only checks inputs, silences csdid's printed
summaries, and turns its dictionaries into the design result types.
"""

from __future__ import annotations

import contextlib
import io
import warnings

import numpy as np
import pandas as pd
from scipy import stats

from griparm_econ.errors import GriparmError
from griparm_econ.estimation.designs.panel_inputs import NEVER_TREATED, cohort_counts, normal_critical, require_columns
from griparm_econ.estimation.designs.results import DesignResult, Estimate, EventTimeEstimate, PretrendTest

ESTIMATOR = "callaway_santanna"
CONTROL_GROUPS = {"never_treated": "nevertreated", "not_yet_treated": "notyettreated"}
METHODS = {"dr": "doubly robust", "ipw": "inverse probability weighting", "reg": "outcome regression"}
AGGREGATIONS = ("simple", "group", "dynamic", "calendar")


def _quiet(call):
    """csdid prints its summaries; the engine returns numbers only."""
    with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return call()


def callaway_santanna(frame: pd.DataFrame, *, outcome: str, unit: str, time: str, cohort: str,
                      covariates: tuple[str, ...] = (), control_group: str = "never_treated", method: str = "dr",
                      base_period: str = "varying", anticipation: int = 0, level: float = 0.95) -> DesignResult:
    """Group-time ATTs on a balanced panel.

    ``cohort``: each unit's first treated period, 0 or missing for never treated. ``method``: ``dr`` (doubly robust,
    default), ``ipw`` or ``reg``. The overall ``att`` is the simple aggregation (R ``aggte(type = "simple")``);
    ``event_time`` the dynamic one; ``aggregations`` holds every aggregation's overall effect plus the per-group,
    per-period and group-time estimates. Intervals are pointwise normal, as R did's analytical output.
    """
    if control_group not in CONTROL_GROUPS:
        raise GriparmError(f"{ESTIMATOR}: control_group = {control_group!r}.", field="control_group",
                           fix=f"use one of {', '.join(CONTROL_GROUPS)}.")
    if method not in METHODS:
        raise GriparmError(f"{ESTIMATOR}: method = {method!r}.", field="method", fix=f"use one of {', '.join(METHODS)}.")
    require_columns(frame, [outcome, unit, time, cohort, *covariates], estimator=ESTIMATOR)
    from csdid.att_gt import ATTgt     # imported here: only this engine needs it

    data = frame[list(dict.fromkeys([outcome, unit, time, cohort, *covariates]))].copy()
    data[cohort] = pd.to_numeric(data[cohort], errors="coerce").fillna(NEVER_TREATED)
    data = data.dropna().reset_index(drop=True)
    # R did (and csdid) keep only units observed in every period (a balanced panel); done here so that N, the
    # units and the cohorts reported are those of the sample actually used.
    periods_per_unit = data.groupby(unit)[time].transform("nunique")
    complete = periods_per_unit == data[time].nunique()
    n_unbalanced = int(data.loc[~complete, unit].nunique())
    data = data.loc[complete].reset_index(drop=True)
    if data.empty:
        raise GriparmError(f"{ESTIMATOR}: no unit is observed in every period, so the balanced panel is empty.",
                           field=outcome, fix="shorten the sample's years to those most units report.")
    if not pd.api.types.is_numeric_dtype(data[unit]):     # csdid needs numeric ids (ISO3 codes are strings)
        data[unit] = pd.factorize(data[unit], sort=True)[0] + 1
    xformla = f"{outcome} ~ {' + '.join(covariates)}" if covariates else None
    try:
        fit = _quiet(lambda: ATTgt(yname=outcome, tname=time, idname=unit, gname=cohort, data=data,
                                   control_group=CONTROL_GROUPS[control_group], xformla=xformla,
                                   anticipation=anticipation).fit(est_method=method, base_period=base_period,
                                                                  bstrap=False))
    except (ValueError, KeyError, np.linalg.LinAlgError) as exc:
        raise GriparmError(f"{ESTIMATOR}: csdid could not estimate the group-time effects ({exc}).", field=cohort,
                           fix="check that the panel is balanced and every cohort has comparison units.") from None
    crit = normal_critical(level)
    res = fit.results
    groups, periods = np.asarray(res["group"], float), np.asarray(res["year"], float)
    att_gt, se_gt = np.asarray(res["att"], float), np.asarray(res["se"], float)
    blocks: dict[str, dict[str, Estimate]] = {
        "group_time": {f"{int(g)},{int(t)}": Estimate.from_se(a, s, crit)
                       for g, t, a, s in zip(groups, periods, att_gt, se_gt)}}
    overall: dict[str, Estimate] = {}
    events: tuple[EventTimeEstimate, ...] = ()
    for kind in AGGREGATIONS:
        agg = _quiet(lambda: fit.aggte(typec=kind, bstrap=False)).atte
        overall[kind] = Estimate.from_se(agg["overall_att"], agg["overall_se"], crit)
        if kind == "simple":
            continue
        labels, effects, ses = agg["egt"], agg["att_egt"], agg["se_egt"]
        if kind == "dynamic":
            events = tuple(EventTimeEstimate.from_se(int(e), a, s, crit) for e, a, s in zip(labels, effects, ses))
        else:
            blocks[kind] = {str(int(e)): Estimate.from_se(a, s, crit) for e, a, s in zip(labels, effects, ses)}
    blocks["overall"] = overall
    pretrend = None
    if fit.MP.get("W") is not None:
        pre = (periods < groups - anticipation) & np.isfinite(se_gt) & (se_gt > 0)
        q = int(pre.sum())
        w = float(fit.MP["W"])
        pretrend = PretrendTest(w, q, float(stats.chi2.sf(w, q)), "chi2")
    counts = cohort_counts(data, unit, cohort, estimator=ESTIMATOR)
    return DesignResult(
        estimator=ESTIMATOR, outcome=outcome, att=overall["simple"], event_time=events, pretrend=pretrend,
        nobs=len(data), n_units=int(data[unit].nunique()), n_treated_units=int(sum(counts.values())), cohorts=counts,
        cov_label="Analytical (influence function), by unit", aggregations=blocks,
        stats={"n_units_left_out_unbalanced": float(n_unbalanced)},
        notes=(f"{METHODS[method].capitalize()}; control group: {control_group.replace('_', ' ')}; "
               f"base period: {base_period}; anticipation: {anticipation}.",)
        + ((f"Balanced panel: {n_unbalanced} units not observed in every period left out.",) if n_unbalanced else ()))
