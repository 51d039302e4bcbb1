"""Callaway-Sant'Anna engine (csdid) against R did's analytical-SE outputs on mpdta (reference/mpdta, PROVENANCE B)."""

from __future__ import annotations

import pandas as pd
import pytest

from griparm_econ.errors import GriparmError
from griparm_econ.estimation.designs.callaway_santanna import callaway_santanna
from reference_helpers import reference_set

TOL = 1e-6
SCENARIOS = {   # R scenario -> engine options
    "mpdta_nev_dr": dict(control_group="never_treated", method="dr"),
    "mpdta_nyt_dr": dict(control_group="not_yet_treated", method="dr"),
    "mpdta_nev_reg_cov": dict(control_group="never_treated", method="reg", covariates=("lpop",)),
    "mpdta_nev_ipw": dict(control_group="never_treated", method="ipw"),
}


@pytest.fixture(scope="module")
def mpdta():
    pytest.importorskip("csdid", reason="the Callaway-Sant'Anna engine wraps csdid")
    folder = reference_set("mpdta")
    if not (folder / "mpdta.csv").exists():
        pytest.skip(f"reference data absent: {folder}")
    out = folder / "reference_outputs"
    return (pd.read_csv(folder / "mpdta.csv"), pd.read_csv(out / "csdid_r_ref_ref_attgt.csv"),
            pd.read_csv(out / "csdid_r_ref_ref_aggte.csv"), pd.read_csv(out / "csdid_r_ref_ref_pretest.csv"))


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_matches_r_did(mpdta, scenario):
    frame, attgt, aggte, pretest = mpdta
    result = callaway_santanna(frame, outcome="lemp", unit="countyreal", time="year", cohort="first.treat",
                               **SCENARIOS[scenario])
    for row in attgt[attgt.scenario == scenario].itertuples():
        cell = result.aggregations["group_time"][f"{row.group},{row.t}"]
        assert abs(cell.estimate - row.att) < TOL and abs(cell.std_error - row.se) < TOL
    for row in aggte[aggte.scenario == scenario].itertuples():
        overall = result.aggregations["overall"][row.type]
        assert abs(overall.estimate - row.overall_att) < TOL and abs(overall.std_error - row.overall_se) < TOL
        if row.type == "dynamic":
            cell = result.event(int(row.egt))
        elif row.type != "simple":
            cell = result.aggregations[row.type][str(int(row.egt))]
        else:
            continue
        assert abs(cell.estimate - row.att_egt) < TOL and abs(cell.std_error - row.se_egt) < TOL
    ref = pretest[pretest.scenario == scenario].iloc[0]
    assert abs(result.pretrend.statistic - ref.W) < TOL
    assert abs(result.pretrend.pvalue - ref.Wpval) < 5e-6          # R rounds Wpval to 5 decimals
    assert result.att is result.aggregations["overall"]["simple"]
    assert result.cohorts == {2004: 20, 2006: 40, 2007: 131}


def test_unknown_control_group_is_one_error(mpdta):
    with pytest.raises(GriparmError, match="control_group"):
        callaway_santanna(mpdta[0], outcome="lemp", unit="countyreal", time="year", cohort="first.treat",
                          control_group="everyone")
