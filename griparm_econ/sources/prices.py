"""Commodity price booms from the World Bank Pink Sheet (annual prices, release of 2 May 2025, 1960-2024).

A price boom is the cyclical component of the log real price: ``boom_t = log p_t - trend_t``, where the trend is
the Hodrick-Prescott trend with lambda = 6.25 (the Ravn-Uhlig value for annual data), computed by
``statsmodels.tsa.filters.hp_filter.hpfilter`` on each mineral's whole annual series 1960-2024 (real prices in
constant 2010 US dollars, the Pink Sheet's own deflation by the MUV index). A positive value means the price is
above its trend (a boom). The filter is two-sided: a year's value depends on later prices too (fine for describing
booms, not a forecastable shock), and the last years of the series are less reliable (end-point problem).

The booms are world series (one value per year): the loader emits them with the code WLD; the catalog broadcasts
them to every economy (``year_series``). ``METALS`` is the equal-weighted mean of the base-metal and iron-ore booms
(no per-mineral export weights exist for most countries in the data at hand; see docs/data.md).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from griparm_econ.config import Settings
from griparm_econ.errors import DataError
from griparm_econ.sources import SourceFrame
from griparm_econ.sources._files import describe_file, require_file, tidy_long

FOLDER = "prices"
PINKSHEET_FILE = "pinksheet_annual_prices_long.csv"
PRICE_TYPE = "real_2010_usd"
HP_LAMBDA = 6.25
WORLD = "WLD"

# Pink Sheet commodity label -> code used here. Minerals only (the Pink Sheet has no rare-earth, lithium, cobalt or
# bauxite prices).
MINERALS = {
    "Aluminum": "ALUMINIUM",
    "Copper": "COPPER",
    "Iron ore, cfr spot": "IRON_ORE",
    "Lead": "LEAD",
    "Nickel": "NICKEL",
    "Tin": "TIN",
    "Zinc": "ZINC",
    "Gold": "GOLD",
    "Silver": "SILVER",
    "Platinum": "PLATINUM",
    "Phosphate rock": "PHOSPHATE_ROCK",
}
BASE_METALS = ("ALUMINIUM", "COPPER", "IRON_ORE", "LEAD", "NICKEL", "TIN", "ZINC")


def boom_indicator(code: str) -> str:
    return f"PINK.{code}.BOOM"


def price_indicator(code: str) -> str:
    return f"PINK.{code}.REAL_2010_USD"


def hp_cycle(log_price: pd.Series, lamb: float = HP_LAMBDA) -> pd.Series:
    """Cyclical component of a gap-free annual series (statsmodels' HP filter)."""
    from statsmodels.tsa.filters.hp_filter import hpfilter

    cycle, _ = hpfilter(log_price.to_numpy(dtype="float64"), lamb=lamb)
    return pd.Series(np.asarray(cycle), index=log_price.index)


def price_booms(prices: pd.DataFrame, lamb: float = HP_LAMBDA) -> pd.DataFrame:
    """From long real prices (``commodity`` code, ``year``, ``value``) to long rows: the real price and its boom
    per mineral, plus the equal-weighted base-metals boom; all with iso3 = WLD. Pure, for tests."""
    rows = []
    for code, series in prices.groupby("commodity", sort=True):
        series = series.set_index("year")["value"].sort_index()
        years = series.index.to_numpy()
        if (np.diff(years) != 1).any() or (series <= 0).any():
            raise DataError(f"the {code} price series has a gap or a non-positive price.", where=PINKSHEET_FILE,
                            field=code, fix="the HP filter needs an unbroken positive annual series; restore the "
                                            "file (prices/PROVENANCE.md).")
        cycle = hp_cycle(np.log(series), lamb)
        rows.append(pd.DataFrame({"year": years, "indicator": price_indicator(code), "value": series.to_numpy()}))
        rows.append(pd.DataFrame({"year": years, "indicator": boom_indicator(code), "value": cycle.to_numpy()}))
    out = pd.concat(rows, ignore_index=True)
    metals = out[out["indicator"].isin([boom_indicator(c) for c in BASE_METALS])]
    complete = metals.groupby("year")["value"].agg(["mean", "count"])
    complete = complete[complete["count"] == len(BASE_METALS)]
    out = pd.concat([out, pd.DataFrame({"year": complete.index, "indicator": boom_indicator("METALS"),
                                        "value": complete["mean"].to_numpy()})], ignore_index=True)
    out["iso3"] = WORLD
    return out


def load_prices(settings: Settings) -> SourceFrame:
    """Real (2010 US$) annual prices of the Pink Sheet's minerals and their HP-filter booms, as world series."""
    path = require_file(settings, FOLDER, PINKSHEET_FILE, "prices")
    raw = pd.read_csv(path, dtype={"commodity": str, "price_type": str})
    missing = [c for c in ("year", "price_type", "commodity", "value") if c not in raw.columns]
    if missing:
        raise DataError(f"expected columns {missing} are missing.", where=path, field=", ".join(missing),
                        fix="use the file described in prices/PROVENANCE.md (its header must not be edited).")
    real = raw[(raw["price_type"] == PRICE_TYPE) & raw["commodity"].isin(list(MINERALS))]
    absent = sorted(set(MINERALS) - set(real["commodity"]))
    if absent or real.duplicated(["commodity", "year"]).any():
        raise DataError(f"mineral price series missing ({absent}) or duplicated.", where=path, field="commodity",
                        fix="restore the file (prices/PROVENANCE.md); it has one real price per mineral and year.")
    real = real.assign(commodity=real["commodity"].map(MINERALS))
    rows = price_booms(real[["commodity", "year", "value"]])
    notes = (f"Pink Sheet real prices (constant 2010 US$); boom = log real price minus its Hodrick-Prescott trend, "
             f"lambda {HP_LAMBDA:g} (annual data; statsmodels hpfilter), each mineral's whole series "
             f"{int(real['year'].min())}-{int(real['year'].max())}; two-sided filter, end years less reliable.",
             "METALS boom = equal-weighted mean of the booms of " + ", ".join(BASE_METALS).lower() + ".")
    return SourceFrame("prices", tidy_long(rows),
                       (describe_file(settings, path, vintage="World Bank Pink Sheet, updated 2025-05-02",
                                      rows=len(raw)),), notes)
