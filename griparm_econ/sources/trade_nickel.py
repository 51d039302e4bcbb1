"""The nickel value chain from UN Comtrade: reporter-to-World trade in HS 2604 (nickel ores and concentrates, the
raw stage) and HS 75 (nickel and articles thereof: mattes, unwrought nickel, powders, bars; the processed stage),
exports 2001-2024 and imports 2013-2024.

Rule for missing reporter-years: **absent is not zero**. Comtrade lists a reporter-year only when the reporter
reported (or Comtrade estimated) trade in that product; a reporter-year without a row is a gap in the panel, never
a 0 (Indonesia has no HS 2604 export row in 2015-2016, after its 2014 ore ban: the panel has a gap there, not a
zero, because the file cannot tell "no exports" from "not reported"). A 0 that Comtrade publishes is kept as 0.
The processing share processed / (raw + processed) is built by the catalog (``ratio``) only where both sides have
a row; when only one side is reported the share is missing and the level of the reported side is kept.
"""

from __future__ import annotations

import pandas as pd

from griparm_econ.config import Settings
from griparm_econ.errors import DataError
from griparm_econ.sources import SourceFrame
from griparm_econ.sources._files import describe_file, require_file, tidy_long
from griparm_econ.sources.country_names import fix_codes

FOLDER = "trade"
NICKEL_FILE = "comtrade_nickel_hs2604_hs75_reporter_world_2001_2024_tidy.csv"
WORLD_PARTNER = "W00"
FLOWS = {"X": "EXPORTS_USD", "M": "IMPORTS_USD"}
PRODUCTS = {"2604": "HS2604", "75": "HS75"}
PREFIX = "COMTRADE.NICKEL."
NEEDED = ["year", "reporter_iso3", "flow", "partner_iso", "hs_code", "primary_value_usd"]


def nickel_indicator(hs_code: str, flow: str) -> str:
    """e.g. ``COMTRADE.NICKEL.HS2604.EXPORTS_USD``."""
    return f"{PREFIX}{PRODUCTS[hs_code]}.{FLOWS[flow]}"


def load_nickel(settings: Settings) -> SourceFrame:
    """Nickel ore (HS 2604) and nickel (HS 75) trade with the World by reporter and year, current USD
    (Comtrade's primaryValue: FOB for exports, CIF for imports)."""
    path = require_file(settings, FOLDER, NICKEL_FILE, "trade")
    raw = pd.read_csv(path, dtype={"hs_code": str, "reporter_iso3": str, "partner_iso": str, "flow": str})
    missing = [c for c in NEEDED if c not in raw.columns]
    if missing:
        raise DataError(f"expected columns {missing} are missing.", where=path, field=", ".join(missing),
                        fix="use the file described in trade/PROVENANCE.md (its header must not be edited).")
    unknown = sorted(set(raw["hs_code"]) - set(PRODUCTS)) + sorted(set(raw["flow"]) - set(FLOWS))
    if unknown or (raw["partner_iso"] != WORLD_PARTNER).any():
        raise DataError(f"unexpected products, flows or partners ({unknown or 'partner other than World'}).",
                        where=path, field="hs_code, flow, partner_iso",
                        fix="the file holds HS 2604 and HS 75, flows X and M, partner World only; restore it.")
    if raw.duplicated(["reporter_iso3", "year", "flow", "hs_code"]).any():
        raise DataError("duplicate reporter-year-flow-product rows.", where=path,
                        field="reporter_iso3, year, flow, hs_code", fix="restore the file from its source.")
    rows = pd.DataFrame({
        "iso3": fix_codes(raw["reporter_iso3"]),
        "year": raw["year"],
        "indicator": [nickel_indicator(h, f) for h, f in zip(raw["hs_code"], raw["flow"])],
        "value": raw["primary_value_usd"],
    })
    exports = raw[raw["flow"] == "X"]
    both = exports.groupby(["reporter_iso3", "year"])["hs_code"].nunique()
    notes = (
        "Comtrade nickel chain, reporter to World, current USD as reported (mixed HS revisions H0-H6 as Comtrade "
        "gives them). Absent is not zero: a reporter-year without a row is a gap; a published 0 stays 0.",
        f"Exports: {int((both == 2).sum())} reporter-years report both HS 2604 and HS 75, {int((both == 1).sum())} "
        "only one of them (processing share missing there; the reported level is kept). Imports exist from 2013 "
        "only. Reporter codes that are not economies (e.g. S19 'Asia, nes', ANT, SCG) are dropped and counted by "
        "the panel merge.",
    )
    return SourceFrame("trade.nickel", tidy_long(rows),
                       (describe_file(settings, path, vintage="UN Comtrade annual, as reported (downloads about "
                                      "2025-11, file committed 2026-02)", rows=len(raw)),), notes)
