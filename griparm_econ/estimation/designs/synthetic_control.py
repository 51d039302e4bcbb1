"""Synthetic control for one treated unit and one adoption period (Abadie, Diamond and Hainmueller 2010).

Input is a long frame (one row per unit and period) and column names; output a frozen ``SyntheticControlResult``
with the donor and predictor weights, the predictor balance, the treated and synthetic paths, the post-period gaps
and their mean (the ATT), placebo-in-space inference and leave-one-donor-out refits. The weights come from
``synthetic_weights`` (own nested optimiser; that module says why no library serves). Everything is deterministic:
no random draws, donors in sorted order.

Placebo p-value convention (Abadie, Diamond and Hainmueller 2010, section 3.3): every donor in turn is treated as if
it had adopted in ``treatment_period``, with the other donors (never the treated unit) as its pool and its own V
refitted. For each unit the ratio of post-period RMSPE (periods from ``treatment_period`` on) to fitting-period RMSPE
is computed; the p-value is the share of all units, the treated one included, whose ratio is at least the treated
unit's: (1 + #placebos with ratio >= treated ratio) / (1 + #placebos). The smallest attainable value is 1/(J+1).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from griparm_econ.errors import DataError
from griparm_econ.spec.design_vocabulary import PREDICTOR_OPS
from griparm_econ.estimation.designs.synthetic_weights import SEARCHES, WeightFit, fit_weights, scale_predictors


@dataclass(frozen=True)
class Predictor:
    """One row of the balance table: ``op`` of ``variable`` over the periods ``first``..``last`` (missing values
    skipped, as R Synth and Stata synth do, so sparse series such as five-yearly schooling can be averaged)."""

    variable: str
    first: int
    last: int
    op: str = "mean"

    @property
    def label(self) -> str:
        years = f"{self.first}" if self.first == self.last else f"{self.first}-{self.last}"
        return f"{self.variable} ({self.op} {years})" if self.op != "mean" else f"{self.variable} ({years})"

    @classmethod
    def from_mapping(cls, raw: Mapping) -> "Predictor":
        years = raw.get("years")
        if "variable" not in raw or not isinstance(years, (list, tuple)) or len(years) != 2:
            raise DataError(f"predictor {dict(raw)!r} is not of the form {{variable, years = [first, last]}}",
                            field="predictors", fix='write e.g. { variable = "gdp", years = [1980, 1989] }')
        op = raw.get("op", "mean")
        if op not in PREDICTOR_OPS:
            raise DataError(f"predictor op {op!r} is unknown", field="predictors",
                            fix=f"use one of {', '.join(PREDICTOR_OPS)}")
        return cls(variable=str(raw["variable"]), first=int(years[0]), last=int(years[1]), op=op)


@dataclass(frozen=True)
class BalanceRow:
    """One predictor: its V weight and its value for the treated unit, the synthetic unit and the donors' mean."""

    predictor: str
    v_weight: float
    treated: float
    synthetic: float
    donor_mean: float


