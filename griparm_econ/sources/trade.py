"""Rare-earth trade: OEC HS 2846 country totals, the UN Comtrade CHN/USA extract, BACI exports of Kazakhstan.

Every loader returns long rows ``iso3, year, indicator, value``. Codes stay as the source gives them (the panel
merge decides what is an economy and counts what it drops). No source is spliced into another: each keeps its own
indicator codes, because OEC (HS92, reconciled BACI), Comtrade (as reported, HS 2017/2022) and BACI HS02 differ.
"""

from __future__ import annotations

import pandas as pd

from griparm_econ.config import Settings
from griparm_econ.errors import DataError
from griparm_econ.sources import SourceFrame
from griparm_econ.sources._files import combine, describe_file, require_file, tidy_long
from griparm_econ.sources.country_names import fix_codes
from griparm_econ.sources.trade_nickel import load_nickel

FOLDER = "trade"
OEC_FILE = "oec_hs2846_rare_earth_compounds_country_year_1995_2022.csv"
COMTRADE_FILE = "comtrade_ree_hs2846_280530_chn_usa_2020_2024.csv"
BACI_GROUPS_FILE = "baci_hs02_kazakhstan_exports_by_product_group_2002_2021.csv"
BACI_HS6_FILE = "baci_hs02_kazakhstan_exports_hs6_2002_2019_2021.csv"

OEC_EXPORTS = "OEC.HS2846.EXPORTS_USD"
OEC_IMPORTS = "OEC.HS2846.IMPORTS_USD"
WORLD = "WLD"

# BACI product groups of the Kazakhstan chart data, by the code used here (values: thousand current USD).
BACI_GROUPS = {
    "Minerals: ores": "BACI.KAZ.ORES_USD_THOUSANDS",
    "Metals: ferroalloys": "BACI.KAZ.FERROALLOYS_USD_THOUSANDS",
    "Metals: copper": "BACI.KAZ.COPPER_USD_THOUSANDS",
    "Metals: others": "BACI.KAZ.OTHER_METALS_USD_THOUSANDS",
    "Minerals: crude oil": "BACI.KAZ.CRUDE_OIL_USD_THOUSANDS",
    "Minerals: natural gas": "BACI.KAZ.NATURAL_GAS_USD_THOUSANDS",
    "Minerals: others": "BACI.KAZ.OTHER_MINERALS_USD_THOUSANDS",
    "Chemicals": "BACI.KAZ.CHEMICALS_USD_THOUSANDS",
    "Food": "BACI.KAZ.FOOD_USD_THOUSANDS",
    "Others": "BACI.KAZ.OTHERS_USD_THOUSANDS",
    "Total": "BACI.KAZ.TOTAL_USD_THOUSANDS",
}
# Rare-earth HS02 lines kept from the BACI 6-digit file (the rest of the 8,210 product rows is not a country-year
# series the study uses).
BACI_REE_LINES = ("280530", "284610", "284690", "850511", "253090", "261210")



def _check_columns(frame: pd.DataFrame, needed: list[str], path) -> None:
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise DataError(f"expected columns {missing} are missing.", where=path, field=", ".join(missing),
                        fix="use the file described in the folder's PROVENANCE.md (its header must not be edited).")


def load_oec(settings: Settings) -> SourceFrame:
    """OEC net-trade tables for HS 2846, plus a WLD row per year: the sum over every economy OEC lists that year."""
    path = require_file(settings, FOLDER, OEC_FILE, "trade")
    raw = pd.read_csv(path, dtype={"iso3": str, "hs_code": str})
    _check_columns(raw, ["year", "iso3", "export_value_usd", "import_value_usd"], path)
    raw["iso3"] = fix_codes(raw["iso3"])
    if raw.duplicated(["iso3", "year"]).any():
        raise DataError("duplicate (iso3, year) rows.", where=path, field="iso3, year",
                        fix="restore the file from its PROVENANCE.md source; OEC gives one row per economy-year.")
    long = raw.melt(id_vars=["iso3", "year"], value_vars=["export_value_usd", "import_value_usd"],
                     var_name="indicator", value_name="value")
    long["indicator"] = long["indicator"].map({"export_value_usd": OEC_EXPORTS, "import_value_usd": OEC_IMPORTS})
    world = long.groupby(["year", "indicator"], as_index=False)["value"].sum()
    world["iso3"] = WORLD
    rows = pd.concat([long, world[["iso3", "year", "indicator", "value"]]], ignore_index=True)
    notes = (
        "OEC HS 2846 (rare-earth compounds), current USD; an economy absent from a year's OEC table is a gap, "
        "not a zero (OEC lists only economies with recorded trade).",
        f"WLD = sum over all {raw['iso3'].nunique()} economies OEC lists (incl. TWN, BLX, YUG), per year; it is the "
        "denominator of world shares.",
    )
    return SourceFrame("trade.oec", tidy_long(rows),
                       (describe_file(settings, path, vintage="OEC net-trade tables, committed 2024-07 (exact OEC "
                                      "vintage not stated)", rows=len(raw)),), notes)


