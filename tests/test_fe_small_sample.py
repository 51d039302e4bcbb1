"""Clustered standard errors of fixed-effects models count K as xtreg/reghdfe/fixest do.

Reference: pyfixest ``feols`` with ``vcov={"CRV1": ...}`` and its default small-sample correction, which follows R
fixest (and reghdfe): K = slopes + the absorbed constant + levels of effects not nested in the clusters (less one
each). For one-way entity effects clustered by entity this is also Stata's ``xtreg, fe vce(cluster id)``; for
two-way effects, ``xtreg y x i.year, fe vce(cluster id)``. Both with and without ``1 +`` in the formula.
"""

import json

import numpy as np
import pandas as pd
import pytest

from griparm_econ.config import load_settings
from griparm_econ.pipeline.sequencer import run_specs

pf = pytest.importorskip("pyfixest")

MODELS = [
    ("two_way_cluster_entity", "y ~ x + z", ["entity", "time"], "cluster:entity", "y ~ x + z | id + year", "id"),
    ("two_way_cluster_time", "y ~ x + z", ["entity", "time"], "cluster:time", "y ~ x + z | id + year", "year"),
    ("one_way_no_constant", "y ~ x + z", ["entity"], "cluster:entity", "y ~ x + z | id", "id"),
    ("one_way_constant", "y ~ 1 + x + z", ["entity"], "cluster:entity", "y ~ x + z | id", "id"),
    ("one_way_robust", "y ~ x + z", ["entity"], "robust", "y ~ x + z | id", "id"),
]


@pytest.fixture(scope="module")
def fitted(tmp_path_factory):
    rng = np.random.default_rng(3)
    rows = [(f"e{i}", t) for i in range(40) for t in range(2000, 2012) if rng.random() > 0.15]
    frame = pd.DataFrame(rows, columns=["id", "year"])
    frame["x"] = rng.normal(size=len(frame))
    frame["z"] = rng.normal(size=len(frame))
    frame["y"] = (0.5 * frame["x"] - 0.2 * frame["z"] + rng.normal(size=len(frame))
                  + 0.1 * frame["id"].str[1:].astype(int) + 0.05 * (frame["year"] - 2000))
    tmp = tmp_path_factory.mktemp("fe")
    frame.to_csv(tmp / "d.csv", index=False)
    spec = f'title = "K"\n[data]\npath = "{tmp / "d.csv"}"\nentity = "id"\ntime = "year"\n'
    for name, formula, effects, cov, *_ in MODELS:
        spec += (f'[[model]]\nname = "{name}"\nformula = "{formula}"\nestimator = "panel_ols"\n'
                 f'effects = {json.dumps(effects)}\ncov = "{cov}"\n')
    (tmp / "k.toml").write_text(spec)
    run_specs([tmp / "k.toml"], load_settings(), force=True, echo=lambda _: None, out_dir=tmp / "out")
    est = json.loads((tmp / "out" / "estimates" / "k.json").read_text())
    return frame, {m["name"]: m for m in est["models"]}


@pytest.mark.parametrize("name, formula, effects, cov, fixest_formula, cluster", MODELS, ids=[m[0] for m in MODELS])
def test_clustered_se_match_fixest(fitted, name, formula, effects, cov, fixest_formula, cluster):
    frame, models = fitted
    reference = pf.feols(fixest_formula, data=frame, vcov={"CRV1": cluster})
    for term in ("x", "z"):
        assert models[name]["params"][term] == pytest.approx(reference.coef()[term], rel=1e-8)
        # pyfixest demeans two-way effects iteratively (tolerance 1e-6 on the demeaned data): 1e-7 covers it
        assert models[name]["std_errors"][term] == pytest.approx(reference.se()[term], rel=1e-7)
