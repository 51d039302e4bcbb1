"""The estimator axis crossed with the heterogeneity-robust families (callaway_santanna, sun_abraham, did2s).

Synthetic staggered panel generated here: 60 economies, 2000-2019, adoption cohorts 2005, 2009 and 2014 (15 economies
each) and 15 never adopting; the outcome moves by exactly TRUE_ATT from the year after adoption (the lag-1 indicator
``L.adopt``), plus economy and year effects and small noise, so every estimator's cell must recover TRUE_ATT. ``onoff``
switches off again (not absorbing) and ``m`` is a moderator: their robust cells are listed as not applicable with the
reason, as are the robust cells with controls.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from griparm_econ.errors import SpecError
from griparm_econ.spec.multiverse_axes import MULTIVERSE_ESTIMATORS, ROBUST_ESTIMATORS
from griparm_econ.pipeline.sequencer import run_specs
from griparm_econ.spec import parse_spec_text
from tests.test_multiverse import _settings

TRUE_ATT = 1.5

SPEC = '''kind = "multiverse"
title = "Robust estimator axis"
expected_sign = "positive"
treatment_definitions = ["adopt", "onoff"]
moderators = ["none", "m"]
controls = ["L.c1"]
control_sets = [[], ["L.c1"]]
lags = [1]
effects = [["entity", "time"]]
cov = ["cluster:entity"]
estimators = ["twfe", "callaway_santanna", "sun_abraham", "did2s"]
outcomes = ["y"]

[data]
path = "panel.csv"
entity = "id"
time = "year"

[executor]
backend = "sequential"
progress = false
'''


def staggered_panel(seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n, years = 60, np.arange(2000, 2020)
    cohort = np.repeat([2005, 2009, 2014, 0], n // 4)
    ids = np.repeat(np.arange(n), years.size)
    year = np.tile(years, n)
    g = cohort[ids]
    adopt = ((g > 0) & (year >= g)).astype(float)
    onoff = adopt * (year < g + 3)                     # in force three years, then lifted
    lagged = np.where(year > years[0], np.roll(adopt, 1), np.nan)   # previous row = previous year (balanced)
    frame = pd.DataFrame({"id": [f"E{i:02d}" for i in ids], "year": year, "adopt": adopt, "onoff": onoff,
                          "m": rng.normal(size=n)[ids], "c1": rng.normal(size=ids.size)})
    frame["y"] = (TRUE_ATT * np.nan_to_num(lagged) + rng.normal(size=n)[ids] + rng.normal(size=years.size)[year - 2000]
                  + rng.normal(scale=0.05, size=ids.size))
    return frame


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    root = tmp_path_factory.mktemp("robust")
    staggered_panel().to_csv(root / "panel.csv", index=False)
    (root / "robust.toml").write_text(SPEC)
    run_specs([root / "robust.toml"], _settings(root), echo=lambda _: None)
    estimates = pd.read_parquet(root / "out" / "estimates" / "robust.parquet")
    record = json.loads((root / "out" / "estimates" / "robust.json").read_text())
    return estimates, record


@pytest.mark.parametrize("estimator", ["twfe", *ROBUST_ESTIMATORS])
def test_each_estimator_recovers_the_known_att(run, estimator):
    estimates, _ = run
    cell = estimates[(estimates.estimator == estimator) & (estimates.treatment_definition == "adopt")
                     & (estimates.moderator == "none") & (estimates.controls == "") & estimates.is_focus]
    assert len(cell) == 1
    row = cell.iloc[0]
    assert row["estimate"] == pytest.approx(TRUE_ATT, abs=0.02)
    assert row["ci_low"] < TRUE_ATT < row["ci_high"] and row["pvalue"] < 1e-6 and row["n_clusters"] > 0


def test_cells_where_a_robust_family_does_not_apply_are_listed_with_the_reason(run):
    estimates, record = run
    fitted = estimates[estimates.is_focus]
    for estimator in ROBUST_ESTIMATORS:
        # 2 definitions x 2 moderators x 2 control sets = 8 cells; only (adopt, none, no controls) applies.
        assert (fitted.estimator == estimator).sum() == 1
    assert (fitted.estimator == "twfe").sum() == 8
    summary = record["summary"]
    assert summary["n_not_applicable"] == 3 * 7 and summary["n_models"] == 8 + 3
    notes = " ".join(record["notes"])
    for words in ("onoff switches off in 45 economies (not absorbing)", "moderated treatment set", "controls (",
                  "Callaway-Sant'Anna (simple ATT)", "Gardner two-stage DiD (static)", "Sun-Abraham (ATT)"):
        assert words in notes, words


def test_estimator_names_are_validated_from_the_one_registry():
    bad = SPEC.replace('"did2s"]', '"did2s", "synthetic_did"]')
    with pytest.raises(SpecError) as caught:
        parse_spec_text(bad, Path("robust.toml"))
    message = str(caught.value)
    assert "synthetic_did" in message
    for name in MULTIVERSE_ESTIMATORS:
        assert name in message, name


def test_adoption_is_judged_on_every_known_treatment_row_and_always_treated_are_left_out():
    from griparm_econ.estimation.multiverse_robust import robust_data

    frame = pd.DataFrame({"id": ["A"] * 4 + ["B"] * 4 + ["C"] * 4, "year": [1, 2, 3, 4] * 3,
                          "d": [0, 1, 1, 0] + [0, 0, 1, 1] + [0, 0, 0, 0],
                          "y": [1.0, 2.0, 3.0, np.nan] + [1.0] * 4 + [1.0] * 4})
    everything = np.ones(len(frame), dtype=bool)
    # A lifts its measure in year 4, where the outcome is missing: still not absorbing.
    rows, reason = robust_data(frame, "y", "d", "id", "year", everything)
    assert rows is None and reason == "d switches off in 1 economies (not absorbing)"
    # Without A: B adopts in year 3 (cohort 3), C never; an economy first seen already treated is left out.
    late = frame[frame.id != "A"].copy()
    late.loc[(late.id == "B") & (late.year < 3), "y"] = np.nan
    rows, reason = robust_data(late.reset_index(drop=True), "y", "d", "id", "year", np.ones(len(late), dtype=bool))
    assert rows is None and "no adopter of d with an untreated year" in reason
    rows, reason = robust_data(frame[frame.id != "A"].reset_index(drop=True), "y", "d", "id", "year",
                               np.ones(8, dtype=bool))
    assert reason is None and rows.groupby("id")["__cohort__"].first().to_dict() == {"B": 3, "C": 0}
