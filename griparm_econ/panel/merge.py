"""Merging the sources into the country-year panel, with a full account of the rows kept and dropped.

``read_sources`` reads every source the catalog needs; ``assemble_panel`` merges each source's long rows onto the
economy x year grid (counting every row it drops and why), then applies the catalog's transformations in catalog
order. Nothing is written here (``provenance.write_outputs`` writes). Gaps stay gaps: nothing is interpolated.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterable

import numpy as np
import pandas as pd

from griparm_econ.catalog import TRANSFORMATIONS, WORLD_SERIES_TRANSFORMATIONS, Catalog, TransformInput
from griparm_econ.config import Settings
from griparm_econ.errors import DataError
from griparm_econ.sources import SourceFrame
from griparm_econ.sources.gvc import load_gvc
from griparm_econ.sources.prices import load_prices
from griparm_econ.sources.production import load_production
from griparm_econ.sources.restrictions import (country_year_measures, read_china_quotas, read_events, read_gta,
                                               read_iea)
from griparm_econ.sources.snapshot import check_inputs
from griparm_econ.sources.state_capacity import load_state_capacity
from griparm_econ.sources.tax_revenue import load_tax_revenue
from griparm_econ.sources.trade import load_trade
from griparm_econ.sources.vdem import load_vdem

Echo = Callable[[str], None] | None

FIRST_YEAR = 1990
ID_COLUMNS = ["iso3", "year", "country", "region", "income_group"]
WORLD = "WLD"


def say(echo: Echo, text: str) -> None:
    if echo is not None:
        echo(text)


@dataclass(frozen=True)
class Sources:
    """Everything read from the data directory (or pulled), before any merge."""

    economies: SourceFrame
    series: tuple[SourceFrame, ...]          # long country-year sources: worldbank, trade, gvc, production,
                                             # state_capacity, vdem, tax_revenue, prices (world series)
    events: SourceFrame
    iea: SourceFrame
    gta: SourceFrame
    quotas: SourceFrame

    @property
    def all_frames(self) -> tuple[SourceFrame, ...]:
        return (self.economies, *self.series, self.events, self.iea, self.gta, self.quotas)


def read_sources(settings: Settings, catalog: Catalog, echo: Echo) -> Sources:
    from griparm_econ.sources.worldbank import load_economies, load_indicators

    # Every input against the manifest first, all problems in one message: a truncated or damaged file never builds
    # a half panel. Then the data-directory sources: a missing file stops the build before any World Bank pull.
    check_inputs(settings.data_dir)
    trade, gvc, production = load_trade(settings), load_gvc(settings), load_production(settings)
    capacity = (load_state_capacity(settings), load_vdem(settings), load_tax_revenue(settings))
    events, iea, gta, quotas = read_events(settings), read_iea(settings), read_gta(settings), \
        read_china_quotas(settings)
    codes = [entry.source_code for entry in catalog.by_source("worldbank")]
    return Sources(economies=load_economies(settings, echo=echo),
                   series=(load_indicators(settings, codes, echo=echo), trade, gvc, production, *capacity,
                           load_prices(settings)),
                   events=events, iea=iea, gta=gta, quotas=quotas)


# ---------------------------------------------------------------------------------------------------------------
# Merge with accounting


def _account(name: str, rows: pd.DataFrame, wanted_codes: set[str], economies: set[str], aggregates: set[str],
             first_year: int, last_year: int) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    """Split one source's long rows into (economy rows kept, aggregate rows kept) and count every other row."""
    used_code = rows["indicator"].isin(wanted_codes)
    in_window = rows["year"].between(first_year, last_year)
    is_economy = rows["iso3"].isin(economies)
    is_aggregate = rows["iso3"].isin(aggregates)
    keep = used_code & in_window & is_economy
    to_aggregates = used_code & in_window & is_aggregate
    unknown = used_code & in_window & ~is_economy & ~is_aggregate
    record = {
        "rows_read": int(len(rows)),
        "rows_kept_economies": int(keep.sum()),
        "rows_kept_aggregates": int(to_aggregates.sum()),
        "rows_code_not_in_catalog": int((~used_code).sum()),
        "rows_outside_years": int((used_code & ~in_window).sum()),
        "rows_dropped_not_an_economy": int(unknown.sum()),
        "codes_not_an_economy": {code: int(n) for code, n in
                                 sorted(rows.loc[unknown, "iso3"].value_counts().items())},
    }
    accounted = sum(v for k, v in record.items() if k.startswith("rows_") and k != "rows_read")
    if accounted != record["rows_read"]:
        raise AssertionError(f"{name}: merge accounting does not add up ({accounted} != {record['rows_read']})")
    return rows[keep], rows[to_aggregates], record