@dataclass(frozen=True)
class SyntheticControlResult:
    """One synthetic control: weights, balance, paths and gaps, and the placebo and leave-one-out refits."""

    outcome: str
    unit_treated: str
    treatment_period: int
    donors: tuple[str, ...]
    fit_periods: tuple[int, ...]
    search: str                                       # key of synthetic_weights.SEARCHES
    weights: Mapping[str, float]                      # donor -> W, sums to one
    v_weights: Mapping[str, float]                    # predictor label -> V, sums to one
    balance: tuple[BalanceRow, ...]
    pre_rmspe: float                                  # over the fitting periods
    treated_path: Mapping[int, float]                 # period -> outcome, every period of the frame
    synthetic_path: Mapping[int, float]
    post_gap: Mapping[int, float]                     # period >= treatment_period -> treated - synthetic
    att: float                                        # mean of post_gap
    rmspe_ratio: float                                # post RMSPE / pre RMSPE of the treated unit
    # None where the run was not asked for (placebo=False, leave_one_out=False).
    placebo_gaps: Mapping[str, Mapping[int, float]] | None = None     # donor -> period -> gap, every period
    placebo_ratios: Mapping[str, float] | None = None                 # donor -> post/pre RMSPE ratio
    placebo_pvalue: float | None = None
    leave_one_out: Mapping[str, Mapping[int, float]] | None = None    # dropped donor -> period -> synthetic outcome

    @property
    def gap(self) -> dict[int, float]:
        return {t: self.treated_path[t] - self.synthetic_path[t] for t in self.treated_path}

    def leave_one_out_fits(self) -> dict[str, tuple[float, float]]:
        """Dropped donor -> (ATT, fitting-period RMSPE) of the refit without it: the same summaries as the main fit."""
        fits = {}
        for donor, path in (self.leave_one_out or {}).items():
            gap = {t: self.treated_path[t] - path[t] for t in self.treated_path}
            post = [g for t, g in gap.items() if t >= self.treatment_period]
            pre = [gap[t] for t in self.fit_periods]
            fits[donor] = (float(np.mean(post)), float(np.sqrt(np.mean(np.square(pre)))))
        return fits


@dataclass(frozen=True)
class _Problem:
    """The matrices of one fit: predictors (k x units) and outcomes (periods x units) of one treated unit and its
    donors, unscaled."""

    predictors: pd.DataFrame
    outcomes: pd.DataFrame
    fit_periods: tuple[int, ...]


def _outcome_table(frame: pd.DataFrame, outcome: str, unit: str, time: str) -> pd.DataFrame:
    if frame.duplicated([unit, time]).any():
        raise DataError("the frame has more than one row for some unit and period", field=f"{unit}, {time}",
                        fix="aggregate to one row per unit and period before the synthetic control")
    table = frame.pivot(index=time, columns=unit, values=outcome).astype(float)
    table.index = table.index.astype(int)
    table.columns = table.columns.astype(str)
    return table.sort_index()


def _predictor_table(frame: pd.DataFrame, predictors: Sequence[Predictor], unit: str, time: str,
                     units: Sequence[str]) -> pd.DataFrame:
    years = frame[time].astype(int)
    rows = {}
    for p in predictors:
        if p.variable not in frame.columns:
            raise DataError(f"predictor variable {p.variable!r} is not a column of the data", field="predictors",
                            fix="name an existing column")
        if not pd.api.types.is_numeric_dtype(frame[p.variable]):
            raise DataError(f"predictor variable {p.variable!r} is not numeric", field="predictors",
                            fix="name a numeric column")
        window = frame[(years >= p.first) & (years <= p.last)]
        values = window.groupby(window[unit].astype(str))[p.variable].agg(PREDICTOR_OPS[p.op])
        values = values.reindex(list(units))
        missing = [u for u in units if not np.isfinite(values.get(u, np.nan))]
        if missing:
            raise DataError(f"predictor {p.label} has no data for {', '.join(missing)}", field="predictors",
                            fix="choose years with data for every unit, or drop those units from the donors")
        rows[p.label] = values.astype(float)
    return pd.DataFrame(rows).T[list(units)]


def _fit(problem: _Problem, treated: str, donors: Sequence[str], fixed_v: np.ndarray | None,
         search: str) -> WeightFit:
    x1, x0 = scale_predictors(problem.predictors[treated].to_numpy(), problem.predictors[list(donors)].to_numpy())
    fit_rows = problem.outcomes.loc[list(problem.fit_periods)]
    return fit_weights(x1, x0, fit_rows[treated].to_numpy(), fit_rows[list(donors)].to_numpy(), fixed_v=fixed_v,
                       search=search)


def _gap_path(problem: _Problem, treated: str, donors: Sequence[str], w: np.ndarray) -> pd.Series:
    return problem.outcomes[treated] - problem.outcomes[list(donors)].to_numpy() @ w


