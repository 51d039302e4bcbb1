"""Named treatment definitions (in force, first adoption, absorbing) on hand-made events with known answers, the
stage/motive coding rules of the events schema, and the shipped events (Indonesia's 2014 ore ban as its own
event)."""

from __future__ import annotations

import pandas as pd
import pytest

from griparm_econ.config import DEFAULT_DATA_DIR
from griparm_econ.errors import DataError
from griparm_econ.sources.restrictions import load_restrictions, prepare_events, restriction_measures
from griparm_econ.sources.restrictions_schema import EventRow, validate
from griparm_econ.sources.treatments import DEFINITIONS, IDN_ORE_BAN_2014, treatment_measures

COLUMNS = ["event_id", "iso3", "material", "measure", "stage", "motive", "start_year", "end_year", "source_note"]


def events_table(*rows: tuple) -> pd.DataFrame:
    return pd.DataFrame([[str(v) for v in row] for row in rows], columns=COLUMNS)


def treated(raw: pd.DataFrame, first: int = 2000, last: int = 2010) -> pd.DataFrame:
    events, _ = prepare_events(raw)
    return treatment_measures(events, first, last).pivot(index=["iso3", "year"], columns="indicator", values="value")


HAND = events_table(
    ("AAA-2003-export_ban-1", "AAA", "nickel ore", "export_ban", "ore_concentrate", "downstream_processing", "2003",
     "2005", ""),
    ("AAA-2008-export_tax-1", "AAA", "copper cathodes", "export_tax", "refined", "", "2008", "", ""),
    ("BBB-2004-export_licence-1", "BBB", "copper scrap", "export_licence", "scrap", "", "2004", "", ""),
    ("CCC-2006-export_control-1", "CCC", "gallium", "export_control", "refined", "security", "2006", "", ""),
    ("DDD-2002-other-1", "DDD", "coal", "other", "", "", "2002", "", ""),
    ("EEE-undated-export_ban-1", "EEE", "tin ore", "export_ban", "ore_concentrate", "", "", "", ""),
)


def test_in_force_first_adoption_and_absorbing_on_known_events():
    wide = treated(HAND)
    aaa = wide.loc["AAA"]
    # AAA: ban 2003-2005, tax from 2008: in force 2003-05 and 2008-10, cohort 2003, absorbing from 2003.
    assert aaa["TREAT.ANY.IN_FORCE"].tolist() == [0, 0, 0, 1, 1, 1, 0, 0, 1, 1, 1]
    assert (aaa["TREAT.ANY.FIRST_YEAR"] == 2003).all()
    assert aaa["TREAT.ANY.ADOPTED"].tolist() == [0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1]
    # Ore stage only: the 2003 ban; it ends in 2005, adoption stays absorbing.
    assert aaa["TREAT.ORE_CONCENTRATE.IN_FORCE"].tolist() == [0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0]
    assert aaa["TREAT.ORE_DOWNSTREAM.ADOPTED"].loc[2010] == 1
    assert (aaa["TREAT.NICKEL_ORE.FIRST_YEAR"] == 2003).all()
    # Scrap-only events are dropped by EXCL_SCRAP; export controls and security motives by EXCL_SECURITY.
    assert "BBB" in wide.index.get_level_values(0)
    bbb, ccc = wide.loc["BBB"], wide.loc["CCC"]
    assert bbb["TREAT.EXCL_SCRAP.IN_FORCE"].isna().all() and (bbb["TREAT.ANY.FIRST_YEAR"] == 2004).all()
    assert ccc["TREAT.EXCL_SECURITY.IN_FORCE"].isna().all() and (ccc["TREAT.ANY.IN_FORCE"].loc[2006:] == 1).all()
    # Measures of type other and undated events never treat.
    assert "DDD" not in wide.index.get_level_values(0) and "EEE" not in wide.index.get_level_values(0)


def test_any_definition_equals_the_restriction_measure():
    events, _ = prepare_events(HAND)
    restr = restriction_measures(events, 2000, 2010)
    restr = restr[restr["indicator"] == "RESTR.ANY"].set_index(["iso3", "year"])["value"]
    treat = treated(HAND)["TREAT.ANY.IN_FORCE"]
    assert treat[treat == 1].sort_index().equals(restr[restr == 1].sort_index())


