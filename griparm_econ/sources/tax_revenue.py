"""Fiscal capacity from the UNU-WIDER/ICTD Government Revenue Dataset 2021 (OWID copy, ``tax_revenue/``,
1980-2020), % of GDP.

The copy carries country names only. They are mapped to ISO3 by ``country_names.names_to_iso3`` (country_converter);
a name that does not map is listed in the notes and the provenance (``unmapped_names``) and its rows are dropped:
no name is matched by hand or guessed. OWID removed the observations ICTD flags as unreliable.
"""

from __future__ import annotations

import pandas as pd

from griparm_econ.config import Settings
from griparm_econ.errors import DataError
from griparm_econ.sources import SourceFrame
from griparm_econ.sources._files import describe_file, melt_columns, read_csv_columns, require_file, tidy_long
from griparm_econ.sources.country_names import names_to_iso3

FOLDER = "tax_revenue"
GRD_FILE = "owid_taxes_ictd_grd_2021.csv"
COLUMNS = {
    "Total tax revenue (% of GDP) (ICTD (2019))": "GRD.TOTAL_TAX_GDP",
    "Total taxes on income, profits, and capital gains (% of GDP) (ICTD (2019))": "GRD.INCOME_TAX_GDP",
    "Total taxes on goods and services (% of GDP) (ICTD (2019))": "GRD.GOODS_SERVICES_TAX_GDP",
}


def grd_codes(entities: pd.Series) -> tuple[pd.Series, list[str]]:
    """ISO3 code of each GRD entity name (missing when the name does not map) and the sorted unmapped names."""
    codes = names_to_iso3(entities.astype(str))
    unmapped = sorted(name for name, code in codes.items() if code is None)
    return entities.astype(str).map(codes), unmapped


def load_tax_revenue(settings: Settings) -> SourceFrame:
    path = require_file(settings, FOLDER, GRD_FILE, FOLDER)
    raw = read_csv_columns(path, ["Entity", "Year", *COLUMNS], FOLDER, dtype={"Entity": str})
    codes, unmapped = grd_codes(raw["Entity"])
    mapped = raw.assign(iso3=codes, year=raw["Year"])[codes.notna()]
    duplicated = mapped.duplicated(["iso3", "year"])
    if duplicated.any():
        clash = sorted(set(mapped.loc[mapped["iso3"].isin(mapped.loc[duplicated, "iso3"]), "Entity"]))
        raise DataError(f"two GRD names map to the same ISO3 code ({clash}).", where=path, field="Entity",
                        fix="correct the name mapping in griparm_econ/sources/country_names.py.")
    notes = (f"GRD names mapped to ISO3 with country_names (country_converter); names that do not map, rows dropped "
             f"({int(codes.isna().sum())}): {', '.join(unmapped) or 'none'}. No name is matched by hand.",
             "GRD values are % of GDP as OWID publishes them (observations ICTD flags as unreliable removed by OWID); "
             "total tax revenue includes social contributions.")
    return SourceFrame("tax_revenue", tidy_long(melt_columns(mapped, COLUMNS)),
                       (describe_file(settings, path, vintage="UNU-WIDER GRD 2021 (OWID copy, 2021-08-27)",
                                      rows=len(raw), unmapped_names=unmapped),), notes)
