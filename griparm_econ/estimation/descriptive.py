"""Panel descriptive statistics, with Stata's ``xtsum`` decomposition.

overall: every observation; between: the entity means (one per entity with data); within: x_it - mean_i + grand mean,
over every observation (so its min and max are on the scale of x, as xtsum prints them). Standard deviations use the
n - 1 denominator, as Stata does.
"""

from __future__ import annotations

from typing import Sequence

import pandas as pd

COLUMNS = ("N", "Countries", "Mean", "SD overall", "SD between", "SD within", "Min", "Max")


def xtsum(frame: pd.DataFrame, variables: Sequence[str], *, entity: str) -> pd.DataFrame:
    """One row per variable: N, entities, mean, overall/between/within SD, min, max (missing values dropped per
    variable, so each row states its own sample)."""
    rows = {}
    for name in variables:
        data = frame[[entity, name]].dropna()
        x = data[name].astype(float)
        grand = x.mean()
        means = x.groupby(data[entity]).transform("mean")
        entity_means = x.groupby(data[entity]).mean()
        within = x - means + grand
        rows[name] = {
            "N": int(x.size),
            "Countries": int(entity_means.size),
            "Mean": grand,
            "SD overall": x.std(ddof=1),
            "SD between": entity_means.std(ddof=1),
            "SD within": within.std(ddof=1),
            "Min": x.min(),
            "Max": x.max(),
        }
    return pd.DataFrame.from_dict(rows, orient="index", columns=list(COLUMNS))
