"""Value-chain participation: ADB MRIO (72 economies, 2017-2022; totals and sectors), the ADB Kazakhstan report
series (2000, 2007-2022), and the WITS output-based sector file as a secondary source.

Shares are kept as the source computes them (fractions of gross exports, or of output for WITS levels); nothing is
spliced: the Kazakhstan report series keep their own codes even though they equal the 72-economy file in 2017-2022.
"""

from __future__ import annotations

import pandas as pd

from griparm_econ.config import Settings
from griparm_econ.errors import DataError
from griparm_econ.sources import SourceFrame
from griparm_econ.sources._files import combine, describe_file, require_file, tidy_long
from griparm_econ.sources.country_names import names_to_iso3

FOLDER = "gvc"
ADB_TOTAL_FILE = "adb_mrio72_gvc_participation_country_total_2017_2022.csv"
ADB_SECTOR_FILE = "adb_mrio72_gvc_participation_country_sector_2017_2022.csv"
ADB_KAZ_FILE = "adb_mrio_gvc_participation_kazakhstan_report_chartdata_2000_2022.csv"
WITS_FILE = "wits_gvc_output_participation_selected_sectors_by_source.csv"

SHARE_COLUMNS = {
    "gvcp_trade_forward_share": "FORWARD_SHARE",
    "gvcp_trade_backward_share": "BACKWARD_SHARE",
    "gvcp_trade_share": "TRADE_SHARE",
    "gvcp_production_share": "PRODUCTION_SHARE",
}
LEVEL_COLUMNS = {"exports_usd_mn": "EXPORTS_USD_MN", "value_added_usd_mn": "VALUE_ADDED_USD_MN"}
# Sector rows kept as country-year series: (aggregation, index) -> code. The study's linkages run from mining into
# manufacturing, so mining (15-sector index 2) and the 5-sector manufacturing groups are kept.
ADB_SECTORS = {
    (5, 1): "PRIMARY",
    (5, 2): "LOWTECH_MANUF",
    (5, 3): "MHT_MANUF",
    (15, 2): "MINING",
    (15, 4): "HEAVY_MANUF",
}
# Only the MRIO sources whose sector 2 is "Mining and quarrying" (in TiVA it is fishing, in WIOD 2016 forestry).
WITS_MINING = {("adb", 2), ("wiodo", 2), ("wiodlr", 2)}
WITS_LEVELS = {"output": "OUTPUT", "output_gvc_forward": "GVC_FORWARD", "output_gvc_backward": "GVC_BACKWARD",
               "output_gvc_total": "GVC_TOTAL"}
KAZ_REPORT_SERIES = "data/final/3.3_participation.csv"


def _read(path, needed: list[str]) -> pd.DataFrame:
    frame = pd.read_csv(path, dtype={"iso3": str, "sector_name": str})
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise DataError(f"expected columns {missing} are missing.", where=path, field=", ".join(missing),
                        fix="use the file described in gvc/PROVENANCE.md (its header must not be edited).")
    return frame


def _melt(frame: pd.DataFrame, columns: dict[str, str], prefix: str) -> pd.DataFrame:
    long = frame.melt(id_vars=["iso3", "year"], value_vars=list(columns), var_name="indicator", value_name="value")
    long["indicator"] = prefix + long["indicator"].map(columns)
    return long


def load_adb(settings: Settings) -> SourceFrame:
    total_path = require_file(settings, FOLDER, ADB_TOTAL_FILE, "gvc")
    sector_path = require_file(settings, FOLDER, ADB_SECTOR_FILE, "gvc")
    total = _read(total_path, ["iso3", "year", *SHARE_COLUMNS, *LEVEL_COLUMNS])
    if total.duplicated(["iso3", "year"]).any():
        raise DataError("duplicate (iso3, year) rows.", where=total_path, field="iso3, year",
                        fix="restore the file from its source (one row per economy-year).")
    total_rows = pd.concat([_melt(total, SHARE_COLUMNS, "ADB72.TOTAL."), _melt(total, LEVEL_COLUMNS, "ADB72.TOTAL.")])
    sector = _read(sector_path, ["iso3", "year", "sector_aggregation", "sector_index", *SHARE_COLUMNS])
    pieces = []
    for (aggregation, index), code in ADB_SECTORS.items():
        part = sector[(sector["sector_aggregation"] == aggregation) & (sector["sector_index"] == index)]
        if part.empty or part.duplicated(["iso3", "year"]).any():
            raise DataError(f"sector rows for aggregation {aggregation}, index {index} are missing or duplicated.",
                            where=sector_path, field="sector_aggregation, sector_index",
                            fix="restore the file from its source.")
        pieces.append(_melt(part, SHARE_COLUMNS, f"ADB72.{code}."))
    notes = ("ADB MRIO-72 (July 2023) participation shares, Borin-Mancini decomposition: forward = (REX1-3 + REF1-2) "
             "/ exports; backward = (FVA + PDC1-2) / exports, so backward includes pure double counting. ROW is the "
             "rest of the world, not an economy (dropped by the panel merge).",)
    provenance = (describe_file(settings, total_path, vintage="ADB MRIO 72-economy tables, July 2023", rows=len(total)),
                  describe_file(settings, sector_path, vintage="ADB MRIO 72-economy tables, July 2023",
                                rows=len(sector)))
    return SourceFrame("gvc.adb", tidy_long(pd.concat([total_rows, *pieces], ignore_index=True)), provenance, notes)


