"""The issue-13 variables in the built panel: value-chain shares, capacity, named treatments, baselines, price
booms and exposures, each with its provenance and in the coverage report (one build of the shipped data)."""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest

from griparm_econ.catalog import load_catalog
from griparm_econ.config import Settings
from griparm_econ.panel import build_panel, provenance_path

NEW_SOURCES = ("state_capacity", "vdem", "tax_revenue", "prices")
pytestmark = pytest.mark.slow   # every test reads a panel built from the data (about 10 s)


@pytest.fixture(scope="module")
def built(snapshot, tmp_path_factory):
    root = tmp_path_factory.mktemp("measures")
    settings = Settings(data_dir=snapshot.data_dir, work_dir=root / "data", output_dir=root / "output")
    panel = build_panel(settings, echo=None)
    provenance = json.loads(provenance_path(settings).read_text(encoding="utf-8"))
    coverage = pd.read_csv(settings.work_dir / "coverage.csv")
    return panel, provenance, coverage


def _at(panel: pd.DataFrame, iso3: str, year: int, column: str) -> float:
    return float(panel.loc[(panel["iso3"] == iso3) & (panel["year"] == year), column].iloc[0])


@pytest.mark.snapshot
def test_nickel_share_in_the_panel(built):
    panel, _, _ = built
    assert _at(panel, "IDN", 2014, "nickel_processing_share") == pytest.approx(1058062058 / (1058062058 + 85913010),
                                                                            rel=1e-12)
    assert math.isnan(_at(panel, "IDN", 2015, "nickel_processing_share"))     # ore side absent: missing, not 1
    assert _at(panel, "IDN", 2015, "nickel_exports_usd") == 806080509.0
    assert panel["nickel_processing_share"].dropna().between(0, 1).all()


@pytest.mark.snapshot
def test_named_treatments_and_baselines_in_the_panel(built):
    panel, _, _ = built
    assert (panel["restriction_any_in_force"] == panel["export_restriction_any"]).all()
    assert _at(panel, "IDN", 2016, "restriction_first_adoption") == 2002
    assert _at(panel, "IDN", 2016, "restriction_idn_ore_ban_2014_first_adoption") == 2014
    assert _at(panel, "BRA", 2016, "restriction_first_adoption") == 0          # never treated (undated event)
    for name in ("state_capacity_baseline", "hs_capacity_baseline", "restriction_first_adoption"):
        assert (panel.groupby("iso3")[name].nunique(dropna=False) == 1).all(), name
    # China adopts in 1999: its baseline is the mean of WGI state capacity in 1996-1998 (WGI has 1996 and 1998).
    china = panel[(panel["iso3"] == "CHN") & panel["year"].between(1996, 1998)]["state_capacity"].mean()
    assert _at(panel, "CHN", 2010, "state_capacity_baseline") == pytest.approx(china, abs=1e-12)
    # Brazil never adopts: base years 1996-2000.
    brazil = panel[(panel["iso3"] == "BRA") & panel["year"].between(1996, 2000)]["state_capacity"].mean()
    assert _at(panel, "BRA", 2010, "state_capacity_baseline") == pytest.approx(brazil, abs=1e-12)


@pytest.mark.snapshot
def test_price_booms_and_exposures_in_the_panel(built):
    panel, _, _ = built
    year = panel[panel["year"] == 2011]
    assert year["price_boom_nickel"].nunique() == 1                   # a world series, same for every economy
    exposure = panel["nickel_export_share_base"] * panel["price_boom_nickel"]
    pd.testing.assert_series_equal(panel["nickel_price_boom_exposure"], exposure, check_names=False)
    assert panel.loc[panel["year"] == 2025, "price_boom_nickel"].isna().all()   # prices end in 2024


@pytest.mark.snapshot
def test_new_variables_have_provenance_and_coverage(built):
    panel, provenance, coverage = built
    paths = {entry["path"] for entry in provenance["inputs"]}
    for path in ("state_capacity/StateCapacityDataset_v1.csv", "vdem/vdemlite_v14_capacity_subset.csv",
                 "tax_revenue/owid_taxes_ictd_grd_2021.csv", "prices/pinksheet_annual_prices_long.csv",
                 "trade/comtrade_nickel_hs2604_hs75_reporter_world_2001_2024_tidy.csv"):
        assert path in paths, path
    for source in NEW_SOURCES:
        assert provenance["notes"][source] and source in provenance["merge"], source
    assert "Timor" in " ".join(provenance["notes"]["tax_revenue"])
    assert any("baseline of state_capacity" in note for note in provenance["transform_notes"])
    catalog = load_catalog()
    for source in NEW_SOURCES:
        for entry in catalog.by_source(source):
            assert entry.name in set(coverage["variable"]), entry.name
    assert {"nickel_processing_share", "restriction_ore_downstream", "grd_tax_revenue_baseline"} <= set(coverage["variable"])