def test_cohort_comes_from_the_event_start_not_the_window():
    wide = treated(events_table(("AAA-1995-export_quota-1", "AAA", "ore", "export_quota", "", "", "1995", "", "")))
    assert (wide.loc["AAA", "TREAT.ANY.FIRST_YEAR"] == 1995).all()
    assert (wide.loc["AAA", "TREAT.ANY.ADOPTED"] == 1).all()


def test_every_definition_is_documented_in_the_catalog():
    text = (DEFAULT_DATA_DIR.parent.parent / "specs" / "variables.toml").read_text(encoding="utf-8")
    for code in DEFINITIONS:
        for part in ("IN_FORCE", "FIRST_YEAR", "ADOPTED"):
            assert f'"TREAT.{code}.{part}"' in text, (code, part)


def _events() -> pd.DataFrame:
    return pd.read_csv(DEFAULT_DATA_DIR / "restrictions/export_restrictions_events.csv", dtype=str,
                       keep_default_na=False)


def test_stage_and_motive_need_a_basis_and_a_known_value():
    # Where a basis is quoted from is checked against the field-coding table (tests/test_restrictions_coding.py).
    events = _events()
    other = events.index[events["event_id"] == "CHN-1999-export_quota-1"][0]
    events.loc[other, "stage"] = "refined"                                  # no basis at all
    third = events.index[events["event_id"] == "ZAF-2012-export_licence-1"][0]
    events.loc[third, "stage"] = "smelted"                                  # not a stage
    with pytest.raises(DataError) as caught:
        validate(EventRow, events, "events.csv")
    message = caught.value.message
    assert "stage and stage_basis must both be given" in message
    assert "['smelted'] are not stages" in message


def test_event_ids_are_unique_and_agree_with_the_row():
    events = _events()
    events.loc[1, "event_id"] = events.loc[0, "event_id"]
    with pytest.raises(DataError, match="used more than once"):
        validate(EventRow, events, "events.csv")
    events = _events()
    events.loc[0, "event_id"] = "CHN-2000-export_quota-1"
    with pytest.raises(DataError, match="does not match iso3, start_year and measure"):
        validate(EventRow, events, "events.csv")


@pytest.mark.snapshot
def test_indonesia_2014_ore_ban_is_its_own_event(snapshot):
    rows = load_restrictions(snapshot, 1990, 2025).rows
    wide = rows.pivot(index=["iso3", "year"], columns="indicator", values="value").loc["IDN"]
    # Any restriction: Indonesia is treated from 2002 (tin ore); the 2014 ban alone starts in 2014.
    assert wide.loc[2010, "TREAT.ANY.FIRST_YEAR"] == 2002
    assert wide.loc[2010, "TREAT.IDN_ORE_BAN_2014.FIRST_YEAR"] == 2014
    assert wide.loc[2013, "TREAT.IDN_ORE_BAN_2014.ADOPTED"] == 0 and wide.loc[2014, "TREAT.IDN_ORE_BAN_2014.ADOPTED"] == 1
    assert wide.loc[2025, "TREAT.IDN_ORE_BAN_2014.IN_FORCE"] == 1
    # Downstream-motivated ore restrictions start with the 2012 regime (exemption for miners processing locally).
    assert wide.loc[2010, "TREAT.ORE_DOWNSTREAM.FIRST_YEAR"] == 2012
    events = _events()
    ban = events[events["event_id"] == IDN_ORE_BAN_2014].iloc[0]
    assert ban["start_date"] == "2014-01-12" and "nickel" in ban["material"] and ban["stage"] == "ore_concentrate"


@pytest.mark.snapshot
def test_shipped_treatments_only_other_definitions_are_subsets_of_any(snapshot):
    rows = load_restrictions(snapshot, 1990, 2025).rows
    wide = rows.pivot(index=["iso3", "year"], columns="indicator", values="value").fillna(0)
    for code in DEFINITIONS:
        assert (wide[f"TREAT.{code}.IN_FORCE"] <= wide["TREAT.ANY.IN_FORCE"]).all(), code
    assert (wide["TREAT.ANY.IN_FORCE"] == wide["RESTR.ANY"]).all()