def _economy_tables(economies: SourceFrame) -> tuple[pd.DataFrame, set[str]]:
    table = economies.rows
    flag = table["is_aggregate"].astype(str).str.lower().isin(["true", "1"])
    countries = table[~flag][["iso3", "name", "region", "income_group"]].rename(columns={"name": "country"})
    countries = countries.sort_values("iso3").reset_index(drop=True)
    return countries, set(table.loc[flag, "iso3"])


def _wide(rows: pd.DataFrame, grid: pd.DataFrame, source_name: str) -> pd.DataFrame:
    """Pivot long rows to one column per indicator, aligned with the grid's rows."""
    duplicated = rows.duplicated(["iso3", "year", "indicator"])
    if duplicated.any():
        sample = rows[duplicated].head(3).to_dict("records")
        raise DataError(f"{int(duplicated.sum())} duplicate (iso3, year, indicator) rows, e.g. {sample}.",
                        where=source_name, field="iso3, year, indicator",
                        fix="a source must give one value per economy, year and series.")
    wide = rows.pivot(index=["iso3", "year"], columns="indicator", values="value")
    return grid[["iso3", "year"]].merge(wide.reset_index(), on=["iso3", "year"], how="left")


def _family_codes(frame: SourceFrame, codes_by_source: dict[str, set[str]]) -> set[str]:
    # Source frames are named "<family>" or "<family>.<part>"; the catalog's source field is the family.
    return codes_by_source.get(frame.name.split(".")[0], set())


def _last_year(series: Iterable[SourceFrame], codes_by_source: dict[str, set[str]], economies: set[str]) -> int:
    """The latest year in which any catalog series has a value for an economy."""
    years = []
    for frame in series:
        rows = frame.rows
        usable = rows["indicator"].isin(_family_codes(frame, codes_by_source)) & rows["iso3"].isin(economies) \
            & (rows["year"] >= FIRST_YEAR)
        if usable.any():
            years.append(int(rows.loc[usable, "year"].max()))
    if not years:
        raise DataError("no source has any economy data for the catalog's series.", where="data directory",
                        field="GRIPARM_DATA", fix="check the data directory's contents against its README.")
    return max(years)


# ---------------------------------------------------------------------------------------------------------------
# Assembly


