"""Rare-earth production: USGS Mineral Commodity Summaries (editions 2022-2026, each kept) and BGS World Mineral
Statistics (1975-2023).

USGS revises earlier years in later editions. Every edition is kept under its own code
(``USGS.REE.MINE_PRODUCTION_T.MCS2024``); the default series (``USGS.REE.MINE_PRODUCTION_T``) takes, for each
country and year, the newest edition that gives a number for it. A newer edition that prints no number ("NA", "—",
">90000000") does not erase an older edition's number; each such fallback is counted in the notes.
"""

from __future__ import annotations

import pandas as pd

from griparm_econ.config import Settings
from griparm_econ.errors import DataError
from griparm_econ.sources import SourceFrame
from griparm_econ.sources._files import combine, describe_file, require_file, tidy_long
from griparm_econ.sources.country_names import fix_codes, names_to_iso3

FOLDER = "production"
USGS_REE_FILE = "usgs_mcs_rare_earths_mine_production_reserves_by_country_2020_2025.csv"
BGS_REE_FILE = "bgs_world_mineral_statistics_rare_earths_production_1975_2023.csv"

USGS_MEASURES = {"mine_production": "USGS.REE.MINE_PRODUCTION_T", "reserves": "USGS.REE.RESERVES_T"}
# USGS row labels that are not countries: the world total becomes the WLD aggregate, "Other countries" is dropped.
USGS_WORLD = {"world total", "world total (rounded)"}
USGS_OTHER = {"other countries"}
BGS_OXIDES_TABLE = "Production of rare earth oxides"
BGS_MINERALS_TABLE = "Production of rare earth minerals"


def _edition_year(edition: pd.Series) -> pd.Series:
    return edition.str.extract(r"MCS(\d{4})", expand=False).astype("int64")


def load_usgs_rare_earths(settings: Settings) -> SourceFrame:
    path = require_file(settings, FOLDER, USGS_REE_FILE, "production")
    raw = pd.read_csv(path, dtype={"mcs_edition": str, "country": str, "measure": str, "value_raw": str})
    needed = ["mcs_edition", "country", "measure", "year", "value_numeric"]
    if any(c not in raw.columns for c in needed):
        raise DataError("expected columns are missing.", where=path, field=", ".join(needed),
                        fix="use the file described in production/PROVENANCE.md.")
    unknown = sorted(set(raw["measure"]) - set(USGS_MEASURES))
    if unknown:
        raise DataError(f"unknown measures {unknown}.", where=path, field="measure",
                        fix="update USGS_MEASURES in griparm_econ/sources/production.py.")
    label = raw["country"].str.strip()
    lower = label.str.lower()
    codes = names_to_iso3(label[~lower.isin(USGS_WORLD | USGS_OTHER)])
    raw["iso3"] = label.map(codes)
    raw.loc[lower.isin(USGS_WORLD), "iso3"] = "WLD"
    unmatched = sorted(name for name, code in codes.items() if code is None)
    if unmatched:
        raise DataError(f"country names not recognised: {unmatched}.", where=path, field="country",
                        fix="add the names to CODE_FIXES or check the file.")
    other = raw[lower.isin(USGS_OTHER)]
    rows = raw[~lower.isin(USGS_OTHER)].copy()
    rows["edition_year"] = _edition_year(rows["mcs_edition"])
    rows["base"] = rows["measure"].map(USGS_MEASURES)
    numeric = rows.dropna(subset=["value_numeric"])
    if numeric.duplicated(["base", "iso3", "year", "edition_year"]).any():
        raise DataError("two numbers for one country, year and edition.", where=path,
                        field="mcs_edition, country, measure, year", fix="restore the file from its source.")
    by_edition = pd.DataFrame({"iso3": numeric["iso3"], "year": numeric["year"],
                               "indicator": numeric["base"] + "." + numeric["mcs_edition"],
                               "value": numeric["value_numeric"]})
    newest = numeric.sort_values("edition_year").groupby(["base", "iso3", "year"], as_index=False).last()
    default = pd.DataFrame({"iso3": newest["iso3"], "year": newest["year"], "indicator": newest["base"],
                            "value": newest["value_numeric"]})
    # Fallbacks: the newest edition listing a country-year has no number, an older one has.
    newest_listed = rows.sort_values("edition_year").groupby(["base", "iso3", "year"], as_index=False).last()
    merged = newest_listed.merge(newest[["base", "iso3", "year", "edition_year"]], on=["base", "iso3", "year"],
                                 suffixes=("_listed", "_used"))
    fallbacks = merged[merged["edition_year_listed"] != merged["edition_year_used"]]
    notes = (
        "USGS MCS rare earths (t REO): default series = newest edition with a number for each country-year; every "
        "edition also kept under its own code (…MCS2022 … …MCS2026).",
        f"USGS: {len(fallbacks)} country-years fall back to an older edition because the newest prints no number: "
        + ", ".join(f"{r.iso3} {r.year} {r.base.rsplit('.', 1)[-1]} (MCS{r.edition_year_used})"
                    for r in fallbacks.sort_values(["base", "iso3", "year"]).itertuples()) + ".",
        f"USGS: 'World total' rows become WLD; {len(other)} 'Other countries' rows dropped (not an economy); "
        f"{int(rows['value_numeric'].isna().sum())} non-numeric entries (NA, —, >x) are gaps.",
    )
    return SourceFrame("production.usgs", tidy_long(pd.concat([default, by_edition], ignore_index=True)),
                       (describe_file(settings, path, vintage="USGS MCS 2022-2026 data releases", rows=len(raw)),),
                       notes)


