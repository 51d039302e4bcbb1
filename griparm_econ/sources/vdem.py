"""V-Dem v14 (vdemlite capacity subset, ``vdem/``, 1970-2023): impartial public administration, corruption,
rule-of-law and regime indices, point estimates as published.

Codes are V-Dem's ``country_text_id`` (ISO3 except a few historical or sub-national units such as ZZB Zanzibar,
SML Somaliland, PSG Gaza, DDR, VDR, YMD, which the panel merge drops and counts).
"""

from __future__ import annotations

from griparm_econ.config import Settings
from griparm_econ.sources import SourceFrame
from griparm_econ.sources._files import (describe_file, melt_columns, read_csv_columns, require_file,
                                         require_unique, tidy_long)
from griparm_econ.sources.country_names import fix_codes

FOLDER = "vdem"
VDEM_FILE = "vdemlite_v14_capacity_subset.csv"
COLUMNS = {
    "v2clrspct": "VDEM.V2CLRSPCT",          # rigorous and impartial public administration (interval scale)
    "v2x_corr": "VDEM.V2X_CORR",            # political corruption index (0-1, higher = more corrupt)
    "v2x_pubcorr": "VDEM.V2X_PUBCORR",      # public sector corruption index (0-1)
    "v2x_execorr": "VDEM.V2X_EXECORR",      # executive corruption index (0-1)
    "v2x_rule": "VDEM.V2X_RULE",            # rule of law index (0-1)
    "v2x_neopat": "VDEM.V2X_NEOPAT",        # neopatrimonial rule index (0-1)
    "v2x_polyarchy": "VDEM.V2X_POLYARCHY",  # electoral democracy index (0-1)
    "v2x_libdem": "VDEM.V2X_LIBDEM",        # liberal democracy index (0-1)
    "v2x_jucon": "VDEM.V2X_JUCON",          # judicial constraints on the executive (0-1)
    "v2xlg_legcon": "VDEM.V2XLG_LEGCON",    # legislative constraints on the executive (0-1)
}


def load_vdem(settings: Settings) -> SourceFrame:
    path = require_file(settings, FOLDER, VDEM_FILE, FOLDER)
    raw = read_csv_columns(path, ["country_text_id", "year", *COLUMNS], FOLDER, dtype={"country_text_id": str})
    raw = raw.rename(columns={"country_text_id": "iso3"})
    raw["iso3"] = fix_codes(raw["iso3"])
    require_unique(raw, ["iso3", "year"], path, FOLDER)
    notes = ("V-Dem v14 point estimates as published (no interval bounds in the subset); V-Dem's own codes, the "
             "non-ISO ones dropped and counted by the panel merge.",)
    return SourceFrame("vdem", tidy_long(melt_columns(raw, COLUMNS)),
                       (describe_file(settings, path, vintage="V-Dem v14 (vdemlite 2024-06)", rows=len(raw)),), notes)
