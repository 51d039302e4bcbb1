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
