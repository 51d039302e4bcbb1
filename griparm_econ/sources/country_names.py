"""Country names and codes from non-World-Bank sources mapped to the World Bank's ISO3 codes, and EU membership.

country_converter (coco) does the name matching. Two things make it slow or fragile, so they are handled here once:
building its converter parses a 250-row table of regular expressions (done once per process), and every name is
matched against every regex (each distinct name is converted once and cached). coco 1.3.2 also fails to build under
pandas 3 (three obsolete entries have an empty ISO2 cell that pandas now reads as NaN, which ``re.compile`` rejects);
we load coco's own table ourselves and give those cells a pattern that never matches.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from typing import Iterable, Mapping

import pandas as pd

# Codes some sources use that are not the World Bank's code for the same economy. Obsolete entities (USSR "SUN",
# Yugoslavia "YUG", Belgium-Luxembourg "BLX") are deliberately absent: they are not WB economies and are dropped,
# counted, by the panel merge.
CODE_FIXES: Mapping[str, str] = {
    "ZAR": "COD",   # Zaire, BGS
    "ROM": "ROU",
    "TMP": "TLS",
    "KSV": "XKX",
    "KOS": "XKX",
}

# EU member states with the first and last calendar year of membership (the UK counted through its 2020
# transition period, during which EU law still applied). The 27 current members are the study's EU27.
EU_MEMBERSHIP: Mapping[str, tuple[int, int | None]] = {
    "BEL": (1958, None), "DEU": (1958, None), "FRA": (1958, None), "ITA": (1958, None), "LUX": (1958, None),
    "NLD": (1958, None), "DNK": (1973, None), "IRL": (1973, None), "GRC": (1981, None), "ESP": (1986, None),
    "PRT": (1986, None), "AUT": (1995, None), "FIN": (1995, None), "SWE": (1995, None), "CYP": (2004, None),
    "CZE": (2004, None), "EST": (2004, None), "HUN": (2004, None), "LVA": (2004, None), "LTU": (2004, None),
    "MLT": (2004, None), "POL": (2004, None), "SVK": (2004, None), "SVN": (2004, None), "BGR": (2007, None),
    "ROU": (2007, None), "HRV": (2013, None), "GBR": (1973, 2020),
}
EU27: tuple[str, ...] = tuple(sorted(code for code, (_, left) in EU_MEMBERSHIP.items() if left is None))

# Non-ISO codes sources use for the European Union as a jurisdiction (events file: EUU, IEA tracker: EUR).
EU_JURISDICTION_CODES = frozenset({"EUU", "EUR", "EU", "EU27"})

_NOT_FOUND = "\x00not found"


def eu_members(year: int) -> tuple[str, ...]:
    """ISO3 codes of the EU member states in ``year``."""
    return tuple(sorted(code for code, (joined, left) in EU_MEMBERSHIP.items()
                        if joined <= year and (left is None or year <= left)))


@lru_cache(maxsize=1)
def _converter():
    import country_converter as coco
    from pandas._libs.parsers import STR_NA_VALUES

    logging.getLogger("country_converter").setLevel(logging.ERROR)
    # Same reading rules as coco's own loader ("NA" is Namibia, not missing), but every column as text.
    table = pd.read_csv(coco.country_converter.COUNTRY_DATA_FILE, sep="\t", dtype=str, keep_default_na=False,
                        na_values=sorted(STR_NA_VALUES - {"NA"}), encoding="utf-8")
    table["ISO2"] = table["ISO2"].fillna("(?!)")
    for column in ("ISOnumeric", "UNcode", "FAOcode", "GBDcode", "EURO", "UN", "UNmember", "obsolete", "GEOnumeric"):
        if column in table:
            table[column] = pd.to_numeric(table[column]).astype("Int64")
    return coco.CountryConverter(country_data=table)


@lru_cache(maxsize=4096)
def _name_to_iso3(name: str) -> str | None:
    code = _converter().convert(name, src="regex", to="ISO3", not_found=_NOT_FOUND)
    if not isinstance(code, str) or code == _NOT_FOUND:
        return None
    return CODE_FIXES.get(code, code)


def names_to_iso3(names: Iterable[str]) -> dict[str, str | None]:
    """Map each distinct country name to a WB ISO3 code (None when coco does not recognise it)."""
    return {name: _name_to_iso3(str(name).strip()) for name in sorted(set(names))}


def fix_codes(codes: pd.Series) -> pd.Series:
    """Upper-case ISO3-like codes and replace the known legacy codes by the World Bank's."""
    upper = codes.astype(str).str.strip().str.upper()
    return upper.replace(dict(CODE_FIXES))


@lru_cache(maxsize=1)
def iso3_codes() -> frozenset[str]:
    """Every ISO 3166-1 alpha-3 code coco knows (current and obsolete), plus the World Bank's Kosovo code."""
    return frozenset(_converter().data["ISO3"].dropna().astype(str)) | {"XKX"}