def _rmspe_ratio(gap: pd.Series, fit_periods: Sequence[int], treatment_period: int) -> float:
    pre = np.sqrt(np.mean(gap.loc[list(fit_periods)].to_numpy() ** 2))
    post = np.sqrt(np.mean(gap[gap.index >= treatment_period].to_numpy() ** 2))
    return float(post / pre) if pre > 0 else float("inf")


def synthetic_control(frame: pd.DataFrame, *, outcome: str, unit: str, time: str, unit_treated: str,
                      treatment_period: int, predictors: Sequence[Predictor | Mapping],
                      donors: Sequence[str] | None = None, pre_period: Sequence[int] | None = None,
                      v_weights: Sequence[float] | None = None, search: str = "local", placebo: bool = True,
                      leave_one_out: bool = True) -> SyntheticControlResult:
    """Fit the synthetic control of ``unit_treated`` and, when asked, its placebo and leave-one-out refits.

    ``donors`` defaults to every other unit with complete outcome data over the frame's periods; ``pre_period``
    (the periods whose outcome MSPE chooses V) to every period before ``treatment_period``; ``v_weights`` (one per
    predictor) fixes V instead of choosing it, e.g. the cross-validated V of Abadie, Diamond and Hainmueller (2015).
    ``search`` names the outer search (``synthetic_weights.SEARCHES``: ``local`` reproduces the published fits,
    ``multistart`` is the robustness check). Placebo and leave-one-out refits choose their own V with the same search
    (or keep ``v_weights`` when given): a weaker search for the placebos would inflate their pre-period RMSPE and
    make the treated unit look more extreme than it is.
    """
    if search not in SEARCHES:
        raise DataError(f"search {search!r} is unknown", field="search", fix=f"use one of {', '.join(SEARCHES)}")
    for key, column in (("outcome", outcome), ("unit", unit), ("time", time)):
        if column not in frame.columns:
            raise DataError(f"column {column!r} is not in the data", field=key, fix="name an existing column")
    for key, column in (("outcome", outcome), ("time", time)):
        if not pd.api.types.is_numeric_dtype(frame[column]) or frame[column].isna().all():
            raise DataError(f"column {column!r} is not numeric", field=key, fix="name a numeric column")
    if frame[time].isna().any():
        raise DataError(f"column {time!r} has missing periods", field="time", fix="drop the rows without a period")
    predictors = [p if isinstance(p, Predictor) else Predictor.from_mapping(p) for p in predictors]
    labels = [p.label for p in predictors]
    if len(set(labels)) < len(labels):
        raise DataError("a predictor is listed twice", field="predictors", fix="list each predictor once")
    if not predictors:
        raise DataError("a synthetic control needs at least one predictor", field="predictors",
                        fix='add e.g. { variable = "<outcome>", years = [<first pre year>, <last pre year>] }')
    unit_treated = str(unit_treated)
    treatment_period = int(treatment_period)
    outcomes = _outcome_table(frame, outcome, unit, time)
    if unit_treated not in outcomes.columns:
        raise DataError(f"treated unit {unit_treated!r} is not in the data", field="unit_treated",
                        fix=f"name a value of column {unit!r}")
    complete = [u for u in outcomes.columns if outcomes[u].notna().all()]
    if unit_treated not in complete:
        raise DataError(f"the treated unit {unit_treated!r} has missing {outcome}", field="unit_treated",
                        fix="restrict the frame to the periods where its outcome is observed")
    if donors is None:
        donors = [u for u in complete if u != unit_treated]
    donors = sorted(str(d) for d in donors)
    bad = [d for d in donors if d not in complete or d == unit_treated]
    if bad:
        raise DataError(f"donors {', '.join(bad)} are the treated unit, absent, or have missing {outcome}",
                        field="donors", fix="list units with complete outcome data, other than the treated one")
    if len(donors) < 2:
        raise DataError("a synthetic control needs at least two donors", field="donors", fix="add donors")
    fit_periods = tuple(int(t) for t in (pre_period if pre_period is not None
                                         else [t for t in outcomes.index if t < treatment_period]))
    outside = [t for t in fit_periods if t >= treatment_period or t not in outcomes.index]
    if outside or not fit_periods:
        raise DataError(f"pre_period must be periods of the data before {treatment_period}", field="pre_period",
                        fix="list pre-treatment periods present in the data")
    if not any(t >= treatment_period for t in outcomes.index):
        raise DataError(f"the data have no period from {treatment_period} on", field="treatment_period",
                        fix="choose a treatment period inside the data")
    if v_weights is not None and len(v_weights) != len(predictors):
        raise DataError(f"v_weights has {len(v_weights)} entries for {len(predictors)} predictors",
                        field="v_weights", fix="give one weight per predictor, in the predictors' order")
    units = [unit_treated, *donors]
    problem = _Problem(predictors=_predictor_table(frame, predictors, unit, time, units),
                       outcomes=outcomes[units], fit_periods=fit_periods)
    fixed_v = None if v_weights is None else np.asarray(v_weights, dtype=float)

    main = _fit(problem, unit_treated, donors, fixed_v, search)
    gap = _gap_path(problem, unit_treated, donors, main.w)
    treated_path = problem.outcomes[unit_treated]
    synthetic_path = treated_path - gap
    post = gap[gap.index >= treatment_period]
    x_treated = problem.predictors[unit_treated]
    x_donors = problem.predictors[donors]
    balance = tuple(BalanceRow(predictor=label, v_weight=float(v), treated=float(x_treated[label]),
                               synthetic=float(x_donors.loc[label].to_numpy() @ main.w),
                               donor_mean=float(x_donors.loc[label].mean()))
                    for label, v in zip(problem.predictors.index, main.v))
    ratio = _rmspe_ratio(gap, fit_periods, treatment_period)

    placebo_gaps = placebo_ratios = pvalue = None
    if placebo:
        placebo_gaps, placebo_ratios = {}, {}
        for d in donors:
            pool = [u for u in donors if u != d]
            fit = _fit(problem, d, pool, fixed_v, search)
            g = _gap_path(problem, d, pool, fit.w)
            placebo_gaps[d] = {int(t): float(x) for t, x in g.items()}
            placebo_ratios[d] = _rmspe_ratio(g, fit_periods, treatment_period)
        at_least = sum(r >= ratio for r in placebo_ratios.values())
        pvalue = (1 + at_least) / (1 + len(donors))

    loo = None
    if leave_one_out:
        loo = {}
        for d in [u for u, w in zip(donors, main.w) if w > 1e-6]:
            pool = [u for u in donors if u != d]
            fit = _fit(problem, unit_treated, pool, fixed_v, search)
            path = treated_path - _gap_path(problem, unit_treated, pool, fit.w)
            loo[d] = {int(t): float(x) for t, x in path.items()}

    return SyntheticControlResult(
        outcome=outcome, unit_treated=unit_treated, treatment_period=treatment_period, donors=tuple(donors),
        fit_periods=fit_periods, search=search, weights={d: float(w) for d, w in zip(donors, main.w)},
        v_weights={label: float(v) for label, v in zip(problem.predictors.index, main.v)}, balance=balance,
        pre_rmspe=float(np.sqrt(main.mspe)), treated_path={int(t): float(x) for t, x in treated_path.items()},
        synthetic_path={int(t): float(x) for t, x in synthetic_path.items()},
        post_gap={int(t): float(x) for t, x in post.items()}, att=float(post.mean()), rmspe_ratio=ratio,
        placebo_gaps=placebo_gaps, placebo_ratios=placebo_ratios, placebo_pvalue=pvalue, leave_one_out=loo)
