"""What ``griparm check`` asks of a figure spec beyond its schema, per figure kind (each kind's ``check`` in
:data:`griparm_econ.pipeline.figure_kinds.FIGURE_KINDS`): the regression specs and model names it cites, the terms
it plots, the catalog variables it names. Read before any data are; each problem is one error naming the file, the
field and the fix."""

from __future__ import annotations

from typing import Sequence

from griparm_econ.catalog import Catalog
from griparm_econ.errors import SpecError
from griparm_econ.spec import LoadedSpec, nearest


def _hint(name: str, choices) -> str:
    close = nearest(name, choices)
    return f" (did you mean {', '.join(close)}?)" if close else ""


def _check_table(stem: str, tables: dict[str, LoadedSpec], item: LoadedSpec, field: str) -> LoadedSpec:
    if stem not in tables:
        raise SpecError(f"'{stem}' is not a regression spec in specs/{_hint(stem, tables)}.", where=item.path,
                        field=field, fix=f"name the stem of one of: {', '.join(sorted(tables)) or '(none)'}.")
    return tables[stem]


def _check_terms(terms: Sequence[str], candidates: set[str], item: LoadedSpec, field: str, what: str) -> None:
    for term in terms:
        if term not in candidates:
            raise SpecError(f"'{term}' is not a term of {what}{_hint(term, candidates)}.", where=item.path,
                            field=field, fix="write the term as the model's formula gives it, e.g. L.state_capacity.")


def _check_variables(names: Sequence[str], catalog: Catalog, item: LoadedSpec, field: str) -> None:
    for name in names:
        if name not in catalog:
            raise SpecError(f"'{name}' is not a variable of the catalog{_hint(name, catalog.names)}.",
                            where=item.path, field=field, fix="use a name from specs/variables.toml.")


def check_trajectories(item: LoadedSpec, tables: dict[str, LoadedSpec], catalog: Catalog) -> None:
    _check_variables(item.spec.variables, catalog, item, "variables")


def check_marginal_effect(item: LoadedSpec, tables: dict[str, LoadedSpec], catalog: Catalog) -> None:
    spec = item.spec
    table = _check_table(spec.table, tables, item, "table")
    models = {model.name: model for model in table.models}
    if spec.model not in models:
        raise SpecError(f"table '{spec.table}' has no model named {spec.model!r}.", where=item.path,
                        field="model", fix=f"use one of: {', '.join(models)}.")
    terms = {term.name for term in models[spec.model].parsed.exog}
    what = f"model {spec.model!r} of {spec.table}"
    _check_terms([spec.treatment], terms, item, "treatment", what)
    _check_terms([spec.interaction], terms, item, "interaction", what)
    _check_variables([spec.moderator], catalog, item, "moderator")


def check_coefficients(item: LoadedSpec, tables: dict[str, LoadedSpec], catalog: Catalog) -> None:
    spec = item.spec
    terms: set[str] = set()
    for index, stem in enumerate(spec.tables):
        table = _check_table(stem, tables, item, f"tables[{index + 1}]")
        terms |= {term.name for model in table.models for term in model.parsed.exog}
    _check_terms(spec.terms, terms, item, "terms", f"any model of {', '.join(spec.tables)}")


def no_check(item: LoadedSpec, tables: dict[str, LoadedSpec], catalog: Catalog) -> None:
    """A kind that cites no table and names no catalog variable beyond what its schema checks."""
