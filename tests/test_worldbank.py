"""World Bank source: live pulls through the real wbgapi + requests against a local fake API, and the real snapshot.

The fake API (tests/wb_server.py) serves synthetic observations generated here; every test compares what the
loader returns, or caches, with those generated values. Snapshot tests compare with the figures PROVENANCE.md
publishes for the files and skip when GRIPARM_DATA is unset.
"""

from __future__ import annotations

import csv
import io
import json
import os
import sys
from pathlib import Path

import pandas as pd
import pytest
import wbgapi

sys.path.insert(0, str(Path(__file__).resolve().parent))

from wb_server import FAULTS, LAST_UPDATED, Economy, FakeWorldBank, FakeWorldBankServer  # noqa: E402

from griparm_econ.config import DATA_ENV, Settings, resolve_data_dir  # noqa: E402
from griparm_econ.errors import DataError, DownloadError  # noqa: E402
from griparm_econ.io import sha256_file  # noqa: E402
from griparm_econ.sources import worldbank_cache, worldbank_options  # noqa: E402
from griparm_econ.sources.worldbank import (WDI_DB, WGI_DB, LiveOptions, load_economies,  # noqa: E402
                                            load_indicators, pull_live)
from griparm_econ.sources.snapshot import content_sha256, read_text, stored as stored_file  # noqa: E402

# A hanging server costs the read timeout on every attempt: slow (make test-fast runs the other faults).
FAULT_CASES = [pytest.param(f, marks=pytest.mark.slow) if f == "hang" else f for f in FAULTS]

ECONOMIES = [
    Economy("BRA", "Brazil", "Latin America & Caribbean", "Upper middle income", "IBRD"),
    Economy("CHN", "China", "East Asia & Pacific", "Upper middle income", "IBRD"),
    Economy("JPN", "Japan", "East Asia & Pacific", "High income", "Not classified"),
    Economy("KAZ", "Kazakhstan", "Europe & Central Asia", "Upper middle income", "IBRD"),
    Economy("DEU", "Germany", "Europe & Central Asia", "High income", "Not classified"),
    Economy("WLD", "World", "Aggregates", "Aggregates", "Aggregates"),
]
YEARS = list(range(1996, 2006))
WDI_CODES = ["NV.IND.MANF.ZS", "NY.GDP.PCAP.KD", "SP.POP.TOTL"]
PER_PAGE = 7
RETRIES = 2


def _synthetic_value(code_index: int, economy_index: int, year: int) -> float | None:
    # Some holes (null observations, as the API sends them) and values that need all 17 significant digits.
    if (code_index + economy_index + year) % 9 == 0:
        return None
    if code_index == 0 and economy_index == 0:
        return int(1000 + year)                      # integer JSON numbers must come back as floats
    return (economy_index + 1) * 1234.5678912345679 / (code_index + 3) + (year - 1990) / 7


def _make_bank() -> FakeWorldBank:
    series: dict[int, dict] = {WDI_DB: {}, WGI_DB: {}}
    for code_index, code in enumerate(WDI_CODES + ["SL.UEM.TOTL.ZS"]):
        series[WDI_DB][code] = {(economy.iso3, year): _synthetic_value(code_index, economy_index, year)
                                for economy_index, economy in enumerate(ECONOMIES) for year in YEARS}
    # WGI: no aggregates and no 1997/1999/2001, as in the real database.
    series[WGI_DB]["GE.EST"] = {(economy.iso3, year): (economy_index - 2.5) / 3 + year / 1e5
                                for economy_index, economy in enumerate(ECONOMIES[:-1]) for year in YEARS
                                if year not in (1997, 1999, 2001)}
    return FakeWorldBank(ECONOMIES, YEARS, series)


BANK = _make_bank()


def _expected(codes: list[str]) -> pd.DataFrame:
    """The non-null observations the fake API holds for ``codes``, in the loader's order."""
    records = [(iso3, year, code, float(value))
               for db in BANK.series for code, observations in BANK.series[db].items() if code in codes
               for (iso3, year), value in observations.items() if value is not None]
    frame = pd.DataFrame(records, columns=["iso3", "year", "indicator", "value"])
    return frame.sort_values(["indicator", "iso3", "year"]).reset_index(drop=True)