def load_adb_kazakhstan(settings: Settings) -> SourceFrame:
    """The Kazakhstan time series of the ADB report (62-economy tables before 2017); comparator rows are not used."""
    path = require_file(settings, FOLDER, ADB_KAZ_FILE, "gvc")
    raw = _read(path, ["source_file", "iso3", "year", *SHARE_COLUMNS])
    series = raw[(raw["source_file"] == KAZ_REPORT_SERIES) & (raw["iso3"] == "KAZ")]
    long = _melt(series, {k: v for k, v in SHARE_COLUMNS.items() if k != "gvcp_trade_share"}, "ADBKAZ.")
    notes = (f"ADB Kazakhstan report: kept the {len(series)} KAZ rows of {KAZ_REPORT_SERIES} (2000, 2007-2022); "
             f"the {len(raw) - len(series)} comparator rows (2000/2010/2022 only) are not used.",)
    return SourceFrame("gvc.adb_kazakhstan", tidy_long(long),
                       (describe_file(settings, path, vintage="ADB MRIO 62/72-economy tables (report chart data, "
                                      "2024-06)", rows=len(raw)),), notes)


def load_wits(settings: Settings) -> SourceFrame:
    """WITS output-based participation levels (USD million) for the mining sector of the MRIO sources that have one."""
    path = require_file(settings, FOLDER, WITS_FILE, "gvc")
    raw = _read(path, ["iso3", "mrio_source", "sector_code", "year", *WITS_LEVELS])
    keep = pd.Series([(s, c) in WITS_MINING for s, c in zip(raw["mrio_source"], raw["sector_code"])], index=raw.index)
    mining = raw[keep].copy()
    # The ADB-based rows carry ADB's own economy codes (PRC, GER, INO, ...) in the iso3 column; the country name
    # decides wherever it maps to an ISO3 code that differs from the code given.
    by_name = names_to_iso3(mining["country_name"].dropna())
    from_name = mining["country_name"].map(by_name)
    recode = from_name.notna() & (from_name != mining["iso3"])
    pairs = sorted(set(zip(mining.loc[recode, "iso3"], from_name[recode])))
    mining.loc[recode, "iso3"] = from_name[recode]
    pieces = []
    for source, part in mining.groupby("mrio_source", sort=True):
        if part.duplicated(["iso3", "year"]).any():
            raise DataError(f"duplicate (iso3, year) rows for source {source}, mining.", where=path,
                            field="iso3, year", fix="restore the file from its source.")
        pieces.append(_melt(part, WITS_LEVELS, f"WITS.{source.upper()}.MINING."))
    notes = (f"WITS: kept the {len(mining)} mining-sector rows (sector 2 of adb, wiodo, wiodlr) of {len(raw)}; "
             "values unverified against the original WITS download (see gvc/PROVENANCE.md).",
             f"WITS: {int(recode.sum())} rows recoded from ADB codes by country name: "
             + ", ".join(f"{a}->{b}" for a, b in pairs) + ".")
    return SourceFrame("gvc.wits", tidy_long(pd.concat(pieces, ignore_index=True)),
                       (describe_file(settings, path, vintage="WITS GVC output table, student copy 2023-05-01",
                                      rows=len(raw)),), notes)


def load_gvc(settings: Settings) -> SourceFrame:
    return combine("gvc", [load_adb(settings), load_adb_kazakhstan(settings), load_wits(settings)])
