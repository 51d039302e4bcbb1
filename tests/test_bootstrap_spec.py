"""The ``bootstrap`` key of regression specs: the runner's wild cluster bootstrap p-values and intervals are those of
:func:`bootstrap_model` (and of ``wildboottest``) on the model's own sample, seeded and reproducible, shown in the
tables with a note; specs asking for it where it is not defined are refused with one message."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from griparm_econ.config import Settings
from griparm_econ.errors import SpecError
from griparm_econ.estimation.bootstrap import bootstrap_model, bootstrap_pvalue
from griparm_econ.estimation.within_model import WithinModel
from griparm_econ.pipeline.sequencer import run_specs
from griparm_econ.spec import parse_spec_text

TERMS = ["L.x", "L.x:L.z"]


def synthetic_panel(n_entities: int = 30, n_years: int = 12, seed: int = 11) -> pd.DataFrame:
    """Few treated entities (the setting the bootstrap is for): x switches on in 5 of 30 entities."""
    rng = np.random.default_rng(seed)
    ids = np.repeat(np.arange(n_entities), n_years)
    years = np.tile(np.arange(2010, 2010 + n_years), n_entities)
    treated = np.isin(ids, [1, 4, 9, 16, 25]) & (years >= 2014)
    frame = pd.DataFrame({"id": [f"E{i:02d}" for i in ids], "year": years, "x": treated.astype(float),
                          "z": rng.normal(size=ids.size), "c": rng.normal(size=ids.size)})
    lagged = frame.groupby("id")[["x", "z"]].shift(1)
    frame["y"] = (0.8 * lagged["x"] + 0.3 * lagged["z"] + 0.2 * frame["c"] + rng.normal(size=n_entities)[ids]
                  + rng.normal(size=n_years)[years - 2010] + rng.normal(scale=1.0, size=ids.size))
    return frame


SPEC = '''title = "Bootstrap wiring"
[data]
path = "panel.csv"
entity = "id"
time = "year"
[defaults]
estimator = "panel_ols"
effects = ["entity", "time"]
cov = "cluster:entity"
bootstrap = { terms = ["L.x", "L.x:L.z"], B = 999, weights = "rademacher", seed = 20261128 }
[[model]]
name = "Two-way"
formula = "y ~ L.x * L.z + c"
[[model]]
name = "Webb, unrestricted"
formula = "y ~ L.x * L.z + c"
bootstrap = { terms = ["L.x"], B = 999, weights = "webb", impose_null = false, seed = 3 }
'''


def _settings(root: Path) -> Settings:
    return Settings(data_dir=None, project_root=root, specs_dir=root, work_dir=root / "data",
                    output_dir=root / "out")


def _run(root: Path, text: str, out: Path | None = None) -> dict:
    (root / "boot.toml").write_text(text)
    run_specs([root / "boot.toml"], _settings(root), force=True, echo=lambda _: None, out_dir=out)
    return json.loads(((out or root / "out") / "estimates" / "boot.json").read_text())


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    root = tmp_path_factory.mktemp("bootstrap_spec")
    synthetic_panel().to_csv(root / "panel.csv", index=False)
    return root, _run(root, SPEC)


def _engine_frame() -> pd.DataFrame:
    frame = synthetic_panel()
    lagged = frame.groupby("id")[["x", "z"]].shift(1)       # balanced: the previous row is t-1
    frame["L.x"], frame["L.z"] = lagged["x"], lagged["z"]
    frame["L.x:L.z"] = frame["L.x"] * frame["L.z"]
    return frame


def test_pvalues_equal_bootstrap_model_called_directly(project):
    _, estimates = project
    model = WithinModel(name="direct", dependent="y", regressors=("L.x", "L.z", "L.x:L.z", "c"),
                        effects=("entity", "time"), cov="cluster:entity")
    direct = bootstrap_model(_engine_frame(), model, TERMS, entity="id", time="year", B=999,
                             weights="rademacher", seed=20261128)
    wired = estimates["models"][0]["bootstrap"]
    for term in TERMS:
        assert wired[term]["pvalue"] == direct[term].pvalue
        assert wired[term]["ci_low"] == pytest.approx(direct[term].ci_low, rel=1e-12)
        assert wired[term]["ci_high"] == pytest.approx(direct[term].ci_high, rel=1e-12)
        assert wired[term]["B"] == 999 and wired[term]["weights"] == "rademacher"
        assert direct[term].estimate == pytest.approx(estimates["models"][0]["params"][term], rel=1e-10)
    webb = bootstrap_model(_engine_frame(), model, ["L.x"], entity="id", time="year", B=999, weights="webb",
                           impose_null=False, seed=3)
    assert estimates["models"][1]["bootstrap"]["L.x"]["pvalue"] == webb["L.x"].pvalue
    assert set(estimates["models"][1]["bootstrap"]) == {"L.x"}


def test_seeded_and_reproducible(project, tmp_path):
    root, estimates = project
    again = _run(root, SPEC, out=tmp_path / "again")
    assert again["models"][0]["bootstrap"] == estimates["models"][0]["bootstrap"]
    reseeded = _run(root, SPEC.replace("seed = 20261128", "seed = 1"), out=tmp_path / "reseeded")
    # 2^30 sign vectors > B: the draws are random, so another seed gives other draws.
    assert reseeded["models"][0]["bootstrap"]["L.x"]["pvalue"] != estimates["models"][0]["bootstrap"]["L.x"]["pvalue"]


def test_tables_show_the_bootstrap_and_say_so(project):
    root, estimates = project
    markdown = (root / "out" / "tables" / "boot.md").read_text()
    assert "Bootstrap p-value" in markdown and "Bootstrap CI" in markdown
    notes = " ".join(estimates["notes"])
    assert "wild cluster bootstrap (WCR, null imposed), Rademacher weights, B = 999" in notes
    assert "wild cluster bootstrap (WCU, null not imposed), Webb weights" in notes


def test_pooled_model_matches_wildboottest(tmp_path):
    """Eight clusters: every Rademacher sign vector is enumerated, so the p-value is exact and seed-free."""
    wildboottest = pytest.importorskip("wildboottest.wildboottest")
    rng = np.random.default_rng(5)
    clusters = np.repeat(np.arange(8), 25)
    frame = pd.DataFrame({"g": clusters, "t": np.tile(np.arange(25), 8), "x1": rng.normal(size=200),
                          "x2": rng.normal(size=200)})
    frame["y"] = 0.2 * frame["x1"] + rng.normal(size=8)[clusters] + rng.normal(size=200)
    frame.to_csv(tmp_path / "panel.csv", index=False)
    text = '''title = "Pooled"
[data]
path = "panel.csv"
entity = "g"
time = "t"
[[model]]
name = "Pooled OLS"
formula = "y ~ 1 + x1 + x2"
estimator = "pooled_ols"
cov = "cluster:entity"
bootstrap = { terms = ["x1"], B = 9999 }
'''
    ours = _run(tmp_path, text)["models"][0]["bootstrap"]["x1"]
    x = np.column_stack([np.ones(200), frame["x1"], frame["x2"]])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        boot = wildboottest.WildboottestCL(X=x, Y=frame["y"].to_numpy(), cluster=clusters, R=np.array([0, 1, 0]),
                                           B=9999, seed=1, parallel=False)
        boot.get_scores(bootstrap_type="11", impose_null=True)
        boot.get_weights(weights_type="rademacher")
        boot.get_numer()
        boot.get_denom()
        boot.get_tboot()
        boot.get_vcov()
        boot.get_tstat()
    assert ours["B"] == 2 ** 8
    # Same tie rule as the engine (ties are not more extreme), applied to wildboottest's own t and t*.
    assert ours["pvalue"] == pytest.approx(bootstrap_pvalue(float(np.ravel(boot.t_stat)[0]), boot.t_boot),
                                           abs=1e-12)


@pytest.mark.parametrize("change, needle", [
    (('cov = "cluster:entity"\nbootstrap', 'cov = "cluster:entity+time"\nbootstrap'), "clustered in one dimension"),
    (('estimator = "panel_ols"\neffects = ["entity", "time"]', 'estimator = "random_effects"'), "not random_effects"),
    (('terms = ["L.x", "L.x:L.z"]', 'terms = ["L.w"]'), "not a slope of the model"),
    (('weights = "rademacher"', 'weights = "mammen"'), "not a valid weights"),
])
def test_bootstrap_where_undefined_is_a_spec_error(change, needle):
    text = SPEC.replace(*change)
    assert text != SPEC
    with pytest.raises(SpecError) as caught:
        parse_spec_text(text, Path("boot.toml"))
    assert needle in caught.value.problem
    assert "bootstrap" in caught.value.field and caught.value.fix
