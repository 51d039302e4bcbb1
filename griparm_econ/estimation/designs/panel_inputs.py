"""Checks and derived columns shared by the design engines: every bad input ends in one GriparmError."""

from __future__ import annotations

from typing import Iterable

import numpy as np
import pandas as pd

from griparm_econ.errors import GriparmError

NEVER_TREATED = 0   # cohort value of units never treated in the sample (missing cohorts are read as this too)


def require_columns(frame: pd.DataFrame, columns: Iterable[str | None], *, estimator: str) -> None:
    missing = [c for c in columns if c is not None and c not in frame.columns]
    if missing:
        raise GriparmError(f"{estimator}: column(s) {', '.join(map(repr, missing))} not in the data.",
                           field=missing[0], fix=f"name columns that exist: {', '.join(map(str, frame.columns))}.")
    for column in columns:
        if column is not None and frame[column].isna().all():
            raise GriparmError(f"{estimator}: column {column!r} has no values.", field=column,
                               fix="choose a column with data.")


def numeric(frame: pd.DataFrame, column: str, *, estimator: str) -> np.ndarray:
    try:
        return pd.to_numeric(frame[column], errors="raise").to_numpy(dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise GriparmError(f"{estimator}: column {column!r} is not numeric ({exc}).", field=column,
                           fix="give a numeric column.") from None


def cohorts_of(frame: pd.DataFrame, unit: str, cohort: str, *, estimator: str) -> pd.Series:
    """Each unit's first treated period (0 = never treated); a unit whose cohort varies over time is an error."""
    values = pd.to_numeric(frame[cohort], errors="coerce").fillna(NEVER_TREATED)
    per_unit = values.groupby(frame[unit].to_numpy()).agg(["min", "max"])
    varying = per_unit.index[per_unit["min"] != per_unit["max"]]
    if len(varying):
        raise GriparmError(f"{estimator}: the cohort column {cohort!r} changes within unit {varying[0]!r}.",
                           field=cohort, fix="give each unit one first treated period (0 or missing = never).")
    return per_unit["min"]


def in_sample_cohorts(frame: pd.DataFrame, *, time: str, cohort: str) -> pd.Series:
    """The cohort column with 0 for never treated: missing, 0, or a first treated period after the sample's last
    period (fixest's base_stagg codes never treated as 10000) all mean untreated within the sample."""
    g = pd.to_numeric(frame[cohort], errors="coerce").fillna(NEVER_TREATED)
    return g.where(g <= pd.to_numeric(frame[time]).max(), NEVER_TREATED)


def cohort_from_treatment(frame: pd.DataFrame, unit: str, time: str, treatment: str) -> pd.Series:
    """Per row: the unit's first period with treatment == 1, or 0 when the unit is never treated."""
    treated_time = frame[time].where(pd.to_numeric(frame[treatment], errors="coerce") == 1)
    first = treated_time.groupby(frame[unit]).transform("min")
    return first.fillna(NEVER_TREATED)


def cohort_counts(frame: pd.DataFrame, unit: str, cohort: str, *, estimator: str) -> dict[int, int]:
    """Number of units per adoption cohort (never-treated units left out)."""
    per_unit = cohorts_of(frame, unit, cohort, estimator=estimator)
    treated = per_unit[per_unit != NEVER_TREATED]
    return {int(g): int(n) for g, n in treated.value_counts().sort_index().items()}


def normal_critical(level: float = 0.95) -> float:
    from scipy import stats

    return float(stats.norm.ppf(0.5 + level / 2))
