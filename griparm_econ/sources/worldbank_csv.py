"""The tidy CSV layout of World Bank series (``iso3,year,indicator,value``, as worldbank/wdi.csv) and of the economy
list, shared by the snapshot files and the cache of live pulls: written deterministically, read back to the same
doubles.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from griparm_econ.errors import DataError

TIDY_COLUMNS = ["iso3", "year", "indicator", "value"]
ECONOMY_COLUMNS = ["iso3", "name", "region", "income_group", "lending_type", "is_aggregate"]


def _float_text(value: float) -> str:
    # repr is the shortest text that reads back to the same double: deterministic and lossless.
    return repr(float(value))


def tidy_csv_text(rows: pd.DataFrame) -> str:
    ordered = rows.sort_values(["iso3", "year", "indicator"], kind="mergesort")
    lines = [",".join(TIDY_COLUMNS)]
    lines.extend(f"{iso3},{int(year)},{indicator},{_float_text(value)}"
                 for iso3, year, indicator, value in ordered[TIDY_COLUMNS].itertuples(index=False, name=None))
    return "\n".join(lines) + "\n"


# Parse each value to exactly the double its text denotes: pandas 3's default parser does; pandas 2 needs
# "round_trip" (an option pandas 3 deprecates).
EXACT_FLOATS: dict[str, str] = {} if int(pd.__version__.split(".")[0]) >= 3 else {"float_precision": "round_trip"}


def read_tidy_csv(path: Path) -> pd.DataFrame:
    frame = pd.read_csv(path, dtype={"iso3": str, "indicator": str, "year": "int64", "value": "float64"},
                        keep_default_na=False, **EXACT_FLOATS)
    return frame[TIDY_COLUMNS]


def economies_csv_text(frame: pd.DataFrame) -> str:
    return frame[ECONOMY_COLUMNS].to_csv(index=False, lineterminator="\n")


def read_economies_csv(path: Path) -> pd.DataFrame:
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        frame[ECONOMY_COLUMNS]
    except (ValueError, KeyError, OSError, EOFError) as exc:     # binary garbage, a truncated gzip, lost columns
        raise DataError(f"cannot read it as the economy list ({type(exc).__name__}: {str(exc)[:120]}).", where=path,
                        field=",".join(ECONOMY_COLUMNS),
                        fix="restore the file from its source (git checkout data/raw; see PROVENANCE.md).") from exc
    flags = frame["is_aggregate"].str.strip().str.lower()
    if not flags.isin(["true", "false"]).all():
        bad = sorted(set(frame.loc[~flags.isin(["true", "false"]), "is_aggregate"]))[:5]
        raise DataError(f"is_aggregate must be True or False, found {bad}.", where=path, field="is_aggregate",
                        fix="restore the file from its source (see PROVENANCE.md).")
    frame["is_aggregate"] = flags.eq("true")
    return frame[ECONOMY_COLUMNS]
