"""The country-year panel built from the real snapshot: invariants, coverage report, provenance, staleness."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from griparm_econ import freshness
from griparm_econ import panel as panel_module
from griparm_econ.catalog import DEFAULT_CATALOG, load_catalog
from griparm_econ.config import Settings
from griparm_econ.io import sha256_file
from griparm_econ.sources.country_names import EU27
from griparm_econ.sources.snapshot import content_sha256, stored

pytestmark = [pytest.mark.snapshot, pytest.mark.slow]   # builds the panel from the snapshot (several seconds)


@pytest.fixture(scope="module")
def settings(tmp_path_factory, snapshot) -> Settings:
    root = tmp_path_factory.mktemp("panel")
    return Settings(data_dir=snapshot.data_dir, work_dir=root / "data", output_dir=root / "output", offline=True)


@pytest.fixture(scope="module")
def built(settings):
    lines: list[str] = []
    frame = panel_module.build_panel(settings, echo=lines.append)
    return frame, "\n".join(lines)


@pytest.fixture(scope="module")
def wb_countries(settings) -> pd.DataFrame:
    return pd.read_csv(stored(settings.data_dir, "worldbank/countries.csv"))


def test_columns_follow_the_catalog(built):
    frame, _ = built
    assert list(frame.columns) == ["iso3", "year", "country", "region", "income_group", *load_catalog().names]


def test_keys_unique_economies_only_valid_iso3(built, wb_countries):
    frame, _ = built
    assert not frame.duplicated(["iso3", "year"]).any()
    economies = set(wb_countries.loc[~wb_countries["is_aggregate"], "iso3"])
    aggregates = set(wb_countries.loc[wb_countries["is_aggregate"], "iso3"])
    assert set(frame["iso3"]) == economies
    assert not set(frame["iso3"]) & aggregates
    assert frame["iso3"].str.fullmatch(r"[A-Z]{3}").all()
    assert frame["year"].min() == 1990
    assert frame.groupby("iso3").size().nunique() == 1          # balanced grid: gaps are missing values


def test_china_government_effectiveness_2002_2023_and_wgi_gaps(built, settings):
    frame, _ = built
    china = frame[frame["iso3"] == "CHN"].set_index("year")
    assert china.loc[2002:2023, "gov_effectiveness"].notna().all()
    wgi = pd.read_csv(stored(settings.data_dir, "worldbank/wgi.csv"))
    published = wgi[(wgi["iso3"] == "CHN") & (wgi["indicator"] == "GE.EST") & (wgi["year"] == 2023)]["value"]
    assert china.loc[2023, "gov_effectiveness"] == published.iloc[0]
    for year in (1997, 1999, 2001):                              # never published: stays missing
        assert frame.loc[frame["year"] == year, "gov_effectiveness"].isna().all()


def test_state_capacity_standardised_and_oriented(built):
    frame, _ = built
    wgi = ["gov_effectiveness", "regulatory_quality", "rule_of_law", "control_of_corruption"]
    complete = frame[wgi].notna().all(axis=1)
    score = frame.loc[complete, "state_capacity"]
    assert score.notna().all() and frame.loc[~complete, "state_capacity"].isna().all()
    assert score.mean() == pytest.approx(0, abs=1e-9) and score.std(ddof=1) == pytest.approx(1, abs=1e-9)
    assert np.corrcoef(score, frame.loc[complete, "gov_effectiveness"])[0, 1] > 0.9
    by_country = frame[frame["year"] == 2023].set_index("iso3")["state_capacity"]
    assert by_country["DNK"] > by_country["CHN"] > by_country["SOM"]


def test_restriction_measures_are_zero_filled_and_flags_binary(built):
    frame, _ = built
    for name in ("export_restriction_any", "export_restriction_ree", "case_country"):
        assert set(frame[name].unique()) <= {0.0, 1.0}
    assert frame["export_restrictions_count"].notna().all()
    china = frame[frame["iso3"] == "CHN"].set_index("year")
    assert china.loc[1998, "export_restriction_any"] == 0 and china.loc[1999, "export_restriction_ree"] == 1
    assert frame.loc[(frame["iso3"] == "JPN"), "export_restriction_any"].sum() == 0
    # The EU's 2025 black-mass export ban applies to every member state.
    eu_2025 = frame[(frame["year"] == 2025) & frame["iso3"].isin(EU27)]
    assert (eu_2025["export_ban_count"] >= 1).all()


def test_case_country_and_resource_rich(built):
    frame, _ = built
    cases = set(frame.loc[frame["case_country"] == 1, "iso3"])
    assert cases == {"CHN", "BRA", "KAZ", "JPN", *EU27}
    rich = frame.groupby("iso3")["resource_rich"].agg(["min", "max"])
    assert (rich["min"].fillna(-1) == rich["max"].fillna(-1)).all()    # time-invariant
    assert rich.loc["KAZ", "max"] == 1 and rich.loc["JPN", "max"] == 0


def test_gaps_are_not_filled(built):
    frame, _ = built
    brazil = frame[frame["iso3"] == "BRA"].set_index("year")
    assert pd.isna(brazil.loc[1998, "ree_exports_usd"])          # absent from OEC's 1998 table
    assert frame.loc[frame["year"] < 1995, "ree_exports_usd"].isna().all()
    japan = frame[frame["iso3"] == "JPN"].set_index("year")
    assert japan["tax_revenue_gdp"].notna().sum() <= 3


def test_coverage_report(built, settings):
    frame, summary = built
    coverage = pd.read_csv(settings.work_dir / "coverage.csv")
    assert coverage["variable"].tolist() == list(load_catalog().names)
    row = coverage.set_index("variable").loc["gov_effectiveness"]
    years = frame["year"].nunique()
    # CHN: 1996-2023 less 1997, 1999, 2001 = 25 years with data.
    assert row["CHN_first_year"] == 1996 and row["CHN_last_year"] == 2023
    assert row["CHN_share_missing"] == pytest.approx(1 - 25 / years, abs=1e-4)
    for column in ("EU27_share_missing", "KAZ_share_missing", "JPN_share_missing", "BRA_share_missing",
                   "economies", "share_missing"):
        assert column in coverage.columns
    assert "gov_effectiveness" in summary and "economies" in summary


def test_values_outside_the_unit_are_kept_and_listed(built, settings):
    """WDI publishes manufactures exports of 372.9% of merchandise exports for Jordan in 2005 (PROVENANCE.md notes
    it): the panel keeps the published value and the coverage report and provenance list it."""
    frame, summary = built
    jordan = frame.loc[(frame["iso3"] == "JOR") & (frame["year"] == 2005), "manuf_exports"].iloc[0]
    assert jordan == pytest.approx(372.91698)
    coverage = pd.read_csv(settings.work_dir / "coverage.csv").set_index("variable")
    assert coverage.loc["manuf_exports", "outside_valid_range"] == 1
    assert coverage.loc["gov_effectiveness", "outside_valid_range"] == 0
    provenance = json.loads(panel_module.provenance_path(settings).read_text())
    assert {"iso3": "JOR", "year": 2005, "value": pytest.approx(372.91698)} in [
        dict(r) for r in provenance["outside_valid_range"]["manuf_exports"]]
    assert "outside their catalog valid_range" in summary


def test_provenance_accounts_for_every_row(built, settings):
    record = json.loads((settings.work_dir / "panel.provenance.json").read_text())
    for source, counts in record["merge"].items():
        parts = sum(v for k, v in counts.items() if k.startswith("rows_") and k != "rows_read")
        assert parts == counts["rows_read"], source
    assert record["merge"]["trade"]["codes_not_an_economy"]["TWN"] > 0
    paths = {entry["path"] for entry in record["inputs"]}
    assert "restrictions/export_restrictions_events.csv" in paths and "worldbank/countries.csv" in paths
    for entry in record["inputs"]:
        if not Path(entry["path"]).is_absolute():
            assert content_sha256(stored(settings.data_dir, entry["path"])) == entry["sha256"]
    assert record["catalog"]["sha256"] == sha256_file(DEFAULT_CATALOG)


def test_aggregates_kept_separately(built, settings):
    aggregates = pd.read_parquet(settings.work_dir / "aggregates.parquet")
    assert {"WLD", "EUU"} <= set(aggregates["iso3"])
    world = aggregates[aggregates["iso3"] == "WLD"].set_index("year")
    assert world.loc[2024, "ree_mine_production_t"] == 380_000    # USGS MCS2026 world total
    assert world.loc[2020, "population"] > 7e9


def test_rebuild_is_byte_identical(built, settings):
    outputs = [settings.panel_path, settings.work_dir / "coverage.csv", settings.work_dir / "panel.provenance.json",
               settings.work_dir / "aggregates.parquet"]
    before = [sha256_file(path) for path in outputs]
    panel_module.build_panel(settings, echo=None)
    assert [sha256_file(path) for path in outputs] == before


def test_load_panel_uses_current_panel_and_detects_catalog_change(built, settings, tmp_path, monkeypatch):
    assert panel_module.panel_is_stale(settings) is None

    def no_build(*args, **kwargs):
        raise AssertionError("must not rebuild a current panel")

    monkeypatch.setattr(panel_module, "build_panel", no_build)
    loaded = panel_module.load_panel(settings)
    pd.testing.assert_frame_equal(loaded, built[0])
    specs = tmp_path / "specs"
    specs.mkdir()
    shutil.copy(DEFAULT_CATALOG, specs / "variables.toml")
    with open(specs / "variables.toml", "a", encoding="utf-8") as handle:
        handle.write("\n# edited\n")
    assert panel_module.panel_is_stale(replace(settings, specs_dir=specs)) == "the catalog changed"


def _built_files(settings) -> dict:
    """The built panel, aggregates and coverage files (empty here) with the sha256 a build records for them."""
    settings.panel_path.write_bytes(b"")
    panel_module.aggregates_path(settings).write_bytes(b"")
    panel_module.coverage_path(settings).write_bytes(b"")
    return {"panel": {"sha256": sha256_file(settings.panel_path)},
            "aggregates": {"sha256": sha256_file(panel_module.aggregates_path(settings))},
            "coverage": {"sha256": sha256_file(panel_module.coverage_path(settings))}}


def test_changed_input_makes_the_panel_stale(tmp_path):
    # Stands alone (no snapshot needed): a hand-made provenance record over one small input file.
    data_dir, work = tmp_path / "shared", tmp_path / "work"
    (data_dir / "trade").mkdir(parents=True)
    source = data_dir / "trade" / "x.csv"
    source.write_text("a,b\n1,2\n")
    settings = Settings(data_dir=data_dir, work_dir=work, output_dir=tmp_path / "out")
    work.mkdir()
    record = {"build_version": panel_module.BUILD_VERSION, "code_sha256": panel_module.data_code_sha256(),
              "catalog": {"sha256": load_catalog().sha256},
              "inputs": [{"source": "trade", "path": "trade/x.csv", "sha256": sha256_file(source)}],
              **_built_files(settings)}
    panel_module.provenance_path(settings).write_text(json.dumps(record))
    assert panel_module.panel_is_stale(settings) is None
    source.write_text("a,b\n1,3\n")
    assert panel_module.panel_is_stale(settings) == f"input {source} changed"
    source.unlink()
    assert "missing" in panel_module.panel_is_stale(settings)


def test_changed_panel_code_makes_the_panel_stale(tmp_path, monkeypatch):
    # Stands alone: a current hand-made record, then the code fingerprint moves as if a loader had been edited.
    settings = Settings(data_dir=tmp_path / "shared", work_dir=tmp_path / "work", output_dir=tmp_path / "out")
    settings.work_dir.mkdir()
    record = {"build_version": panel_module.BUILD_VERSION, "code_sha256": panel_module.data_code_sha256(),
              "catalog": {"sha256": load_catalog().sha256}, "inputs": [], **_built_files(settings)}
    panel_module.provenance_path(settings).write_text(json.dumps(record))
    assert panel_module.panel_is_stale(settings) is None
    monkeypatch.setattr(freshness, "stage_sha256", lambda name: "0" * 64)
    assert "panel code changed" in panel_module.panel_is_stale(settings)
    del record["code_sha256"]                       # written before the fingerprint existed
    panel_module.provenance_path(settings).write_text(json.dumps(record))
    monkeypatch.undo()
    assert "panel code changed" in panel_module.panel_is_stale(settings)


def test_panel_code_fingerprint_covers_loaders_catalog_and_panel_only(tmp_path):
    package = Path(panel_module.__file__).resolve().parent.parent
    copy = tmp_path / "griparm_econ"
    shutil.copytree(package, copy, ignore=shutil.ignore_patterns("__pycache__"))
    fingerprint = lambda: freshness.hash_stage("panel", copy)      # noqa: E731
    assert fingerprint() == panel_module.data_code_sha256()          # same code, same fingerprint
    seen = {fingerprint()}
    for edited in ("sources/trade.py", "catalog.py", "panel/merge.py", "panel/provenance.py"):
        with open(copy / edited, "a", encoding="utf-8") as handle:
            handle.write("\n# edited\n")
        seen.add(fingerprint())
    assert len(seen) == 5                                             # each edit moved it
    for edited in ("report/word.py", "estimation/within.py", "spec.py"):
        with open(copy / edited, "a", encoding="utf-8") as handle:
            handle.write("\n# edited\n")
    assert fingerprint() in seen                                      # a table writer or estimator is not panel code


def test_built_panel_records_the_code_fingerprint(built, settings):
    record = json.loads(panel_module.provenance_path(settings).read_text())
    assert record["code_sha256"] == panel_module.data_code_sha256()


def test_cached_world_bank_pulls_are_found_in_the_work_folder(tmp_path):
    settings = Settings(data_dir=None, work_dir=tmp_path / "work")
    entry = {"path": "cache/wdi_x.csv", "origin": "cache", "sha256": "0"}
    assert panel_module.input_file(settings, entry) == tmp_path / "work" / "cache" / "wdi_x.csv"


def test_fetch_sources_reads_every_source(settings):
    lines: list[str] = []
    sources = panel_module.fetch_sources(settings, echo=lines.append)
    names = [frame.name for frame in sources.all_frames]
    assert names == ["worldbank.economies", "worldbank", "trade", "gvc", "production", "state_capacity", "vdem",
                     "tax_revenue", "prices", "restrictions.events",
                     "restrictions.iea", "restrictions.gta", "restrictions.china_quotas"]
    assert len(lines) == len(names)
    assert all(frame.provenance for frame in sources.all_frames)


def test_a_panel_build_writes_nothing_to_the_output_folder_until_published(built, settings, tmp_path):
    """gp.run and griparm replicate rebuild a stale panel without writing to output/; the commands that make
    outputs publish the coverage of the panel in use, and a coverage file edited after the build makes the panel
    stale (its sha256 is in the provenance)."""
    assert not (settings.output_dir / "coverage.csv").exists()
    published = panel_module.publish_coverage(settings)
    assert published.read_bytes() == panel_module.coverage_path(settings).read_bytes()
    work = tmp_path / "data"
    shutil.copytree(settings.work_dir, work)
    moved = Settings(data_dir=settings.data_dir, work_dir=work, output_dir=tmp_path / "output", offline=True)
    assert panel_module.panel_is_stale(moved) is None
    with panel_module.coverage_path(moved).open("a", encoding="utf-8") as handle:
        handle.write("edited,1\n")
    assert "coverage.csv" in panel_module.panel_is_stale(moved)
