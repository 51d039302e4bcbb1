"""Restriction measures: the in-force logic on small hand-made event tables, and the real events file."""

from __future__ import annotations

import pandas as pd
import pytest

from griparm_econ.config import Settings
from griparm_econ.errors import DataError
from griparm_econ.sources.country_names import eu_members
from griparm_econ.sources.restrictions import (gta_counts, iea_policy_counts, load_restrictions, prepare_events,
                                               prepare_iea, read_events, restriction_measures)


def events_table(*rows: tuple) -> pd.DataFrame:
    """Rows as the file has them: every cell text, empty = ''."""
    columns = ["iso3", "material", "measure", "start_year", "end_year", "source_note"]
    return pd.DataFrame([[str(v) for v in row] for row in rows], columns=columns)


def measures(raw: pd.DataFrame, first: int = 2000, last: int = 2010) -> pd.DataFrame:
    events, _ = prepare_events(raw)
    long = restriction_measures(events, first, last)
    return long.pivot(index=["iso3", "year"], columns="indicator", values="value")


def test_event_in_force_from_start_to_end_inclusive():
    wide = measures(events_table(("AAA", "copper ore", "export_ban", "2003", "2005", "")))
    assert wide.loc["AAA"].index.tolist() == [2003, 2004, 2005]
    assert (wide.loc["AAA", "RESTR.ANY"] == 1).all()
    assert (wide.loc["AAA", "RESTR.BAN_COUNT"] == 1).all()


def test_empty_end_year_means_in_force_through_last_panel_year():
    wide = measures(events_table(("AAA", "nickel ore", "export_tax", "2008", "", "")), last=2012)
    assert wide.loc["AAA"].index.tolist() == [2008, 2009, 2010, 2011, 2012]


def test_window_clips_events_and_future_events_are_not_in_force():
    wide = measures(events_table(("AAA", "ore", "export_quota", "1995", "2001", ""),
                                 ("BBB", "ore", "export_ban", "2029", "", "")), first=2000, last=2010)
    assert wide.loc["AAA"].index.tolist() == [2000, 2001]
    assert "BBB" not in wide.index.get_level_values("iso3")


def test_counts_by_type_and_overlap():
    raw = events_table(
        ("AAA", "tungsten", "export_quota", "2000", "2004", ""),
        ("AAA", "tungsten", "export_tax", "2002", "", ""),
        ("AAA", "molybdenum", "export_tax", "2003", "2003", ""),
        ("AAA", "gallium", "export_licence", "2004", "", ""),
        ("AAA", "germanium", "export_control", "2004", "", ""),
        ("AAA", "coal", "other", "2001", "", ""),
    )
    wide = measures(raw, last=2005).loc["AAA"]
    assert wide.loc[2000, "RESTR.COUNT"] == 1
    assert wide.loc[2001, "RESTR.COUNT"] == 1           # "other" is not a restriction ...
    assert wide.loc[2001, "RESTR.OTHER_COUNT"] == 1     # ... it is counted on its own
    assert wide.loc[2003, "RESTR.TAX_COUNT"] == 2
    assert wide.loc[2003, "RESTR.COUNT"] == 3
    assert wide.loc[2004, "RESTR.LICENCE_CONTROL_COUNT"] == 2
    assert wide.loc[2004, "RESTR.COUNT"] == 4
    assert wide.loc[2005, "RESTR.QUOTA_COUNT"] == 0
    assert wide.loc[2005, "RESTR.COUNT"] == 3


def test_only_other_measures_give_any_zero():
    wide = measures(events_table(("AAA", "rare earths", "other", "2005", "2006", ""))).loc["AAA"]
    assert (wide["RESTR.ANY"] == 0).all() and (wide["RESTR.OTHER_COUNT"] == 1).all()
    assert (wide["RESTR.REE_ANY"] == 0).all()


def test_rare_earth_flag_from_material():
    raw = events_table(("AAA", "rare earths (oxides)", "export_quota", "2004", "2006", ""),
                       ("AAA", "neodymium", "export_tax", "2006", "2006", ""),
                       ("AAA", "cobalt", "export_ban", "2001", "", ""))
    wide = measures(raw).loc["AAA"]
    assert wide.loc[2003, "RESTR.REE_ANY"] == 0
    assert wide.loc[2004, "RESTR.REE_ANY"] == 1
    assert wide.loc[2006, "RESTR.REE_COUNT"] == 2
    assert wide.loc[2007, "RESTR.REE_ANY"] == 0 and wide.loc[2007, "RESTR.ANY"] == 1


