"""Goodman-Bacon (2021) decomposition of a two-way fixed-effects DiD with a binary, staggered, absorbing treatment.

The TWFE coefficient on the treatment equals a weighted average of every 2x2 DiD between timing groups: treated vs
never treated, earlier- vs later-treated (the later group as control before it adopts) and later- vs earlier-treated
(the earlier, already-treated group as control: the "forbidden" comparison). On a balanced panel each 2x2 DiD is a
difference of group-by-period means, and the weights are Goodman-Bacon's closed forms (eq. 10 of the paper: group
sizes, the share of periods each group is treated) normalised to sum to one; their sum against the 2x2 estimates
reproduces the TWFE coefficient, which the result carries as a check.

Own code: no maintained Python package was found (pybacondecomp exists only as a single 0.1.0 release); the output
matches R bacondecomp's summary on its castle data (tests/test_designs_bacon.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

import numpy as np
import pandas as pd

from griparm_econ.errors import GriparmError
from griparm_econ.estimation.designs.panel_inputs import numeric, require_columns
from griparm_econ.estimation.demean import within_transform

ESTIMATOR = "goodman_bacon"
TREATED_VS_UNTREATED = "Treated vs Untreated"
EARLIER_VS_LATER = "Earlier vs Later Treated"
LATER_VS_EARLIER = "Later vs Earlier Treated"
LATER_VS_ALWAYS = "Later vs Always Treated"


@dataclass(frozen=True)
class Comparison:
    """One 2x2 DiD: ``treated`` cohort against ``control`` cohort (inf = never treated)."""

    kind: str
    treated: float
    control: float
    estimate: float
    weight: float


@dataclass(frozen=True)
class TypeSummary:
    weight: float
    avg_estimate: float


@dataclass(frozen=True)
class BaconDecomposition:
    outcome: str
    twfe_estimate: float            # the TWFE coefficient, fitted directly
    comparisons: tuple[Comparison, ...]
    by_type: Mapping[str, TypeSummary]

    @property
    def weighted_sum(self) -> float:
        return float(sum(c.weight * c.estimate for c in self.comparisons))

    def to_json_dict(self) -> dict:
        def cohort(v: float):
            return None if not np.isfinite(v) else int(v)
        return {"estimator": ESTIMATOR, "outcome": self.outcome, "twfe_estimate": self.twfe_estimate,
                "by_type": {k: {"weight": v.weight, "avg_estimate": v.avg_estimate} for k, v in self.by_type.items()},
                "comparisons": [{"type": c.kind, "treated": cohort(c.treated), "control": cohort(c.control),
                                 "estimate": c.estimate, "weight": c.weight} for c in self.comparisons]}


def _did(means: pd.DataFrame, treated: float, control: float, window: np.ndarray, post: np.ndarray) -> float:
    gap = (means.loc[treated] - means.loc[control]).to_numpy()
    return float(gap[window & post].mean() - gap[window & ~post].mean())


def goodman_bacon(frame: pd.DataFrame, *, outcome: str, unit: str, time: str, treatment: str) -> BaconDecomposition:
    """Decompose ``outcome ~ treatment | unit + time`` on a balanced panel with a 0/1 treatment that never switches off."""
    require_columns(frame, [outcome, unit, time, treatment], estimator=ESTIMATOR)
    data = frame[[outcome, unit, time, treatment]].copy()
    if data.isna().any().any():
        raise GriparmError(f"{ESTIMATOR}: missing values in {outcome!r}, {unit!r}, {time!r} or {treatment!r}.",
                           field=outcome, fix="the decomposition needs a balanced panel without gaps.")
    d = numeric(data, treatment, estimator=ESTIMATOR)
    if not np.isin(d, (0.0, 1.0)).all():
        raise GriparmError(f"{ESTIMATOR}: {treatment!r} is not 0/1.", field=treatment, fix="give a 0/1 treatment.")
    periods = np.sort(data[time].unique())
    counts = data.groupby(unit)[time].nunique()
    if len(data) != counts.size * periods.size or (counts != periods.size).any():
        raise GriparmError(f"{ESTIMATOR}: the panel is not balanced.", field=time,
                           fix="restrict to units observed in every period (the decomposition's weights assume it).")
    data["_d"] = d
    data = data.sort_values([unit, time])
    switches_off = data.groupby(unit)["_d"].apply(lambda s: bool((np.diff(s.to_numpy()) < 0).any()))
    if switches_off.any():
        raise GriparmError(f"{ESTIMATOR}: treatment switches off in unit {switches_off.index[switches_off][0]!r}.",
                           field=treatment, fix="the decomposition covers absorbing treatments only.")
    first = data[data["_d"] == 1].groupby(unit)[time].min()
    cohort = data[unit].map(first).astype(float).fillna(np.inf)
    data["_g"] = cohort.to_numpy()
    means = data.pivot_table(index="_g", columns=time, values=outcome, aggfunc="mean")[periods]
    share = data.groupby("_g")[unit].nunique() / counts.size
    treated_share = {g: float(np.mean(periods >= g)) for g in share.index}   # D-bar of each group
    groups = [g for g in share.index if np.isfinite(g)]
    t0 = periods.min()
    raw: list[tuple[str, float, float, float, float]] = []
    if np.inf in share.index:
        n_u = share[np.inf]
        for k in groups:
            if k <= t0:
                continue    # always treated vs never treated: no pre-period, zero weight
            n_k, dk = share[k], treated_share[k]
            nku = n_k / (n_k + n_u)
            w = (n_k + n_u) ** 2 * nku * (1 - nku) * dk * (1 - dk)
            raw.append((TREATED_VS_UNTREATED, k, np.inf, _did(means, k, np.inf, periods == periods, periods >= k), w))
    for i, k in enumerate(groups):
        for l in groups[i + 1:]:          # k adopts before l
            n_k, n_l, dk, dl = share[k], share[l], treated_share[k], treated_share[l]
            nkl = n_k / (n_k + n_l)
            if k > t0:
                w_early = ((n_k + n_l) * (1 - dl)) ** 2 * nkl * (1 - nkl) * ((dk - dl) / (1 - dl)) * ((1 - dk) / (1 - dl))
                raw.append((EARLIER_VS_LATER, k, l, _did(means, k, l, periods < l, periods >= k), w_early))
            w_late = ((n_k + n_l) * dk) ** 2 * nkl * (1 - nkl) * (dl / dk) * ((dk - dl) / dk)
            kind = LATER_VS_ALWAYS if k <= t0 else LATER_VS_EARLIER
            raw.append((kind, l, k, _did(means, l, k, periods >= k, periods >= l), w_late))
    total = sum(r[4] for r in raw)
    if not raw or total <= 0:
        raise GriparmError(f"{ESTIMATOR}: no 2x2 comparison has identifying variation.", field=treatment,
                           fix="the treatment needs units adopting at different times or never-treated units.")
    comparisons = tuple(Comparison(kind, float(t), float(c), float(est), float(w / total)) for kind, t, c, est, w in raw)
    by_type = {}
    for kind in dict.fromkeys(c.kind for c in comparisons):
        members = [c for c in comparisons if c.kind == kind]
        weight = sum(c.weight for c in members)
        by_type[kind] = TypeSummary(float(weight), float(sum(c.weight * c.estimate for c in members) / weight))
    codes = [pd.factorize(data[c])[0] for c in (unit, time)]
    yd = within_transform(np.column_stack([data[outcome].to_numpy(float), data["_d"].to_numpy()]), *codes)
    twfe = float(yd[:, 0] @ yd[:, 1] / (yd[:, 1] @ yd[:, 1]))
    return BaconDecomposition(outcome, twfe, comparisons, by_type)
