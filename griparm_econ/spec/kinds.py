"""The registry of spec kinds: each ``kind`` names its schema and how its models are resolved and checked.

Adding a kind is one module (its schema and checks) plus one entry here; :func:`griparm_econ.spec.parse_spec_text`
reads the entry and has no per-kind branch. How each kind is estimated and written is the pipeline's registry, keyed
by the same names.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from pydantic import BaseModel

from griparm_econ.errors import SpecError
from griparm_econ.spec.checks import check_before_after, check_other
from griparm_econ.spec.event_study import EventStudySpec
from griparm_econ.spec.models import resolve_regression
from griparm_econ.spec.multiverse_grid import check_multiverse, multiverse_variables
from griparm_econ.spec.schema import (FIGURE_KINDS, BeforeAfterSpec, DescriptiveSpec, MultiverseSpec, RegressionSpec,
                                      SharesSpec)
from griparm_econ.spec.suggest import did_you_mean
from griparm_econ.spec.synthetic_control import SyntheticControlSpec


def _no_models(check: Callable[[BaseModel, Path], None]) -> Callable[[BaseModel, Path], tuple]:
    """A kind without models: its checks, then an empty tuple of models."""
    def resolve(spec: BaseModel, path: Path) -> tuple:
        check(spec, path)
        return ()
    return resolve


def _own_resolve(spec: BaseModel, path: Path) -> tuple:
    """A kind whose schema class resolves and checks its own models (``spec.resolve(path)``)."""
    return spec.resolve(path)


@dataclass(frozen=True)
class SpecKind:
    """One ``kind`` of spec file: its schema (or, for a family such as figures, the key that picks one of several)
    and ``resolve(spec, path) -> models``, which checks what the field types cannot and returns the resolved models
    (none for kinds without models). What decides whether its outputs are current (griparm_econ.freshness) reads
    ``display_keys``, ``reads_aggregates`` and ``variables_said``."""

    name: str
    resolve: Callable[[BaseModel, Path], tuple]
    schema: type[BaseModel] | None = None
    variant_key: str | None = None                       # e.g. "figure": the key that picks the schema
    variants: dict[str, type[BaseModel]] = field(default_factory=dict)
    # Keys that change how its table looks, never what is estimated: a change to them re-renders the table from its
    # stored estimates. None: every key counts (the spec file's sha256 decides).
    display_keys: frozenset[str] | None = None
    reads_aggregates: bool = False                       # reads the panel build's aggregates table (world totals)
    # Variables the spec reads that its words do not name (a multiverse's axes): spec -> names.
    variables_said: Callable[[BaseModel], Iterable[str]] = lambda spec: ()

    def schema_for(self, raw: dict, path: Path) -> type[BaseModel]:
        if self.schema is not None:
            return self.schema
        variant = raw.get(self.variant_key)
        if variant not in self.variants:
            raise SpecError(f"unknown or missing {self.variant_key} type {variant!r}"
                            f"{did_you_mean(str(variant), self.variants)}.", where=path, field=self.variant_key,
                            fix=f"set {self.variant_key} = one of: {', '.join(self.variants)}.")
        return self.variants[variant]


TABLE_DISPLAY_KEYS = frozenset({"title", "labels", "order", "notes", "digits", "stars"})

SPEC_KINDS: dict[str, SpecKind] = {kind.name: kind for kind in (
    SpecKind("regression", resolve_regression, RegressionSpec, display_keys=TABLE_DISPLAY_KEYS),
    SpecKind("descriptive", _no_models(check_other), DescriptiveSpec),
    SpecKind("shares", _no_models(check_other), SharesSpec, reads_aggregates=True),
    SpecKind("multiverse", _no_models(check_multiverse), MultiverseSpec,
             display_keys=frozenset({"title", "labels", "notes", "digits"}), variables_said=multiverse_variables),
    SpecKind("event_study", _own_resolve, EventStudySpec),
    SpecKind("synthetic_control", _own_resolve, SyntheticControlSpec),
    SpecKind("before_after", _no_models(check_before_after), BeforeAfterSpec, reads_aggregates=True),
    SpecKind("figure", _no_models(check_other), variant_key="figure", variants=FIGURE_KINDS),
)}
DEFAULT_KIND = "regression"


def spec_kind(raw: dict, path: Path) -> SpecKind:
    """The registry entry of a parsed spec's ``kind`` (default: a regression table)."""
    kind = raw.get("kind", DEFAULT_KIND)
    if kind not in SPEC_KINDS:
        raise SpecError(f"unknown spec kind '{kind}'{did_you_mean(str(kind), SPEC_KINDS)}.", where=path,
                        field="kind", fix=f"use one of: {', '.join(SPEC_KINDS)}.")
    return SPEC_KINDS[kind]


def choices() -> dict[str, tuple[str, ...]]:
    """The names the ``kind`` key and each family's variant key may take (for messages)."""
    out = {"kind": tuple(SPEC_KINDS)}
    for kind in SPEC_KINDS.values():
        if kind.variant_key is not None:
            out[kind.variant_key] = tuple(kind.variants)
    return out
