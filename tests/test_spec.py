"""The spec format: schema, defaults, formulas, lags within entity, samples, labels and order, the study panel.

Synthetic data only, generated here with known parameters.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from griparm_econ.config import Settings
from griparm_econ.errors import SpecError
from griparm_econ.spec.formula import FormulaError, parse_formula
from griparm_econ.pipeline.check import check_specs
from griparm_econ.pipeline.sequencer import run_specs
from griparm_econ.spec import load_spec, parse_spec_text


def _settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=None, specs_dir=tmp_path / "specs", work_dir=tmp_path / "work",
                    output_dir=tmp_path / "output")


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture()
def panel_csv(tmp_path):
    """40 firms x 8 years, with a gap (firm f00 lacks 2003); y = 1 + 2 L.x + 0.5 z + 0.3 x:z + firm effect."""
    rng = np.random.default_rng(11)
    rows = [(f"f{i:02d}", year) for i in range(40) for year in range(2000, 2008) if not (i == 0 and year == 2003)]
    frame = pd.DataFrame(rows, columns=["firm", "year"])
    frame["x"] = rng.normal(size=len(frame))
    frame["z"] = rng.normal(size=len(frame))
    effect = frame["firm"].map({f: rng.normal() for f in frame["firm"].unique()})
    lag = frame.set_index(["firm", "year"])["x"].reindex(
        pd.MultiIndex.from_arrays([frame["firm"], frame["year"] - 1])).to_numpy()
    frame["y"] = 1 + 2 * lag + 0.5 * frame["z"] + 0.3 * frame["x"] * frame["z"] + effect + rng.normal(scale=0.01,
                                                                                                           size=len(frame))
    # rows are shuffled so that a row-shift lag would be wrong
    frame = frame.sample(frac=1.0, random_state=3).reset_index(drop=True)
    path = tmp_path / "firms.csv"
    frame.to_csv(path, index=False)
    return path


HEAD = '''title = "Synthetic"
[data]
path = "firms.csv"
entity = "firm"
time = "year"
'''


def test_formula_terms():
    parsed = parse_formula("y ~ 1 + L.x + L2.x + F.x + D.x + a*b + [e ~ z1 + z2]")
    assert parsed.regressor_names == ("Intercept", "L.x", "L2.x", "F.x", "D.x", "a", "b", "a:b", "e")
    assert [t.name for t in parsed.instruments] == ["z1", "z2"]
    assert parsed.variables == ("y", "x", "a", "b", "e", "z1", "z2")
    assert not parse_formula("y ~ x").constant and parse_formula("y ~ 1 + x").constant
    assert not parse_formula("y ~ x - 1").constant and not parse_formula("y ~ 0 + x").constant
    assert parse_formula("y ~ L1.x").exog[0].name == "L.x"
    for bad, term in [("y ~ log(x)", "log(x)"), ("y ~ 1 + [x ~ ]", "[x ~ ]"), ("y + w ~ x", "y + w"),
                      ("y ~ x +", "x +"), ("y ~ L0.x", "L0.x")]:
        with pytest.raises(FormulaError) as info:
            parse_formula(bad)
        assert info.value.term == term and info.value.fix


def test_defaults_are_inherited_and_overridden(tmp_path):
    text = HEAD + '''
[defaults]
estimator = "panel_ols"
effects = ["entity"]
cov = "cluster:entity"
[[model]]
name = "A"
formula = "y ~ x"
[[model]]
name = "B"
formula = "y ~ 1 + x"
estimator = "pooled_ols"
effects = []
cov = "driscoll_kraay"
bandwidth = 2
'''
    loaded = parse_spec_text(text, tmp_path / "s.toml")
    a, b = loaded.models
    assert (a.estimator, a.effects, a.cov, a.small_sample, a.drop_singletons) == (
        "panel_ols", ("entity",), "cluster:entity", "stata", True)
    assert (b.estimator, b.effects, b.cov, b.bandwidth) == ("pooled_ols", (), "driscoll_kraay", 2)


@pytest.mark.parametrize("body, field", [
    ('kind = "tabel"\n', "kind"),
    ('[[model]]\nname = "A"\nformula = "y ~ x"\n', "estimator"),
    ('[[model]]\nname = "A"\nformula = "y ~ x"\nestimator = "ols"\nbandwidth = 3\n', "bandwidth"),
    ('[[model]]\nname = "A"\nformula = "y ~ 1 + x"\nestimator = "first_difference"\n', "formula"),
    ('[[model]]\nname = "A"\nformula = "y ~ x"\nestimator = "pooled_ols"\neffects = ["entity"]\n', "effects"),
    ('[[model]]\nname = "A"\nformula = "y ~ x"\nestimator = "ols"\n', "order"),
    ('[[model]]\nname = "A"\nformula = "y ~ x"\nestimator = "ols"\n[[model]]\nname = "A"\nformula = "y ~ z"\n'
     'estimator = "ols"\n', "model.name"),
])
def test_semantic_errors_name_the_field(tmp_path, body, field):
    top = {"kind": body, "order": 'order = ["w"]\n'}.get(field, "")
    text = top + HEAD + ("" if field == "kind" else body)
    with pytest.raises(SpecError) as info:
        parse_spec_text(text, tmp_path / "s.toml")
    assert field in info.value.field and info.value.fix and "s.toml" in info.value.message


def test_lags_within_entity_and_interactions(tmp_path, panel_csv):
    spec = _write(tmp_path / "lags.toml", HEAD + '''
[labels]
"L.x" = "Exposure (t-1)"
[[model]]
name = "FE"
formula = "y ~ L.x + z + x:z"
estimator = "panel_ols"
effects = ["entity"]
cov = "cluster:entity"
''')
    run_specs([spec], _settings(tmp_path), echo=lambda _: None)
    estimates = json.loads((tmp_path / "output" / "estimates" / "lags.json").read_text())
    model = estimates["models"][0]
    assert model["terms"] == ["L.x", "z", "x:z"]
    assert model["params"]["L.x"] == pytest.approx(2.0, abs=0.01)
    assert model["params"]["z"] == pytest.approx(0.5, abs=0.01)
    assert model["params"]["x:z"] == pytest.approx(0.3, abs=0.01)
    # first year of each firm, and f00's 2004 (its 2003 is missing), have no lag
    assert model["nobs"] == 40 * 7 - 1 - 1
    assert model["years"] == [2001, 2007]
    assert estimates["labels"] == {"L.x": "Exposure (t-1)"}


def test_lag_is_looked_up_on_the_time_index(tmp_path, panel_csv):
    from griparm_econ.estimation.dataset import load_dataset
    from griparm_econ.spec.formula import Factor

    spec = _write(tmp_path / "s.toml", HEAD + '[[model]]\nname = "A"\nformula = "y ~ L.x"\nestimator = "pooled_ols"\n')
    data = load_dataset(load_spec(spec), _settings(tmp_path))
    lagged = data.column(Factor("x", "L", 1), spec, "formula")
    lead = data.column(Factor("x", "F", 2), spec, "formula")
    frame = data.frame.assign(lag=lagged, lead=lead).set_index(["firm", "year"]).sort_index()
    assert frame.loc[("f01", 2005), "lag"] == frame.loc[("f01", 2004), "x"]
    assert frame.loc[("f01", 2003), "lead"] == frame.loc[("f01", 2005), "x"]
    assert np.isnan(frame.loc[("f01", 2000), "lag"])           # never the previous firm's last year
    assert np.isnan(frame.loc[("f00", 2004), "lag"])           # a gap stays a gap


def test_named_samples_order_and_byte_identical_outputs(tmp_path, panel_csv):
    spec = _write(tmp_path / "samples.toml", 'order = ["x", "Intercept"]\nnotes = ["Synthetic data."]\n' + HEAD + '''
[samples.early]
years = [2000, 2003]
description = "2000-2003 only"
[samples.most]
exclude_entities = ["f00", "f01"]
[defaults]
estimator = "pooled_ols"
cov = "cluster:entity+time"
[[model]]
name = "Early"
formula = "y ~ 1 + x"
sample = "early"
[[model]]
name = "Most"
formula = "y ~ 1 + x"
sample = "most"
small_sample = "none"
''')
    settings = _settings(tmp_path)
    run_specs([spec], settings, echo=lambda _: None)
    path = tmp_path / "output" / "estimates" / "samples.json"
    first = path.read_bytes()
    estimates = json.loads(first)
    early, most = estimates["models"]
    assert early["years"] == [2001, 2003] and early["nobs"] == 40 * 3 - 1   # y needs L.x: no 2000
    assert most["n_entities"] == 38 and most["clusters_by_dim"] == {"entity": 38, "time": 7}
    assert estimates["order"] == ["x", "Intercept"]
    assert "Synthetic data." in estimates["notes"] and any("2000-2003 only" in n for n in estimates["notes"])
    run_specs([spec], settings, force=True, echo=lambda _: None)
    assert path.read_bytes() == first


def test_unchanged_spec_is_not_re_estimated(tmp_path, panel_csv):
    spec = _write(tmp_path / "s.toml", HEAD + '[[model]]\nname = "A"\nformula = "y ~ 1 + x"\nestimator = "ols"\n')
    settings = _settings(tmp_path)
    assert len(run_specs([spec], settings, echo=lambda _: None)) == 1
    assert run_specs([spec], settings, echo=lambda _: None) == []
    assert len(run_specs([spec], settings, force=True, echo=lambda _: None)) == 1


def test_default_specs_skip_the_catalog(tmp_path, panel_csv):
    settings = _settings(tmp_path)
    _write(settings.specs_dir / "variables.toml", "# catalog, not a table\n")
    _write(settings.specs_dir / "a.toml", HEAD.replace('"firms.csv"', json.dumps(str(panel_csv)))
           + '[[model]]\nname = "A"\nformula = "y ~ 1 + x"\nestimator = "ols"\n')
    checked = check_specs(None, settings, echo=lambda _: None)
    assert [c.stem for c in checked] == ["a"]


class _FakeCatalog:
    names = ("exports", "capacity", "iso3", "year")

    def label(self, name):
        return {"exports": "Exports of manufactures", "capacity": "State capacity"}[name]

    def nearest(self, name, n=3):
        import difflib
        return difflib.get_close_matches(name, self.names, n=n)


def _fake_study(monkeypatch, tmp_path):
    import griparm_econ.catalog
    import griparm_econ.panel

    rng = np.random.default_rng(5)
    rows = [(c, y) for c in ("BRA", "CHN", "JPN", "KAZ", "DEU", "FRA") for y in range(2005, 2015)]
    panel = pd.DataFrame(rows, columns=["iso3", "year"])
    panel["country"] = panel["iso3"]
    panel["capacity"] = rng.normal(size=len(panel))
    panel["exports"] = 0.7 * panel["capacity"] + rng.normal(scale=0.1, size=len(panel))
    monkeypatch.setattr(griparm_econ.panel, "load_panel", lambda settings, echo=None: panel)
    monkeypatch.setattr(griparm_econ.catalog, "load_catalog", lambda path=None: _FakeCatalog())


def test_study_panel_labels_from_catalog(tmp_path, monkeypatch):
    _fake_study(monkeypatch, tmp_path)
    spec = _write(tmp_path / "study.toml", '''title = "Capacity and exports"
[labels]
capacity = "Capacity (WGI)"
[[model]]
name = "FE"
formula = "exports ~ capacity + L.capacity"
estimator = "panel_ols"
effects = ["entity", "time"]
cov = "cluster:entity"
''')
    tables = run_specs([spec], _settings(tmp_path), echo=lambda _: None)
    model = tables[0].models[0]
    assert model.entity_label == "Country" and model.time_label == "Year"
    assert model.params["capacity"] == pytest.approx(0.7, abs=0.1)
    assert tables[0].labels == {"exports": "Exports of manufactures", "capacity": "Capacity (WGI)",
                                "L.capacity": "State capacity (t-1)"}
    assert model.cov_label == "Clustered by country" and model.n_entities == 6
    assert "Sample: years 2006-2014, 6 countries." in tables[0].notes


def test_study_panel_unknown_variable_suggests_catalog_names(tmp_path, monkeypatch):
    _fake_study(monkeypatch, tmp_path)
    spec = _write(tmp_path / "study.toml", '''title = "T"
[[model]]
name = "FE"
formula = "exports ~ capacty"
estimator = "panel_ols"
''')
    with pytest.raises(SpecError) as info:
        check_specs([spec], _settings(tmp_path), echo=lambda _: None)
    assert "capacity" in info.value.message and "formula: capacty" in info.value.field


def test_first_difference_and_random_effects_recover_the_slope(tmp_path):
    rng = np.random.default_rng(21)
    rows = [(f"u{i:03d}", t) for i in range(150) for t in range(1, 6)]
    frame = pd.DataFrame(rows, columns=["unit", "period"])
    effect = frame["unit"].map({u: rng.normal() for u in frame["unit"].unique()})
    frame["x"] = rng.normal(size=len(frame))
    frame["y"] = 3.0 + 1.5 * frame["x"] + effect + rng.normal(scale=0.2, size=len(frame))
    frame.to_parquet(tmp_path / "units.parquet")
    spec = _write(tmp_path / "fd.toml", '''title = "FD and RE"
[data]
path = "units.parquet"
entity = "unit"
time = "period"
[[model]]
name = "FD"
formula = "y ~ x"
estimator = "first_difference"
cov = "cluster:entity"
[[model]]
name = "FD by hand"
formula = "D.y ~ D.x"
estimator = "pooled_ols"
[[model]]
name = "RE"
formula = "y ~ 1 + x"
estimator = "random_effects"
cov = "robust"
''')
    fd, by_hand, re_ = run_specs([spec], _settings(tmp_path), echo=lambda _: None)[0].models
    assert fd.nobs == 150 * 4 and by_hand.nobs == 150 * 4
    assert fd.params["x"] == pytest.approx(by_hand.params["D.x"], rel=1e-10)
    assert fd.params["x"] == pytest.approx(1.5, abs=0.05)
    assert re_.params["x"] == pytest.approx(1.5, abs=0.05) and re_.n_clusters == 150
    assert re_.cov_label == "Robust (clustered by unit)"


def test_between_rejects_clustering(tmp_path, panel_csv):
    text = HEAD + '[[model]]\nname = "BE"\nformula = "y ~ 1 + x"\nestimator = "between_ols"\ncov = "cluster:entity"\n'
    with pytest.raises(SpecError) as info:
        parse_spec_text(text, tmp_path / "be.toml")
    assert info.value.field.endswith(".cov") and "robust" in info.value.fix
