"""Data sources: one module per source, each returning tidy rows plus provenance.

Every loader returns a :class:`SourceFrame`: a long table ``iso3, year, indicator, value`` (or a wider tidy table
where the source is not a set of country-year series, e.g. events), plus the provenance of what it read.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd


@dataclass(frozen=True)
class SourceFrame:
    name: str                                   # e.g. "worldbank", "trade.oec"
    rows: pd.DataFrame
    provenance: tuple[dict[str, Any], ...] = ()  # one entry per file read or API pull: path/url, sha256, vintage, rows
    notes: tuple[str, ...] = ()                  # what the loader decided (vintage choices, dropped rows and why)