def _assert_same_rows(got: pd.DataFrame, codes: list[str]) -> None:
    expected = _expected(codes)
    got = got.reset_index(drop=True)
    assert list(got.columns) == ["iso3", "year", "indicator", "value"]
    assert got[["iso3", "year", "indicator"]].astype(str).values.tolist() == \
        expected[["iso3", "year", "indicator"]].astype(str).values.tolist()
    assert got["value"].tolist() == expected["value"].tolist()        # exact, not approximate


@pytest.fixture(scope="module")
def module_server():
    with FakeWorldBankServer(BANK, hang_seconds=1.0) as server:
        yield server


@pytest.fixture
def server(module_server):
    module_server.reset()
    yield module_server
    module_server.reset()


@pytest.fixture
def options(server) -> LiveOptions:
    return LiveOptions(endpoint=server.endpoint, connect_timeout=0.5, read_timeout=0.5, retries=RETRIES,
                       backoff_base=0.001, backoff_max=0.01, per_page=PER_PAGE)


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(data_dir=None, work_dir=tmp_path / "work", output_dir=tmp_path / "out")


def _pages_of(paths: list[str]) -> list[int]:
    return [int(path.split("page=")[-1].split("&")[0]) for path in paths]


def _cache_entries(settings: Settings) -> list[str]:
    folder = settings.cache_dir
    return sorted(os.listdir(folder)) if folder.exists() else []


# ------------------------------------------------------------------------------------------------ live: normal