def load_bgs_rare_earths(settings: Settings) -> SourceFrame:
    """BGS rare-earth oxide (REO content) production and mineral concentrate production (gross weight) by type."""
    path = require_file(settings, FOLDER, BGS_REE_FILE, "production")
    raw = pd.read_csv(path, dtype={"iso3": str, "bgs_table": str, "sub_commodity": str})
    needed = ["iso3", "year", "bgs_table", "sub_commodity", "quantity"]
    if any(c not in raw.columns for c in needed):
        raise DataError("expected columns are missing.", where=path, field=", ".join(needed),
                        fix="use the file described in production/PROVENANCE.md.")
    raw["iso3"] = fix_codes(raw["iso3"])
    oxides = raw[raw["bgs_table"] == BGS_OXIDES_TABLE]
    minerals = raw[raw["bgs_table"] == BGS_MINERALS_TABLE]
    sub = minerals["sub_commodity"].fillna("UNSPECIFIED").str.upper().str.replace(" ", "_")
    pieces = [
        pd.DataFrame({"iso3": oxides["iso3"], "year": oxides["year"], "indicator": "BGS.REE.OXIDES_T",
                      "value": oxides["quantity"]}),
        pd.DataFrame({"iso3": minerals["iso3"], "year": minerals["year"],
                      "indicator": "BGS.REE.MINERALS_" + sub + "_T", "value": minerals["quantity"]}),
    ]
    long = pd.concat(pieces, ignore_index=True)
    duplicated = long.dropna(subset=["value"]).duplicated(["indicator", "iso3", "year"])
    if duplicated.any():
        raise DataError("duplicate country-year rows within one BGS table and commodity.", where=path,
                        field="iso3, year, bgs_table, sub_commodity", fix="restore the file from its source.")
    other = len(raw) - len(oxides) - len(minerals)
    notes = (
        "BGS rare earths (t): oxides table = REO content (BGS.REE.OXIDES_T); minerals table = gross weight of "
        "concentrates per mineral (not summed: monazite, bastnaesite, xenotime, loparite are different products).",
        f"BGS: {int(raw['quantity'].isna().sum())} rows without a quantity ('...') are gaps; ZAR mapped to COD; "
        f"SUN (USSR) kept as found and dropped by the panel merge; {other} rows from other tables ignored.",
    )
    return SourceFrame("production.bgs", tidy_long(long),
                       (describe_file(settings, path, vintage="BGS World Mineral Statistics, copy of 2026-04",
                                      rows=len(raw)),), notes)


def load_production(settings: Settings) -> SourceFrame:
    return combine("production", [load_usgs_rare_earths(settings), load_bgs_rare_earths(settings)])
