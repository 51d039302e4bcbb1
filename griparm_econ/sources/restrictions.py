"""Export restrictions and industrial policy as country-year measures.

Three inputs, one authority. The hand-compiled events file (``export_restrictions_events.csv``) is the authority
for export restrictions: it was compiled from the IEA tracker and the GTA extract among other pages, and every
conflict between them is resolved row by row in its ``source_note``. The IEA Critical Minerals Policy Tracker gives
counts of policies in force by policy family; the GTA extract gives an independent, secondary count of in-force
export measures and subsidies. Neither IEA nor GTA adds, dates or ends a restriction event.

Rules for the events file (docs/data.md repeats them):
* an event is in force in every year from ``start_year`` to ``end_year`` inclusive; an empty ``end_year`` means in
  force through the last panel year; a row with an empty ``start_year`` cannot be placed in time and is excluded
  (counted in the notes) - no start is inferred from free text;
* a row whose ``source_note`` says it is a rate change within a regime (the regime row says "Rate changes are
  separate rows") does not add a restriction: the regime row covers those years. Open-ended rows with the same
  country and measure that start inside a closed regime and concern the same material class are treated the same;
* "Superseded by the ... <year> regime" in ``source_note`` ends a row the year before <year>;
* measure types: quota, tax, ban, and licence_control (``export_licence`` and ``export_control``); ``other``
  (domestic-market obligations, informal or non-state measures, directives, proposals) is counted separately and is
  not a restriction in ``RESTR.ANY``/``RESTR.COUNT``;
* a measure of the European Union (code EUU) applies to every member state in the years it is a member.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Iterable, Sequence

import pandas as pd

from griparm_econ.config import Settings
from griparm_econ.errors import DataError
from griparm_econ.sources import SourceFrame
from griparm_econ.sources._files import describe_file, require_file, tidy_long
from griparm_econ.sources.snapshot import read_text
from griparm_econ.sources.country_names import EU_JURISDICTION_CODES, eu_members, names_to_iso3
from griparm_econ.sources.restrictions_coding import CODING_FILE, Evidence, validate_coding
from griparm_econ.sources.restrictions_schema import EventRow, QuotaRow, validate
from griparm_econ.sources.treatments import treatment_measures

FOLDER = "restrictions"
EVENTS_FILE = "export_restrictions_events.csv"
IEA_FILE = "iea_critical_minerals_policy_tracker_calvincj_snapshot.csv"
GTA_FILE = "gta_critical_minerals_interventions_in_force_calvincj_snapshot.json"
QUOTAS_FILE = "china_ree_export_quotas.csv"
EVENTS_VINTAGE = "hand-compiled 2026-11-28, stage and motive coded 2026-11-29, fields coded 2026-11-30"
CODING_VINTAGE = "field coding of 2026-11-30: one source per field"

MEASURE_TYPES = {
    "export_quota": "quota",
    "export_tax": "tax",
    "export_ban": "ban",
    "export_licence": "licence_control",
    "export_control": "licence_control",
    "other": "other",
}
RESTRICTION_TYPES = ("quota", "tax", "ban", "licence_control")
RARE_EARTH = re.compile(r"rare[\s-]*earth|\bREEs?\b|neodymium|dysprosium|terbium|yttrium|europium|lanthanum|cerium|"
                        r"praseodymium|samarium|gadolinium|holmium|erbium|thulium|ytterbium|lutetium|scandium",
                        re.IGNORECASE)
REGIME_NOTE = re.compile(r"rate changes are separate rows", re.IGNORECASE)
AMENDMENT_NOTE = re.compile(r"rate change within", re.IGNORECASE)
SUPERSEDED_NOTE = re.compile(r"superseded by the [^.;]*?\b((?:19|20)\d\d)\b", re.IGNORECASE)

# GTA intervention types that are export measures (the extract also holds subsidies and import measures).
GTA_EXPORT_TYPES = ("Export ban", "Export tax", "Export licensing requirement", "Export quota",
                    "Export-related non-tariff measure, nes")
IEA_FAMILIES = {
    "Economic": "ECONOMIC",
    "General legal framework": "LEGAL_FRAMEWORK",
    "Prescriptive": "PRESCRIPTIVE",
    "Trade": "TRADE",
    "Information-based": "INFORMATION",
    "Performance-based": "PERFORMANCE",
}
IEA_EXPORT_RESTRICTION_TYPES = ("Export controls and restrictions", "Export and import ban")

CONFLICT_RULE = ("Conflict rule: the events file governs export restrictions (its source_note records how each "
                 "conflict between pages, the IEA tracker and GTA was resolved); IEA and GTA never add, date or end an "
                 "event, they only feed their own counts.")
EVENT_COLUMNS = ["iso3", "country", "material", "measure", "start_year", "end_year", "source_note"]


# ---------------------------------------------------------------------------------------------------------------
# Events file


def check_field_coding(settings: Settings, events: pd.DataFrame) -> tuple[Path, int]:
    """Validates the field-coding table against the events file and the IEA and GTA passages it quotes; returns its
    path and number of rows."""
    path = require_file(settings, FOLDER, CODING_FILE, "restrictions")
    coding = pd.read_csv(path, dtype=str, keep_default_na=False)
    iea = pd.read_csv(require_file(settings, FOLDER, IEA_FILE, "restrictions"), dtype=str, keep_default_na=False)
    try:
        gta = json.loads(read_text(require_file(settings, FOLDER, GTA_FILE, "restrictions")))["interventions"]
    except (json.JSONDecodeError, KeyError, UnicodeDecodeError, OSError, EOFError) as err:
        raise DataError(f"not the expected GTA JSON ({err}).", where=GTA_FILE, field="interventions",
                        fix="restore the file from its source.") from err
    validate_coding(coding, events, Evidence(events, iea, gta), path)
    return path, len(coding)


def read_events(settings: Settings) -> SourceFrame:
    """The events file as typed rows, with ``measure_type``, ``rare_earth``, ``role`` and the effective end year."""
    path = require_file(settings, FOLDER, EVENTS_FILE, "restrictions")
    raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    validate(EventRow, raw, path)             # the codebook's schema: every problem of every row in one message
    coding_path, coding_rows = check_field_coding(settings, raw)
    missing = [c for c in EVENT_COLUMNS if c not in raw.columns]
    if missing:
        raise DataError(f"expected columns {missing} are missing.", where=path, field=", ".join(missing),
                        fix="use the file described in restrictions/PROVENANCE.md.")
    unknown = sorted(set(raw["measure"]) - set(MEASURE_TYPES))
    if unknown:
        raise DataError(f"unknown measure values {unknown}.", where=path, field="measure",
                        fix=f"use one of {sorted(MEASURE_TYPES)}.")
    events, notes = prepare_events(raw)
    return SourceFrame("restrictions.events", events,
                       (describe_file(settings, path, rows=len(raw), vintage=EVENTS_VINTAGE),
                        describe_file(settings, coding_path, vintage=CODING_VINTAGE, rows=coding_rows)),
                       (CONFLICT_RULE, *notes))


def prepare_events(raw: pd.DataFrame) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """Type the events and apply the source-note rules. Pure, so tests can feed hand-made tables.

    Returns every row with ``role`` in {"restriction", "amendment", "undated"} and ``effective_end`` (the end year
    after the source-note rules; missing = in force through the last panel year)."""
    events = raw.copy()
    for column in ("source_note", "material"):
        if column not in events:
            events[column] = ""
        events[column] = events[column].fillna("").astype(str)
    events["iso3"] = events["iso3"].astype(str).str.strip().str.upper()
    events["start_year"] = pd.to_numeric(events["start_year"].replace("", None), errors="raise").astype("Int64")
    events["end_year"] = pd.to_numeric(events["end_year"].replace("", None), errors="raise").astype("Int64")
    backwards = events["start_year"].notna() & events["end_year"].notna() & (events["end_year"] < events["start_year"])
    if backwards.any() or (events["iso3"] == "").any():
        row = int((backwards | (events["iso3"] == "")).to_numpy().argmax()) + 2
        raise DataError(f"row {row} has an empty iso3 or an end_year before its start_year.", where=EVENTS_FILE,
                        field="iso3, start_year, end_year", fix="correct the row (years are calendar years).")
    events["measure_type"] = events["measure"].map(MEASURE_TYPES)
    if events["measure_type"].isna().any():
        bad = sorted(set(events.loc[events["measure_type"].isna(), "measure"]))
        raise DataError(f"unknown measure values {bad}.", where=EVENTS_FILE, field="measure",
                        fix=f"use one of {sorted(MEASURE_TYPES)}.")
    events["rare_earth"] = events["material"].str.contains(RARE_EARTH)
    events["effective_end"] = events["end_year"]
    events["role"] = "restriction"
    events.loc[events["start_year"].isna(), "role"] = "undated"

    superseded = events["source_note"].str.extract(SUPERSEDED_NOTE, expand=False)
    ends_early = superseded.notna() & events["end_year"].isna() & (events["role"] == "restriction")
    events.loc[ends_early, "effective_end"] = superseded[ends_early].astype("int64") - 1

    regimes = events[events["source_note"].str.contains(REGIME_NOTE) & events["end_year"].notna()
                     & events["start_year"].notna()]
    amendment = events["source_note"].str.contains(AMENDMENT_NOTE) & (events["role"] == "restriction")
    for regime in regimes.itertuples():
        inside = ((events["iso3"] == regime.iso3) & (events["measure"] == regime.measure)
                  & (events["rare_earth"] == regime.rare_earth) & events["end_year"].isna()
                  & events["start_year"].between(regime.start_year, regime.end_year)
                  & (events.index != regime.Index))
        amendment |= inside & (events["role"] == "restriction")
    events.loc[amendment, "role"] = "amendment"

    def describe(rows: pd.DataFrame) -> str:
        return ", ".join(f"{r.iso3} {r.measure} {'' if pd.isna(r.start_year) else r.start_year}"
                         f"{'' if pd.isna(r.end_year) else '-' + str(r.end_year)} ({r.material[:40]})"
                         for r in rows.itertuples()) or "none"

    notes = (
        f"Events: {len(events)} rows; {int((events['role'] == 'restriction').sum())} counted as restrictions "
        f"(of which {int(((events['role'] == 'restriction') & (events['measure_type'] == 'other')).sum())} of type "
        "other, counted only in RESTR.OTHER_COUNT).",
        f"Events excluded because start_year is empty ({int((events['role'] == 'undated').sum())}): "
        + describe(events[events["role"] == "undated"]) + ".",
        f"Events treated as rate changes within a regime, not separate restrictions "
        f"({int((events['role'] == 'amendment').sum())}): " + describe(events[events["role"] == "amendment"]) + ".",
        f"Events ended the year before a superseding regime per source_note ({int(ends_early.sum())}): "
        + describe(events[ends_early]) + ".",
    )
    return events, notes


def _expand_jurisdictions(codes: Iterable[str], year: int) -> list[str]:
    out: list[str] = []
    for code in codes:
        out.extend(eu_members(year) if code in EU_JURISDICTION_CODES else [code])
    return out


def _in_force_years(start: int, end: int | None, first_year: int, last_year: int) -> range:
    stop = last_year if end is None or pd.isna(end) else min(int(end), last_year)
    return range(max(int(start), first_year), stop + 1)


def restriction_measures(events: pd.DataFrame, first_year: int, last_year: int) -> pd.DataFrame:
    """Country-year restriction measures from prepared events (``prepare_events``), long format.

    Only jurisdiction-years with at least one event in force get rows; the panel fills absences with 0.
    Indicators: RESTR.COUNT, RESTR.ANY, RESTR.<TYPE>_COUNT for quota/tax/ban/licence_control, RESTR.OTHER_COUNT,
    RESTR.REE_COUNT and RESTR.REE_ANY (rare-earth restrictions of the four types)."""
    records = []
    dated = events[events["role"] == "restriction"]
    for event in dated.itertuples():
        for year in _in_force_years(event.start_year, event.effective_end, first_year, last_year):
            for iso3 in _expand_jurisdictions([event.iso3], year):
                records.append((iso3, year, event.measure_type, bool(event.rare_earth)))
    frame = pd.DataFrame(records, columns=["iso3", "year", "measure_type", "rare_earth"])
    if frame.empty:
        return pd.DataFrame(columns=["iso3", "year", "indicator", "value"])
    restriction = frame["measure_type"].isin(RESTRICTION_TYPES)
    frame["count"] = restriction.astype(int)
    frame["ree"] = (restriction & frame["rare_earth"]).astype(int)
    for kind in (*RESTRICTION_TYPES, "other"):
        frame[kind] = (frame["measure_type"] == kind).astype(int)
    sums = frame.groupby(["iso3", "year"], as_index=False)[["count", "ree", *RESTRICTION_TYPES, "other"]].sum()
    sums["any"] = (sums["count"] > 0).astype(int)
    sums["ree_any"] = (sums["ree"] > 0).astype(int)
    columns = {"count": "RESTR.COUNT", "any": "RESTR.ANY", "ree": "RESTR.REE_COUNT", "ree_any": "RESTR.REE_ANY",
               "other": "RESTR.OTHER_COUNT", **{k: f"RESTR.{k.upper()}_COUNT" for k in RESTRICTION_TYPES}}
    long = sums.melt(id_vars=["iso3", "year"], value_vars=list(columns), var_name="indicator", value_name="value")
    long["indicator"] = long["indicator"].map(columns)
    return tidy_long(long)


# ---------------------------------------------------------------------------------------------------------------
# IEA policy tracker


def read_iea(settings: Settings) -> SourceFrame:
    """One row per policy x country: iso3, start year, end year (missing = open), families, export-restriction flag."""
    path = require_file(settings, FOLDER, IEA_FILE, "restrictions")
    raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    needed = ["title", "status", "year", "yearEnded", "countries", "policyType"]
    if any(c not in raw.columns for c in needed):
        raise DataError("expected columns are missing.", where=path, field=", ".join(needed),
                        fix="use the file described in restrictions/PROVENANCE.md.")
    policies, notes = prepare_iea(raw)
    return SourceFrame("restrictions.iea", policies,
                       (describe_file(settings, path, vintage="IEA tracker snapshot, dateModified to 2026-04-14",
                                      rows=len(raw)),), notes)


def prepare_iea(raw: pd.DataFrame) -> tuple[pd.DataFrame, tuple[str, ...]]:
    rows = []
    for index, policy in raw.iterrows():
        try:
            countries = [c["iso3"].upper() for c in json.loads(policy["countries"] or "[]")]
            types = json.loads(policy["policyType"] or "[]")
        except (json.JSONDecodeError, KeyError, TypeError) as err:
            raise DataError(f"row {index + 2} has malformed JSON ({err}).", where=IEA_FILE,
                            field="countries/policyType", fix="restore the file from its source.") from err
        families = sorted({IEA_FAMILIES.get(t.get("family"), "OTHER") for t in types})
        export_restriction = any(t.get("name") in IEA_EXPORT_RESTRICTION_TYPES for t in types)
        for iso3 in sorted(set(countries)):
            rows.append({"policy": index, "iso3": iso3, "status": policy["status"],
                         "start_year": pd.to_numeric(policy["year"] or None),
                         "end_year": pd.to_numeric(policy["yearEnded"] or None),
                         "families": "|".join(families), "export_restriction": export_restriction})
    policies = pd.DataFrame(rows)
    policies["start_year"] = policies["start_year"].astype("Int64")
    policies["end_year"] = policies["end_year"].astype("Int64")
    announced = policies["status"] == "Announced"
    ended_open = (policies["status"] == "Ended") & policies["end_year"].isna()
    no_start = policies["start_year"].isna()
    policies["counted"] = ~(announced | ended_open | no_start)
    notes = (
        f"IEA tracker: {len(raw)} policies, {len(policies)} policy-country rows; not counted as in force: "
        f"{int(announced.sum())} 'Announced', {int(ended_open.sum())} 'Ended' without an end year, "
        f"{int((no_start & ~announced & ~ended_open).sum())} without a year. A policy is in force from 'year' to "
        "'yearEnded' (or through the last panel year); EU-level policies (EUR) count for every member state; "
        "state/provincial policies count for their country.",
    )
    return policies, notes


def iea_policy_counts(policies: pd.DataFrame, first_year: int, last_year: int) -> pd.DataFrame:
    """IEA.COUNT (all policies in force), IEA.<FAMILY>_COUNT, IEA.EXPORT_RESTRICTION_COUNT; long format."""
    records = []
    for policy in policies[policies["counted"]].itertuples():
        families = policy.families.split("|") if policy.families else []
        for year in _in_force_years(policy.start_year, policy.end_year, first_year, last_year):
            for iso3 in _expand_jurisdictions([policy.iso3], year):
                records.append((iso3, year, "IEA.COUNT", policy.policy))
                for family in families:
                    records.append((iso3, year, f"IEA.{family}_COUNT", policy.policy))
                if policy.export_restriction:
                    records.append((iso3, year, "IEA.EXPORT_RESTRICTION_COUNT", policy.policy))
    frame = pd.DataFrame(records, columns=["iso3", "year", "indicator", "policy"])
    # A policy listed both for the EU and for a member state counts once for that state.
    counts = frame.drop_duplicates().groupby(["iso3", "year", "indicator"], as_index=False).size()
    return tidy_long(counts.rename(columns={"size": "value"}))


# ---------------------------------------------------------------------------------------------------------------
# GTA extract


def read_gta(settings: Settings) -> SourceFrame:
    """One row per intervention x implementer: iso3, year implemented, deal type, intervention type."""
    path = require_file(settings, FOLDER, GTA_FILE, "restrictions")
    try:
        interventions = json.loads(read_text(path))["interventions"]
    except (json.JSONDecodeError, KeyError, UnicodeDecodeError, OSError, EOFError) as err:
        raise DataError(f"not the expected GTA JSON ({err}).", where=path, field="interventions",
                        fix="restore the file from its source.") from err
    implementers = sorted({name for item in interventions for name in item.get("implementers", [])})
    codes = names_to_iso3(implementers)
    unmatched = sorted(name for name, code in codes.items() if code is None)
    rows = []
    for item in interventions:
        for name in item.get("implementers", []):
            if codes.get(name) is None:
                continue
            rows.append({"id": item["id"], "iso3": codes[name], "year": int(item["dateISO"][:4]),
                         "deal_type": item.get("dealType", ""), "intervention_type": item.get("interventionType", "")})
    frame = pd.DataFrame(rows)
    notes = (f"GTA extract: {len(interventions)} in-force interventions, {len(frame)} intervention-implementer rows; "
             f"implementer names not recognised and dropped: {unmatched or 'none'}. The extract holds in-force "
             "measures only, so a measure counts from its implementation year through the last panel year.",)
    return SourceFrame("restrictions.gta", frame,
                       (describe_file(settings, path, vintage="GTA extract, snapshot 2026-06-01",
                                      rows=len(interventions)),), notes)


def gta_counts(interventions: pd.DataFrame, first_year: int, last_year: int) -> pd.DataFrame:
    """GTA.EXPORT_MEASURES_COUNT and GTA.SUBSIDIES_COUNT in force by country-year, long format."""
    records = []
    for item in interventions.itertuples():
        if item.intervention_type in GTA_EXPORT_TYPES:
            indicator = "GTA.EXPORT_MEASURES_COUNT"
        elif item.deal_type == "Subsidy":
            indicator = "GTA.SUBSIDIES_COUNT"
        else:
            continue
        for year in _in_force_years(item.year, None, first_year, last_year):
            records.append((item.iso3, year, indicator, item.id))
    frame = pd.DataFrame(records, columns=["iso3", "year", "indicator", "id"]).drop_duplicates()
    counts = frame.groupby(["iso3", "year", "indicator"], as_index=False).size()
    return tidy_long(counts.rename(columns={"size": "value"}))


# ---------------------------------------------------------------------------------------------------------------


def read_china_quotas(settings: Settings) -> SourceFrame:
    """China's rare-earth export quotas (several figures per year where sources disagree); read for the record and
    the provenance manifest, not turned into a panel series because no single figure per year is documented."""
    path = require_file(settings, FOLDER, QUOTAS_FILE, "restrictions")
    validate(QuotaRow, pd.read_csv(path, dtype=str, keep_default_na=False), path)
    raw = pd.read_csv(path, dtype={"note": str, "source_url": str})
    return SourceFrame("restrictions.china_quotas", raw,
                       (describe_file(settings, path, vintage="hand-compiled 2026-11-28", rows=len(raw)),),
                       ("China REE quota file read but not used as a series: several conflicting figures per year "
                        "(coverage of exporters differs), no figures 1999-2004.",))


def country_year_measures(events: pd.DataFrame, iea: pd.DataFrame, gta: pd.DataFrame, first_year: int,
                          last_year: int) -> pd.DataFrame:
    """Restriction measures and the named treatment definitions (events file), IEA policy counts and GTA counts as
    long country-year rows."""
    return pd.concat([restriction_measures(events, first_year, last_year),
                      treatment_measures(events, first_year, last_year),
                      iea_policy_counts(iea, first_year, last_year),
                      gta_counts(gta, first_year, last_year)], ignore_index=True)


def load_restrictions(settings: Settings, first_year: int, last_year: int) -> SourceFrame:
    """Every restriction and policy measure as long country-year rows for ``first_year..last_year``."""
    parts: Sequence[SourceFrame] = (read_events(settings), read_iea(settings), read_gta(settings),
                                    read_china_quotas(settings))
    events, iea, gta, _ = parts
    rows = country_year_measures(events.rows, iea.rows, gta.rows, first_year, last_year)
    return SourceFrame("restrictions", tidy_long(rows), tuple(e for p in parts for e in p.provenance),
                       tuple(n for p in parts for n in p.notes))