def test_pull_reads_every_page_once_and_returns_the_served_values(server, options, settings):
    frame = load_indicators(settings, WDI_CODES, options=options)

    _assert_same_rows(frame.rows, WDI_CODES)
    total = len(WDI_CODES) * len(ECONOMIES) * len(YEARS)            # nulls included, as the API pages them
    pages = -(-total // PER_PAGE)
    assert pages > 1
    assert server.request_count == pages
    assert _pages_of(server.paths) == list(range(1, pages + 1))
    # several series in one request, from database 2, for all economies and years
    assert all(path.startswith("/v2/en/sources/2/series/NV.IND.MANF.ZS;NY.GDP.PCAP.KD;SP.POP.TOTL/country/all/"
                               "time/all?") for path in server.paths)
    assert not frame.rows.duplicated(["iso3", "year", "indicator"]).any()
    assert "WLD" in set(frame.rows["iso3"])                           # aggregates included
    assert frame.rows["value"].dtype == "float64" and frame.rows["year"].dtype == "int64"
    assert [note.split(":")[0] for note in frame.notes] == WDI_CODES
    assert all("pulled live" in note and LAST_UPDATED in note for note in frame.notes)
    (provenance,) = frame.provenance
    assert provenance["url"].startswith(server.endpoint) and provenance["vintage"] == LAST_UPDATED
    assert provenance["series"] == WDI_CODES and provenance["rows"] == len(frame.rows)


def test_wgi_estimates_come_from_database_3(server, options, settings):
    frame = load_indicators(settings, ["GE.EST", "SP.POP.TOTL"], options=options)

    _assert_same_rows(frame.rows, ["GE.EST", "SP.POP.TOTL"])
    databases = {path.split("/")[4] for path in server.paths}
    assert databases == {"2", "3"}
    assert all("series/GE.EST/" in path for path in server.paths if path.startswith("/v2/en/sources/3/"))
    china = frame.rows[(frame.rows["iso3"] == "CHN") & (frame.rows["indicator"] == "GE.EST")]
    assert not {1997, 1999, 2001} & set(china["year"])
    assert sorted(_cache_entries(settings)) == ["wb_db2_sp.pop.totl.csv", "wb_db2_sp.pop.totl.json",
                                                "wb_db3_ge.est.csv", "wb_db3_ge.est.json"]


def test_cache_csv_and_manifest(server, options, settings):
    load_indicators(settings, WDI_CODES, options=options)

    stem = "wb_db2_nv.ind.manf.zs+ny.gdp.pcap.kd+sp.pop.totl"
    assert _cache_entries(settings) == [f"{stem}.csv", f"{stem}.json"]
    csv_path = settings.cache_dir / f"{stem}.csv"
    manifest = json.loads((settings.cache_dir / f"{stem}.json").read_text())
    expected = _expected(WDI_CODES).sort_values(["iso3", "year", "indicator"])
    lines = ["iso3,year,indicator,value"] + [f"{r.iso3},{r.year},{r.indicator},{r.value!r}"
                                             for r in expected.itertuples()]
    assert csv_path.read_text() == "\n".join(lines) + "\n"
    assert manifest["sha256"] == sha256_file(csv_path)
    assert manifest["rows"] == len(expected)
    assert manifest["api_last_updated"] == LAST_UPDATED
    assert manifest["database"] == 2 and manifest["series"] == WDI_CODES
    assert manifest["economies"] == "all" and manifest["years"] == "all"
    assert manifest["wbgapi_version"] == wbgapi.__version__
    assert manifest["retrieved_at"].endswith("Z")


def test_valid_cache_is_used_without_requests_even_offline(server, options, settings):
    first = load_indicators(settings, WDI_CODES, options=options)
    server.reset()

    again = load_indicators(settings, ["SP.POP.TOTL", "NY.GDP.PCAP.KD"], options=options)
    offline = load_indicators(Settings(data_dir=None, work_dir=settings.work_dir, offline=True),
                              ["SP.POP.TOTL"], options=options)

    assert server.request_count == 0
    _assert_same_rows(again.rows, ["SP.POP.TOTL", "NY.GDP.PCAP.KD"])
    _assert_same_rows(offline.rows, ["SP.POP.TOTL"])
    assert all("read the cache" in note for note in again.notes)
    (entry,) = again.provenance                       # one cache file read once for both series
    assert entry["series"] == ["NY.GDP.PCAP.KD", "SP.POP.TOTL"] and entry["origin"] == "cache"
    assert entry["rows"] == len(again.rows) and entry["vintage"] == LAST_UPDATED
    assert again.provenance[0]["sha256"] == first.provenance[0]["sha256"]


def test_cache_that_fails_its_sha256_is_pulled_again(server, options, settings):
    load_indicators(settings, ["SP.POP.TOTL"], options=options)
    csv_path = settings.cache_dir / "wb_db2_sp.pop.totl.csv"
    csv_path.write_text(csv_path.read_text().replace("\n", "\nXXX,2000,SP.POP.TOTL,1.0\n", 1))
    server.reset()

    frame = load_indicators(settings, ["SP.POP.TOTL"], options=options)

    assert server.request_count > 0
    _assert_same_rows(frame.rows, ["SP.POP.TOTL"])
    manifest = json.loads(csv_path.with_suffix(".json").read_text())
    assert manifest["sha256"] == sha256_file(csv_path)


def test_endpoint_and_retry_settings_from_environment(server, settings, monkeypatch):
    monkeypatch.setenv("GRIPARM_WB_ENDPOINT", server.endpoint)
    monkeypatch.setenv("GRIPARM_WB_RETRIES", "1")
    monkeypatch.setenv("GRIPARM_WB_BACKOFF", "0.001")
    monkeypatch.setenv("GRIPARM_WB_TIMEOUT", "0.5")
    monkeypatch.setenv("GRIPARM_WB_PER_PAGE", str(PER_PAGE))
    server.script.append("502")

    frame = load_indicators(settings, ["SP.POP.TOTL"])

    _assert_same_rows(frame.rows, ["SP.POP.TOTL"])
    pages = -(-len(ECONOMIES) * len(YEARS) // PER_PAGE)
    assert _pages_of(server.paths) == [1] + list(range(1, pages + 1))   # the failed first page, then all pages
    monkeypatch.setenv("GRIPARM_WB_RETRIES", "many")
    with pytest.raises(DataError, match="GRIPARM_WB_RETRIES"):
        LiveOptions.from_env()


def test_economies_live_then_cached(server, options, settings):
    frame = load_economies(settings, options=options)

    rows = frame.rows
    assert rows["iso3"].tolist() == sorted(economy.iso3 for economy in ECONOMIES)
    assert rows.set_index("iso3")["is_aggregate"].to_dict() == {e.iso3: e.is_aggregate for e in ECONOMIES}
    assert rows.set_index("iso3").loc["BRA", "region"] == "Latin America & Caribbean"   # API padding stripped
    assert rows.set_index("iso3").loc["JPN", "income_group"] == "High income"
    assert all(path.startswith("/v2/en/country/all?") for path in server.paths)
    assert server.request_count == 1                                   # 6 economies fit one page of 7
    server.reset()
    cached = load_economies(Settings(data_dir=None, work_dir=settings.work_dir, offline=True))
    assert server.request_count == 0
    pd.testing.assert_frame_equal(cached.rows, rows)


def test_pull_live_refreshes_and_restores_wbgapi_globals(server, options, settings):
    before = (wbgapi.endpoint, dict(wbgapi.get_options), wbgapi.per_page)
    frame = pull_live(settings, ["GE.EST"], options=options)
    _assert_same_rows(frame.rows, ["GE.EST"])
    assert (wbgapi.endpoint, dict(wbgapi.get_options), wbgapi.per_page) == before


# ------------------------------------------------------------------------------------------------ live: faults

@pytest.mark.parametrize("fault", FAULT_CASES)
def test_transient_fault_on_a_later_page_recovers(fault, server, options, settings):
    server.script.extend(["ok", "ok", fault])          # page 3 of the first attempt fails once

    frame = load_indicators(settings, WDI_CODES, options=options)

    _assert_same_rows(frame.rows, WDI_CODES)
    pages = -(-len(WDI_CODES) * len(ECONOMIES) * len(YEARS) // PER_PAGE)
    assert server.request_count == 3 + pages           # the whole pull is restarted, rows are not duplicated
    assert not frame.rows.duplicated(["iso3", "year", "indicator"]).any()


@pytest.mark.parametrize("fault", FAULT_CASES)
def test_persistent_fault_is_one_download_error_and_leaves_no_files(fault, server, options, settings):
    before = (wbgapi.endpoint, dict(wbgapi.get_options), wbgapi.per_page)
    server.default = fault

    with pytest.raises(DownloadError) as caught:
        load_indicators(settings, ["SP.POP.TOTL", "GE.EST"], options=options)

    message = str(caught.value)
    assert "\n" not in message
    assert f"{server.endpoint}/en/sources/" in message and "SP.POP.TOTL" in message
    assert f"after {RETRIES + 1} attempts" in message
    assert "Fix:" in message and "network" in message and DATA_ENV in message
    assert _pages_of(server.paths).count(1) == RETRIES + 1     # each attempt starts over at page 1
    if fault != "overlap":                                     # (an overlap shows only on a later page)
        assert server.request_count == RETRIES + 1
    assert all("/sources/2/" in path for path in server.paths)  # the first database fails; nothing more is tried
    assert _cache_entries(settings) == []              # no CSV, no manifest, no temp file
    assert (wbgapi.endpoint, dict(wbgapi.get_options), wbgapi.per_page) == before


def test_failure_in_second_database_keeps_only_complete_cache_entries(server, options, settings):
    pages_db2 = -(-len(ECONOMIES) * len(YEARS) // PER_PAGE)
    server.script.extend(["ok"] * pages_db2)
    server.default = "500"

    with pytest.raises(DownloadError, match="GE.EST"):
        load_indicators(settings, ["SP.POP.TOTL", "GE.EST"], options=options)

    assert _cache_entries(settings) == ["wb_db2_sp.pop.totl.csv", "wb_db2_sp.pop.totl.json"]


def test_unknown_series_fails_at_once_naming_it(server, options, settings):
    with pytest.raises(DownloadError) as caught:
        load_indicators(settings, ["XX.NOT.REAL"], options=options)

    assert "XX.NOT.REAL" in str(caught.value) and "Invalid value" in str(caught.value)
    assert server.request_count == 1                    # the API's own refusal is not retried
    assert _cache_entries(settings) == []
    with pytest.raises(DownloadError, match="GOV_WGI_"):  # a refused WGI code points at the July-2026 renaming
        load_indicators(settings, ["XX.EST"], options=options)


def test_interrupted_cache_write_leaves_nothing(server, options, settings, monkeypatch):
    def fail(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(worldbank_cache, "atomic_write_text", fail)     # the manifest write, after the CSV's
    with pytest.raises(DataError, match="disk full"):
        load_indicators(settings, ["SP.POP.TOTL"], options=options)
    assert _cache_entries(settings) == []


@pytest.mark.parametrize("fault", ["502", "truncated"])
def test_economy_list_retries_then_caches(fault, server, options, settings):
    server.script.append(fault)

    frame = load_economies(settings, options=options)

    assert frame.rows["iso3"].tolist() == sorted(economy.iso3 for economy in ECONOMIES)
    assert server.request_count == 2
    assert _cache_entries(settings) == ["wb_economies.csv", "wb_economies.json"]
    server.default = fault
    fresh = Settings(data_dir=None, work_dir=settings.work_dir / "fresh")
    with pytest.raises(DownloadError, match="economy list"):
        load_economies(fresh, options=options)
    assert _cache_entries(fresh) == []


def test_offline_without_data_or_cache_is_one_error_naming_griparm_data(server, settings):
    offline = Settings(data_dir=None, work_dir=settings.work_dir, offline=True)

    with pytest.raises(DataError) as caught:
        load_indicators(offline, ["SP.POP.TOTL", "GE.EST"])

    message = str(caught.value)
    assert not isinstance(caught.value, DownloadError)
    assert DATA_ENV in message and "--data" in message and "SP.POP.TOTL" in message and "GE.EST" in message
    assert "\n" not in message
    assert server.request_count == 0
    with pytest.raises(DataError, match=DATA_ENV):
        load_economies(offline)


def test_data_directory_without_worldbank_folder_is_an_error(server, options, tmp_path):
    settings = Settings(data_dir=tmp_path, work_dir=tmp_path / "work")

    with pytest.raises(DataError, match="worldbank/ folder"):
        load_indicators(settings, ["SP.POP.TOTL"], options=options)
    assert server.request_count == 0


# ------------------------------------------------------------------------------------------------ synthetic snapshot

def _write_tidy(path: Path, rows: list[tuple], extra_header: str = "") -> None:
    header = "iso3,year,indicator,value" + extra_header
    path.write_text("\n".join([header] + [",".join(map(str, row)) for row in rows]) + "\n")


@pytest.fixture
def synthetic_dir(tmp_path) -> Path:
    """A worldbank/ folder laid out like the snapshot, with one series in three vintages and one only in the old."""
    folder = tmp_path / "data" / "worldbank"
    folder.mkdir(parents=True)
    _write_tidy(folder / "wdi.csv", [("CHN", 2000, "NY.GDP.MINR.RT.ZS", "1.5"), ("CHN", 2001, "NY.GDP.MINR.RT.ZS",
                                      "1.25"), ("WLD", 2000, "NY.GDP.MINR.RT.ZS", "0.75")])
    _write_tidy(folder / "wdi_open_numbers.csv", [("CHN", 2000, "NY.GDP.MINR.RT.ZS", "1.50001"),
                                                  ("KOS", 2000, "NY.GDP.MINR.RT.ZS", "0.1")])
    _write_tidy(folder / "wdi_legacy_2013.csv", [("CHN", 1999, "NY.GDP.MINR.RT.ZS", "9.0", "old"),
                                                 ("CHN", 1999, "TX.VAL.MANF.ZS.UN", "40.125", "old")],
                extra_header=",vintage")
    (folder / "wdi_sources.csv").write_text(
        "file,indicator,wb_last_updated,file_last_changed\n"
        "wdi.csv,NY.GDP.MINR.RT.ZS,2022-05-25,2022-06-09\n"
        "wdi_legacy_2013.csv,NY.GDP.MINR.RT.ZS,not recorded,2013-12-21\n"
        "wdi_open_numbers.csv,NY.GDP.MINR.RT.ZS,not recorded in file,not determined\n")
    return folder.parent


def test_synthetic_newest_vintage_taken_whole_and_legacy_only_on_request(synthetic_dir, server, tmp_path):
    offline = Settings(data_dir=synthetic_dir, work_dir=tmp_path / "work", offline=True)

    frame = load_indicators(offline, ["NY.GDP.MINR.RT.ZS"])
    assert frame.rows.values.tolist() == [["CHN", 2000, "NY.GDP.MINR.RT.ZS", 1.50001],
                                          ["XKX", 2000, "NY.GDP.MINR.RT.ZS", 0.1]]    # KOS re-mapped, no splice
    (choice,) = [n for n in frame.notes if "took" in n]
    assert "wdi.csv (vintage 2022-05-25, 3 rows)" in choice and "took wdi_open_numbers.csv whole" in choice
    assert "2 country-years only in the older file(s) stay missing" in choice
    assert any("KOS->XKX (1 rows)" in n for n in frame.notes)

    with pytest.raises(DataError, match="TX.VAL.MANF.ZS.UN"):      # only in the legacy file: not used by default
        load_indicators(offline, ["TX.VAL.MANF.ZS.UN"])
    legacy = load_indicators(offline, ["TX.VAL.MANF.ZS.UN", "NY.GDP.MINR.RT.ZS"], include_legacy=True)
    assert legacy.rows.values.tolist() == [["CHN", 2000, "NY.GDP.MINR.RT.ZS", 1.50001],
                                           ["XKX", 2000, "NY.GDP.MINR.RT.ZS", 0.1],
                                           ["CHN", 1999, "TX.VAL.MANF.ZS.UN", 40.125]]
    assert server.request_count == 0


def test_synthetic_vintage_order_contradicted_by_dates_is_an_error(synthetic_dir, tmp_path):
    sources = synthetic_dir / "worldbank" / "wdi_sources.csv"
    sources.write_text(sources.read_text().replace("not recorded,2013-12-21", "2024-01-01,2024-01-02"))
    offline = Settings(data_dir=synthetic_dir, work_dir=tmp_path / "work", offline=True)

    with pytest.raises(DataError, match="VINTAGE_ORDER"):
        load_indicators(offline, ["NY.GDP.MINR.RT.ZS"], include_legacy=True)


# ------------------------------------------------------------------------------------------------ real snapshot

@pytest.fixture(scope="module")
def snapshot_settings(snapshot) -> Settings:
    return Settings(data_dir=snapshot.data_dir, offline=True)


@pytest.fixture
def snapshot_offline(snapshot_settings, tmp_path) -> Settings:
    return Settings(data_dir=snapshot_settings.data_dir, work_dir=tmp_path / "work", offline=True)


@pytest.mark.snapshot
def test_snapshot_mineral_rents_take_the_newer_vintage_whole(snapshot_offline):
    frame = load_indicators(snapshot_offline, ["NY.GDP.MINR.RT.ZS"])

    rows = frame.rows
    (note,) = [n for n in frame.notes if n.startswith("NY.GDP.MINR.RT.ZS: in ")]
    assert "wdi.csv (vintage 2022-05-25" in note and "took wdi_open_numbers.csv" in note
    assert len(rows) == 9166                                     # PROVENANCE.md: open-numbers block rows
    assert rows["year"].max() == 2021
    assert "WLD" not in set(rows["iso3"])                        # no splice from wdi.csv's aggregates
    china = rows[rows["iso3"] == "CHN"]["year"]
    assert (china.min(), china.max(), len(china)) == (1970, 2021, 52)
    assert any("CHANISL->CHI" in n and "GBM->IMN" in n for n in frame.notes)
    assert {"CHI", "IMN", "XKX", "CUW"} <= set(rows["iso3"]) and "KOS" not in set(rows["iso3"])
    assert [p["path"].rsplit("/", 1)[-1] for p in frame.provenance] == ["wdi_open_numbers.csv"]


@pytest.mark.snapshot
def test_snapshot_china_government_effectiveness_years(snapshot_offline):
    frame = load_indicators(snapshot_offline, ["GE.EST"])

    rows = frame.rows
    assert len(rows) == 5119                                     # PROVENANCE.md wgi.csv table
    china = set(rows.loc[rows["iso3"] == "CHN", "year"])
    assert set(range(2002, 2024)) <= china
    assert not {1997, 1999, 2001} & china
    assert china == {1996, 1998, 2000, *range(2002, 2024)}


@pytest.mark.snapshot
def test_snapshot_legacy_vintage_stays_out_by_default(snapshot_offline):
    frame = load_indicators(snapshot_offline, ["NY.GDP.MKTP.KD", "TX.VAL.MANF.ZS.UN"])

    gdp = frame.rows[frame.rows["indicator"] == "NY.GDP.MKTP.KD"]
    assert len(gdp) == 10114 and gdp["year"].max() == 2022       # open-numbers, constant 2015 US$
    usa_2015 = gdp[(gdp["iso3"] == "USA") & (gdp["year"] == 2015)]["value"].item()
    assert usa_2015 == 18206020741000.0                          # PROVENANCE.md: the 2015 base-year value
    assert any("wdi_legacy_2013.csv" in n and "include_legacy=False" in n for n in frame.notes)
    assert not any(p["path"].endswith("wdi_legacy_2013.csv") for p in frame.provenance)

    with_legacy = load_indicators(snapshot_offline, ["NY.GDP.MKTP.KD"], include_legacy=True)
    assert any("took wdi_open_numbers.csv" in n and "wdi_legacy_2013.csv (vintage 2013-12-21" in n
               for n in with_legacy.notes)
    pd.testing.assert_frame_equal(with_legacy.rows, gdp.reset_index(drop=True))


@pytest.mark.snapshot
def test_snapshot_values_are_the_stored_text(snapshot_offline):
    frame = load_indicators(snapshot_offline, ["NY.GDP.PCAP.KD", "SP.POP.TOTL", "BX.KLT.DINV.CD.WD"])

    rows = frame.rows.set_index(["iso3", "year", "indicator"])["value"]
    counts = frame.rows["indicator"].value_counts().to_dict()
    assert counts == {"SP.POP.TOTL": 17394, "NY.GDP.PCAP.KD": 14306, "BX.KLT.DINV.CD.WD": 12096}
    assert rows[("ABW", 1986, "NY.GDP.PCAP.KD")] == float("16150.6510725001")   # first data line of wdi.csv
    assert rows[("ABW", 1987, "BX.KLT.DINV.CD.WD")] == float("1087875.7")       # wdi_supplementary.csv
    paths = sorted(p["path"].rsplit("/", 1)[-1] for p in frame.provenance)
    assert paths == ["wdi.csv", "wdi_supplementary.csv"]
    for entry in frame.provenance:
        assert entry["sha256"] == content_sha256(stored_file(snapshot_offline.data_dir, entry["path"]))
        assert entry["path"].startswith("worldbank/")           # relative: records do not depend on the location
    assert frame.provenance[0]["vintage"]["NY.GDP.PCAP.KD"] == "vintage 2025-12-19"

    # every WGI value is the double its stored text denotes (no rounding, no parser drift)
    wgi = load_indicators(snapshot_offline, ["CC.EST", "GE.EST", "PV.EST", "RL.EST", "RQ.EST", "VA.EST"]).rows
    with io.StringIO(read_text(stored_file(snapshot_offline.data_dir, "worldbank/wgi.csv")), newline="") as handle:
        stored = {(r["iso3"], int(r["year"]), r["indicator"]): float(r["value"]) for r in csv.DictReader(handle)}
    assert len(wgi) == len(stored) == 30974
    assert wgi.set_index(["iso3", "year", "indicator"])["value"].to_dict() == stored


@pytest.mark.snapshot
def test_snapshot_countries(snapshot_offline):
    frame = load_economies(snapshot_offline)

    rows = frame.rows
    assert list(rows.columns) == ["iso3", "name", "region", "income_group", "lending_type", "is_aggregate"]
    assert len(rows) == 296 and int(rows["is_aggregate"].sum()) == 79        # PROVENANCE.md
    assert rows.set_index("iso3").loc["CHN", "is_aggregate"] == False  # noqa: E712 - numpy bool
    assert rows.set_index("iso3").loc["EUU", "is_aggregate"] == True  # noqa: E712


@pytest.mark.snapshot
def test_snapshot_series_missing_from_files_is_never_pulled_unless_asked(snapshot_settings, server, options,
                                                                         tmp_path):
    # Issue 9 "never mix vintages silently": with a data directory in use, a series its files lack is one message
    # naming the files, and no request reaches the API; the live vintage is used only when asked, and then whole.
    settings = Settings(data_dir=snapshot_settings.data_dir, work_dir=tmp_path / "work")
    with pytest.raises(DataError, match="SL.UEM.TOTL.ZS") as caught:
        load_indicators(settings, ["GE.EST", "SL.UEM.TOTL.ZS"], options=options)
    assert "wdi.csv" in caught.value.message and "griparm data refresh" in caught.value.message
    assert server.request_count == 0

    live = Settings(data_dir=snapshot_settings.data_dir, work_dir=tmp_path / "work", live_worldbank=True)
    frame = load_indicators(live, ["SL.UEM.TOTL.ZS"], options=options)

    _assert_same_rows(frame.rows[frame.rows["indicator"] == "SL.UEM.TOTL.ZS"], ["SL.UEM.TOTL.ZS"])
    assert all("/series/SL.UEM.TOTL.ZS/" in path for path in server.paths)
    assert any(n.startswith("SL.UEM.TOTL.ZS: live vintage asked for (--live-worldbank); pulled live")
               for n in frame.notes)
    assert not any(str(snapshot_settings.data_dir) in n for n in frame.notes)

    offline = Settings(data_dir=snapshot_settings.data_dir, work_dir=tmp_path / "other", offline=True)
    with pytest.raises(DataError, match="SL.UEM.TOTL.ZS"):
        load_indicators(offline, ["SL.UEM.TOTL.ZS"])


def test_refresh_pulls_the_catalog_series_live_and_live_worldbank_reads_them_back(server, monkeypatch, tmp_path):
    # `griparm data refresh`: every World Bank series of the catalog and the economy list into the cache, with the
    # warning that estimates then differ; --live-worldbank then reads them back (offline: no further request).
    from griparm_econ.sources import data_commands

    monkeypatch.setenv(worldbank_options.ENDPOINT_ENV, server.endpoint)
    monkeypatch.setenv("GRIPARM_WB_BACKOFF", "0")
    monkeypatch.setattr(data_commands, "worldbank_codes", lambda settings: WDI_CODES)   # the fake API's series
    said: list[str] = []
    settings = Settings(data_dir=resolve_data_dir(), work_dir=tmp_path / "work")
    assert data_commands.refresh(settings, said.append) == 0
    assert any("other estimates" in line and "--live-worldbank" in line for line in said)
    codes = WDI_CODES
    requests = server.request_count
    live = Settings(data_dir=settings.data_dir, work_dir=settings.work_dir, offline=True, live_worldbank=True)
    frame = load_indicators(live, codes)
    assert server.request_count == requests
    assert sorted(set(frame.rows["indicator"])) == codes
    assert all(entry["origin"] == "cache" for entry in frame.provenance)
    with pytest.raises(DataError, match="offline"):
        data_commands.refresh(Settings(data_dir=settings.data_dir, work_dir=tmp_path / "w2", offline=True),
                              said.append)
