"""Capacity and political-economy loaders (Hanson-Sigman, V-Dem v14, GRD) on the shipped data, and the GRD name
mapping (names that do not map are listed and dropped, never guessed)."""

from __future__ import annotations

import pandas as pd
import pytest

from griparm_econ.config import Settings
from griparm_econ.errors import DataError
from griparm_econ.sources.state_capacity import load_state_capacity
from griparm_econ.sources.tax_revenue import grd_codes, load_tax_revenue
from griparm_econ.sources.vdem import load_vdem


def _value(rows, iso3, year, indicator):
    hit = rows[(rows["iso3"] == iso3) & (rows["year"] == year) & (rows["indicator"] == indicator)]
    assert len(hit) == 1, (iso3, year, indicator)
    return float(hit["value"].iloc[0])


@pytest.mark.parametrize("loader, folder, name", [
    (load_state_capacity, "state_capacity", "StateCapacityDataset_v1.csv"),
    (load_vdem, "vdem", "vdemlite_v14_capacity_subset.csv"),
    (load_tax_revenue, "tax_revenue", "owid_taxes_ictd_grd_2021.csv"),
])
def test_missing_file_names_file_and_docs_section(tmp_path, loader, folder, name):
    (tmp_path / folder).mkdir()
    with pytest.raises(DataError) as err:
        loader(Settings(data_dir=tmp_path))
    assert name in err.value.message and f"Data availability: {folder}" in err.value.message


def test_grd_name_mapping_lists_what_does_not_map():
    names = pd.Series(["Democratic Republic of Congo", "Cote d'Ivoire", "South Korea", "Timor", "Atlantis"])
    codes, unmapped = grd_codes(names)
    assert list(codes[:3]) == ["COD", "CIV", "KOR"]
    assert codes[3:].isna().all()
    assert unmapped == ["Atlantis", "Timor"]      # listed, not matched by hand


@pytest.mark.snapshot
def test_hanson_sigman_known_values(snapshot):
    frame = load_state_capacity(snapshot)
    rows = frame.rows
    # Raw row "79.0,Indonesia,2010.0,IDN,...,0.6362,0.2852692,...": Capacity 0.6362, Capacity_sd 0.2852692.
    assert _value(rows, "IDN", 2010, "HS.CAPACITY") == pytest.approx(0.6362, abs=1e-12)
    assert _value(rows, "IDN", 2010, "HS.CAPACITY_SD") == pytest.approx(0.2852692, abs=1e-9)
    assert rows["year"].between(1960, 2015).all()
    capacity = rows[rows["indicator"] == "HS.CAPACITY"]
    assert len(capacity) == 8254 and capacity["iso3"].nunique() == 175      # PROVENANCE.md


@pytest.mark.snapshot
def test_vdem_known_values(snapshot):
    rows = load_vdem(snapshot).rows
    # Raw row "Indonesia,IDN,56.0,2014,0.415,...": v2clrspct 0.415; v2x_corr is the 7th column.
    assert _value(rows, "IDN", 2014, "VDEM.V2CLRSPCT") == 0.415
    assert _value(rows, "CHN", 2010, "VDEM.V2CLRSPCT") == -0.685
    assert _value(rows, "CHN", 2010, "VDEM.V2X_CORR") == 0.551
    assert rows["year"].between(1970, 2023).all()


@pytest.mark.snapshot
def test_grd_known_values_and_unmapped_names(snapshot):
    frame = load_tax_revenue(snapshot)
    rows = frame.rows
    assert _value(rows, "KAZ", 2010, "GRD.TOTAL_TAX_GDP") == pytest.approx(23.767486, abs=1e-9)
    assert _value(rows, "AFG", 2003, "GRD.TOTAL_TAX_GDP") == pytest.approx(2.512631, abs=1e-9)
    # "Timor" is the only name coco does not map: its rows are dropped and the name is listed.
    assert frame.provenance[0]["unmapped_names"] == ["Timor"]
    assert "Timor" in frame.notes[0]
    assert "TLS" not in set(rows["iso3"])
    assert not rows.duplicated(["iso3", "year", "indicator"]).any()
