"""Baseline (pre-treatment) moderators: a unit's moderator fixed at its value before treatment.

A moderator measured after treatment can be moved by the treatment itself (a restriction that changes revenue
changes measured capacity). The catalog transformation ``baseline`` fixes it at a pre-treatment value, constant
within each economy:

* a treated unit (cohort year g > 0): the mean of the moderator over the ``window`` years g - window .. g - 1 that
  have data (at least ``min_years`` of them, else missing);
* a never-treated unit (cohort 0), or every unit when no cohort input is given: the mean over the fixed base years
  ``base_years = [first, last]`` (inclusive; same ``min_years`` rule);
* a unit whose cohort is missing: missing.

Inputs: ``[moderator]`` or ``[moderator, cohort]`` where the cohort variable is constant within a unit (0 = never
treated, as the R ``did`` package codes it). Nothing is interpolated: years without data are skipped, not filled.
"""

from __future__ import annotations

from typing import Any, Mapping, Protocol, Sequence

import numpy as np
import pandas as pd

from griparm_econ.errors import SpecError


class BaselineEntry(Protocol):
    """The parts of a catalog entry the transformation reads (the catalog imports this module, not the reverse)."""

    name: str
    inputs: Sequence[str]
    params: Mapping[str, Any]


class BaselineInput(Protocol):
    """The parts of the catalog's transformation input the transformation reads and writes."""

    panel: pd.DataFrame
    entry: BaselineEntry
    notes: list[str]


DEFAULT_WINDOW = 3
DEFAULT_MIN_YEARS = 1


def check_baseline_params(inputs: Sequence[str], params: Mapping[str, Any]) -> None:
    """Raise ValueError (turned into one catalog message by the catalog's validator) on bad parameters."""
    if len(inputs) not in (1, 2):
        raise ValueError("baseline takes [moderator] or [moderator, cohort]")
    unknown = set(params) - {"window", "base_years", "min_years"}
    if unknown:
        raise ValueError(f"unknown baseline params {sorted(unknown)}; known: window, base_years, min_years")
    base = params.get("base_years")
    if not (isinstance(base, list) and len(base) == 2 and all(isinstance(y, int) for y in base) and base[0] <= base[1]):
        raise ValueError("baseline needs params.base_years = [first, last] (years, first <= last)")
    for name in ("window", "min_years"):
        if name in params and not (isinstance(params[name], int) and params[name] >= 1):
            raise ValueError(f"params.{name} must be a positive integer")


def pretreatment_baseline(panel: pd.DataFrame, moderator: str, cohort: str | None, *, base_years: Sequence[int],
                          window: int = DEFAULT_WINDOW, min_years: int = DEFAULT_MIN_YEARS) -> tuple[pd.Series, dict]:
    """The baseline value of ``moderator`` for every row of ``panel`` (columns iso3, year, moderator[, cohort]) and
    counts of units by rule. Pure, for tests."""
    frame = panel[["iso3", "year", moderator] + ([cohort] if cohort else [])].copy()
    if cohort:
        per_unit = frame.groupby("iso3")[cohort].nunique(dropna=False)
        varying = sorted(per_unit[per_unit > 1].index)
        if varying:
            raise SpecError(f"the cohort variable {cohort!r} varies within economies ({', '.join(varying[:5])}).",
                            where="specs/variables.toml", field=cohort,
                            fix="use a cohort (first-adoption year) variable, constant within each economy.")
        unit_cohort = frame.groupby("iso3")[cohort].first()
    else:
        unit_cohort = pd.Series(0.0, index=frame["iso3"].unique())
    frame["cohort"] = frame["iso3"].map(unit_cohort)
    treated = frame["cohort"].fillna(0) > 0
    low = np.where(treated, frame["cohort"] - window, base_years[0])
    high = np.where(treated, frame["cohort"] - 1, base_years[1])
    in_window = frame["year"].between(low, high) & frame["cohort"].notna()
    values = frame[moderator].where(in_window)
    stats = values.groupby(frame["iso3"]).agg(["mean", "count"])
    unit_value = stats["mean"].where(stats["count"] >= min_years)
    counts = {
        "treated_units": int((unit_cohort > 0).sum()),
        "never_treated_units": int((unit_cohort == 0).sum()),
        "missing_cohort_units": int(unit_cohort.isna().sum()),
        "units_with_value": int(unit_value.notna().sum()),
    }
    return frame["iso3"].map(unit_value).astype("float64"), counts


def baseline_value(data: BaselineInput) -> pd.Series:
    entry = data.entry
    cohort = entry.inputs[1] if len(entry.inputs) == 2 else None
    values, counts = pretreatment_baseline(
        data.panel, entry.inputs[0], cohort, base_years=entry.params["base_years"],
        window=entry.params.get("window", DEFAULT_WINDOW), min_years=entry.params.get("min_years", DEFAULT_MIN_YEARS))
    rule = (f"mean over the {entry.params.get('window', DEFAULT_WINDOW)} years before {cohort} for treated units, "
            if cohort else "")
    data.notes.append(f"{entry.name}: baseline of {entry.inputs[0]}: {rule}mean over "
                      f"{entry.params['base_years'][0]}-{entry.params['base_years'][1]} for "
                      + ("never-treated units" if cohort else "every unit")
                      + f"; {counts['units_with_value']} economies with a value ({counts})."
                      )
    return values
