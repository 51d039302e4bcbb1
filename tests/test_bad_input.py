"""Every bad input ends in one message naming the file, the field (or term) and the fix; exit status 2; no output.

Synthetic data only, generated here.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from griparm_econ.cli import main

GOOD_MODEL = """
[[model]]
name = "FE"
formula = "y ~ 1 + x"
estimator = "panel_ols"
effects = ["entity"]
cov = "cluster:entity"
"""


@pytest.fixture()
def workdir(tmp_path):
    rng = np.random.default_rng(7)
    rows = [(f"e{i:02d}", year) for i in range(20) for year in range(2000, 2006)] + [("lonely", 2003)]
    frame = pd.DataFrame(rows, columns=["firm", "year"])
    frame["x"] = rng.normal(size=len(frame))
    frame["z"] = frame["firm"].map({f: k for k, f in enumerate(frame["firm"].unique())}).astype(float)
    frame["y"] = 1.0 + 0.5 * frame["x"] + rng.normal(scale=0.1, size=len(frame))
    frame.to_csv(tmp_path / "panel.csv", index=False)
    frame.drop(columns=["year"]).drop_duplicates("firm").to_csv(tmp_path / "cross.csv", index=False)
    return tmp_path


def _spec(workdir, body: str, *, name="bad", data='path = "panel.csv"\nentity = "firm"\ntime = "year"') -> str:
    path = workdir / f"{name}.toml"
    path.write_text(f'title = "Test"\n[data]\n{data}\n{body}', encoding="utf-8")
    return str(path)


def _run_fails(workdir, capsys, spec: str, *needles: str) -> str:
    out = workdir / "out"
    assert main(["run", spec, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err                      # one message
    assert spec in err and "Fix:" in err, err             # names the file and the fix
    for needle in needles:
        assert needle in err, (needle, err)
    assert not out.exists() or not any(p.is_file() for p in out.rglob("*")), "output was written"
    return err


CASES = [
    ("malformed_toml", 'title = "Test\n[[model]]\nname = "FE"\n', "line 1"),
    ("unknown_key", GOOD_MODEL + 'clusters = "entity"\n', "clusters", "model[1] (name = 'FE')"),
    ("misspelt_estimator", GOOD_MODEL.replace('"panel_ols"', '"panel_olss"'), "estimator", "panel_ols", "random_effects"),
    ("misspelt_cov", GOOD_MODEL.replace('"cluster:entity"', '"clustered:entity"'), "cov", "cluster:entity",
     "driscoll_kraay"),
    ("unknown_variable", GOOD_MODEL.replace("y ~ 1 + x", "y ~ 1 + xx"), "formula: xx", "x"),
    ("iv_without_instruments", GOOD_MODEL.replace("y ~ 1 + x", "y ~ 1 + [x ~ ]").replace('"panel_ols"', '"iv2sls"')
     .replace('effects = ["entity"]\n', ""), "no instruments", "formula"),
    ("iv2sls_without_bracket", GOOD_MODEL.replace('"panel_ols"', '"iv2sls"').replace('effects = ["entity"]\n', ""),
     "estimator iv2sls needs instruments", "formula"),
    ("empty_sample", '[sample]\nquery = "year > 2050"\n' + GOOD_MODEL, "[sample]", "empty"),
    ("absorbed", GOOD_MODEL.replace("y ~ 1 + x", "y ~ 1 + x + z"), "z is fully absorbed", "formula: z"),
    ("unknown_named_sample", GOOD_MODEL + 'sample = "early"\n', "early", "sample"),
    ("bad_query", '[sample]\nquery = "year >>> 3"\n' + GOOD_MODEL, "sample.query"),
    ("unknown_label", '[labels]\nvalue = "Market value"\n' + GOOD_MODEL, "labels.value"),
    ("backwards_years", '[sample]\nyears = [2005, 2000]\n' + GOOD_MODEL, "sample.years"),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_bad_spec(workdir, capsys, case):
    name, body, *needles = case
    if name == "malformed_toml":
        path = workdir / "bad.toml"
        path.write_text(body, encoding="utf-8")
        spec = str(path)
    else:
        spec = _spec(workdir, body)
    _run_fails(workdir, capsys, spec, *needles)


def test_cluster_time_without_time_index(workdir, capsys):
    body = '[[model]]\nname = "OLS"\nformula = "y ~ 1 + x"\nestimator = "ols"\ncov = "cluster:time"\n'
    spec = _spec(workdir, body, data='path = "cross.csv"\nentity = "firm"')
    _run_fails(workdir, capsys, spec, "cov", "time index")


def test_panel_estimator_on_cross_section(workdir, capsys):
    spec = _spec(workdir, GOOD_MODEL, data='path = "cross.csv"')
    _run_fails(workdir, capsys, spec, "estimator", "needs a panel")


def test_check_validates_without_data(workdir, capsys):
    spec = _spec(workdir, GOOD_MODEL, data='path = "does-not-exist.csv"\nentity = "firm"\ntime = "year"')
    assert main(["check", spec]) == 0
    bad = _spec(workdir, GOOD_MODEL.replace('"panel_ols"', '"fixed_effects"'), name="bad2")
    assert main(["check", bad]) == 2
    assert "fixed_effects" in capsys.readouterr().err


def test_a_later_bad_spec_leaves_no_output(workdir, capsys):
    good = _spec(workdir, GOOD_MODEL, name="good")
    bad = _spec(workdir, GOOD_MODEL.replace("y ~ 1 + x", "y ~ 1 + q"), name="bad")
    out = workdir / "out"
    assert main(["run", good, bad, "--out", str(out)]) == 2
    assert "formula: q" in capsys.readouterr().err
    assert not out.exists() or not any(p.is_file() for p in out.rglob("*"))


def test_singletons_dropped_and_reported(workdir):
    spec = _spec(workdir, GOOD_MODEL, name="good")
    out = workdir / "out"
    assert main(["run", spec, "--out", str(out)]) == 0
    estimates = json.loads((out / "estimates" / "good.json").read_text())
    model = estimates["models"][0]
    assert model["n_singletons_dropped"] == 1
    assert model["nobs"] == 120 and model["n_entities"] == 20
    assert "Singleton firms (one observation) dropped: 1 in (1)." in estimates["notes"]
    assert model["params"]["x"] == pytest.approx(0.5, abs=0.05)


def test_unset_environment_variable_in_data_path(workdir, capsys, monkeypatch):
    monkeypatch.delenv("GRIPARM_DATA", raising=False)
    spec = _spec(workdir, GOOD_MODEL, data='path = "$GRIPARM_DATA/panel.csv"\nentity = "firm"\ntime = "year"')
    _run_fails(workdir, capsys, spec, "data.path", "GRIPARM_DATA")


# ------------------------------------------------------------------------------------------------------------------
# Wrong numbers and tracebacks (issue 9, "Silent wrong results", "Tracebacks instead of messages", "Misleading
# messages"): degenerate designs are refused before fitting. The panel gains x2 = 2x + 1 (collinear with x and the
# constant), x3 = 2x + entity effect (collinear with x once entity effects are removed) and a constant column c.

def _model(formula: str, estimator: str, *, effects: str = "", cov: str = "unadjusted", extra: str = "") -> str:
    return (f'[[model]]\nname = "M"\nformula = "{formula}"\nestimator = "{estimator}"\ncov = "{cov}"\n'
            + (f"effects = {effects}\n" if effects else "") + extra)


DEGENERATE_CASES = [
    # (id, spec body, needles in the one message)
    ("constant_outcome", _model("c ~ 1 + x", "pooled_ols"), "formula: c", "single value"),
    ("constant_outcome_fe", _model("c ~ x", "panel_ols", effects='["entity"]'), "formula: c", "single value"),
    ("outcome_as_regressor", _model("y ~ 1 + y + x", "pooled_ols"), "formula: y", "also a regressor"),
    ("outcome_as_regressor_fe", _model("y ~ y + x", "panel_ols", effects='["entity"]'), "formula: y",
     "also a regressor"),
    ("collinear_pooled_ols", _model("y ~ 1 + x + x2", "pooled_ols"), "formula: x2", "perfectly collinear",
     "the constant and x"),
    ("collinear_first_difference", _model("y ~ x + x2", "first_difference"), "formula: x2", "perfectly collinear"),
    ("collinear_random_effects", _model("y ~ 1 + x + x2", "random_effects"), "formula: x2", "perfectly collinear"),
    ("collinear_ols", _model("y ~ 1 + x + x2", "ols"), "formula: x2", "perfectly collinear"),
    ("collinear_between", _model("y ~ 1 + x + x2", "between_ols"), "formula: x2", "perfectly collinear"),
    ("collinear_panel_ols_not_absorbed", _model("y ~ x + x3", "panel_ols", effects='["entity"]'), "formula: x3",
     "combination of x once the entity fixed effects are removed"),
    ("collinear_panel_ols_two_way", _model("y ~ x + x2", "panel_ols", effects='["entity", "time"]'), "formula: x2",
     "combination of x once the entity and time fixed effects are removed"),
    ("outcome_absorbed_entity", _model("fc ~ x", "panel_ols", effects='["entity"]'), "formula: fc",
     "fully absorbed", "constant within each firm"),
    ("outcome_absorbed_time", _model("tc ~ x", "panel_ols", effects='["time"]'), "formula: tc", "fully absorbed",
     "constant within each year"),
    ("outcome_absorbed_two_way", _model("ftc ~ x", "panel_ols", effects='["entity", "time"]'), "formula: ftc",
     "sum of a firm effect and a year effect"),
    ("outcome_absorbed_first_difference", _model("fc ~ x", "first_difference"), "formula: fc",
     "first differences of the outcome fc take a single value (0)"),
    ("absurd_lag", _model("y ~ 1 + L99999999999999999999.x", "pooled_ols"), "formula: L99999999999999999999.x",
     "spans only 5 periods (2000-2005)", "at most 5"),
    ("lead_past_the_panel", _model("y ~ 1 + F6.x", "pooled_ols"), "formula: F6.x", "6 periods ahead"),
    ("single_cluster", '[sample]\nentities = ["e01"]\n' + _model("y ~ 1 + x", "pooled_ols", cov="cluster:entity"),
     "cov", "single firm"),
    ("single_cluster_time", '[sample]\nyears = [2003, 2003]\n'
     + _model("y ~ 1 + x", "pooled_ols", cov="cluster:time"), "cov", "single year"),
    ("single_cluster_min_g", '[sample]\nentities = ["e01"]\n'
     + _model("y ~ 1 + x", "pooled_ols", cov="cluster:entity", extra='small_sample = "min_g"\n'), "cov",
     "single firm"),
]


@pytest.fixture()
def degenerate_workdir(workdir):
    frame = pd.read_csv(workdir / "panel.csv")
    frame["x2"] = 2 * frame["x"] + 1
    frame["x3"] = 2 * frame["x"] + frame["z"]
    frame["c"] = 3.0
    frame["fc"] = frame["z"] * 1.5 + 1.0                   # constant within each firm (z is the firm's index)
    frame["tc"] = (frame["year"] - 2000) ** 2 / 7.0        # constant within each year
    frame["ftc"] = frame["fc"] + frame["tc"]               # a firm effect plus a year effect
    frame.to_csv(workdir / "panel.csv", index=False)
    return workdir


@pytest.mark.parametrize("case", DEGENERATE_CASES, ids=[c[0] for c in DEGENERATE_CASES])
def test_degenerate_design(degenerate_workdir, capsys, case):
    name, body, *needles = case
    err = _run_fails(degenerate_workdir, capsys, _spec(degenerate_workdir, body), *needles)
    assert "fully absorbed" not in err or name.startswith(("absorbed", "outcome_absorbed"))


def test_absorbed_regressor_keeps_the_absorbed_message(degenerate_workdir, capsys):
    err = _run_fails(degenerate_workdir, capsys, _spec(degenerate_workdir, GOOD_MODEL.replace("y ~ 1 + x",
                                                                                              "y ~ 1 + x + z")),
                     "z is fully absorbed", "formula: z")
    assert "collinear" not in err
# ------------------------------------------------------------------------------------------------ end of issue 9 wrong numbers


# =================================================================================================================
# Bad data directories (issues 9 and 11, input files). Each case damages a copy of the shipped data/raw; the command
# must end in ONE message that names every damaged file at once and the fix, with exit status 2, and build nothing.
# A row: (id, damage(root), command, needles). Extend by adding rows.
# =================================================================================================================

import gzip as _gzip            # noqa: E402 - kept with the cases they serve
import shutil as _shutil        # noqa: E402

from griparm_econ.config import DEFAULT_DATA_DIR  # noqa: E402


def _unpack(root, relative: str) -> None:
    """Store ``relative`` uncompressed (as another snapshot would), so it can be damaged as text."""
    packed = root / (relative + ".gz")
    (root / relative).write_bytes(_gzip.decompress(packed.read_bytes()))
    packed.unlink()


def _truncate_wdi_at_a_line_boundary(root):
    _unpack(root, "worldbank/wdi.csv")
    lines = (root / "worldbank/wdi.csv").read_bytes().splitlines(keepends=True)
    (root / "worldbank/wdi.csv").write_bytes(b"".join(lines[: len(lines) // 2]))


def _binary_countries(root):
    (root / "worldbank/countries.csv.gz").unlink()
    (root / "worldbank/countries.csv").write_bytes(bytes(range(256)) * 4)


def _directory_for_a_file(root):
    (root / "trade/oec_hs2846_rare_earth_compounds_country_year_1995_2022.csv.gz").unlink()
    (root / "trade/oec_hs2846_rare_earth_compounds_country_year_1995_2022.csv").mkdir()


def _directory_for_a_compressed_file(root):
    (root / "worldbank/wgi.csv.gz").unlink()
    (root / "worldbank/wgi.csv.gz").mkdir()


def _two_files_missing(root):
    (root / "gvc/adb_mrio72_gvc_participation_country_total_2017_2022.csv.gz").unlink()
    (root / "restrictions/china_ree_export_quotas.csv").unlink()


def _corrupt_gzip(root):
    path = root / "worldbank/wgi.csv.gz"
    path.write_bytes(path.read_bytes()[:1000])


def _everything_at_once(root):
    _truncate_wdi_at_a_line_boundary(root)
    _binary_countries(root)
    _directory_for_a_file(root)
    _two_files_missing(root)


def _edited_events_file(root):
    path = root / "restrictions/export_restrictions_events.csv"
    text = path.read_text(encoding="utf-8")
    assert ",IDN,Indonesia," in text
    path.write_text(text.replace(",IDN,Indonesia,", ",IDX,Indonesia,", 1), encoding="utf-8")


DATA_CASES = [
    ("wdi_truncated_at_line_boundary", _truncate_wdi_at_a_line_boundary, "panel",
     ("worldbank/wdi.csv: changed", "griparm data manifest")),
    ("binary_countries_csv", _binary_countries, "panel", ("worldbank/countries.csv: binary content",)),
    ("directory_where_a_file_belongs", _directory_for_a_file, "check",
     ("oec_hs2846_rare_earth_compounds_country_year_1995_2022.csv: is a directory",)),
    ("directory_where_a_compressed_file_belongs", _directory_for_a_compressed_file, "check",
     ("worldbank/wgi.csv.gz: is a directory",)),
    ("two_files_missing", _two_files_missing, "check",
     ("2 input file(s)", "adb_mrio72_gvc_participation_country_total_2017_2022.csv: missing",
      "china_ree_export_quotas.csv: missing")),
    ("corrupt_gzip", _corrupt_gzip, "check", ("worldbank/wgi.csv: unreadable",)),
    ("everything_at_once", _everything_at_once, "panel",
     ("5 input file(s)", "wdi.csv: changed", "countries.csv: binary content", "is a directory", "china_ree_export_quotas")),
    ("edited_events_file", _edited_events_file, "check", ("restrictions/export_restrictions_events.csv: changed",)),
]


@pytest.fixture()
def data_copy(tmp_path):
    root = tmp_path / "snapshot"
    _shutil.copytree(DEFAULT_DATA_DIR, root, ignore=_shutil.ignore_patterns("MANIFEST.csv", "*.py", "sources.csv"))
    return root


@pytest.mark.parametrize("case", DATA_CASES, ids=[c[0] for c in DATA_CASES])
def test_bad_data_directory(data_copy, capsys, monkeypatch, case):
    _, damage, command, needles = case
    damage(data_copy)
    monkeypatch.setenv("GRIPARM_DATA", str(data_copy))
    panel = DEFAULT_DATA_DIR.parent / "panel.parquet"
    before = panel.stat().st_mtime_ns if panel.exists() else None
    argv = ["data", "check"] if command == "check" else ["panel"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err                      # one message, however many files are wrong
    assert str(data_copy) in err and "Fix:" in err, err
    for needle in needles:
        assert needle in err, (needle, err)
    assert (panel.stat().st_mtime_ns if panel.exists() else None) == before      # no half panel built


def test_snapshot_with_its_own_manifest_is_checked_against_it(data_copy, capsys):
    # The documented opt-in for a different vintage: a manifest in that directory. The changed file then passes the
    # hash check, and the project's coded data are still validated against their codebook on load.
    _edited_events_file(data_copy)
    assert main(["data", "manifest", "--data", str(data_copy)]) == 0
    assert main(["data", "check", "--data", str(data_copy)]) == 0
    capsys.readouterr()
    assert main(["data", "read", "--data", str(data_copy), "--offline"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "export_restrictions_events.csv" in err and "'IDX' is not an ISO 3166-1" in err


def test_data_directory_that_is_a_file(tmp_path, capsys):
    path = tmp_path / "file"
    path.write_text("x")
    assert main(["data", "check", "--data", str(path)]) == 2
    assert "is a file, not a folder" in capsys.readouterr().err


# ------------------------------------------------------------------------------------------------------------------
# Event-study specs (issue 12): every bad input is one message naming the file, the field and the fix; no output.
# The panel gains a staggered cohort g (first treated year; 0 = never), its 0/1 treatment d, and d_off, which
# switches off again in firm e01.

def _event_spec(workdir, model: str) -> str:
    path = workdir / "bad_event.toml"
    path.write_text('kind = "event_study"\ntitle = "Test"\n[data]\npath = "panel.csv"\nentity = "firm"\n'
                    'time = "year"\n[[model]]\nname = "ES"\noutcome = "y"\nwindow = [-3, 2]\n' + model,
                    encoding="utf-8")
    return str(path)


EVENT_CASES = [
    ("event_did_multiplegt", 'cohort = "g"\nestimator = "did_multiplegt"\n', "estimator", "not available"),
    ("event_switching_treatment", 'treatment = "d_off"\nestimator = "twfe"\n', "treatment", "switches off",
     "on_off"),
    ("event_not_binary_treatment", 'treatment = "x"\nestimator = "twfe"\n', "treatment", "not 0/1"),
    ("event_unknown_outcome", 'cohort = "g"\nestimator = "twfe"\n', "outcome", "yy"),
    ("event_no_treated", 'cohort = "never"\nestimator = "did2s"\n', "no unit is treated"),
    ("event_control_group", 'cohort = "g"\nestimator = "twfe"\ncontrol_group = "never_treated"\n',
     "control_group", "callaway_santanna"),
    ("event_unknown_key", 'cohort = "g"\nestimator = "twfe"\nbins = 3\n', "bins", "window"),
]


@pytest.fixture()
def event_workdir(workdir):
    frame = pd.read_csv(workdir / "panel.csv")
    number = frame["firm"].str.extract(r"(\d+)")[0].fillna("99").astype(int)
    frame["g"] = np.select([number % 3 == 0, number % 3 == 1], [2002, 2004], 0)
    frame.loc[frame["firm"] == "lonely", "g"] = 0
    frame["d"] = ((frame["g"] > 0) & (frame["year"] >= frame["g"])).astype(int)
    frame["d_off"] = frame["d"]
    frame.loc[(frame["firm"] == "e01") & (frame["year"] == 2005), "d_off"] = 0
    frame["never"] = 0
    frame.to_csv(workdir / "panel.csv", index=False)
    return workdir


@pytest.mark.parametrize("case", EVENT_CASES, ids=[c[0] for c in EVENT_CASES])
def test_bad_event_study_spec(event_workdir, capsys, case):
    name, model, *needles = case
    if name == "event_unknown_outcome":
        spec = _event_spec(event_workdir, model).replace("bad_event", "bad_event")
        text = open(spec, encoding="utf-8").read().replace('outcome = "y"', 'outcome = "yy"')
        open(spec, "w", encoding="utf-8").write(text)
    else:
        spec = _event_spec(event_workdir, model)
    _run_fails(event_workdir, capsys, spec, *needles)


DIAGNOSTIC_CASES = [
    ("bacon_not_twfe", GOOD_MODEL + "bacon = true\n", "bacon", "two-way fixed-effects"),
    ("ri_unknown_term", GOOD_MODEL.replace('["entity"]', '["entity", "time"]')
     + 'randomization_inference = { term = "L.x" }\n', "randomization_inference.term", "not a slope"),
    ("bacon_no_binary", GOOD_MODEL.replace('["entity"]', '["entity", "time"]') + "bacon = true\n", "bacon",
     "0/1 regressor"),
]


@pytest.mark.parametrize("case", DIAGNOSTIC_CASES, ids=[c[0] for c in DIAGNOSTIC_CASES])
def test_bad_twfe_diagnostic(workdir, capsys, case):
    name, body, *needles = case
    _run_fails(workdir, capsys, _spec(workdir, body), *needles)
# ------------------------------------------------------------------------------------------------ end of event-study specs


# =================================================================================================================
# Faults (issue 9): outputs edited, deleted or left half-written, a damaged built panel, a damaged reported file.
# One row per fault: how to break things after a good run, and what the next run must do. Extend by adding rows.
# =================================================================================================================

def _good_run(workdir, capsys):
    spec = _spec(workdir, GOOD_MODEL, name="good")
    out = workdir / "out"
    assert main(["run", spec, "--out", str(out)]) == 0
    capsys.readouterr()
    return spec, out


def _fault_deleted_docx(workdir, out, spec, monkeypatch):
    (out / "tables" / "good.docx").unlink()


def _fault_edited_csv(workdir, out, spec, monkeypatch):
    with open(out / "tables" / "good.csv", "a", encoding="utf-8") as handle:
        handle.write("edited by hand\n")


def _fault_aborted_edit_then_revert(workdir, out, spec, monkeypatch):
    """A run of an edited spec wrote its tables and was killed before its record; the edit is then reverted."""
    from pathlib import Path

    original = Path(spec).read_text(encoding="utf-8")
    Path(spec).write_text(original.replace('"cluster:entity"', '"robust"'), encoding="utf-8")
    other = workdir / "other"
    assert main(["run", spec, "--out", str(other)]) == 0
    for path in (other / "tables").iterdir():
        (out / "tables" / path.name).write_bytes(path.read_bytes())
    Path(spec).write_text(original, encoding="utf-8")


def _fault_stale_temp_files(workdir, out, spec, monkeypatch):
    for rel in ("tables/.good.csv.k3j_x9a2.tmp", "figures/.fig.png.abcd1234.tmp"):
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        (out / rel).write_bytes(b"half")


def _fault_display_keys_changed(workdir, out, spec, monkeypatch):
    from pathlib import Path

    from griparm_econ.estimation import dispatch

    def no_fit(*args, **kwargs):
        raise AssertionError("a change to display keys re-estimated the table")

    monkeypatch.setattr(dispatch, "fit_model", no_fit)
    text = Path(spec).read_text(encoding="utf-8")
    Path(spec).write_text(text.replace('title = "Test"', 'title = "Retitled"\nnotes = ["A new note."]\ndigits = 2'),
                          encoding="utf-8")


def _fault_edited_record(workdir, out, spec, monkeypatch):
    """The record is a file of the unit too: a coefficient times 100 in it must not pass as current."""
    record = out / "estimates" / "good.json"
    document = json.loads(record.read_text(encoding="utf-8"))
    document["models"][0]["params"]["x"] *= 100
    record.write_text(json.dumps(document), encoding="utf-8")


def _unchanged_tables(reference):
    def check(out):
        for name, data in reference.items():
            assert (out / "tables" / name).read_bytes() == data, name
        assert not list(out.rglob("*.tmp"))
    return check


FAULT_CASES = [
    # (id, fault, what the next `griparm run` must print)
    ("deleted_docx_is_remade", _fault_deleted_docx, "wrote 6 files for good"),
    ("edited_table_file_is_remade", _fault_edited_csv, "wrote 6 files for good"),
    ("aborted_edit_then_revert_is_rerun", _fault_aborted_edit_then_revert, "wrote 6 files for good"),
    ("stale_temp_files_are_removed", _fault_stale_temp_files, "up to date"),
    ("display_keys_rerender_without_estimating", _fault_display_keys_changed, "re-rendered good"),
    ("edited_estimates_record_is_reestimated", _fault_edited_record, "wrote 6 files for good"),
]


@pytest.mark.parametrize("case", FAULT_CASES, ids=[c[0] for c in FAULT_CASES])
def test_fault(workdir, capsys, monkeypatch, case):
    name, fault, expected = case
    spec, out = _good_run(workdir, capsys)
    before = {p.name: p.read_bytes() for p in (out / "tables").iterdir()}
    record = (out / "estimates" / "good.json").read_bytes()
    fault(workdir, out, spec, monkeypatch)
    assert main(["run", spec, "--out", str(out)]) == 0
    said = capsys.readouterr().out
    assert expected in said, said
    assert not [p for p in out.rglob("*.tmp")], "a stale temporary file survived the run"
    if name == "display_keys_rerender_without_estimating":
        table = (out / "tables" / "good.md").read_text()
        assert "A new note." in table and "Retitled" in table
        assert "up to date" in _rerun(spec, out, capsys)
    else:
        _unchanged_tables(before)(out)
        assert (out / "estimates" / "good.json").read_bytes() == record
        assert "up to date" in _rerun(spec, out, capsys)


def _rerun(spec, out, capsys) -> str:
    assert main(["run", spec, "--out", str(out)]) == 0
    return capsys.readouterr().out


def test_rerendered_table_equals_a_fresh_estimate(workdir, capsys):
    """Re-rendering from the stored estimates writes the very bytes a full re-estimation writes."""
    from pathlib import Path

    spec, out = _good_run(workdir, capsys)
    text = Path(spec).read_text(encoding="utf-8")
    Path(spec).write_text(text.replace('title = "Test"', 'title = "Other"\n[labels]\nx = "The x"'), encoding="utf-8")
    assert "re-rendered good" in _rerun(spec, out, capsys)
    rendered = {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    fresh = workdir / "fresh"
    assert main(["run", spec, "--out", str(fresh), "--force"]) == 0
    assert rendered == {p.relative_to(fresh).as_posix(): p.read_bytes() for p in fresh.rglob("*") if p.is_file()}


# --- The built panel: checked against the sha256 its provenance recorded at build time -----------------------

def _built_panel(tmp_path):
    from griparm_econ import panel as panel_module
    from griparm_econ.catalog import load_catalog
    from griparm_econ.config import PROJECT_ROOT, Settings
    from griparm_econ.io import sha256_file

    settings = Settings(specs_dir=PROJECT_ROOT / "specs", work_dir=tmp_path / "data", output_dir=tmp_path / "out")
    settings.work_dir.mkdir()
    frame = pd.DataFrame({"iso3": ["AAA", "BBB"] * 3, "year": [2000, 2000, 2001, 2001, 2002, 2002],
                          "y": np.arange(6.0)})
    frame.to_parquet(settings.panel_path, index=False)
    frame.head(1).to_parquet(panel_module.aggregates_path(settings), index=False)
    panel_module.coverage_path(settings).write_text("variable\ny\n")
    provenance = {"build_version": panel_module.BUILD_VERSION, "code_sha256": panel_module.data_code_sha256(),
                  "catalog": {"sha256": load_catalog(settings.catalog_path).sha256}, "inputs": [],
                  "panel": {"sha256": sha256_file(settings.panel_path)},
                  "aggregates": {"sha256": sha256_file(panel_module.aggregates_path(settings))},
                  "coverage": {"sha256": sha256_file(panel_module.coverage_path(settings))}}
    panel_module.provenance_path(settings).write_text(json.dumps(provenance))
    return settings, frame


def _edit_panel(settings, frame):
    frame.assign(y=frame["y"] * 100).to_parquet(settings.panel_path, index=False)   # still a valid parquet file


def _truncate_panel(settings, frame):
    data = settings.panel_path.read_bytes()
    settings.panel_path.write_bytes(data[: len(data) // 2])


def _corrupt_panel_and_its_record(settings, frame):
    from griparm_econ import panel as panel_module
    from griparm_econ.io import sha256_file

    settings.panel_path.write_bytes(b"PAR1 not really parquet")
    path = panel_module.provenance_path(settings)
    provenance = json.loads(path.read_text())
    provenance["panel"]["sha256"] = sha256_file(settings.panel_path)
    path.write_text(json.dumps(provenance))


PANEL_FAULTS = [
    ("edited_but_valid", _edit_panel, "panel.parquet is not the file that was built"),
    ("truncated", _truncate_panel, "panel.parquet is not the file that was built"),
    ("unreadable", _corrupt_panel_and_its_record, "cannot be read"),
]


@pytest.mark.parametrize("case", PANEL_FAULTS, ids=[c[0] for c in PANEL_FAULTS])
def test_damaged_panel_is_rebuilt_with_a_note(tmp_path, monkeypatch, capsys, case):
    from griparm_econ import panel as panel_module

    name, fault, needle = case
    settings, frame = _built_panel(tmp_path)
    assert panel_module.panel_is_stale(settings) is None
    assert panel_module.load_panel(settings).equals(frame)
    fault(settings, frame)
    rebuilt = []
    monkeypatch.setattr(panel_module, "build_panel", lambda s, echo=None: rebuilt.append(s) or frame)
    assert panel_module.load_panel(settings).equals(frame)
    assert rebuilt == [settings]
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and needle in err and "building the panel" in err, err


# --- reported/estimates.json with values of the wrong type: one message naming the file and the field -----------

def _reported(tmp_path, mutate):
    from griparm_econ.config import Settings

    document = {"format": 1, "data_vintage": {"inputs": []},
                "tables": {"t": {"spec": "specs/t.toml", "spec_sha256": "s", "data_sha256": "d",
                                 "models": [{"name": "FE", "nobs": 200, "params": {"x": 0.5},
                                             "std_errors": {"x": 0.1}}]}}}
    mutate(document)
    (tmp_path / "reported").mkdir()
    (tmp_path / "reported" / "estimates.json").write_text(json.dumps(document))
    return Settings(project_root=tmp_path, specs_dir=tmp_path / "specs", work_dir=tmp_path / "data",
                    output_dir=tmp_path / "out")


REPORTED_FAULTS = [
    ("nobs_as_string", lambda d: d["tables"]["t"]["models"][0].update(nobs="200"), "tables.t.models[0].nobs"),
    ("coefficient_as_string", lambda d: d["tables"]["t"]["models"][0]["params"].update(x="0.5"),
     "tables.t.models[0].params.x"),
    ("se_as_list", lambda d: d["tables"]["t"]["models"][0]["std_errors"].update(x=[0.1]),
     "tables.t.models[0].std_errors.x"),
    ("models_as_object", lambda d: d["tables"]["t"].update(models={}), "tables.t.models"),
    ("tables_as_list", lambda d: d.update(tables=[]), "tables"),
    ("model_name_missing", lambda d: d["tables"]["t"]["models"][0].pop("name"), "tables.t.models[0].name"),
    ("inputs_as_string", lambda d: d["data_vintage"].update(inputs="wdi.csv"), "data_vintage.inputs"),
]


@pytest.mark.parametrize("case", REPORTED_FAULTS, ids=[c[0] for c in REPORTED_FAULTS])
def test_reported_file_with_wrong_types(tmp_path, case):
    from griparm_econ.pipeline.replicate import replicate
    from griparm_econ.errors import DataError

    name, mutate, field = case
    settings = _reported(tmp_path, mutate)
    with pytest.raises(DataError) as caught:
        replicate(settings, echo=lambda _: None)
    message = caught.value.message
    assert "estimates.json" in message and f"[{field}]" in message and "Fix:" in message, message
    assert not settings.output_dir.exists()          # refused before anything ran


def test_replicate_reestimates_in_memory_and_never_trusts_the_output_folder(workdir, monkeypatch):
    """`griparm replicate` re-estimates every spec and compares that with the reported file: an estimates record in
    output/ edited by hand neither fails the check (it was compared before) nor makes an edited reported number pass."""
    from griparm_econ import panel as panel_module
    from griparm_econ.pipeline.layout import reported_path
    from griparm_econ.pipeline.replicate import freeze_reported, replicate
    from griparm_econ.config import Settings

    (workdir / "specs").mkdir()
    (workdir / "specs" / "good.toml").write_text('title = "Good"\n[data]\npath = "../panel.csv"\nentity = "firm"\n'
                                                 f'time = "year"\n{GOOD_MODEL}', encoding="utf-8")
    settings = Settings(project_root=workdir, specs_dir=workdir / "specs", work_dir=workdir / "data",
                        output_dir=workdir / "output")
    monkeypatch.setattr(panel_module, "load_panel", lambda *args, **kwargs: None)   # no study panel needed
    freeze_reported(settings, echo=lambda _: None)
    record = settings.output_dir / "estimates" / "good.json"
    document = json.loads(record.read_text(encoding="utf-8"))
    document["models"][0]["params"]["x"] *= 100
    record.write_text(json.dumps(document), encoding="utf-8")
    assert replicate(settings, echo=lambda _: None)
    reported = reported_path(settings)
    frozen = json.loads(reported.read_text(encoding="utf-8"))
    frozen["tables"]["good"]["models"][0]["params"]["x"] *= 100         # now agrees with the edited record
    reported.write_text(json.dumps(frozen), encoding="utf-8")
    lines: list[str] = []
    assert not replicate(settings, echo=lines.append)
    assert [line for line in lines if line.startswith("  good | FE | x (coef) | 50.22")], lines


def test_outputs_of_a_removed_spec_leave_the_output_folder(workdir, monkeypatch):
    """A replication package holds nothing no spec made: `griparm tables` removes a removed spec's outputs and
    says so; the index and manifest never list them."""
    from griparm_econ import panel as panel_module
    from griparm_econ.pipeline.sequencer import run_study
    from griparm_econ.config import Settings

    specs = workdir / "specs"
    specs.mkdir()
    for stem in ("keep", "gone"):
        (specs / f"{stem}.toml").write_text(f'title = "{stem}"\n[data]\npath = "../panel.csv"\nentity = "firm"\n'
                                            f'time = "year"\n{GOOD_MODEL}', encoding="utf-8")
    settings = Settings(project_root=workdir, specs_dir=specs, work_dir=workdir / "data",
                        output_dir=workdir / "output")
    monkeypatch.setattr(panel_module, "load_panel", lambda *args, **kwargs: None)   # no study panel needed
    run_study(settings, echo=lambda _: None)
    assert (settings.output_dir / "tables" / "gone.docx").is_file()
    (specs / "gone.toml").unlink()
    lines: list[str] = []
    run_study(settings, echo=lines.append)
    assert not [p for p in settings.output_dir.rglob("gone.*")]
    assert [line for line in lines if line.startswith("removed 6 output files") and "tables/gone.docx" in line], lines
    assert (settings.output_dir / "tables" / "keep.docx").is_file()
    for name in ("index.html", "manifest.json"):
        assert "gone" not in (settings.output_dir / name).read_text()


# =====================================================================================================================
# Spec safety and spec meaning (issue 9): a spec is data, never code; names stay inside --out; keys mean what the
# user meant. Extend by adding rows to the tables below.
# =====================================================================================================================

import shutil  # noqa: E402
import uuid  # noqa: E402
from pathlib import Path  # noqa: E402

from griparm_econ.spec import multiverse_grid as spec_module  # noqa: E402

REPO = Path(__file__).resolve().parents[1]

# Each row is a [sample] query that must be refused before anything runs; MARKER is replaced by a file name that
# must never appear. The needle is a word of the refusal.
HOSTILE_QUERIES = [
    ("pandas_local_reference", "year > 0 and @pd.io.common.os.system('touch MARKER') == 0", "'@'"),
    ("call_import", "__import__('os').system('touch MARKER') == 0", "function call"),
    ("attribute_chain", "year.__class__.__init__.__globals__['os'].system('touch MARKER') == 0", "not allowed"),
    ("attribute_of_module", "pd.io.common.os.system('touch MARKER') == 0", "function call"),
    ("lambda", "(lambda: __import__('os').system('touch MARKER'))() == 0", "not allowed"),
    ("open_file", "open('MARKER', 'w').write('x') > 0", "function call"),
    ("comprehension", "[c for c in ().__class__.__base__.__subclasses__()] == 1", "comprehension"),
    ("walrus", "(m := 1) == 1", "':='"),
    ("indexing", "year[0] == 2000", "indexing"),
    ("dunder_name", "__builtins__ == 1", "two leading underscores"),
    ("backticks", "`year` > 0", "not valid syntax"),
    ("if_else", "(x if x > 0 else y) > 0", "if-else"),
    ("f_string", "f'{year}' == '2000'", "f-string"),
    ("power", "year ** 99999999 > 0", "operator"),
    ("string_repetition", "'a' * 100000000000 == 'b'", "arithmetic on a string"),
    ("set_literal", "year in {2000, 2001}", "a set"),
    ("call_in_list", "year in [len('MARKER')]", "function call"),
    ("name_in_list", "year in [x, 2000]", "'in' followed by"),
    ("bitwise_and", "year > 0 & x < 1", "'&'"),
    ("too_deep", "-" * 100 + "year > 0", "levels deep"),
    ("no_condition", "year + 1", "not true or false"),
]


@pytest.mark.parametrize("case", HOSTILE_QUERIES, ids=[c[0] for c in HOSTILE_QUERIES])
def test_hostile_query_runs_nothing(workdir, capsys, monkeypatch, case):
    name, query, needle = case
    marker = f"griparm_marker_{uuid.uuid4().hex}"
    cwd = workdir / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    text = query.replace("MARKER", marker)
    spec = _spec(workdir, f"[sample]\nquery = {json.dumps(text)}\n" + GOOD_MODEL)
    if name != "no_condition":   # refused before any data are read
        assert main(["check", spec]) == 2
        err = capsys.readouterr().err
        assert "[sample.query]" in err and needle in err and spec in err, err
    err = _run_fails(workdir, capsys, spec, "sample.query", needle)
    assert "Traceback" not in err
    worktree = [REPO] + [p for p in REPO.iterdir() if p.is_dir() and not p.is_symlink() and p.name != ".git"]
    found = [p for root in (cwd, workdir, workdir / "out") for p in root.rglob(f"*{marker}*")]
    found += [p for root in worktree for p in (root.glob(f"*{marker}*") if root == REPO else root.rglob(f"*{marker}*"))]
    assert not found, found


# Every table of every spec kind that holds a condition (field, spec text with QUERY where the condition goes).
CONDITION_PLACES = [
    ("samples.early.query", 'title = "T"\n[samples.early]\nquery = QUERY\n' + GOOD_MODEL),
    ("group[1].query", 'kind = "descriptive"\ntitle = "D"\nvariables = ["x"]\n[[group]]\nname = "g"\nquery = QUERY\n'),
    ("sample.query", 'kind = "descriptive"\ntitle = "D"\nvariables = ["x"]\n[sample]\nquery = QUERY\n'),
    ("samples.rich.query", 'kind = "multiverse"\ntitle = "M"\nfocus = "L.x"\nexpected_sign = "positive"\n'
                           'outcomes = ["y"]\ntreatments = [["L.x"]]\n[samples.rich]\nquery = QUERY\n'),
]


@pytest.mark.parametrize("case", CONDITION_PLACES, ids=[c[0] for c in CONDITION_PLACES])
def test_conditions_are_checked_in_every_spec_kind(workdir, capsys, case):
    field, text = case
    path = workdir / "kinds.toml"
    path.write_text(text.replace("QUERY", json.dumps("__import__('os').system('true') == 0")), encoding="utf-8")
    assert main(["check", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"[{field}]" in err and "function call" in err, err


ALLOWED_QUERIES = [
    "year >= 2002 and x > -0.5",
    "firm != 'e01' and not (year == 2003 or year == 2004)",
    "firm in ['e02', 'e03'] or y * 2 - 1 > x / 3",
    "firm not in ['e02', 'lonely'] and 2001 < year <= 2004",
    "year in [2000, 2005] and True",
]


@pytest.mark.parametrize("query", ALLOWED_QUERIES)
def test_allowed_query_selects_what_pandas_query_selects(workdir, query):
    from griparm_econ.spec.expr import evaluate_condition

    frame = pd.read_csv(workdir / "panel.csv")
    expected = frame.eval(query).to_numpy()     # pandas as the reference, on trusted text only
    assert expected.any() and not expected.all()
    np.testing.assert_array_equal(evaluate_condition(query, frame, "s.toml", "sample.query"), expected)


def test_query_on_unknown_column_names_the_nearest(workdir, capsys):
    spec = _spec(workdir, '[sample]\nquery = "yaer > 2000"\n' + GOOD_MODEL)
    _run_fails(workdir, capsys, spec, "sample.query", "'yaer'", "year")


def _figure_spec(workdir, body: str, name: str = "fig") -> str:
    path = workdir / f"{name}.toml"
    path.write_text('kind = "figure"\ntitle = "F"\n' + body, encoding="utf-8")
    return str(path)


MARGINAL = ('figure = "marginal_effect"\ntable = "{table}"\nmodel = "FE"\ntreatment = "x"\ninteraction = "x:z"\n'
            'moderator = "z"\n')
COEFFICIENTS = 'figure = "coefficients"\ntables = ["good", "{table}"]\nterms = ["x"]\n'

# (id, figure spec body, needles): names that would read or write outside --out.
OUTSIDE_OUT_CASES = [
    ("figure_table_parent", MARGINAL.format(table="../../../x"), "[table]", "'..'"),
    ("figure_table_absolute", MARGINAL.format(table="/etc/passwd"), "[table]", "path separator"),
    ("figure_table_hidden", MARGINAL.format(table=".x"), "[table]", "hidden"),
    ("figure_tables_parent", COEFFICIENTS.format(table="../x"), "[tables[2]]", "'..'"),
    ("figure_tables_backslash", COEFFICIENTS.format(table="a\\\\x"), "[tables[2]]", "path separator"),
]


@pytest.mark.parametrize("case", OUTSIDE_OUT_CASES, ids=[c[0] for c in OUTSIDE_OUT_CASES])
def test_names_outside_out_are_refused(workdir, capsys, case):
    name, body, *needles = case
    spec = _figure_spec(workdir, body)
    assert main(["check", spec]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and spec in err and "Fix:" in err, err
    for needle in needles:
        assert needle in err, (needle, err)


def test_hidden_spec_stem_is_refused(workdir, capsys):
    for stem in (".hidden", "."):        # "..toml" has the stem "."
        spec = _spec(workdir, GOOD_MODEL, name=stem)
        err = _run_fails(workdir, capsys, spec, "(file name)")
        assert "hidden" in err or "'..'" in err, err


DATA_PATH_CASES = [
    ("env_var", "$HOME/panel.csv", "'$'"),
    ("env_var_braces", "${HOME}/panel.csv", "'$'"),
    ("env_var_inside", "data/$USER.csv", "'$'"),
    ("home_shorthand", "~/panel.csv", "'~'"),
]


@pytest.mark.parametrize("case", DATA_PATH_CASES, ids=[c[0] for c in DATA_PATH_CASES])
def test_environment_is_not_expanded_from_data_path(workdir, capsys, monkeypatch, case):
    name, path, needle = case
    monkeypatch.setenv("HOME", "/secret-home-value")
    monkeypatch.setenv("USER", "secret-user-value")
    spec = _spec(workdir, GOOD_MODEL, data=f'path = "{path}"\nentity = "firm"\ntime = "year"')
    assert main(["check", spec]) == 2
    err = capsys.readouterr().err
    assert "[data.path]" in err and needle in err and "not expanded" in err, err
    assert "secret" not in err, err


def test_griparm_data_is_still_the_data_directory(workdir, capsys, monkeypatch):
    monkeypatch.setenv("GRIPARM_DATA", str(workdir))
    spec = _spec(workdir, GOOD_MODEL, data='path = "${GRIPARM_DATA}/panel.csv"\nentity = "firm"\ntime = "year"',
                 name="good")
    assert main(["run", spec, "--out", str(workdir / "out")]) == 0


# Keys a model sets to false to switch off what [defaults] sets (each refused before the fix).
SWITCH_OFF_CASES = [
    ("bootstrap", 'bootstrap = { terms = ["x"], B = 99 }', "bootstrap = false", "bootstrap", {}),
    ("bandwidth", 'cov = "driscoll_kraay"\nbandwidth = 2', 'cov = "robust"\nbandwidth = false', "bandwidth", None),
    ("weights", 'weights = "w"', "weights = false", "weights", None),
    ("sample", 'sample = "early"', "sample = false", "sample", None),
]


@pytest.mark.parametrize("case", SWITCH_OFF_CASES, ids=[c[0] for c in SWITCH_OFF_CASES])
def test_model_switches_off_an_inherited_key(workdir, capsys, case):
    name, inherited, own, key, _ = case
    frame = pd.read_csv(workdir / "panel.csv").assign(w=1.5)
    frame.to_csv(workdir / "panel.csv", index=False)
    cov = "" if "cov" in inherited else 'cov = "cluster:entity"\n'
    body = (f'[samples.early]\nyears = [2000, 2002]\n[defaults]\nestimator = "pooled_ols"\n{cov}'
            f'{inherited}\n[[model]]\nname = "Inherits"\nformula = "y ~ 1 + x"\n'
            f'[[model]]\nname = "Off"\nformula = "y ~ 1 + x"\n{own}\n')
    spec = _spec(workdir, body, name="good")
    out = workdir / "out"
    assert main(["run", spec, "--out", str(out)]) == 0, capsys.readouterr().err
    inherits, off = json.loads((out / "estimates" / "good.json").read_text())["models"]
    if key == "bootstrap":
        assert inherits["bootstrap"] and not off["bootstrap"]
    elif key == "sample":
        assert inherits["nobs"] < off["nobs"] == 121
    elif key == "bandwidth":
        assert inherits["cov"] == "driscoll_kraay" and off["cov"] == "robust"
    assert off["params"]["x"] == pytest.approx(0.5, abs=0.05)
    shutil.rmtree(out)
    bad = _spec(workdir, body.replace(own.split("\n")[-1], f"{key} = true"), name="bad")
    _run_fails(workdir, capsys, bad, f".{key}]", "false")


SPEC_MEANING_CASES = [
    ("misspelt_required_key", '[[model]]\nname = "FE"\nformulla = "y ~ 1 + x"\nestimator = "ols"\n',
     "unknown key 'formulla' (did you mean 'formula'?)"),
    ("misspelt_name_key", '[[model]]\nnmae = "FE"\nformula = "y ~ 1 + x"\nestimator = "ols"\n',
     "unknown key 'nmae' (did you mean 'name'?)"),
    ("omit_and_order", 'order = ["x"]\nomit = ["x"]\n' + GOOD_MODEL, "both order and omit"),
    ("omit_unknown_term", 'omit = ["q"]\n' + GOOD_MODEL, "[omit]", "'q'"),
]


@pytest.mark.parametrize("case", SPEC_MEANING_CASES, ids=[c[0] for c in SPEC_MEANING_CASES])
def test_spec_meaning(workdir, capsys, case):
    name, body, *needles = case
    path = workdir / "bad.toml"
    top = "".join(line + "\n" for line in body.splitlines() if line.startswith(("order", "omit")))
    rest = "".join(line + "\n" for line in body.splitlines() if not line.startswith(("order", "omit")))
    path.write_text(f'title = "Test"\n{top}[data]\npath = "panel.csv"\nentity = "firm"\ntime = "year"\n{rest}',
                    encoding="utf-8")
    _run_fails(workdir, capsys, str(path), *needles)


def test_term_not_in_order_is_shown_last_with_one_warning(workdir, capsys):
    spec = _spec(workdir, GOOD_MODEL.replace("y ~ 1 + x", "y ~ 1 + x + x2"), name="good")
    Path(spec).write_text(Path(spec).read_text().replace('title = "Test"\n', 'title = "Test"\norder = ["x2"]\n'))
    frame = pd.read_csv(workdir / "panel.csv").assign(x2=lambda f: np.random.default_rng(1).normal(size=len(f)))
    frame.to_csv(workdir / "panel.csv", index=False)
    out = workdir / "out"
    assert main(["run", spec, "--out", str(out)]) == 0
    err = capsys.readouterr().err
    warnings = [line for line in err.splitlines() if "warning" in line]
    assert len(warnings) == 1 and spec in warnings[0] and "x, Intercept" in warnings[0], err
    rows = pd.read_csv(out / "tables" / "good.csv").iloc[:, 0].astype(str).tolist()
    shown = [r for r in rows if r in ("x2", "x", "Constant", "Intercept")]
    assert shown[:2] == ["x2", "x"] and shown[2] in ("Constant", "Intercept"), rows
    # omit leaves them out, silently
    text = Path(spec).read_text().replace('order = ["x2"]\n', 'order = ["x2"]\nomit = ["x", "Intercept"]\n')
    Path(spec).write_text(text)
    assert main(["run", spec, "--out", str(out)]) == 0
    assert "warning" not in capsys.readouterr().err
    rows = pd.read_csv(out / "tables" / "good.csv").iloc[:, 0].astype(str).tolist()
    assert "x2" in rows and "x" not in rows


def _multiverse(workdir, controls: int, extra: str = "") -> str:
    frame = pd.read_csv(workdir / "panel.csv")
    names = [f"c{i}" for i in range(controls)]
    path = workdir / "grid.toml"
    path.write_text(
        'kind = "multiverse"\ntitle = "M"\nfocus = "L.x"\nexpected_sign = "positive"\n' + extra
        + f'outcomes = ["y"]\ntreatments = [["L.x"]]\ncontrols = {json.dumps(["L." + n for n in names])}\n'
        'control_sets = "all_subsets"\n[data]\npath = "panel.csv"\nentity = "firm"\ntime = "year"\n', encoding="utf-8")
    frame.to_csv(workdir / "panel.csv", index=False)
    return str(path)


@pytest.mark.parametrize("controls, extra, needles", [
    (26, "", ("[controls]", "67,108,864 models", "at most 1,000,000")),          # MemoryError before the fix
    (24, "limit = 100000000\n", ("[controls]", "16,777,216 models")),
    (13, "", ("[limit]", "8,192 models", "limit of 5,000")),
])
def test_multiverse_grid_is_counted_not_built(workdir, capsys, monkeypatch, controls, extra, needles):
    def never(_spec):
        raise AssertionError("the grid was built")

    monkeypatch.setattr(spec_module, "control_sets", never)
    spec = _multiverse(workdir, controls, extra)
    assert main(["check", spec]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Fix:" in err, err
    for needle in needles:
        assert needle in err, (needle, err)


def test_string_time_column_with_years(workdir, capsys):
    frame = pd.read_csv(workdir / "panel.csv")
    frame["year"] = "y" + frame["year"].astype(str)
    frame.to_csv(workdir / "panel.csv", index=False)
    body = GOOD_MODEL.replace('"panel_ols"', '"pooled_ols"').replace('effects = ["entity"]\n', "")
    spec = _spec(workdir, "[sample]\nyears = [2001, 2004]\n" + body)
    _run_fails(workdir, capsys, spec, "[sample.years]", "numeric time column", "'year'")


def test_spec_path_that_is_a_directory(workdir, capsys):
    folder = workdir / "specs_dir.toml"
    folder.mkdir()
    assert main(["check", str(folder)]) == 2
    err = capsys.readouterr().err
    assert "is a directory, not a spec file" in err and "does not exist" not in err, err


def test_data_setting_that_is_a_file(workdir, capsys, monkeypatch):
    monkeypatch.setenv("GRIPARM_DATA", str(workdir / "panel.csv"))
    assert main(["check", _spec(workdir, GOOD_MODEL)]) == 2
    err = capsys.readouterr().err
    assert "GRIPARM_DATA" in err and "is a file, not a folder" in err and "does not exist" not in err, err


# ------------------------------------------------------------------------------------------------------------------
# Maximum-likelihood estimators (issue 13: ppml, logit, cloglog, risk_set): unsupported combinations and outcomes
# they cannot fit end in one message. The panel gains a 0/1 outcome b, a status with a negative value s, a count n.

ML_CASES = [
    ("logit_driscoll_kraay", _model("b ~ 1 + x", "logit", cov="driscoll_kraay"), "model[1] (name = 'M').cov",
     "logit computes cov = unadjusted, robust, cluster:entity, cluster:time"),
    ("ppml_two_way_cluster", _model("n ~ x", "ppml", effects='["entity"]', cov="cluster:entity+time"), "cov",
     "ppml computes cov"),
    ("cloglog_min_g", _model("b ~ 1 + x", "cloglog", cov="cluster:entity", extra='small_sample = "min_g"\n'),
     "small_sample", "stata, none"),
    ("logit_effects", _model("b ~ 1 + x", "logit", effects='["entity"]'), "effects", "cannot absorb"),
    ("risk_set_on_panel_ols", _model("b ~ x", "panel_ols", effects='["entity"]', extra='risk_set = "first_adoption"\n'),
     "risk_set", "logit, cloglog"),
    ("risk_set_misspelt", _model("b ~ 1 + x", "logit", extra='risk_set = "first_adopt"\n'), "risk_set",
     "first_adoption"),
    ("logit_outcome_not_binary", _model("y ~ 1 + x", "logit"), "formula: y", "0/1 outcome"),
    ("ppml_negative_outcome", _model("y ~ x", "ppml", effects='["entity"]'), "formula: y", "non-negative"),
    ("risk_set_negative_status", _model("s ~ 1 + x", "cloglog", extra='risk_set = "first_adoption"\n'),
     "formula: s", "negative values"),
    ("logit_perfect_separation", _model("b ~ 1 + sep", "logit"), "model[1]", "logit"),
    ("ppml_weights", _model("n ~ x", "ppml", effects='["entity"]', extra='weights = "n"\n'), "weights",
     "without weights"),
]


@pytest.fixture()
def ml_workdir(workdir):
    frame = pd.read_csv(workdir / "panel.csv")
    rng = np.random.default_rng(11)
    frame["b"] = (rng.uniform(size=len(frame)) < 0.3).astype(float)
    frame["sep"] = frame["b"] * 2.0 - 1.0
    frame["s"] = frame["b"]
    frame.loc[3, "s"] = -1.0
    frame["n"] = rng.poisson(2.0, size=len(frame)).astype(float)
    frame["y"] = frame["y"] - 5.0   # negative values: not a ppml outcome
    frame.to_csv(workdir / "panel.csv", index=False)
    return workdir


@pytest.mark.parametrize("case", ML_CASES, ids=[c[0] for c in ML_CASES])
def test_maximum_likelihood_bad_input(ml_workdir, capsys, case):
    _, body, *needles = case
    _run_fails(ml_workdir, capsys, _spec(ml_workdir, body), *needles)
# ------------------------------------------------------------------------------------------------ end of issue 13 ML estimators


# The multiverse's named axes (outcome_families, treatment_definitions, moderators, estimators): each bad row ends in
# one message naming the field, before any data are read. (change of the good spec's text, field, needles)
NAMED_MULTIVERSE = ('kind = "multiverse"\ntitle = "M"\nexpected_sign = "positive"\n'
                    'treatment_definitions = ["x"]\nmoderators = ["none", "z"]\ncontrol_sets = "none"\n'
                    'estimators = ["twfe"]\n'
                    '[outcome_families]\nlevels = ["y"]\n'
                    '[data]\npath = "panel.csv"\nentity = "firm"\ntime = "year"\n')
NAMED_AXIS_CASES = [
    ("both_outcome_forms", ('estimators = ["twfe"]\n', 'estimators = ["twfe"]\noutcomes = ["y"]\n'), "[outcomes]",
     "not both"),
    ("no_outcomes", ('[outcome_families]\nlevels = ["y"]\n', ''), "[outcomes]", "neither"),
    ("both_treatment_forms", ('estimators = ["twfe"]\n', 'estimators = ["twfe"]\ntreatments = [["L.x"]]\n'),
     "[treatments]", "not both"),
    ("focus_with_definitions", ('estimators = ["twfe"]\n', 'estimators = ["twfe"]\nfocus = "L.x"\n'), "[focus]",
     "remove focus"),
    ("moderators_without_definitions", ('treatment_definitions = ["x"]\n', 'treatments = [["L.x"]]\nfocus = "L.x"\n'),
     "[moderators]", "crossed with treatment_definitions"),
    ("definition_with_operator", ('treatment_definitions = ["x"]', 'treatment_definitions = ["L.x"]'),
     "[treatment_definitions[1]]", "not a variable name"),
    ("moderator_product", ('["none", "z"]', '["none", "x:z"]'), "[moderators[2]]", "not a variable name"),
    ("moderator_twice", ('["none", "z"]', '["z", "z"]'), "[moderators[1]]", "listed twice"),
    ("moderator_is_the_treatment", ('["none", "z"]', '["none", "x"]'), "[moderators[2]]", "both a treatment"),
    ("outcome_in_two_families", ('levels = ["y"]\n', 'levels = ["y"]\nagain = ["y"]\n'),
     "[outcome_families.again]", "put each outcome in one family"),
    ("empty_family", ('levels = ["y"]\n', 'levels = ["y"]\nnothing = []\n'), "[outcome_families.nothing]",
     "lists no outcome"),
    ("unknown_estimator", ('estimators = ["twfe"]', 'estimators = ["twfe", "synthetic_did"]'), "[estimators[2]]",
     "'synthetic_did' is not a valid estimators", "twfe"),
    ("estimator_twice", ('estimators = ["twfe"]', 'estimators = ["twfe", "twfe"]'), "[estimators]", "repeats"),
    ("control_is_the_moderator", ('estimators = ["twfe"]\n', 'estimators = ["twfe"]\ncontrols = ["L.z"]\n'),
     "[controls]", "both a treatment and a control"),
    ("unknown_moderator_variable", ('["none", "z"]', '["none", "zz"]'), "(grid): zz", "not a variable of the data"),
    ("above_the_limit", ('estimators = ["twfe"]\n', 'estimators = ["twfe"]\nlimit = 3\n'), "[limit]",
     "expands to 4 models"),
]


@pytest.mark.parametrize("case", NAMED_AXIS_CASES, ids=[c[0] for c in NAMED_AXIS_CASES])
def test_bad_named_multiverse_axis(workdir, capsys, case):
    name, (old, new), *needles = case
    assert old in NAMED_MULTIVERSE, name
    text = NAMED_MULTIVERSE.replace(old, new)
    if name == "above_the_limit":        # two outcomes x two moderators: counted, not built
        text = text.replace('levels = ["y"]', 'levels = ["y", "x2"]')
    path = workdir / "named.toml"
    path.write_text(text, encoding="utf-8")
    if name != "unknown_moderator_variable":      # the data are needed to know a variable is missing
        assert main(["check", str(path)]) == 2
        capsys.readouterr()
    _run_fails(workdir, capsys, str(path), *needles)


def test_good_named_multiverse_runs(workdir, capsys):
    path = workdir / "named.toml"
    path.write_text(NAMED_MULTIVERSE.replace('estimators = ["twfe"]\n',
                                             'estimators = ["twfe"]\n[executor]\nbackend = "sequential"\n'
                                             'progress = false\n'), encoding="utf-8")
    assert main(["run", str(path), "--out", str(workdir / "out")]) == 0, capsys.readouterr().err
