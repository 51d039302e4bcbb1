"""The multiverse's named axes: outcome families, treatment definitions crossed with moderators, estimator families.

Synthetic panel (tests/test_multiverse.py's, with known effects: the one-year lag of ``x`` raises ``y_up`` by 2 and
lowers ``y_down`` by 2) plus a second treatment ``w`` with no effect and a moderator ``zb`` fixed within each entity
(a baseline measure). Checked: the grid's count equals the built grid, the named form gives the same models as the
same sets written out, estimates equal pyfixest's feols, reruns are byte-identical, and the summary reports by
family, definition and moderator.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from griparm_econ.estimation.multiverse import expand_grid
from griparm_econ.spec.multiverse_axes import treatment_sets
from griparm_econ.pipeline.sequencer import run_specs
from griparm_econ.spec import multiverse_size, parse_spec_text
from tests.test_multiverse import TRUE_EFFECT, _settings, synthetic_panel

NAMED = '''kind = "multiverse"
title = "Named axes"
expected_sign = "positive"
treatment_definitions = ["x", "w"]
moderators = ["none", "z", "zb"]
controls = ["L.c1", "L.c2"]
control_sets = [[], ["L.c1", "L.c2"]]
lags = [1, 2]
effects = [["entity", "time"]]
cov = ["cluster:entity"]
estimators = ["twfe"]

[outcome_families]
up = ["y_up"]
down = ["y_down"]

[data]
path = "panel.csv"
entity = "id"
time = "year"

[executor]
backend = "sequential"
progress = false
'''

# The same grid, sets written out (the form specs used before the named axes).
WRITTEN = NAMED.replace('treatment_definitions = ["x", "w"]\nmoderators = ["none", "z", "zb"]\n', '''focus = ["L.x", "L.w"]
treatments = [["L.x"], ["L.x", "L.z", "L.x:L.z"], ["L.x", "L.zb", "L.x:L.zb"],
              ["L.w"], ["L.w", "L.z", "L.w:L.z"], ["L.w", "L.zb", "L.w:L.zb"]]
''').replace('[outcome_families]\nup = ["y_up"]\ndown = ["y_down"]\n', '').replace(
    'estimators = ["twfe"]\n', 'estimators = ["twfe"]\noutcomes = ["y_up", "y_down"]\n')


def axes_panel() -> pd.DataFrame:
    frame = synthetic_panel()
    rng = np.random.default_rng(11)
    frame["w"] = (rng.random(len(frame)) < 0.4).astype(float)
    frame["zb"] = frame.groupby("id")["z"].transform("first")     # constant within entity, like a baseline
    return frame


def _spec(text: str):
    return parse_spec_text(text, Path("axes.toml")).spec


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("axes")
    axes_panel().to_csv(root / "panel.csv", index=False)
    (root / "named.toml").write_text(NAMED)
    (root / "written.toml").write_text(WRITTEN)
    run_specs([root / "named.toml", root / "written.toml"], _settings(root), echo=lambda _: None)
    return root


def _parquet(root: Path, stem: str) -> pd.DataFrame:
    return pd.read_parquet(root / "out" / "estimates" / f"{stem}.parquet")


# --------------------------------------------------------------------------------------------- the grid


@pytest.mark.parametrize("definitions, moderators, families", [
    (["x"], ["none"], {"a": ["y_up"]}),
    (["x", "w"], ["none", "z", "zb"], {"a": ["y_up"], "b": ["y_down"]}),
    (["x", "w"], ["z"], {"a": ["y_up", "y_down"]}),
    (["w"], ["zb", "none"], {"b": ["y_down"], "a": ["y_up"]}),
])
def test_count_equals_the_built_grid(definitions, moderators, families):
    lines = "\n".join(f"{name} = {json.dumps(outcomes)}" for name, outcomes in families.items())
    text = (NAMED.replace('["x", "w"]', json.dumps(definitions)).replace('["none", "z", "zb"]', json.dumps(moderators))
            .replace('up = ["y_up"]\ndown = ["y_down"]', lines))
    spec = _spec(text)
    n_outcomes = sum(len(v) for v in families.values())
    expected = n_outcomes * len(definitions) * len(moderators) * 2 * 2      # x control sets x lags
    grid = expand_grid(spec)
    assert multiverse_size(spec) == len(grid) == expected
    assert len({tuple(m.choices().values()) for m in grid}) == expected
    # outcome-major, families in the order written; definition-major within the treatment axis
    assert [m.outcome for m in grid[::expected // n_outcomes]] == [o for v in families.values() for o in v]
    assert {m.outcome_family for m in grid if m.outcome == "y_up"} == {"a"}
    assert [(s.definition, s.moderator) for s in treatment_sets(spec)] == [(d, m) for d in definitions
                                                                           for m in moderators]


def test_named_and_written_forms_give_the_same_models():
    named, written = expand_grid(_spec(NAMED)), expand_grid(_spec(WRITTEN))
    assert [(m.model_id, m.outcome, m.treatment, m.focus, m.regressors) for m in named] == [
        (m.model_id, m.outcome, m.treatment, m.focus, m.regressors) for m in written]
    # written-out sets are named too: the focus term's variable, and the set's other variables
    assert [(m.treatment_definition, m.moderator) for m in named] == [
        (m.treatment_definition, m.moderator) for m in written]
    interacted = next(m for m in named if m.moderator == "zb" and m.lag == 2)
    assert interacted.regressors[:3] == ("L2.x", "L2.zb", "L2.x:L2.zb") and interacted.focus == "L2.x"


def test_the_estimator_axis_multiplies_the_count():
    spec = _spec(NAMED)
    assert multiverse_size(spec) == len(expand_grid(spec)) == 2 * 6 * 2 * 2
    assert {m.estimator for m in expand_grid(spec)} == {"twfe"}


# --------------------------------------------------------------------------------------------- estimates


def test_named_estimates_equal_the_written_ones(runs):
    named, written = _parquet(runs, "named"), _parquet(runs, "written")
    pd.testing.assert_frame_equal(named.drop(columns="outcome_family"), written.drop(columns="outcome_family"))
    assert set(named["outcome_family"]) == {"up", "down"} and set(written["outcome_family"]) == {""}


@pytest.mark.parametrize("moderator", ["none", "z", "zb"])
def test_estimates_equal_pyfixest(runs, moderator):
    pyfixest = pytest.importorskip("pyfixest")
    frame = _parquet(runs, "named")
    panel = axes_panel()
    for column in ("x", "w", "z", "zb", "c1", "c2"):
        panel[f"L_{column}"] = panel.groupby("id")[column].shift(1)
    for definition in ("x", "w"):
        terms = {f"L_{definition}": f"L.{definition}", "L_c1": "L.c1", "L_c2": "L.c2"}
        if moderator != "none":
            panel[f"L_{definition}_L_{moderator}"] = panel[f"L_{definition}"] * panel[f"L_{moderator}"]
            terms[f"L_{definition}_L_{moderator}"] = f"L.{definition}:L.{moderator}"
            if moderator == "z":       # zb is constant within entity: absorbed by the entity effects
                terms[f"L_{moderator}"] = f"L.{moderator}"
        for outcome in ("y_up", "y_down"):
            fit = pyfixest.feols(f"{outcome} ~ {' + '.join(terms)} | id + year", data=panel, vcov={"CRV1": "id"},
                                 fixef_tol=1e-14)
            ours = frame[(frame.outcome == outcome) & (frame.treatment_definition == definition)
                         & (frame.moderator == moderator) & (frame.controls == "L.c1 + L.c2")
                         & (frame.lag == 1)].set_index("term")
            assert ours.loc[f"L.{definition}", "is_focus"]
            for theirs, term in terms.items():
                assert ours.loc[term, "estimate"] == pytest.approx(fit.coef()[theirs], rel=1e-8)
                assert ours.loc[term, "std_error"] == pytest.approx(fit.se()[theirs], rel=1e-8)
                assert ours.loc[term, "pvalue"] == pytest.approx(fit.pvalue()[theirs], rel=1e-6, abs=1e-12)
            assert int(ours["nobs"].iloc[0]) == fit._N


def test_summary_reports_by_family_definition_and_moderator(runs):
    record = json.loads((runs / "out" / "estimates" / "named.json").read_text())
    values = record["values"]
    for row in ("Outcome family: up", "Outcome family: down", "Treatment definition: x", "Treatment definition: w",
                "Moderator: None (no interaction)", "Moderator: z", "Moderator: zb"):
        assert values[row]["Models"] > 0, row
    assert values["Outcome: y_up"]["Models"] == values["Outcome family: up"]["Models"]
    focus = _parquet(runs, "named").query("is_focus")
    # x at lag 1 moves y_up up and y_down down (true effect 2 at z = 0); w has no effect
    lag1 = focus.query("lag == 1 and treatment_definition == 'x' and moderator == 'none'")
    assert np.allclose(lag1.groupby("outcome")["estimate"].mean().sort_index(), [-TRUE_EFFECT, TRUE_EFFECT], atol=0.3)
    up = focus[focus.outcome_family == "up"]
    assert values["Outcome family: up"]["Expected sign and significant (%)"] == pytest.approx(
        100 * float(np.mean((up.estimate > 0) & (up.pvalue < 0.05))), abs=1e-12)
    notes = " ".join(record["notes"])
    assert "2 treatment definitions" in notes and "3 moderator choices" in notes and "1 estimator family" in notes


def test_reruns_are_byte_identical(runs, tmp_path):
    run_specs([runs / "named.toml"], _settings(runs), force=True, echo=lambda _: None, out_dir=tmp_path)
    for rel in ("estimates/named.parquet", "estimates/named.json", "tables/named.csv", "figures/named.png"):
        assert (tmp_path / rel).read_bytes() == (runs / "out" / rel).read_bytes(), rel


def test_listed_control_sets_get_one_summary_row_each(runs):
    values = json.loads((runs / "out" / "estimates" / "named.json").read_text())["values"]
    assert values["Controls: none"]["Models"] == values["Controls: all 2"]["Models"] == 24
    assert not any(row.startswith("Controls: with") for row in values)
