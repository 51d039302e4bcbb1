"""The spec layer's registries: each vocabulary in one place, carrying its capabilities, and the estimation layer's
engines keyed by exactly the same names; the spec layer a leaf that imports nothing from estimation."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import Field

from griparm_econ.errors import SpecError
from griparm_econ.spec import SPEC_KINDS, SpecKind, parse_spec_text
from griparm_econ.spec.design_vocabulary import EVENT_ESTIMATORS, UNAVAILABLE_ESTIMATORS
from griparm_econ.spec.schema import StrictTable
from griparm_econ.spec.vocabulary import (COV_NAMES, COVARIANCES, ESTIMATORS, MULTIVERSE_COVS, cov_label,
                                          estimators_that)

SPEC = '''title = "T"
[data]
path = "firms.csv"
entity = "firm"
time = "year"
[[model]]
name = "M"
formula = "y ~ 1 + x"
estimator = "{estimator}"
cov = "{cov}"
'''


def test_every_estimator_has_exactly_one_engine():
    from griparm_econ.estimation.dispatch import ENGINES

    assert list(ENGINES) == list(ESTIMATORS)
    assert all(callable(engine) for engine in ENGINES.values())


def test_every_event_estimator_has_exactly_one_engine():
    from griparm_econ.estimation.designs.event_study_spec import EVENT_ENGINES

    assert list(EVENT_ENGINES) == list(EVENT_ESTIMATORS)
    assert not set(UNAVAILABLE_ESTIMATORS) & set(EVENT_ESTIMATORS)


def test_estimator_capabilities_name_known_covariances():
    for info in ESTIMATORS.values():
        assert info.covs and set(info.covs) <= set(COV_NAMES), info.name
    assert estimators_that("bootstrap") == ("panel_ols", "pooled_ols", "ols")


def test_covariance_labels_come_from_the_one_registry():
    """The regression tables (CovPlan.label) and the multiverse's indicators say a covariance the same way."""
    import pandas as pd

    from griparm_econ.estimation.covariance import plan_covariance
    from griparm_econ.estimation.multiverse_curve import indicators
    from griparm_econ.spec import parse_spec_text as parse

    for cov in COV_NAMES:
        plan = plan_covariance(cov, "pooled_ols", "stata", bandwidth=2, n_periods=10, panel_api=True)
        assert plan.label("Country", "Year") == cov_label(cov, "Country", "Year", 2)
    spec = parse('kind = "multiverse"\ntitle = "M"\nfocus = "L.x"\nexpected_sign = "positive"\noutcomes = ["y"]\n'
                 'treatments = [["L.x"]]\ncontrol_sets = "none"\ncov = ["robust", "cluster:entity"]\n',
                 Path("m.toml")).spec
    curve = pd.DataFrame({"cov": ["robust", "cluster:entity"]})
    texts = {i.label for i in indicators(curve, spec, entity_label="Country", time_label="Year")
             if i.group == "Standard errors"}
    assert texts == {cov_label(c, "Country", "Year") for c in ("robust", "cluster:entity")}
    assert set(MULTIVERSE_COVS) == {k for k, o in COVARIANCES.items() if o.within_engine}


def test_checks_read_capabilities_from_the_registry(monkeypatch):
    """Whether an estimator may use a covariance is its registry entry's say, not a name comparison in the checks:
    granting the capability in the registry alone makes the spec valid."""
    text = SPEC.format(estimator="between_ols", cov="cluster:entity")
    with pytest.raises(SpecError, match="between_ols computes cov = unadjusted, robust"):
        parse_spec_text(text, Path("t.toml"))
    widened = dataclasses.replace(ESTIMATORS["between_ols"], covs=("unadjusted", "robust", "cluster:entity"))
    monkeypatch.setitem(ESTIMATORS, "between_ols", widened)
    assert parse_spec_text(text, Path("t.toml")).models[0].cov == "cluster:entity"


def test_bootstrap_capability_is_read_from_the_registry(monkeypatch):
    text = SPEC.format(estimator="random_effects", cov="cluster:entity") + 'bootstrap = { terms = ["x"] }\n'
    with pytest.raises(SpecError, match="wild cluster bootstrap is available for panel_ols, pooled_ols, ols"):
        parse_spec_text(text, Path("t.toml"))
    monkeypatch.setitem(ESTIMATORS, "random_effects", dataclasses.replace(ESTIMATORS["random_effects"],
                                                                          bootstrap=True))
    assert parse_spec_text(text, Path("t.toml")).models[0].bootstrap.terms == ["x"]


def test_a_new_spec_kind_is_one_registry_entry(monkeypatch):
    """parse_spec_text has no per-kind branch: a kind registered in SPEC_KINDS is parsed, checked and resolved."""
    from typing import Literal

    class NoteSpec(StrictTable):
        kind: Literal["note"]
        title: str = Field(min_length=1)

    def resolve(spec, path):
        if spec.title == "bad":
            raise SpecError("a bad title.", where=path, field="title", fix="write a good one.")
        return ("resolved",)

    monkeypatch.setitem(SPEC_KINDS, "note", SpecKind("note", resolve, NoteSpec))
    loaded = parse_spec_text('kind = "note"\ntitle = "A note"\n', Path("n.toml"))
    assert loaded.kind == "note" and loaded.models == ("resolved",)
    with pytest.raises(SpecError, match="a bad title"):
        parse_spec_text('kind = "note"\ntitle = "bad"\n', Path("n.toml"))
    with pytest.raises(SpecError, match="unknown key 'colour'"):
        parse_spec_text('kind = "note"\ntitle = "A"\ncolour = 1\n', Path("n.toml"))


def test_every_kind_schema_declares_its_own_name():
    for name, kind in SPEC_KINDS.items():
        schemas = [kind.schema] if kind.schema is not None else list(kind.variants.values())
        for schema in schemas:
            assert name in str(schema.model_fields["kind"].annotation), (name, schema)


def test_spec_layer_imports_nothing_outside_its_leaves():
    code = ("import sys, griparm_econ.spec; "
            "print(sorted(m for m in sys.modules if m.startswith('griparm_econ.') "
            "and not m.startswith('griparm_econ.spec')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[1]).stdout
    # griparm_econ.version: the package's __init__ reads it (a leaf: one string, no imports).
    assert out.strip() == "['griparm_econ.config', 'griparm_econ.errors', 'griparm_econ.io', 'griparm_econ.version']"


def test_small_sample_names_are_the_small_sample_objects():
    """The spec's small_sample names (spec layer) and the small-sample objects behind them (estimation) are one
    list: a name the spec accepts always has an object, and an object always has a name."""
    from griparm_econ.estimation.small_sample import LIKELIHOOD_CONVENTIONS, LINEAR_CONVENTIONS
    from griparm_econ.spec.vocabulary import ML_SMALL_SAMPLE, SMALL_SAMPLE

    assert tuple(LINEAR_CONVENTIONS) == SMALL_SAMPLE
    assert tuple(LIKELIHOOD_CONVENTIONS) == ML_SMALL_SAMPLE