def assemble_panel(catalog: Catalog, sources: Sources,
                   settings: Settings) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    """Merge and transform; no files written. Returns the panel, the aggregates table and the build record."""
    countries, aggregate_codes = _economy_tables(sources.economies)
    economy_codes = set(countries["iso3"])
    codes_by_source: dict[str, set[str]] = {}
    for entry in catalog:
        if entry.source != "derived":
            codes_by_source.setdefault(entry.source, set()).add(entry.source_code)

    last_year = _last_year(sources.series, codes_by_source, economy_codes)
    merge: dict[str, Any] = {}
    kept_rows: list[pd.DataFrame] = []
    aggregate_rows: list[pd.DataFrame] = []
    for frame in sources.series:
        kept, agg, merge[frame.name] = _account(frame.name, frame.rows, _family_codes(frame, codes_by_source),
                                                economy_codes, aggregate_codes, FIRST_YEAR, last_year)
        kept_rows.append(kept)
        aggregate_rows.append(agg)

    restriction_rows = country_year_measures(sources.events.rows, sources.iea.rows, sources.gta.rows, FIRST_YEAR,
                                             last_year)
    kept, agg, merge["restrictions"] = _account("restrictions", restriction_rows,
                                                codes_by_source.get("restrictions", set()), economy_codes,
                                                aggregate_codes, FIRST_YEAR, last_year)
    kept_rows.append(kept)
    aggregate_rows.append(agg)

    years = pd.DataFrame({"year": range(FIRST_YEAR, last_year + 1)})
    grid = countries.merge(years, how="cross").sort_values(["iso3", "year"], kind="mergesort")
    grid = grid.reset_index(drop=True)[ID_COLUMNS]
    values = _wide(pd.concat(kept_rows, ignore_index=True), grid, "sources")
    world_rows = pd.concat(aggregate_rows, ignore_index=True)
    world_rows = world_rows[world_rows["iso3"] == WORLD]
    world_codes = set(world_rows["indicator"])
    # A world series (one value per year, e.g. a price boom) has no economy rows: it needs WLD rows instead.
    no_data = [f"{entry.name} ({entry.source}: {entry.source_code})" for entry in catalog
               if entry.source != "derived" and entry.source_code not in values
               and not (entry.transformation in WORLD_SERIES_TRANSFORMATIONS and entry.source_code in world_codes)]
    if no_data:
        raise DataError(f"catalog series with no economy data in {FIRST_YEAR}-{last_year}: {', '.join(no_data)}.",
                        where=catalog.path, field="source_code",
                        fix="correct the source_code (see the source's codes in docs/data.md) or the data directory.")

    panel = grid.copy()
    notes: list[str] = []
    world_by_variable: dict[str, pd.Series] = {}
    for entry in catalog:
        source_values = None
        if entry.source != "derived":
            source_values = values[entry.source_code] if entry.source_code in values \
                else pd.Series(float("nan"), index=values.index)
            world = world_rows[world_rows["indicator"] == entry.source_code]
            world_by_variable[entry.name] = world.set_index("year")["value"]
        data = TransformInput(panel=panel, entry=entry, source_values=source_values, world=world_by_variable,
                              notes=notes)
        panel[entry.name] = TRANSFORMATIONS[entry.transformation](data)
        if len(panel.columns) % 50 == 0:
            panel = panel.copy()   # consolidate the column blocks (pandas slows down and warns past 100 of them)

    _check_panel(panel, economy_codes, aggregate_codes, last_year)
    aggregates = _aggregates_table(pd.concat(aggregate_rows, ignore_index=True), catalog, sources.economies)
    record = {"merge": merge, "first_year": FIRST_YEAR, "last_year": last_year, "transform_notes": notes}
    return panel, aggregates, record


def _check_panel(panel: pd.DataFrame, economies: set[str], aggregates: set[str], last_year: int) -> None:
    problems = []
    if panel.duplicated(["iso3", "year"]).any():
        problems.append("(iso3, year) is not unique")
    if panel["iso3"].isin(aggregates).any():
        problems.append("aggregates in the panel")
    if not panel["iso3"].str.fullmatch(r"[A-Z]{3}").all():
        problems.append("iso3 codes that are not three capital letters")
    if not panel["year"].between(FIRST_YEAR, last_year).all():
        problems.append("years outside the window")
    if set(panel["iso3"]) != economies:
        problems.append("economy set differs from the World Bank list")
    if problems:
        raise AssertionError("panel invariants violated: " + "; ".join(problems))


def _aggregates_table(rows: pd.DataFrame, catalog: Catalog, economies: SourceFrame) -> pd.DataFrame:
    """Aggregate rows (WB aggregates, OEC and USGS world totals) of source variables, one column per variable."""
    names = economies.rows.set_index("iso3")["name"]
    by_code: dict[str, list[str]] = {}
    for entry in catalog:
        if entry.source != "derived":
            by_code.setdefault(entry.source_code, []).append(entry.name)
    columns = [e.name for e in catalog if e.source != "derived"]
    if rows.empty:
        return pd.DataFrame(columns=["iso3", "year", "name", *columns])
    wide = rows.pivot(index=["iso3", "year"], columns="indicator", values="value").reset_index()
    out = wide[["iso3", "year"]].copy()
    out.insert(2, "name", out["iso3"].map(names).fillna("World").astype("string"))
    values = {variable: wide[code].to_numpy() if code in wide else np.full(len(wide), np.nan)
              for code, variables in by_code.items() for variable in variables}
    out = pd.concat([out, pd.DataFrame(values, index=out.index)], axis=1)
    out = out[["iso3", "year", "name", *columns]].sort_values(["iso3", "year"], kind="mergesort")
    return out.reset_index(drop=True)