def test_undated_rows_are_excluded_and_reported():
    raw = events_table(("AAA", "tin", "export_quota", "", "2006", ""), ("AAA", "tin", "export_tax", "2002", "2002", ""))
    events, notes = prepare_events(raw)
    assert events["role"].tolist() == ["undated", "restriction"]
    assert "start_year is empty (1)" in notes[1]
    wide = measures(raw).loc["AAA"]
    assert wide.index.tolist() == [2002]


def test_rate_changes_within_a_regime_do_not_add_restrictions():
    raw = events_table(
        ("AAA", "rare earths", "export_tax", "2002", "2006", "duties since 2002. Rate changes are separate rows"),
        ("AAA", "rare earths (oxides)", "export_tax", "2003", "", "Rate change within the 2002-2006 duty regime"),
        ("AAA", "neodymium", "export_tax", "2005", "", "tariff raised"),   # nested, same class: also a rate change
        ("AAA", "tungsten", "export_tax", "2004", "", "not rare earths: a separate restriction"),
    )
    events, _ = prepare_events(raw)
    assert events["role"].tolist() == ["restriction", "amendment", "amendment", "restriction"]
    wide = measures(raw).loc["AAA"]
    assert wide.loc[2005, "RESTR.TAX_COUNT"] == 2
    assert wide.loc[2007, "RESTR.TAX_COUNT"] == 1        # regime over; the nested rate changes end with it
    assert wide.loc[2007, "RESTR.REE_ANY"] == 0


def test_superseded_rows_end_the_year_before_the_new_regime():
    raw = events_table(("AAA", "ores", "export_ban", "2002", "", "Superseded by the 12 Jan 2006 regime"),
                       ("AAA", "ores", "export_ban", "2006", "", ""))
    wide = measures(raw).loc["AAA"]
    assert wide.loc[2005, "RESTR.BAN_COUNT"] == 1
    assert wide.loc[2006, "RESTR.BAN_COUNT"] == 1
    assert wide.loc[2010, "RESTR.BAN_COUNT"] == 1


def test_eu_measures_apply_to_member_states_of_the_year():
    wide = measures(events_table(("EUU", "black mass", "export_ban", "2004", "2007", "")))
    iso3 = wide.index.get_level_values("iso3")
    assert "EUU" not in iso3
    assert set(wide.xs(2004, level="year").index) == set(eu_members(2004))
    assert "POL" in wide.xs(2004, level="year").index and "ROU" not in wide.xs(2004, level="year").index
    assert "ROU" in wide.xs(2007, level="year").index


def test_iea_counts_in_force_families_and_eu():
    raw = pd.DataFrame([
        {"title": "a", "status": "In force", "year": "2020", "yearEnded": "",
         "countries": '[{"iso3":"AAA","name":"A"}]',
         "policyType": '[{"family":"Trade","name":"Export and import ban"},{"family":"Trade","name":"Tariffs and duties"}]'},
        {"title": "b", "status": "Ended", "year": "2018", "yearEnded": "2020",
         "countries": '[{"iso3":"AAA","name":"A"}]', "policyType": '[{"family":"Economic","name":"Financing"}]'},
        {"title": "c", "status": "Announced", "year": "2021", "yearEnded": "",
         "countries": '[{"iso3":"AAA","name":"A"}]', "policyType": '[{"family":"Economic","name":"Financing"}]'},
        {"title": "d", "status": "In force", "year": "2021", "yearEnded": "",
         "countries": '[{"iso3":"EUR","name":"European Union"}]',
         "policyType": '[{"family":"Prescriptive","name":"Traceability"}]'},
    ])
    policies, _ = prepare_iea(raw)
    wide = iea_policy_counts(policies, 2015, 2022).pivot(index=["iso3", "year"], columns="indicator", values="value")
    aaa = wide.loc["AAA"]
    assert aaa.loc[2018, "IEA.COUNT"] == 1 and aaa.loc[2018, "IEA.ECONOMIC_COUNT"] == 1
    assert aaa.loc[2020, "IEA.COUNT"] == 2
    assert aaa.loc[2020, "IEA.TRADE_COUNT"] == 1                 # two trade types, one policy
    assert aaa.loc[2020, "IEA.EXPORT_RESTRICTION_COUNT"] == 1
    assert aaa.loc[2022, "IEA.COUNT"] == 1                       # the Announced policy never counts
    assert wide.loc[("DEU", 2021), "IEA.PRESCRIPTIVE_COUNT"] == 1
    assert ("DEU", 2020) not in wide.index


