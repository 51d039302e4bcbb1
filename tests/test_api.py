"""The Python API (griparm_econ.api): specs from a path, TOML text or a dict, estimates in memory, nothing written
unless asked, linearmodels' result object; and README.md's example run as it stands on the snapshot."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import griparm_econ as gp
from griparm_econ import api
from griparm_econ.config import PROJECT_ROOT, Settings
from griparm_econ.errors import GriparmError

TRUE_BETA = 0.75


@pytest.fixture()
def synthetic(tmp_path) -> Path:
    """A balanced panel y = alpha_i + gamma_t + 0.75 x + e (true slope 0.75), written as CSV."""
    rng = np.random.default_rng(20261129)
    firms, years = 60, 12
    entity = np.repeat(np.arange(firms), years)
    year = np.tile(np.arange(2000, 2000 + years), firms)
    z = rng.normal(size=firms * years)
    x = rng.normal(size=firms * years) + 0.5 * rng.normal(size=firms)[entity] + z
    y = rng.normal(size=firms)[entity] + rng.normal(size=years)[year - 2000] + TRUE_BETA * x \
        + 0.1 * rng.normal(size=firms * years)
    path = tmp_path / "panel.csv"
    pd.DataFrame({"firm": entity, "year": year, "x": x, "y": y, "z": z}).to_csv(path, index=False)
    return path


def _spec_dict(data: Path) -> dict:
    return {"title": "Synthetic", "data": {"path": str(data), "entity": "firm", "time": "year"},
            "model": [{"name": "FE", "formula": "y ~ x", "estimator": "panel_ols", "effects": ["entity", "time"],
                       "cov": "cluster:entity"},
                      {"name": "Pooled", "formula": "y ~ x", "estimator": "pooled_ols", "cov": "robust"}]}


def _spec_text(data: Path) -> str:
    return (f'title = "Synthetic"\n[data]\npath = "{data.as_posix()}"\nentity = "firm"\ntime = "year"\n'
            '[[model]]\nname = "FE"\nformula = "y ~ x"\nestimator = "panel_ols"\neffects = ["entity", "time"]\n'
            'cov = "cluster:entity"\n'
            '[[model]]\nname = "Pooled"\nformula = "y ~ x"\nestimator = "pooled_ols"\ncov = "robust"\n')


def test_text_dict_and_path_give_the_same_estimates_and_write_nothing(synthetic, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    before = sorted(p.name for p in tmp_path.rglob("*"))
    (tmp_path / "spec_file.toml").write_text(_spec_text(synthetic), encoding="utf-8")
    from_text = gp.run(_spec_text(synthetic)).to_frame()
    from_dict = gp.run(_spec_dict(synthetic)).to_frame()
    from_path = gp.run(tmp_path / "spec_file.toml").to_frame()
    assert list(from_text.columns) == ["model", "term", "estimate", "std_error", "pvalue", "nobs"]
    assert from_text["model"].tolist() == ["FE", "Pooled"] and set(from_text.term) == {"x"}
    pd.testing.assert_frame_equal(from_text, from_dict)
    pd.testing.assert_frame_equal(from_text, from_path)
    fe = from_text[(from_text.model == "FE") & (from_text.term == "x")].iloc[0]
    assert abs(fe.estimate - TRUE_BETA) < 4 * fe.std_error and fe.std_error < 0.02
    assert fe.nobs == 720
    assert sorted(p.name for p in tmp_path.rglob("*")) == sorted(before + ["spec_file.toml"])


def test_fit_is_linearmodels_result_with_the_reported_coefficients(synthetic):
    from linearmodels.panel.results import PanelEffectsResults

    result = gp.run(_spec_dict(synthetic))
    fit = result.models[0].fit
    assert isinstance(fit, PanelEffectsResults)
    assert result.models[0].name == "FE"
    assert fit.params["x"] == pytest.approx(result.models[0].result.params["x"], rel=1e-12)
    assert result.models[1].fit.params["x"] == pytest.approx(result.models[1].result.params["x"], rel=1e-12)


def test_out_writes_the_same_files_as_write(synthetic, tmp_path):
    import json

    result = gp.run(_spec_dict(synthetic), name="synthetic", out=tmp_path / "a")
    written = result.write(tmp_path / "b")
    assert {p.name for p in written} >= {"synthetic.csv", "synthetic.json"}
    record = json.loads((tmp_path / "a" / "estimates" / "synthetic.json").read_text())
    assert record["models"][0]["params"]["x"] == result.to_frame().estimate.iloc[0]
    assert (tmp_path / "a" / "tables" / "synthetic.csv").read_bytes() == \
        (tmp_path / "b" / "tables" / "synthetic.csv").read_bytes()


@pytest.mark.parametrize("spec, field", [(42, "(spec)"), ("title = 'x'\nkind = 'nonsense'\n", "kind"),
                                         ({"title": "x", "model": [{"name": "a", "formula": "y ~ x"}]}, "estimator")])
def test_bad_specs_are_one_error(spec, field):
    with pytest.raises(GriparmError) as caught:
        gp.run(spec)
    assert field in str(caught.value)


def test_a_figure_spec_is_refused_with_a_fix():
    with pytest.raises(GriparmError, match="griparm run"):
        gp.run(PROJECT_ROOT / "specs" / "figures" / "fig1_trajectories.toml")


def test_every_statistic_label_names_a_statistic_an_estimator_produces(synthetic):
    from griparm_econ.report.statistic_rows import KNOWN_STATS

    frame = pd.read_csv(synthetic)
    frame["b"] = (frame["y"] > frame["y"].median()).astype(float)      # a 0/1 outcome for logit
    frame["n"] = np.round(np.exp(frame["x"] / 3))                      # counts for ppml; firm 0 all zero: separated
    frame.loc[frame["firm"] == 0, "n"] = 0.0
    frame.to_csv(synthetic, index=False)
    spec = _spec_dict(synthetic)
    spec["model"] += [{"name": "RE", "formula": "y ~ 1 + x", "estimator": "random_effects", "hausman": True},
                      {"name": "IV", "formula": "y ~ 1 + [x ~ z]", "estimator": "iv2sls"},
                      {"name": "Logit", "formula": "b ~ 1 + x", "estimator": "logit", "cov": "cluster:entity"},
                      {"name": "PPML", "formula": "n ~ x", "estimator": "ppml", "effects": ["entity"],
                       "cov": "cluster:entity"}]
    run = gp.run(spec)
    produced = set()
    for model in run.models:
        produced |= set(model.result.stats)
        produced |= {key for test in model.result.tests for key in test.flat_stats() if test.term is None}
        produced |= {test.name for test in model.result.tests if test.term is not None}
    assert produced == {key for key, _ in KNOWN_STATS}
    # the maximum-likelihood models' .fit is the fitting library's own result, with the reported coefficients
    assert run.models[-2].fit.params[1] == pytest.approx(run.models[-2].result.params["x"], rel=1e-10)
    assert run.models[-1].fit.coef()["x0__"] == pytest.approx(run.models[-1].result.params["x"], rel=1e-10)


def _readme_python_block() -> str:
    text = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Using the package from Python", 1)[1]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


@pytest.mark.slow
@pytest.mark.snapshot
def test_readme_example_runs_as_written(snapshot, tmp_path, monkeypatch, capsys):
    # A temporary project folder: the example's relative paths (specs/, output/) and the panel it builds live there.
    shutil.copytree(PROJECT_ROOT / "specs", tmp_path / "specs")
    settings = Settings(data_dir=snapshot.data_dir, project_root=tmp_path, specs_dir=tmp_path / "specs",
                        work_dir=tmp_path / "data", output_dir=tmp_path / "output")
    monkeypatch.setattr(api, "load_settings", lambda data=None: settings)
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    exec(compile(_readme_python_block(), "README.md", "exec"), namespace)
    printed = capsys.readouterr().out
    assert "['model', 'term', 'estimate', 'std_error', 'pvalue', 'nobs']" in printed
    assert len(namespace["panel"]) > 5000 and {"iso3", "year"} <= set(namespace["panel"].columns)
    frame = namespace["frame"]
    assert frame["model"].nunique() == 6 and (frame.nobs > 0).all()   # Table 2 has six columns
    assert (tmp_path / "output" / "notebook" / "estimates" / "spec.json").is_file()
    assert (tmp_path / "data" / "panel.parquet").is_file()
    # The panel was built for the example, yet only what the example asked for is in output/ (no coverage.csv).
    assert [p.name for p in (tmp_path / "output").iterdir()] == ["notebook"]
