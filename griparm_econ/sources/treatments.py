"""Named treatment definitions built from the project's events file, as country-year indicators.

Each definition selects events among the dated restrictions (``role == "restriction"`` after the source-note rules
of restrictions.py, and one of the four restriction types; ``other`` measures never count) and yields three series
per economy and year, with the definition's code ``<CODE>``:

* ``TREAT.<CODE>.IN_FORCE``: 1 in every year a selected event is in force (on/off; ends when the events end);
* ``TREAT.<CODE>.FIRST_YEAR``: the year the first selected event started (the adoption cohort; constant within the
  economy, in every panel year; the catalog fills never-treated economies with 0, the R ``did`` convention);
* ``TREAT.<CODE>.ADOPTED``: 1 from the first adoption year on (absorbing), whatever happens later.

The stage (``stage``) and motive (``motive``) fields of the events file are coded only where the event's own text
states them (docs/codebook_restrictions.md); an event with an empty field is never selected by a definition that
requires it, and never excluded by a definition that excludes a coded value. The definitions are the one registry
(``DEFINITIONS``); the catalog declares the panel variables that use them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Mapping

import pandas as pd

from griparm_econ.sources._files import tidy_long
from griparm_econ.sources.country_names import EU_JURISDICTION_CODES, eu_members

RESTRICTION_MEASURES = ("export_quota", "export_tax", "export_ban", "export_licence", "export_control")
NICKEL = re.compile(r"\bnickel\b|\bNi\b", re.IGNORECASE)
# Indonesia's ban on unprocessed ores under the 2009 Mining Law, in force from 12 Jan 2014 (the nickel-ore ban).
IDN_ORE_BAN_2014 = "IDN-2014-export_ban-1"
EARLIEST = 1900          # cohort years are computed from the events' own start years, not clipped to the panel


def _stages(events: pd.DataFrame) -> pd.Series:
    return events["stage"].fillna("").astype(str).map(lambda text: frozenset(filter(None, text.split(";"))))


def _only(stage: str) -> Callable[[pd.DataFrame], pd.Series]:
    return lambda events: _stages(events) == frozenset({stage})


@dataclass(frozen=True)
class TreatmentDefinition:
    code: str
    description: str
    select: Callable[[pd.DataFrame], pd.Series]    # boolean mask over dated restriction events


DEFINITIONS: Mapping[str, TreatmentDefinition] = {d.code: d for d in (
    TreatmentDefinition("ANY", "every dated export restriction (quota, tax, ban, licence or control)",
                        lambda e: pd.Series(True, index=e.index)),
    TreatmentDefinition("ORE_CONCENTRATE", "restrictions coded as targeting the ore/concentrate stage only",
                        _only("ore_concentrate")),
    TreatmentDefinition("EXCL_SCRAP", "every restriction except those coded as targeting scrap and waste only",
                        lambda e: ~_only("scrap")(e)),
    TreatmentDefinition("EXCL_SECURITY", "every restriction except export controls (dual-use licensing, measure "
                        "export_control) and events whose coded motive is security",
                        lambda e: (e["measure"] != "export_control") & (e["motive"].fillna("") != "security")),
    TreatmentDefinition("DOWNSTREAM_MOTIVE", "restrictions whose coded motive is downstream processing",
                        lambda e: e["motive"].fillna("") == "downstream_processing"),
    TreatmentDefinition("ORE_DOWNSTREAM", "ore/concentrate-stage restrictions with a downstream-processing motive",
                        lambda e: _only("ore_concentrate")(e) & (e["motive"].fillna("") == "downstream_processing")),
    TreatmentDefinition("NICKEL_ORE", "restrictions whose material names nickel and whose coded stages include "
                        "ore/concentrate", lambda e: e["material"].str.contains(NICKEL)
                        & _stages(e).map(lambda s: "ore_concentrate" in s)),
    TreatmentDefinition("IDN_ORE_BAN_2014", "Indonesia's 2014 ban on unprocessed ores (nickel ore among them), "
                        f"event {IDN_ORE_BAN_2014} alone", lambda e: e["event_id"] == IDN_ORE_BAN_2014),
)}


def dated_restrictions(events: pd.DataFrame) -> pd.DataFrame:
    """Prepared events (restrictions.prepare_events) that count as restrictions: dated, not a rate change, and one
    of the restriction measures."""
    for column in ("stage", "motive", "event_id"):
        if column not in events:
            events = events.assign(**{column: ""})
    return events[(events["role"] == "restriction") & events["measure"].isin(RESTRICTION_MEASURES)]


def _jurisdiction_years(events: pd.DataFrame, last_year: int) -> pd.DataFrame:
    records = []
    for event in events.itertuples():
        end = last_year if pd.isna(event.effective_end) else min(int(event.effective_end), last_year)
        for year in range(max(int(event.start_year), EARLIEST), end + 1):
            codes = eu_members(year) if event.iso3 in EU_JURISDICTION_CODES else (event.iso3,)
            records.extend((iso3, year) for iso3 in codes)
    return pd.DataFrame(records, columns=["iso3", "year"]).drop_duplicates()


def treatment_measures(events: pd.DataFrame, first_year: int, last_year: int) -> pd.DataFrame:
    """Long rows ``iso3, year, indicator, value`` for every definition (only treated economies get rows; the
    catalog fills the rest with 0)."""
    restrictions = dated_restrictions(events)
    parts = []
    for definition in DEFINITIONS.values():
        chosen = restrictions[definition.select(restrictions).fillna(False).astype(bool)]
        in_force = _jurisdiction_years(chosen, last_year)
        if in_force.empty:
            continue
        cohort = in_force.groupby("iso3")["year"].min()
        years = pd.DataFrame({"year": range(first_year, last_year + 1)})
        grid = pd.DataFrame({"iso3": cohort.index}).merge(years, how="cross")
        grid["FIRST_YEAR"] = grid["iso3"].map(cohort).astype("float64")
        grid["ADOPTED"] = (grid["year"] >= grid["FIRST_YEAR"]).astype("float64")
        flagged = set(map(tuple, in_force.to_numpy()))
        grid["IN_FORCE"] = [float((i, y) in flagged) for i, y in zip(grid["iso3"], grid["year"])]
        long = grid.melt(id_vars=["iso3", "year"], value_vars=["IN_FORCE", "FIRST_YEAR", "ADOPTED"],
                         var_name="indicator", value_name="value")
        long["indicator"] = f"TREAT.{definition.code}." + long["indicator"]
        parts.append(long)
    if not parts:
        return pd.DataFrame(columns=["iso3", "year", "indicator", "value"])
    return tidy_long(pd.concat(parts, ignore_index=True))
