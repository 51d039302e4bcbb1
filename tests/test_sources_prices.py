"""Pink Sheet price booms: the HP-filter cycle against statsmodels called directly, on the shipped prices."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from statsmodels.tsa.filters.hp_filter import hpfilter

from griparm_econ.config import Settings
from griparm_econ.errors import DataError
from griparm_econ.sources.prices import (BASE_METALS, HP_LAMBDA, PINKSHEET_FILE, boom_indicator, load_prices,
                                         price_booms, price_indicator)


def _raw_real(snapshot: Settings, commodity: str) -> pd.Series:
    from griparm_econ.sources.snapshot import locate

    raw = pd.read_csv(locate(snapshot.data_dir / "prices", PINKSHEET_FILE))
    series = raw[(raw["price_type"] == "real_2010_usd") & (raw["commodity"] == commodity)]
    return series.set_index("year")["value"].sort_index()


def _series(rows: pd.DataFrame, indicator: str) -> pd.Series:
    part = rows[rows["indicator"] == indicator]
    assert (part["iso3"] == "WLD").all()
    return part.set_index("year")["value"].sort_index()


def test_missing_file_names_file_and_docs_section(tmp_path):
    (tmp_path / "prices").mkdir()
    with pytest.raises(DataError) as err:
        load_prices(Settings(data_dir=tmp_path))
    assert PINKSHEET_FILE in err.value.message and "Data availability: prices" in err.value.message


def test_boom_is_statsmodels_hp_cycle_of_the_log_price():
    rng = np.random.default_rng(7)
    years = np.arange(1960, 2025)
    price = np.exp(np.cumsum(rng.normal(0, 0.2, len(years))) + 8)
    rows = price_booms(pd.DataFrame({"commodity": "NICKEL", "year": years, "value": price}))
    cycle, trend = hpfilter(np.log(price), lamb=6.25)
    assert np.allclose(_series(rows, boom_indicator("NICKEL")).to_numpy(), cycle, rtol=0, atol=1e-12)
    assert np.allclose(_series(rows, price_indicator("NICKEL")).to_numpy(), price, rtol=0, atol=0)
    # A linear log trend has no cycle: HP passes it through whole.
    linear = price_booms(pd.DataFrame({"commodity": "TIN", "year": years, "value": np.exp(0.03 * (years - 1960))}))
    assert np.abs(_series(linear, boom_indicator("TIN"))).max() < 1e-9


def test_a_gap_or_nonpositive_price_is_an_error():
    years = [2000, 2001, 2003]
    with pytest.raises(DataError, match="gap"):
        price_booms(pd.DataFrame({"commodity": "ZINC", "year": years, "value": [1.0, 2.0, 3.0]}))
    with pytest.raises(DataError, match="non-positive"):
        price_booms(pd.DataFrame({"commodity": "ZINC", "year": [2000, 2001], "value": [1.0, 0.0]}))


@pytest.mark.snapshot
def test_shipped_booms_match_statsmodels_directly(snapshot):
    frame = load_prices(snapshot)
    rows = frame.rows
    raw = _raw_real(snapshot, "Nickel")
    assert raw.loc[2014] == 15605.8899153195                    # the raw file's real 2010-US$ nickel price, 2014
    assert _series(rows, price_indicator("NICKEL")).loc[2014] == raw.loc[2014]
    cycle, _ = hpfilter(np.log(raw.to_numpy()), lamb=HP_LAMBDA)
    assert np.allclose(_series(rows, boom_indicator("NICKEL")).to_numpy(), cycle, rtol=0, atol=1e-12)
    assert list(_series(rows, boom_indicator("NICKEL")).index) == list(range(1960, 2025))
    metals = pd.concat([_series(rows, boom_indicator(code)) for code in BASE_METALS], axis=1).mean(axis=1)
    assert np.allclose(_series(rows, boom_indicator("METALS")).to_numpy(), metals.to_numpy(), atol=1e-15)
    assert "lambda 6.25" in frame.notes[0]
