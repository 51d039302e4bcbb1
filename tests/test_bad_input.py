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
    assert any("1 singleton firm" in note for note in estimates["notes"])
    assert model["params"]["x"] == pytest.approx(0.5, abs=0.05)


def test_unset_environment_variable_in_data_path(workdir, capsys, monkeypatch):
    monkeypatch.delenv("GRIPARM_DATA", raising=False)
    spec = _spec(workdir, GOOD_MODEL, data='path = "$GRIPARM_DATA/panel.csv"\nentity = "firm"\ntime = "year"')
    _run_fails(workdir, capsys, spec, "data.path", "GRIPARM_DATA")


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
