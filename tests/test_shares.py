"""Shares of world totals: hand-made panels with known answers."""

import numpy as np
import pandas as pd
import pytest

from griparm_econ.errors import DataError
from griparm_econ.estimation.shares import Group, Measure, annual_shares, period_shares


def _panel():
    # world 100 in 2020 and 200 in 2021; A produces 60 and 150, B 10 and nothing listed in 2021
    panel = pd.DataFrame({"iso3": ["AAA", "AAA", "BBB", "CCC"], "year": [2020, 2021, 2020, 2021],
                          "prod": [60.0, 150.0, 10.0, 20.0]})
    aggregates = pd.DataFrame({"iso3": ["WLD", "WLD"], "year": [2020, 2021], "prod": [100.0, 200.0]})
    return panel, aggregates


def test_annual_shares_with_reported_world_and_rest():
    panel, aggregates = _panel()
    groups = [Group("A", ("AAA",)), Group("B", ("BBB", "ZZZ"))]
    out = annual_shares(panel, aggregates, groups, Measure("Production", "prod"), rest_label="Rest")
    share = out.set_index(["year", "group"])["share"]
    assert share[(2020, "A")] == pytest.approx(0.6) and share[(2021, "A")] == pytest.approx(0.75)
    assert share[(2021, "B")] == 0.0                   # not listed in 2021: contributes nothing
    assert share[(2020, "Rest")] == pytest.approx(0.3) and share[(2021, "Rest")] == pytest.approx(0.25)
    assert np.allclose(out.groupby("year")["share"].sum(), 1.0)


def test_world_as_sum_and_period_shares():
    panel, aggregates = _panel()
    out = annual_shares(panel, aggregates, [Group("A", ("AAA",))], Measure("P", "prod", world="sum"), rest_label="R")
    # world = 70 (2020), 170 (2021)
    table = period_shares(out, [(2020, 2021), (2019, 2020), (2030, 2031)])
    assert table.loc[("P", "2020-2021"), "A"] == pytest.approx(100 * 210 / 240)
    assert table.loc[("P", "2019-2020 (data 2020)"), "A"] == pytest.approx(100 * 60 / 70)
    assert ("P", "2030-2031") not in table.index


def test_missing_world_row_is_a_clear_error():
    panel, aggregates = _panel()
    with pytest.raises(DataError, match='world = "sum"'):
        annual_shares(panel, aggregates.drop(columns="prod"), [Group("A", ("AAA",))], Measure("P", "prod"),
                      rest_label="R")
