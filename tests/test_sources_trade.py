"""Rare-earth trade loaders (OEC HS 2846, Comtrade, BACI Kazakhstan) on the real snapshot."""

from __future__ import annotations

import pytest

from griparm_econ.config import Settings
from griparm_econ.errors import DataError
from griparm_econ.sources.trade import (OEC_EXPORTS, OEC_IMPORTS, load_baci_kazakhstan, load_comtrade, load_oec,
                                        load_trade)


def value(rows, iso3, year, indicator):
    hit = rows[(rows["iso3"] == iso3) & (rows["year"] == year) & (rows["indicator"] == indicator)]
    assert len(hit) == 1, (iso3, year, indicator)
    return float(hit["value"].iloc[0])


def test_missing_file_names_file_and_docs_section(tmp_path):
    (tmp_path / "trade").mkdir()
    with pytest.raises(DataError) as err:
        load_oec(Settings(data_dir=tmp_path))
    message = err.value.message
    assert "oec_hs2846_rare_earth_compounds_country_year_1995_2022.csv" in message
    assert "docs/data.md" in message and "Data availability: trade" in message


@pytest.mark.snapshot
def test_oec_rows_and_coverage(snapshot):
    frame = load_oec(snapshot)
    rows = frame.rows
    economies = rows[rows["iso3"] != "WLD"]
    # PROVENANCE.md: 1,874 country-years, 138 economies, 1995-2022.
    assert (economies["indicator"] == OEC_EXPORTS).sum() == 1874
    assert economies["iso3"].nunique() == 138
    assert economies["year"].between(1995, 2022).all()
    china = economies[(economies["iso3"] == "CHN") & (economies["indicator"] == OEC_EXPORTS)]
    assert sorted(china["year"]) == list(range(1995, 2023))
    assert 1998 not in set(economies.loc[(economies["iso3"] == "BRA"), "year"])   # a gap stays a gap
    assert frame.provenance[0]["path"] == "trade/oec_hs2846_rare_earth_compounds_country_year_1995_2022.csv"
    assert len(frame.provenance[0]["sha256"]) == 64


@pytest.mark.snapshot
def test_oec_world_total_is_sum_of_listed_economies(snapshot):
    rows = load_oec(snapshot).rows
    for indicator in (OEC_EXPORTS, OEC_IMPORTS):
        part = rows[(rows["indicator"] == indicator) & (rows["year"] == 2010)]
        world = part.loc[part["iso3"] == "WLD", "value"].iloc[0]
        assert world == pytest.approx(part.loc[part["iso3"] != "WLD", "value"].sum(), rel=1e-12)


@pytest.mark.snapshot
def test_oec_agrees_with_baci_for_kazakhstan_2019(snapshot):
    # OEC's HS92 tables are built on BACI: Kazakhstan's 2019 HS 2846 exports equal BACI HS02 284610 + 284690
    # (BACI in thousand USD; 284690 = 114.934 thousand per the file, no 284610 row in 2019).
    oec = value(load_oec(snapshot).rows, "KAZ", 2019, OEC_EXPORTS)
    baci = load_baci_kazakhstan(snapshot).rows
    ree = baci[(baci["year"] == 2019) & baci["indicator"].isin(["BACI.KAZ.HS284610_USD_THOUSANDS",
                                                                  "BACI.KAZ.HS284690_USD_THOUSANDS"])]
    assert oec == pytest.approx(ree["value"].sum() * 1000, rel=1e-9)
    assert value(baci, "KAZ", 2021, "BACI.KAZ.HS284690_USD_THOUSANDS") == pytest.approx(3740.374)


@pytest.mark.snapshot
def test_comtrade_keeps_world_partner_rows_only(snapshot):
    frame = load_comtrade(snapshot)
    rows = frame.rows
    assert set(rows["iso3"]) == {"CHN", "USA"}
    assert set(rows["indicator"]) == {"COMTRADE.HS2846.EXPORTS_USD", "COMTRADE.HS2846.IMPORTS_USD",
                                      "COMTRADE.HS280530.EXPORTS_USD", "COMTRADE.HS280530.IMPORTS_USD"}
    assert rows["year"].between(2020, 2024).all()
    assert not rows.duplicated(["iso3", "year", "indicator"]).any()
    assert "40 bilateral" in frame.notes[0]


@pytest.mark.snapshot
def test_baci_groups_total_is_sum_of_groups(snapshot):
    rows = load_baci_kazakhstan(snapshot).rows
    groups = rows[rows["indicator"].str.startswith("BACI.KAZ.") & ~rows["indicator"].str.contains("HS|TOTAL")]
    year = groups[groups["year"] == 2015]
    assert len(year) == 10
    assert value(rows, "KAZ", 2015, "BACI.KAZ.TOTAL_USD_THOUSANDS") == pytest.approx(year["value"].sum(), rel=1e-9)


@pytest.mark.snapshot
def test_load_trade_is_tidy(snapshot):
    rows = load_trade(snapshot).rows
    assert list(rows.columns) == ["iso3", "year", "indicator", "value"]
    assert not rows.duplicated(["iso3", "year", "indicator"]).any()
    assert rows["value"].notna().all()
