"""The field coding of the events file (issue 13): one source per coded field, a reason per uncoded field, both versions
of a disputed value, and every quote found verbatim where its locator points."""

from __future__ import annotations

import gzip
import json

import pandas as pd
import pytest

from griparm_econ.config import DEFAULT_DATA_DIR, Settings
from griparm_econ.errors import DataError
from griparm_econ.sources.restrictions import read_events
from griparm_econ.sources.restrictions_coding import (CODED_FIELDS, CODING_FILE, Evidence, coding_problems,
                                                      validate_coding)
from griparm_econ.sources.restrictions_schema import EventRow, validate

FOLDER = DEFAULT_DATA_DIR / "restrictions"


def _read(name: str) -> pd.DataFrame:
    return pd.read_csv(FOLDER / name, dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def shipped():
    events = _read("export_restrictions_events.csv")
    iea = _read("iea_critical_minerals_policy_tracker_calvincj_snapshot.csv.gz")
    with gzip.open(FOLDER / "gta_critical_minerals_interventions_in_force_calvincj_snapshot.json.gz") as handle:
        gta = json.load(handle)["interventions"]
    return events, _read(CODING_FILE), Evidence(events, iea, gta)


def _row(coding: pd.DataFrame, event_id: str, field: str, status: str = "coded") -> pd.Series:
    chosen = coding[(coding["event_id"] == event_id) & (coding["field"] == field) & (coding["status"] == status)]
    assert len(chosen) == 1, (event_id, field, status)
    return chosen.iloc[0]


def test_shipped_coding_is_complete_and_every_quote_is_where_it_says(shipped):
    events, coding, evidence = shipped
    assert coding_problems(coding, events, evidence) == []
    decided = coding[coding["status"] != "disputed"]
    assert len(decided) == len(events) * len(CODED_FIELDS)
    # The figures the changelog reports (2026-11-30 entry).
    coded = decided[decided["status"] == "coded"].groupby("field").size().to_dict()
    assert coded == {"stage": 48, "motive": 32, "announced_date": 39, "in_force_date": 37, "legal_instrument": 39}
    assert int((coding["status"] == "disputed").sum()) == 16


def test_canonical_cases_carry_their_source(shipped):
    events, coding, _ = shipped
    nickel = _row(coding, "IDN-2020-export_ban-1", "motive")
    assert (nickel["value"], nickel["source"], nickel["locator"]) == ("downstream_processing", "iea", "105/description")
    # China's 1999 quota start is disputed: both versions kept, the coded one being the events file's start year.
    assert _row(coding, "CHN-1999-export_quota-1", "in_force_date")["value"] == "1999"
    assert _row(coding, "CHN-1999-export_quota-1", "in_force_date", "disputed")["value"] == "2011"
    # No text states a motive for China's 1999 quota or 2006 duties: not coded, with the reason.
    for event_id in ("CHN-1999-export_quota-1", "CHN-2006-export_tax-1"):
        assert _row(coding, event_id, "motive", "not_coded")["note"]
        assert events.loc[events["event_id"] == event_id, "motive"].item() == ""


def test_every_broken_coding_row_is_named_in_one_message(shipped, tmp_path):
    events, coding, evidence = shipped
    coding = coding.copy()
    nickel = coding.index[(coding["event_id"] == "IDN-2020-export_ban-1") & (coding["field"] == "motive")][0]
    coding.loc[nickel, "quote"] = "to build smelters at home"                  # not in IEA row 105
    ban = coding.index[(coding["event_id"] == "IDN-2014-export_ban-1") & (coding["field"] == "in_force_date")][0]
    coding.loc[ban, "value"] = "2014-01-13"                                     # differs from the events file
    gone = coding.index[(coding["event_id"] == "GAB-2029-export_ban-1") & (coding["field"] == "legal_instrument")]
    coding = coding.drop(gone)                                                  # an event-field without a row
    silent = coding.index[(coding["event_id"] == "IDN-2002-export_ban-1") & (coding["field"] == "motive")][0]
    coding.loc[silent, "note"] = ""                                             # not coded without a reason
    nowhere = coding.index[(coding["event_id"] == "CHN-2011-other-2") & (coding["field"] == "announced_date")][0]
    coding.loc[nowhere, "locator"] = "99999999/description"                     # no such GTA intervention
    with pytest.raises(DataError) as caught:
        validate_coding(coding, events, evidence, tmp_path / CODING_FILE)
    message = caught.value.message
    assert CODING_FILE in message and "docs/codebook_restrictions.md" in message
    for words in ("quote 'to build smelters at home' is not in iea 105/description",
                  "IDN-2014-export_ban-1 in_force_date: the events file has '2014-01-12'",
                  "GAB-2029-export_ban-1 legal_instrument: 0 coded/not_coded rows",
                  "a not_coded row needs the reason in note",
                  "locator '99999999/description' names no passage of the gta source",
                  "IDN-2020-export_ban-1 motive_basis: differs from the coding table's quote"):
        assert words in message, words


def test_in_force_date_must_fall_in_the_start_year():
    events = _read("export_restrictions_events.csv")
    row = events.index[events["event_id"] == "IDN-2014-export_ban-1"][0]
    events.loc[row, "in_force_date"] = "2013-12"
    with pytest.raises(DataError, match="in_force_date 2013-12 is not in start_year 2014"):
        validate(EventRow, events, "events.csv")


def test_read_events_refuses_a_missing_coding_table(tmp_path):
    folder = tmp_path / "restrictions"
    folder.mkdir()
    for path in FOLDER.iterdir():
        if path.name != CODING_FILE:
            (folder / path.name).write_bytes(path.read_bytes())
    with pytest.raises(DataError) as caught:
        read_events(Settings(data_dir=tmp_path))
    assert CODING_FILE in caught.value.message and "missing" in caught.value.message
