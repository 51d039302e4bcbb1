"""bacon and randomization_inference on regression models: through a spec they give bacondecomp's published castle
decomposition and the randomization engine's p-value, and the refitted coefficient is the table's."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from griparm_econ.cli import main
from griparm_econ.estimation.designs.randomization import randomization_inference
from reference_helpers import close_to_printed, reference_set

BACON_PUBLISHED = {"Earlier vs Later Treated": ("0.060", "-0.006"), "Later vs Earlier Treated": ("0.032", "0.070"),
                   "Treated vs Untreated": ("0.908", "0.088")}   # bacondecomp tests/testthat/test_summary.R


def _run(tmp_path, body: str, data: str, entity: str, time: str) -> dict:
    spec = tmp_path / "t.toml"
    spec.write_text(f'title = "T"\n[data]\npath = "{data}"\nentity = "{entity}"\ntime = "{time}"\n{body}',
                    encoding="utf-8")
    assert main(["run", str(spec), "--out", str(tmp_path / "out"), "--force"]) == 0
    return json.loads((tmp_path / "out" / "estimates" / "t.json").read_text(encoding="utf-8"))


def test_bacon_through_a_spec_matches_bacondecomp(tmp_path):
    pyreadr = pytest.importorskip("pyreadr")
    path = reference_set("bacon_castle") / "castle_bacondecomp.rda"
    if not path.exists():
        pytest.skip(f"reference data absent: {path}")
    pyreadr.read_r(str(path))["castle"].to_csv(tmp_path / "castle.csv", index=False)
    body = ('[[model]]\nname = "TWFE"\nformula = "l_homicide ~ post"\nestimator = "panel_ols"\n'
            'effects = ["entity", "time"]\ncov = "cluster:entity"\nbacon = true\n')
    model = _run(tmp_path, body, "castle.csv", "state", "year")["models"][0]
    bacon = model["diagnostics"]["bacon"]
    assert bacon["term"] == "post" and bacon["n_units"] == 50
    for kind, (weight, estimate) in BACON_PUBLISHED.items():
        assert close_to_printed(bacon["by_type"][kind]["weight"], weight)
        assert close_to_printed(bacon["by_type"][kind]["avg_estimate"], estimate)
    assert abs(bacon["twfe_estimate"] - model["params"]["post"]) < 1e-10
    assert any("Goodman-Bacon" in note for note in json.loads(
        (tmp_path / "out" / "estimates" / "t.json").read_text())["notes"])


def _panel(seed: int = 11) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for unit in range(24):
        cohort = (4, 6, 8, 0)[unit % 4]
        for t in range(1, 11):
            d = int(bool(cohort) and t >= cohort)
            z = rng.normal()
            rows.append((f"u{unit:02d}", t, cohort, d, z, 0.2 * unit + 0.1 * t + 1.0 * d + 0.5 * d * z
                         + rng.normal(scale=0.7)))
    return pd.DataFrame(rows, columns=["unit", "t", "g", "d", "z", "y"])


def test_randomization_through_a_spec_equals_the_engine(tmp_path):
    frame = _panel()
    frame.to_csv(tmp_path / "p.csv", index=False)
    body = ('[[model]]\nname = "TWFE"\nformula = "y ~ d"\nestimator = "panel_ols"\neffects = ["entity", "time"]\n'
            'cov = "cluster:entity"\nrandomization_inference = { term = "d", draws = 299, seed = 7 }\n')
    model = _run(tmp_path, body, "p.csv", "unit", "t")["models"][0]
    ri = model["diagnostics"]["randomization_inference"]
    engine = randomization_inference(frame, outcome="y", unit="unit", time="t", cohort="g", draws=299, seed=7)
    assert ri["pvalue"] == engine.pvalue and ri["n_extreme"] == engine.n_extreme
    assert abs(ri["estimate"] - engine.estimate) < 1e-10


def test_randomization_permutes_interactions_and_refits_the_column(tmp_path):
    _panel().to_csv(tmp_path / "p.csv", index=False)
    body = ('[[model]]\nname = "TWFE"\nformula = "y ~ d * z"\nestimator = "panel_ols"\neffects = ["entity", "time"]\n'
            'cov = "cluster:entity"\nrandomization_inference = { term = "d", draws = 99, seed = 3 }\n')
    model = _run(tmp_path, body, "p.csv", "unit", "t")["models"][0]
    ri = model["diagnostics"]["randomization_inference"]
    assert ri["permuted_terms"] == ["d", "d:z"]
    assert abs(ri["estimate"] - model["params"]["d"]) < 1e-10
    assert ri["pvalue"] <= 0.05       # true effect 1.0 with noise 0.7: the permutation test rejects
