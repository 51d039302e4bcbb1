"""An importer's dependence before and after a date (RQ3): each group's share of world imports, averaged over the
years of a "before" and an "after" window, the change, and a two-sample comparison of the annual shares.

The comparison is descriptive. A Welch t statistic on annual shares treats the years as independent draws, which
they are not (shares are serially correlated and the window is chosen around a known event), so its p-value is a
summary of how far apart the two windows' years lie, not a test of a causal effect of the event.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd


def before_after_table(annual: pd.DataFrame, groups: Sequence[str], before: tuple[int, int],
                       after: tuple[int, int]) -> pd.DataFrame:
    """Rows (measure, group); columns: mean annual share (percent) before and after, years with data in each, the
    change in percentage points, and Welch's t and two-sided p-value on the annual shares (descriptive)."""
    from scipy import stats

    records = {}
    for measure, part in annual.groupby("measure", sort=False):
        for group in groups:
            rows = part[part["group"] == group]
            first = 100.0 * rows.loc[rows["year"].between(*before), "share"].to_numpy(dtype=float)
            second = 100.0 * rows.loc[rows["year"].between(*after), "share"].to_numpy(dtype=float)
            if not first.size or not second.size:
                continue   # a window without data: no row, rather than a change computed from one side
            t, p = (stats.ttest_ind(second, first, equal_var=False) if first.size > 1 and second.size > 1
                    else (np.nan, np.nan))
            span = lambda years: f"{int(years.min())}-{int(years.max())}"  # noqa: E731
            records[(measure, group)] = {
                "Mean share before (%)": float(first.mean()),
                "Years before": span(rows.loc[rows["year"].between(*before), "year"]),
                "Mean share after (%)": float(second.mean()),
                "Years after": span(rows.loc[rows["year"].between(*after), "year"]),
                "Change (pp)": float(second.mean() - first.mean()),
                "Welch t (descriptive)": float(t),
                "p-value (descriptive)": float(p),
            }
    frame = pd.DataFrame.from_dict(records, orient="index")
    frame.index = pd.MultiIndex.from_tuples(frame.index, names=["Measure", "Importer"])
    return frame
