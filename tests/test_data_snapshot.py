"""The inputs that ship with the repository (data/raw): manifest, compression, licences, the default data directory,
the project's coded data and their schema (issue 11)."""

from __future__ import annotations

import csv
import gzip
import json
import shutil
import subprocess

import pandas as pd
import pytest

from griparm_econ.config import DEFAULT_DATA_DIR, PROJECT_ROOT, load_settings, resolve_data_dir
from griparm_econ.errors import DataError
from griparm_econ.sources.restrictions_coding import COLUMNS as CODING_COLUMNS
from griparm_econ.sources.restrictions_schema import EventRow, QuotaRow, validate
from griparm_econ.sources.snapshot import (MANIFEST_NAME, check_inputs, content_sha256, count_rows, read_bytes,
                                           read_manifest, stored)

MANIFEST = read_manifest(DEFAULT_DATA_DIR / MANIFEST_NAME)
ADDED_LIMIT = 30 * 1024 * 1024
OWN = ("restrictions/export_restrictions_events.csv", "restrictions/china_ree_export_quotas.csv")


@pytest.mark.parametrize("entry", MANIFEST, ids=[e.path for e in MANIFEST])
def test_every_shipped_file_is_the_original_bytes(entry):
    path = stored(DEFAULT_DATA_DIR, entry.path)
    assert path.relative_to(DEFAULT_DATA_DIR).as_posix() == entry.stored_as
    data = read_bytes(path)
    assert content_sha256(path) == entry.sha256 and len(data) == entry.bytes
    assert count_rows(entry.path, data) == entry.rows
    assert entry.source and entry.vintage and entry.licence and entry.url
    if path.name.endswith(".gz"):                    # deterministic gzip (gzip -n): no name, no timestamp
        header = path.read_bytes()[:10]
        assert header[3] & 0x08 == 0 and header[4:8] == b"\0\0\0\0"


def test_manifest_covers_the_reported_inputs_and_every_stored_file():
    reported = json.loads((PROJECT_ROOT / "reported" / "estimates.json").read_text())["data_vintage"]["inputs"]
    recorded = {e.path: e.sha256 for e in MANIFEST}
    for item in reported:
        assert recorded.get(item["path"]) == item["sha256"], item["path"]
    files = {p.relative_to(DEFAULT_DATA_DIR).as_posix() for p in DEFAULT_DATA_DIR.glob("*/*")
             if p.is_file() and p.name != "PROVENANCE.md"}
    assert files == {e.stored_as for e in MANIFEST}
    for folder in {e.path.split("/")[0] for e in MANIFEST}:
        assert (DEFAULT_DATA_DIR / folder / "PROVENANCE.md").is_file(), folder


def test_the_project_datasets_are_plain_csv_for_review():
    for path in OWN:
        assert stored(DEFAULT_DATA_DIR, path) == DEFAULT_DATA_DIR / path


def test_added_data_stay_under_30_mb():
    total = sum(p.stat().st_size for root in (DEFAULT_DATA_DIR, PROJECT_ROOT / "tests" / "data")
                for p in root.rglob("*") if p.is_file())
    assert total < ADDED_LIMIT, f"{total / 2**20:.1f} MB"


def test_shipped_inputs_are_tracked_and_build_outputs_ignored():
    if shutil.which("git") is None or not (PROJECT_ROOT / ".git").exists():
        pytest.skip("not a git checkout")

    def ignored(relative: str) -> bool:
        return subprocess.run(["git", "check-ignore", "-q", relative], cwd=PROJECT_ROOT).returncode == 0

    assert not ignored("data/raw/MANIFEST.csv") and not ignored("data/raw/worldbank/wdi.csv.gz")
    assert not ignored("data/raw/restrictions/export_restrictions_events.csv")
    assert ignored("data/panel.parquet") and ignored("data/panel.provenance.json") and ignored("data/cache/x.csv")


def test_default_data_directory_is_the_repository_and_the_environment_overrides(monkeypatch, tmp_path):
    monkeypatch.delenv("GRIPARM_DATA", raising=False)
    assert resolve_data_dir() == DEFAULT_DATA_DIR
    assert load_settings().data_dir == DEFAULT_DATA_DIR
    other = tmp_path / "other"
    other.mkdir()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GRIPARM_DATA", "other")        # relative: resolved once, against the working folder
    assert resolve_data_dir() == other
    assert resolve_data_dir(str(DEFAULT_DATA_DIR)) == DEFAULT_DATA_DIR     # --data wins


def test_shipped_snapshot_passes_the_input_check():
    check_inputs(DEFAULT_DATA_DIR)