def test_gta_counts_from_implementation_year():
    frame = pd.DataFrame([
        {"id": "1", "iso3": "AAA", "year": 2019, "deal_type": "Trade Control", "intervention_type": "Export ban"},
        {"id": "2", "iso3": "AAA", "year": 2021, "deal_type": "Subsidy", "intervention_type": "Financial grant"},
        {"id": "3", "iso3": "AAA", "year": 2021, "deal_type": "Trade Control", "intervention_type": "Import tariff"},
    ])
    wide = gta_counts(frame, 2018, 2022).pivot(index=["iso3", "year"], columns="indicator", values="value")
    assert wide.loc[("AAA", 2019), "GTA.EXPORT_MEASURES_COUNT"] == 1
    assert pd.isna(wide.loc[("AAA", 2020), "GTA.SUBSIDIES_COUNT"])
    assert wide.loc[("AAA", 2022), "GTA.SUBSIDIES_COUNT"] == 1
    assert ("AAA", 2018) not in wide.index


def test_end_before_start_is_an_error():
    with pytest.raises(DataError, match="row 3"):
        prepare_events(events_table(("AAA", "ore", "export_ban", "2003", "2005", ""),
                                    ("AAA", "ore", "export_ban", "2006", "2004", "")))


def test_missing_files_raise_one_error_naming_file_and_docs(tmp_path):
    (tmp_path / "restrictions").mkdir()
    with pytest.raises(DataError) as err:
        read_events(Settings(data_dir=tmp_path))
    assert "export_restrictions_events.csv" in err.value.message and "docs/data.md" in err.value.message
    with pytest.raises(DataError) as err:
        read_events(Settings(data_dir=None))
    assert "no data directory" in err.value.message


# ---------------------------------------------------------------------------------------------------------------
# Real snapshot


@pytest.mark.snapshot
def test_snapshot_china_rare_earth_regime(snapshot):
    frame = load_restrictions(snapshot, 1990, 2025)
    wide = frame.rows.pivot(index=["iso3", "year"], columns="indicator", values="value")
    china = wide.loc["CHN"]
    # Quota regime 1999-2014 (METI, the version source_note keeps); duties 2006 - May 2015. Nothing is in force
    # before 1999 (the treatment cohort series TREAT.*.FIRST_YEAR/ADOPTED have a row in every year by design).
    in_force = [c for c in china.columns if c.startswith("RESTR.") or c.endswith(".IN_FORCE")]
    assert china.loc[:1998, in_force].fillna(0).eq(0).all().all()
    assert china.loc[1998, "TREAT.ANY.FIRST_YEAR"] == 1999 and china.loc[1998, "TREAT.ANY.ADOPTED"] == 0
    assert china.loc[1999, "RESTR.QUOTA_COUNT"] == 1 and china.loc[2014, "RESTR.QUOTA_COUNT"] == 1
    assert china.loc[2015, "RESTR.QUOTA_COUNT"] == 0
    assert china.loc[2012, "RESTR.TAX_COUNT"] == 1          # rate-change rows are not extra duties
    assert china.loc[2016, "RESTR.TAX_COUNT"] == 0
    assert china.loc[2010, "RESTR.BAN_COUNT"] == 1 and china.loc[2011, "RESTR.BAN_COUNT"] == 0
    assert (china.loc[1999:2025, "RESTR.REE_ANY"] == 1).all()


@pytest.mark.snapshot
def test_snapshot_events_govern_over_iea_status(snapshot):
    # Malaysia: IEA lists the rare-earth ban as "Announced"; the events file (source_note) has it in force 2024.
    wide = load_restrictions(snapshot, 1990, 2025).rows.pivot(index=["iso3", "year"], columns="indicator",
                                                               values="value")
    assert wide.loc[("MYS", 2024), "RESTR.REE_ANY"] == 1
    before = wide.loc[("MYS", 2023), "RESTR.ANY"] if ("MYS", 2023) in wide.index else 0
    assert pd.isna(before) or before == 0


@pytest.mark.snapshot
def test_snapshot_notes_account_for_every_event(snapshot):
    events = read_events(snapshot)
    assert len(events.rows) == 80
    assert events.rows["role"].value_counts().to_dict() == {"restriction": 64, "undated": 12, "amendment": 4}
