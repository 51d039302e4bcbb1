"""What the panel covers: per variable, the years, economies and share missing (overall and for the case economies),
and the values outside their catalog ``valid_range`` (kept as published, listed)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from griparm_econ.catalog import Catalog
from griparm_econ.sources.country_names import EU27

FOCUS = ("CHN", "BRA", "KAZ", "JPN")


def _span(years: pd.Series) -> tuple[Any, Any]:
    return (int(years.min()), int(years.max())) if len(years) else (pd.NA, pd.NA)


def coverage_table(panel: pd.DataFrame, catalog: Catalog) -> pd.DataFrame:
    """Per variable: years with data, economies, observations, share missing; the same for CHN, BRA, KAZ, JPN and
    the EU27 (pooled over the 27 members)."""
    groups = {code: [code] for code in FOCUS}
    groups["EU27"] = list(EU27)
    outside = out_of_range(panel, catalog)
    rows = []
    for entry in catalog:
        present = panel[entry.name].notna()
        first, last = _span(panel.loc[present, "year"])
        row = {"variable": entry.name, "source": entry.source, "first_year": first, "last_year": last,
               "economies": int(panel.loc[present, "iso3"].nunique()), "observations": int(present.sum()),
               "share_missing": float(1 - present.mean())}
        for group, members in groups.items():
            mask = panel["iso3"].isin(members)
            g_first, g_last = _span(panel.loc[mask & present, "year"])
            row[f"{group}_first_year"] = g_first
            row[f"{group}_last_year"] = g_last
            row[f"{group}_share_missing"] = float(1 - present[mask].mean()) if mask.any() else float("nan")
        row["outside_valid_range"] = len(outside.get(entry.name, ()))
        rows.append(row)
    table = pd.DataFrame(rows)
    for column in table.columns:
        if column.endswith("_year"):
            table[column] = table[column].astype("Int64")
    return table


def out_of_range(panel: pd.DataFrame, catalog: Catalog) -> dict[str, list[dict[str, Any]]]:
    """Values outside their catalog ``valid_range`` (e.g. a share of exports above 100%), per variable. They stay in
    the panel as the source publishes them; the coverage report and the provenance file list them."""
    found: dict[str, list[dict[str, Any]]] = {}
    for entry in catalog:
        if entry.valid_range is None:
            continue
        low, high = entry.valid_range
        values = panel[entry.name]
        bad = panel.loc[values.notna() & ((values < low) | (values > high)), ["iso3", "year", entry.name]]
        if len(bad):
            found[entry.name] = [{"iso3": r.iso3, "year": int(r.year), "value": float(getattr(r, entry.name))}
                                 for r in bad.itertuples(index=False)]
    return found


def coverage_summary(table: pd.DataFrame, panel: pd.DataFrame) -> str:
    lines = [f"panel: {panel['iso3'].nunique()} economies x {panel['year'].nunique()} years "
             f"({panel['year'].min()}-{panel['year'].max()}) = {len(panel):,} rows, {len(table)} variables",
             f"{'variable':40s} {'years':>9s} {'econ':>4s} {'miss':>5s}  "
             + " ".join(f"{g:>5s}" for g in (*FOCUS, "EU27")) + "   (share missing)"]
    for row in table.itertuples():
        years = "-" if pd.isna(row.first_year) else f"{row.first_year}-{str(row.last_year)[2:]}"
        focus = " ".join(f"{getattr(row, f'{g}_share_missing'):5.2f}" for g in (*FOCUS, "EU27"))
        lines.append(f"{row.variable:40s} {years:>9s} {row.economies:4d} {row.share_missing:5.2f}  {focus}")
    flagged = table[table["outside_valid_range"] > 0]
    if len(flagged):
        lines.append("values outside their catalog valid_range, kept as published (listed in "
                     "data/panel.provenance.json): " + ", ".join(f"{r.variable} {r.outside_valid_range}"
                                                              for r in flagged.itertuples()))
    return "\n".join(lines)
