"""The replication check: freeze, compare number by number, name each mismatch, warn on a data vintage change."""

import json

import pytest

from griparm_econ.errors import DataError
from griparm_econ.replication import check as rcheck
from griparm_econ.replication import reported as rrep
from griparm_econ.report.replication import console_lines, to_html, to_markdown


def _write_estimates(folder, *, value_coef=0.1101238, data_sha="d" * 64):
    folder.mkdir(parents=True, exist_ok=True)
    est = {"spec": "specs/t.toml", "spec_sha256": "s" * 64, "data_sha256": data_sha,
           "models": [{"name": "FE", "nobs": 200, "params": {"value": value_coef, "capital": 0.3100653},
                       "std_errors": {"value": 0.0118567, "capital": 0.0173545}}]}
    (folder / "t.json").write_text(json.dumps(est))


def _fresh(folder):
    """The replicated estimates the check takes (table -> estimates document), here from the files just written."""
    return {path.stem: json.loads(path.read_text()) for path in sorted(folder.glob("*.json"))}


def test_freeze_then_check_passes(tmp_path):
    est = tmp_path / "estimates"
    _write_estimates(est)
    path = rrep.freeze(est, tmp_path / "reported.json", data_vintage={"inputs": [{"path": "a.csv", "sha256": "x"}]})
    report = rcheck.check(rrep.load(path), _fresh(est), {"inputs": [{"path": "a.csv", "sha256": "x"}]})
    assert report.ok and report.n_matched == 5 and not report.vintage_warnings
    assert console_lines(report)[-1].endswith("PASS")


def test_changed_reported_number_fails_and_is_named(tmp_path):
    est = tmp_path / "estimates"
    _write_estimates(est)
    path = rrep.freeze(est, tmp_path / "reported.json", data_vintage={})
    document = json.loads(path.read_text())
    document["tables"]["t"]["models"][0]["std_errors"]["capital"] = 0.0173546  # off by 6e-6 relative
    path.write_text(json.dumps(document))
    report = rcheck.check(rrep.load(path), _fresh(est), {})
    assert not report.ok and report.n_mismatched == 1
    (miss,) = report.tables[0].mismatches
    assert (miss.table, miss.model, miss.quantity, miss.term) == ("t", "FE", "std_errors", "capital")
    assert "capital (se)" in to_markdown(report) and "capital (se)" in to_html(report)
    assert any("capital" in line for line in console_lines(report))


def test_within_tolerance_is_a_match_and_nobs_is_exact(tmp_path):
    est = tmp_path / "estimates"
    _write_estimates(est, value_coef=0.1101238 * (1 + 5e-7))
    ref = tmp_path / "ref"
    _write_estimates(ref)
    path = rrep.freeze(ref, tmp_path / "reported.json", data_vintage={})
    assert rcheck.check(rrep.load(path), _fresh(est), {}).ok
    document = json.loads(path.read_text())
    document["tables"]["t"]["models"][0]["nobs"] = 199
    path.write_text(json.dumps(document))
    report = rcheck.check(rrep.load(path), _fresh(est), {})
    assert [m.term for m in report.tables[0].mismatches] == ["N"]


def test_data_vintage_change_is_said_first(tmp_path):
    est = tmp_path / "estimates"
    _write_estimates(est)
    path = rrep.freeze(est, tmp_path / "reported.json",
                       data_vintage={"inputs": [{"path": "wdi.csv", "sha256": "old"}],
                                     "worldbank_last_updated": {"WDI": "2025-12-19"}})
    _write_estimates(est, data_sha="e" * 64)
    report = rcheck.check(rrep.load(path), _fresh(est), {"inputs": [{"path": "wdi.csv", "sha256": "new"}],
                                                 "worldbank_last_updated": {"WDI": "2026-07-01"}})
    lines = console_lines(report)
    assert lines[0].startswith("WARNING") and any("wdi.csv" in w for w in report.vintage_warnings)
    assert any("2026-07-01" in w for w in report.vintage_warnings)
    assert any("data differ" in line for line in lines)


def test_spec_change_is_said_apart_from_data(tmp_path):
    est = tmp_path / "estimates"
    _write_estimates(est)
    path = rrep.freeze(est, tmp_path / "reported.json", data_vintage={})
    document = json.loads(path.read_text())
    document["tables"]["t"]["spec_sha256"] = "0" * 64
    path.write_text(json.dumps(document))
    report = rcheck.check(rrep.load(path), _fresh(est), {})
    assert report.ok and not report.vintage_warnings and len(report.spec_warnings) == 1
    assert not any("data differ" in line for line in console_lines(report))


def test_missing_or_broken_reported_file_is_one_clear_error(tmp_path):
    with pytest.raises(DataError, match="report-freeze"):
        rrep.load(tmp_path / "none.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{")
    with pytest.raises(DataError, match="not valid JSON"):
        rrep.load(bad)