def load_comtrade(settings: Settings) -> SourceFrame:
    """Comtrade CHN/USA trade with the world in HS 2846 and 280530 (bilateral CHN-USA rows are not country totals)."""
    path = require_file(settings, FOLDER, COMTRADE_FILE, "trade")
    raw = pd.read_csv(path, dtype={"hs_code": str, "reporter_iso3": str, "partner_iso3": str})
    _check_columns(raw, ["year", "reporter_iso3", "partner_iso3", "flow_code", "hs_code", "primary_value_usd"], path)
    world = raw[raw["partner_iso3"] == WORLD]
    if world.duplicated(["reporter_iso3", "year", "flow_code", "hs_code"]).any():
        raise DataError("duplicate reporter-year-flow-product rows with partner World.", where=path,
                        field="reporter_iso3, year, flow_code, hs_code", fix="restore the file from its source.")
    rows = pd.DataFrame({
        "iso3": world["reporter_iso3"],
        "year": world["year"],
        "indicator": "COMTRADE.HS" + world["hs_code"] + "." + world["flow_code"].map({"X": "EXPORTS_USD",
                                                                                      "M": "IMPORTS_USD"}),
        "value": world["primary_value_usd"],
    })
    notes = (f"Comtrade: kept {len(world)} of {len(raw)} rows (partner World); the {len(raw) - len(world)} "
             "bilateral CHN-USA rows are not country totals and are not used.",)
    return SourceFrame("trade.comtrade", tidy_long(rows),
                       (describe_file(settings, path, vintage="UN Comtrade+ API pull 2025-12-28", rows=len(raw)),),
                       notes)


def load_baci_kazakhstan(settings: Settings) -> SourceFrame:
    """BACI HS02 (V202301) exports of Kazakhstan: product groups 2002-2021 and the rare-earth 6-digit lines."""
    groups_path = require_file(settings, FOLDER, BACI_GROUPS_FILE, "trade")
    hs6_path = require_file(settings, FOLDER, BACI_HS6_FILE, "trade")
    groups = pd.read_csv(groups_path, dtype={"iso3": str})
    _check_columns(groups, ["iso3", "year", "product_group", "export_value_usd_thousands"], groups_path)
    unknown = sorted(set(groups["product_group"]) - set(BACI_GROUPS))
    if unknown:
        raise DataError(f"unknown product groups {unknown}.", where=groups_path, field="product_group",
                        fix="update BACI_GROUPS in griparm_econ/sources/trade.py to the file's groups.")
    group_rows = pd.DataFrame({"iso3": groups["iso3"], "year": groups["year"],
                               "indicator": groups["product_group"].map(BACI_GROUPS),
                               "value": groups["export_value_usd_thousands"]})
    hs6 = pd.read_csv(hs6_path, dtype={"iso3": str, "hs02_code": str})
    _check_columns(hs6, ["iso3", "year", "hs02_code", "export_value_usd_thousands"], hs6_path)
    ree = hs6[hs6["hs02_code"].isin(BACI_REE_LINES)]
    hs6_rows = pd.DataFrame({"iso3": ree["iso3"], "year": ree["year"],
                             "indicator": "BACI.KAZ.HS" + ree["hs02_code"] + "_USD_THOUSANDS",
                             "value": ree["export_value_usd_thousands"]})
    notes = ("BACI Kazakhstan exports kept in thousand current USD (the BACI unit); natural-gas zeros are the chart "
             "author's replacement of missing values.",
             f"BACI 6-digit file: kept the {len(ree)} rare-earth rows ({', '.join(BACI_REE_LINES)}) of {len(hs6)}.")
    provenance = (describe_file(settings, groups_path, vintage="CEPII BACI HS02 V202301", rows=len(groups)),
                  describe_file(settings, hs6_path, vintage="CEPII BACI HS02 V202301", rows=len(hs6)))
    return SourceFrame("trade.baci", tidy_long(pd.concat([group_rows, hs6_rows], ignore_index=True)), provenance, notes)


def load_trade(settings: Settings) -> SourceFrame:
    """All trade extracts as one long table (the nickel chain from trade_nickel.py)."""
    return combine("trade", [load_oec(settings), load_comtrade(settings), load_baci_kazakhstan(settings),
                             load_nickel(settings)])
