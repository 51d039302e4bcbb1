"""The importers' before/after table (RQ3): period means of annual shares, change, Welch comparison."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from griparm_econ.errors import SpecError
from griparm_econ.estimation.before_after import before_after_table
from griparm_econ.spec import parse_spec_text


def _annual() -> pd.DataFrame:
    years = np.arange(2000, 2010)
    share_a = np.where(years < 2005, 0.30, 0.20) + np.tile([0.01, -0.01], 5)
    rows = [{"measure": "m", "year": y, "group": "A", "share": s} for y, s in zip(years, share_a)]
    rows += [{"measure": "m", "year": y, "group": "B", "share": 0.1} for y in years if y >= 2005]   # after only
    return pd.DataFrame(rows)


def test_means_change_and_welch_on_known_shares():
    table = before_after_table(_annual(), ["A", "B"], (2000, 2004), (2005, 2009))
    row = table.loc[("m", "A")]
    before = 100 * (0.30 + np.array([0.01, -0.01, 0.01, -0.01, 0.01]))
    after = 100 * (0.20 + np.array([-0.01, 0.01, -0.01, 0.01, -0.01]))
    assert row["Mean share before (%)"] == pytest.approx(before.mean())
    assert row["Mean share after (%)"] == pytest.approx(after.mean())
    assert row["Change (pp)"] == pytest.approx(after.mean() - before.mean())
    t, p = stats.ttest_ind(after, before, equal_var=False)
    assert row["Welch t (descriptive)"] == pytest.approx(t) and row["p-value (descriptive)"] == pytest.approx(p)
    assert row["Years before"] == "2000-2004" and row["Years after"] == "2005-2009"
    # a group without data in one window gets no row (no change computed from one side)
    assert ("m", "B") not in table.index


def test_overlapping_windows_are_refused():
    text = ('kind = "before_after"\ntitle = "T"\nbefore = [2000, 2010]\nafter = [2010, 2020]\n'
            '[[group]]\nname = "J"\nmembers = ["JPN"]\n[[measure]]\nname = "M"\nvariable = "ree_imports_usd"\n')
    with pytest.raises(SpecError, match="overlap"):
        parse_spec_text(text, __import__("pathlib").Path("t.toml"))
