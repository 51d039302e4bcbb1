"""Hanson and Sigman (2021) latent state capacity, v1 (``state_capacity/``, 1960-2015).

Long rows ``iso3, year, indicator, value``, values as published: the latent index (posterior mean; about -3 to 3,
higher = more capacity), its posterior sd, and the V-Dem v9 fiscal-capacity indicator the dataset ships (the only
public copy of ``v2stfisccap``; vdemlite v14 lacks it; kept under its own code, never spliced with V-Dem v14).
"""

from __future__ import annotations

from griparm_econ.config import Settings
from griparm_econ.sources import SourceFrame
from griparm_econ.sources._files import (describe_file, melt_columns, read_csv_columns, require_file,
                                         require_unique, tidy_long)
from griparm_econ.sources.country_names import fix_codes

FOLDER = "state_capacity"
HANSON_SIGMAN_FILE = "StateCapacityDataset_v1.csv"
COLUMNS = {
    "Capacity": "HS.CAPACITY",
    "Capacity_sd": "HS.CAPACITY_SD",
    "v2stfisccap": "HS.VDEM9_FISCAL_CAPACITY",
}


def load_state_capacity(settings: Settings) -> SourceFrame:
    path = require_file(settings, FOLDER, HANSON_SIGMAN_FILE, FOLDER)
    raw = read_csv_columns(path, ["iso3", "year", *COLUMNS], FOLDER, dtype={"iso3": str})
    raw = raw[raw["iso3"].notna()].copy()
    raw["iso3"] = fix_codes(raw["iso3"])
    raw["year"] = raw["year"].astype("int64")      # stored as 1960.0 by the Stata conversion
    require_unique(raw, ["iso3", "year"], path, FOLDER)
    notes = ("Hanson-Sigman v1: latent capacity (posterior mean) and its posterior sd as published; v2stfisccap is "
             "V-Dem v9's fiscal-capacity indicator (older vintage than vdem/, kept separate).",)
    return SourceFrame("state_capacity", tidy_long(melt_columns(raw, COLUMNS)),
                       (describe_file(settings, path, vintage="Hanson-Sigman State Capacity Dataset v1 (Dataverse, "
                                      "2020-10-04)", rows=len(raw)),), notes)
