"""Shares of world totals (rare-earth mine production, compound exports) by group of economies.

A source lists the economies with production or trade in a year; an economy it does not list contributes nothing
to that year's total (USGS folds small producers into "Other countries", OEC lists only traders). The rest of the
world is the world total less the named groups, so it includes those unlisted amounts. Years without a world total
are left out, never filled.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import pandas as pd

from griparm_econ.errors import DataError

WORLD = "WLD"


@dataclass(frozen=True)
class Group:
    name: str
    members: tuple[str, ...]


@dataclass(frozen=True)
class Measure:
    name: str
    variable: str
    world: str = "reported"     # "reported": the source's WLD row; "sum": the sum over the economies listed


def world_total(panel: pd.DataFrame, aggregates: pd.DataFrame, measure: Measure) -> pd.Series:
    """World total per year (years with no total are absent)."""
    if measure.world == "reported":
        if measure.variable not in aggregates.columns:
            raise DataError(f"no world (WLD) row exists for '{measure.variable}'.", where="data/aggregates.parquet",
                            field=measure.variable, fix='set world = "sum" for this measure, or pick a series whose '
                                                         "source reports a world total.")
        rows = aggregates[aggregates["iso3"] == WORLD].set_index("year")[measure.variable].dropna()
    else:
        listed = panel.dropna(subset=[measure.variable])
        rows = listed.groupby("year")[measure.variable].sum()
    return rows[rows > 0].astype(float).sort_index()


def annual_shares(panel: pd.DataFrame, aggregates: pd.DataFrame, groups: Sequence[Group], measure: Measure,
                  *, rest_label: str) -> pd.DataFrame:
    """Columns: year, group, value, world, share (0-1), one row per group and year with a world total."""
    if measure.variable not in panel.columns:
        raise DataError(f"'{measure.variable}' is not a column of the study panel.", where="data/panel.parquet",
                        field=measure.variable, fix="use a variable of specs/variables.toml.")
    world = world_total(panel, aggregates, measure)
    values = panel.pivot_table(index="year", columns="iso3", values=measure.variable, aggfunc="sum")
    values = values.reindex(world.index)
    rows = []
    for group in groups:
        members = [m for m in group.members if m in values.columns]
        amount = values[members].sum(axis=1, min_count=1).fillna(0.0) if members else pd.Series(0.0, world.index)
        rows.append(pd.DataFrame({"year": world.index, "group": group.name, "value": amount.to_numpy(),
                                  "world": world.to_numpy()}))
    named = pd.concat(rows, ignore_index=True)
    rest = world - named.groupby("year")["value"].sum().reindex(world.index)
    rows.append(pd.DataFrame({"year": world.index, "group": rest_label, "value": rest.to_numpy(),
                              "world": world.to_numpy()}))
    out = pd.concat(rows, ignore_index=True)
    out["share"] = out["value"] / out["world"]
    out["measure"] = measure.name
    return out[["measure", "year", "group", "value", "world", "share"]]


def period_shares(annual: pd.DataFrame, periods: Sequence[tuple[int, int]]) -> pd.DataFrame:
    """Share of the period's cumulative world total (percent): rows (measure, period), columns groups.

    The period label gives the years that actually have data (e.g. "2020-2024 (data 2020-2022)"); a period in
    which a measure has no data at all has no row for that measure."""
    groups = list(dict.fromkeys(annual["group"]))
    records = {}
    for measure, part in annual.groupby("measure", sort=False):
        for first, last in periods:
            window = part[part["year"].between(first, last)]
            label = f"{first}-{last}"
            if window.empty:   # the source has no year in this period: no row, rather than a row of blanks
                continue
            covered = (int(window["year"].min()), int(window["year"].max()))
            if covered != (first, last):
                label += f" (data {covered[0]}-{covered[1]})" if covered[0] != covered[1] else f" (data {covered[0]})"
            world = window.drop_duplicates("year")["world"].sum()
            sums = window.groupby("group")["value"].sum()
            records[(measure, label)] = {g: 100.0 * sums.get(g, 0.0) / world for g in groups}
    frame = pd.DataFrame.from_dict(records, orient="index")[groups]
    frame.index = pd.MultiIndex.from_tuples(frame.index, names=["Measure", "Period"])
    return frame
