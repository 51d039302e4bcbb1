"""The nickel chain (UN Comtrade HS 2604 ore vs HS 75 nickel) on the shipped data, and the rule that an absent
reporter-year is missing, not zero."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from griparm_econ.catalog import TRANSFORMATIONS, TransformInput, VariableEntry
from griparm_econ.config import Settings
from griparm_econ.errors import DataError
from griparm_econ.sources.trade_nickel import NICKEL_FILE, load_nickel, nickel_indicator

ORE_X, NICKEL_X = nickel_indicator("2604", "X"), nickel_indicator("75", "X")


def _value(rows, iso3, year, indicator):
    hit = rows[(rows["iso3"] == iso3) & (rows["year"] == year) & (rows["indicator"] == indicator)]
    return float(hit["value"].iloc[0]) if len(hit) == 1 else None


def test_missing_file_names_file_and_docs_section(tmp_path):
    (tmp_path / "trade").mkdir()
    with pytest.raises(DataError) as err:
        load_nickel(Settings(data_dir=tmp_path))
    assert NICKEL_FILE in err.value.message and "Data availability: trade" in err.value.message


@pytest.mark.snapshot
def test_known_values_from_the_raw_file(snapshot):
    frame = load_nickel(snapshot)
    rows = frame.rows
    # Raw rows: 2014,360,IDN,...,X,...,2604,...,85913010 and ...,75,...,1058062058.
    assert _value(rows, "IDN", 2014, ORE_X) == 85913010.0
    assert _value(rows, "IDN", 2014, NICKEL_X) == 1058062058.0
    # PROVENANCE.md: 955 HS 2604 export rows (96 reporters), 2,719 HS 75 export rows (179 reporters).
    assert (rows["indicator"] == ORE_X).sum() == 955 and rows.loc[rows["indicator"] == ORE_X, "iso3"].nunique() == 96
    assert (rows["indicator"] == NICKEL_X).sum() == 2719
    assert frame.provenance[0]["path"] == f"trade/{NICKEL_FILE}" and frame.provenance[0]["rows"] == 6310


@pytest.mark.snapshot
def test_absent_reporter_year_is_missing_not_zero(snapshot):
    rows = load_nickel(snapshot).rows
    # Indonesia reports HS 75 exports in 2015 and 2016 but no HS 2604 row (after the 2014 ore ban): the loader
    # gives no row (a gap), never a 0.
    assert _value(rows, "IDN", 2015, NICKEL_X) == 806080509.0
    assert _value(rows, "IDN", 2015, ORE_X) is None and _value(rows, "IDN", 2016, ORE_X) is None


def _share(panel: pd.DataFrame) -> pd.Series:
    entry = VariableEntry(name="share", label="s", unit="share", source="derived", transformation="ratio",
                          inputs=("ore", "nickel"), params={"numerator": ["nickel"], "denominator": ["ore", "nickel"]},
                          description="processing share")
    return TRANSFORMATIONS["ratio"](TransformInput(panel=panel, entry=entry))


def test_processing_share_needs_both_sides():
    # Both reported: 3 / (1 + 3); only the processed side: missing, not 1; only the raw side: missing, not 0;
    # a published 0 on one side is a value (share 1); neither side: missing.
    panel = pd.DataFrame({"ore": [1.0, math.nan, 5.0, 0.0, math.nan], "nickel": [3.0, 7.0, math.nan, 2.0, math.nan]})
    share = _share(panel)
    assert share[0] == pytest.approx(0.75)
    assert share[1:3].isna().all() and share[4] != share[4]
    assert share[3] == 1.0
