"""Production loaders (USGS MCS editions, BGS) on the real snapshot."""

from __future__ import annotations

import pytest

from griparm_econ.config import Settings
from griparm_econ.errors import DataError
from griparm_econ.sources.production import load_bgs_rare_earths, load_production, load_usgs_rare_earths

PRODUCTION = "USGS.REE.MINE_PRODUCTION_T"


@pytest.fixture(scope="module")
def usgs(snapshot):
    return load_usgs_rare_earths(snapshot)


def value(rows, iso3, year, indicator):
    hit = rows[(rows["iso3"] == iso3) & (rows["year"] == year) & (rows["indicator"] == indicator)]
    assert len(hit) <= 1
    return None if hit.empty else float(hit["value"].iloc[0])


def test_missing_file_names_file(tmp_path):
    (tmp_path / "production").mkdir()
    with pytest.raises(DataError) as err:
        load_usgs_rare_earths(Settings(data_dir=tmp_path))
    assert "usgs_mcs_rare_earths_mine_production_reserves_by_country_2020_2025.csv" in err.value.message
    assert "Data availability: production" in err.value.message


@pytest.mark.snapshot
def test_newest_edition_is_the_default(usgs):
    rows = usgs.rows
    # PROVENANCE.md: China 2023 = 240,000 t in MCS2024, revised to 255,000 t in MCS2025.
    assert value(rows, "CHN", 2023, f"{PRODUCTION}.MCS2024") == 240_000
    assert value(rows, "CHN", 2023, f"{PRODUCTION}.MCS2025") == 255_000
    assert value(rows, "CHN", 2023, PRODUCTION) == 255_000
    assert value(rows, "CHN", 2025, PRODUCTION) == 270_000
    assert value(rows, "CHN", 2020, PRODUCTION) == 140_000     # only MCS2022 has 2020


@pytest.mark.snapshot
def test_no_number_in_newest_edition_falls_back_and_is_reported(usgs):
    # MCS2025 prints no number for Canada 2023; MCS2024 does.
    assert value(usgs.rows, "CAN", 2023, f"{PRODUCTION}.MCS2025") is None
    assert value(usgs.rows, "CAN", 2023, PRODUCTION) == value(usgs.rows, "CAN", 2023, f"{PRODUCTION}.MCS2024")
    assert "CAN 2023" in usgs.notes[1]


@pytest.mark.snapshot
def test_names_harmonised_and_world_total(usgs):
    codes = set(usgs.rows["iso3"])
    assert {"CHN", "USA", "MMR", "RUS", "VNM", "TZA", "WLD"} <= codes
    assert "KAZ" not in codes and "JPN" not in codes
    # World 2024: 390,000 t in MCS2025, revised to 380,000 t in MCS2026 (the newest, hence the default).
    assert value(usgs.rows, "WLD", 2024, f"{PRODUCTION}.MCS2025") == 390_000
    assert value(usgs.rows, "WLD", 2024, PRODUCTION) == 380_000


@pytest.mark.snapshot
def test_bgs_oxides_and_codes(snapshot):
    rows = load_bgs_rare_earths(snapshot).rows
    assert value(rows, "CHN", 2023, "BGS.REE.OXIDES_T") == 255_000
    assert "ZAR" not in set(rows["iso3"])
    assert not rows.duplicated(["iso3", "year", "indicator"]).any()


@pytest.mark.snapshot
def test_load_production_is_tidy(snapshot):
    rows = load_production(snapshot).rows
    assert list(rows.columns) == ["iso3", "year", "indicator", "value"]
    assert rows["value"].notna().all()


def test_country_names_to_iso3_with_unknowns_as_none():
    from griparm_econ.sources.country_names import eu_members, names_to_iso3

    codes = names_to_iso3(["Burma", "DR Congo", "Turkiye", "People's Republic of China", "Other countries"])
    assert codes == {"Burma": "MMR", "DR Congo": "COD", "Turkiye": "TUR", "People's Republic of China": "CHN",
                     "Other countries": None}
    assert "GBR" in eu_members(2020) and "GBR" not in eu_members(2021) and "HRV" not in eu_members(2012)
