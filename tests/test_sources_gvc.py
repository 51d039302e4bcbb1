"""Value-chain loaders (ADB MRIO-72, ADB Kazakhstan report, WITS) on the real snapshot."""

from __future__ import annotations

import pandas as pd
import pytest

from griparm_econ.config import Settings
from griparm_econ.errors import DataError
from griparm_econ.sources.snapshot import stored
from griparm_econ.sources.gvc import load_adb, load_adb_kazakhstan, load_gvc, load_wits


def series(rows: pd.DataFrame, iso3: str, indicator: str) -> pd.Series:
    part = rows[(rows["iso3"] == iso3) & (rows["indicator"] == indicator)]
    return part.set_index("year")["value"]


def test_missing_file_names_file(tmp_path):
    (tmp_path / "gvc").mkdir()
    with pytest.raises(DataError) as err:
        load_adb(Settings(data_dir=tmp_path))
    assert "adb_mrio72_gvc_participation_country_total_2017_2022.csv" in err.value.message


@pytest.mark.snapshot
def test_adb_totals_cover_72_economies_2017_2022(snapshot):
    rows = load_adb(snapshot).rows
    forward = rows[rows["indicator"] == "ADB72.TOTAL.FORWARD_SHARE"]
    assert forward["iso3"].nunique() == 73           # 72 economies + ROW
    assert sorted(forward["year"].unique()) == list(range(2017, 2023))
    assert forward["value"].between(0, 1).all()
    for code in ("CHN", "BRA", "KAZ", "JPN", "DEU"):
        assert len(series(rows, code, "ADB72.TOTAL.BACKWARD_SHARE")) == 6


@pytest.mark.snapshot
def test_adb_backward_share_matches_levels_in_source(snapshot):
    # PROVENANCE.md: backward share = GVC_trade_b / Exports exactly; check against the levels in the same file.
    raw = pd.read_csv(stored(snapshot.data_dir, "gvc/adb_mrio72_gvc_participation_country_total_2017_2022.csv"))
    china = raw[(raw["iso3"] == "CHN") & (raw["year"] == 2020)].iloc[0]
    share = series(load_adb(snapshot).rows, "CHN", "ADB72.TOTAL.BACKWARD_SHARE")[2020]
    assert share == pytest.approx(china["gvc_trade_backward_usd_mn"] / china["exports_usd_mn"], rel=1e-12)


@pytest.mark.snapshot
def test_kazakhstan_report_equals_72_economy_file_where_they_overlap(snapshot):
    adb = load_adb(snapshot).rows
    report = load_adb_kazakhstan(snapshot).rows
    for kind in ("FORWARD_SHARE", "BACKWARD_SHARE"):
        long = series(report, "KAZ", f"ADBKAZ.{kind}")
        short = series(adb, "KAZ", f"ADB72.TOTAL.{kind}")
        assert list(long.index) == [2000, *range(2007, 2023)]
        pd.testing.assert_series_equal(long.loc[2017:2022], short, check_names=False, rtol=1e-6)


@pytest.mark.snapshot
def test_wits_mining_rows_use_iso3_codes(snapshot):
    frame = load_wits(snapshot)
    rows = frame.rows
    assert set(rows["indicator"].str.split(".").str[1]) == {"ADB", "WIODO", "WIODLR"}
    adb_codes = set(rows.loc[rows["indicator"].str.startswith("WITS.ADB."), "iso3"])
    assert "CHN" in adb_codes and "PRC" not in adb_codes and "GER" not in adb_codes and "DEU" in adb_codes
    assert "PRC->CHN" in frame.notes[1]


@pytest.mark.snapshot
def test_load_gvc_is_tidy(snapshot):
    rows = load_gvc(snapshot).rows
    assert not rows.duplicated(["iso3", "year", "indicator"]).any()