def test_compressed_and_plain_copies_read_the_same(tmp_path):
    # The loaders read wdi.csv or wdi.csv.gz alike and record the same path and sha256 (the original bytes').
    from griparm_econ.config import Settings
    from griparm_econ.sources.worldbank import load_economies

    plain = tmp_path / "plain" / "worldbank"
    plain.mkdir(parents=True)
    (plain / "countries.csv").write_bytes(gzip.decompress((DEFAULT_DATA_DIR / "worldbank/countries.csv.gz")
                                                          .read_bytes()))
    packed = load_economies(Settings(data_dir=DEFAULT_DATA_DIR, offline=True))
    unpacked = load_economies(Settings(data_dir=plain.parent, offline=True))
    pd.testing.assert_frame_equal(packed.rows, unpacked.rows)
    assert packed.provenance == unpacked.provenance


# ------------------------------------------------------------------------------------------------ project's datasets

def _events() -> pd.DataFrame:
    return pd.read_csv(DEFAULT_DATA_DIR / OWN[0], dtype=str, keep_default_na=False)


def test_shipped_project_datasets_follow_the_codebook():
    validate(EventRow, _events(), OWN[0])
    validate(QuotaRow, pd.read_csv(DEFAULT_DATA_DIR / OWN[1], dtype=str, keep_default_na=False), OWN[1])


def test_codebook_documents_every_column():
    codebook = (PROJECT_ROOT / "docs" / "codebook_restrictions.md").read_text(encoding="utf-8")
    for column in [*EventRow.model_fields, *QuotaRow.model_fields, *CODING_COLUMNS]:
        assert f"`{column}`" in codebook, column
    assert (PROJECT_ROOT / "docs" / "restrictions_changelog.md").is_file()


# (row index, column, bad value, words the message must hold). A row breaks one rule; all are reported at once.
BAD_EVENT_VALUES = [
    (0, "iso3", "XYZ", "'XYZ' is not an ISO 3166-1"),
    (1, "measure", "embargo", "'embargo' is not one of"),
    (2, "end_year", "1990", "end_year 1990 is before start_year"),
    (3, "source_url", "", "every row needs a source"),
    (4, "start_year", "20x1", "is not a calendar year"),
    (5, "start_date", "2011/01/01", "is not YYYY-MM-DD"),
    (6, "hs_codes", "26;abc", "are not HS codes"),
    (7, "country", "", "must not be empty"),
]


def test_every_broken_event_row_is_named_in_one_message():
    events = _events()
    for row, column, value, _ in BAD_EVENT_VALUES:
        events.loc[row, column] = value
    with pytest.raises(DataError) as caught:
        validate(EventRow, events, OWN[0])
    message = caught.value.message
    assert f"{len(BAD_EVENT_VALUES)} value(s)" in message and OWN[0] in message and "codebook" in message
    for row, column, _, words in BAD_EVENT_VALUES:
        assert f"data row {row + 1}" in message and words in message, (column, message)


def test_unknown_or_missing_event_column_is_named():
    with pytest.raises(DataError, match="unknown \\['colour'\\]"):
        validate(EventRow, _events().assign(colour="red"), OWN[0])
    with pytest.raises(DataError, match="missing \\['source_url'\\]"):
        validate(EventRow, _events().drop(columns="source_url"), OWN[0])


def test_quota_rows_need_a_year_a_source_and_non_negative_tonnes():
    quotas = pd.read_csv(DEFAULT_DATA_DIR / OWN[1], dtype=str, keep_default_na=False)
    quotas.loc[0, "quota_tonnes"] = "-5"
    quotas.loc[1, "source_url"] = "n/a"
    quotas.loc[2, "year"] = ""
    with pytest.raises(DataError) as caught:
        validate(QuotaRow, quotas, OWN[1])
    assert "3 value(s)" in caught.value.message


def test_manifest_lists_licence_and_publisher_for_the_readme():
    with open(DEFAULT_DATA_DIR / MANIFEST_NAME, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    for folder in {row["path"].split("/")[0] for row in rows}:
        assert f"`{folder}/`" in readme, folder


def test_binary_economy_list_is_a_message_not_a_traceback(tmp_path):
    # Issue 9: binary garbage in worldbank/countries.csv, read directly (without the manifest check in front).
    from griparm_econ.config import Settings
    from griparm_econ.sources.worldbank import load_economies

    folder = tmp_path / "worldbank"
    folder.mkdir()
    (folder / "countries.csv").write_bytes(bytes(range(1, 256)) * 8)
    with pytest.raises(DataError, match="cannot read it as the economy list") as caught:
        load_economies(Settings(data_dir=tmp_path, offline=True))
    assert "countries.csv" in caught.value.message and "Fix:" in caught.value.message
    (folder / "countries.csv").unlink()
    (folder / "countries.csv").mkdir()                 # a folder where the file belongs is not "missing"
    with pytest.raises(DataError, match="a directory stands where this file belongs"):
        load_economies(Settings(data_dir=tmp_path, offline=True))