def test_tolerances_in_the_reported_file_cannot_loosen_the_check(tmp_path):
    est = tmp_path / "estimates"
    _write_estimates(est)
    path = rrep.freeze(est, tmp_path / "reported.json", data_vintage={})
    assert "tolerances" not in json.loads(path.read_text())      # the file does not state them
    document = json.loads(path.read_text())
    document["tolerances"] = {"params": {"rtol": 1e9, "atol": 1e9}, "std_errors": {"rtol": 1e9}, "nobs": {"rtol": 1}}
    document["tables"]["t"]["models"][0]["params"]["value"] *= 100
    path.write_text(json.dumps(document))
    report = rcheck.check(rrep.load(path), _fresh(est), {})
    assert not report.ok and [m.term for m in report.tables[0].mismatches] == ["value"]
    assert report.tolerances == rcheck.TOLERANCES


def test_a_table_of_the_study_missing_from_the_reported_file_fails(tmp_path):
    est = tmp_path / "estimates"
    _write_estimates(est)
    path = rrep.freeze(est, tmp_path / "reported.json", data_vintage={})
    report = rcheck.check(rrep.load(path), _fresh(est), {}, study_tables=["t", "table9_gone"])
    assert not report.ok and report.unreported == ("table9_gone",)
    lines = console_lines(report)
    assert lines[-1].endswith("FAIL") and any("table9_gone" in line for line in lines)
    assert "table9_gone" in to_markdown(report) and "table9_gone" in to_html(report)


def test_a_rebuilt_panel_with_unchanged_inputs_is_no_vintage_change(tmp_path):
    """The catalog gained a variable: the panel's sha256 changed, every input file and series vintage did not."""
    est = tmp_path / "estimates"
    _write_estimates(est)
    vintage = {"inputs": [{"path": "worldbank/wdi.csv", "sha256": "a" * 64}],
               "worldbank_last_updated": {"WDI": "2025-12-19"}}
    path = rrep.freeze(est, tmp_path / "reported.json", data_vintage=vintage)
    _write_estimates(est, data_sha="e" * 64)
    report = rcheck.check(rrep.load(path), _fresh(est), vintage, versions={"numpy": "2.0.0", "python": "3.12.1"})
    assert report.ok and not report.vintage_warnings
    assert not any("data differ" in line for line in console_lines(report))
    assert report.inputs_matched == ("worldbank/wdi.csv (sha256 aaaaaaaaaaaa)", "World Bank WDI (2025-12-19)")
    for text in (to_markdown(report), to_html(report)):
        assert "worldbank/wdi.csv" in text and "2025-12-19" in text       # which inputs matched
        assert "numpy" in text and "2.0.0" in text and "3.12.1" in text  # which software ran


def _write_cells(folder, *, mean=0.0281106, kind="descriptive"):
    """A table computed as a frame (descriptive, shares, before/after): no models, its numbers are cells."""
    folder.mkdir(parents=True, exist_ok=True)
    est = {"spec": "specs/d.toml", "spec_sha256": "s" * 64, "data_sha256": "d" * 64, "kind": kind, "models": [],
           "values": {"Full sample / Restriction": {"Mean": mean, "N": 6510, "Countries": 217, "Note": "text"},
                      "Treated / Restriction": {"Mean": None, "N": 0, "Countries": 0, "Note": "text"}}}
    (folder / "d.json").write_text(json.dumps(est))


def test_the_cells_of_a_frame_table_are_reported_and_checked_one_by_one(tmp_path):
    est = tmp_path / "estimates"
    _write_cells(est)
    path = rrep.freeze(est, tmp_path / "reported.json", data_vintage={}, cell_kinds=frozenset({"descriptive"}))
    document = json.loads(path.read_text())
    assert document["tables"]["d"]["values"]["Full sample / Restriction"] == {"Mean": 0.0281106, "N": 6510,
                                                                             "Countries": 217}   # text is a label
    assert rcheck.check(rrep.load(path), _fresh(est), {}).n_matched == 6
    document["tables"]["d"]["values"]["Full sample / Restriction"]["Mean"] = 0.0281107   # 4e-6 relative
    path.write_text(json.dumps(document))
    report = rcheck.check(rrep.load(path), _fresh(est), {})
    (miss,) = report.tables[0].mismatches
    assert (miss.model, miss.quantity, miss.term) == ("Full sample / Restriction", "values", "Mean")
    assert "Mean (cell)" in to_markdown(report)


def test_a_frame_table_of_another_kind_or_with_a_bad_cell_is_not_taken(tmp_path):
    est = tmp_path / "estimates"
    _write_cells(est, kind="multiverse")          # a multiverse's summary cells are no reported estimates
    path = rrep.freeze(est, tmp_path / "other.json", data_vintage={}, cell_kinds=frozenset({"descriptive"}))
    assert json.loads(path.read_text())["tables"] == {}
    _write_cells(est)
    path = rrep.freeze(est, tmp_path / "reported.json", data_vintage={}, cell_kinds=frozenset({"descriptive"}))
    document = json.loads(path.read_text())
    document["tables"]["d"]["values"]["Treated / Restriction"]["N"] = "zero"
    path.write_text(json.dumps(document))
    with pytest.raises(DataError, match=r"tables\.d\.values\.Treated / Restriction\.N"):
        rrep.load(path)
