"""xtsum decomposition: checked against its definition on a hand-made panel with known values."""

import numpy as np
import pandas as pd

from griparm_econ.estimation.descriptive import xtsum


def test_xtsum_on_hand_panel():
    # entity a: 1, 3 (mean 2); entity b: 10, 14, 18 (mean 14); grand mean 46/5 = 9.2
    frame = pd.DataFrame({"id": ["a", "a", "b", "b", "b", "c"], "x": [1.0, 3.0, 10.0, 14.0, 18.0, np.nan]})
    row = xtsum(frame, ["x"], entity="id").loc["x"]
    assert row["N"] == 5 and row["Countries"] == 2
    assert np.isclose(row["Mean"], 9.2)
    assert np.isclose(row["SD overall"], np.std([1, 3, 10, 14, 18], ddof=1))
    assert np.isclose(row["SD between"], np.std([2, 14], ddof=1))
    within = np.array([1 - 2, 3 - 2, 10 - 14, 14 - 14, 18 - 14]) + 9.2
    assert np.isclose(row["SD within"], np.std(within, ddof=1))
    assert (row["Min"], row["Max"]) == (1.0, 18.0)
