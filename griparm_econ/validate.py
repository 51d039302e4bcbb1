"""``griparm check``: the variable catalog, every table spec and every figure spec validated without reading data.

Table specs are checked by :func:`griparm_econ.pipeline.check.check_specs`. A figure spec is checked on its own schema, then
against what it draws from: the regression specs and model names it cites, the terms it plots, the catalog
variables it names. Each problem is one error naming the file, the field and the fix.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Sequence

from griparm_econ.catalog import Catalog, load_catalog
from griparm_econ.config import Settings
from griparm_econ.errors import SpecError
from griparm_econ.spec import LoadedSpec, load_spec, nearest

Echo = Callable[[str], None]


def _hint(name: str, choices) -> str:
    close = nearest(name, choices)
    return f" (did you mean {', '.join(close)}?)" if close else ""


def _regression_tables(settings: Settings) -> dict[str, LoadedSpec]:
    from griparm_econ.pipeline.layout import discover_specs

    tables = (load_spec(path) for path in discover_specs(settings))
    return {item.stem: item for item in tables if item.kind == "regression"}


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


def check_figure(item: LoadedSpec, tables: dict[str, LoadedSpec], catalog: Catalog) -> None:
    """A figure spec against the tables and catalog it draws from."""
    if item.kind != "figure":
        raise SpecError(f"is a {item.kind} spec in the figures folder.", where=item.path, field="kind",
                        fix='figure specs say kind = "figure"; move table specs to specs/.')
    spec = item.spec
    if spec.figure == "trajectories":
        _check_variables(spec.variables, catalog, item, "variables")
    elif spec.figure == "marginal_effect":
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
    elif spec.figure == "coefficients":
        terms: set[str] = set()
        for index, stem in enumerate(spec.tables):
            table = _check_table(stem, tables, item, f"tables[{index + 1}]")
            terms |= {term.name for model in table.models for term in model.parsed.exog}
        _check_terms(spec.terms, terms, item, "terms", f"any model of {', '.join(spec.tables)}")


def check_all(specs: Sequence[Path] | None, settings: Settings, *, echo: Echo = print) -> None:
    """Named specs (tables or figures), or else the catalog, every table spec and every figure spec."""
    from griparm_econ.pipeline.check import check_specs
    from griparm_econ.pipeline.layout import discover_figures

    if not specs:
        catalog = load_catalog(settings.catalog_path)
        echo(f"ok: {settings.catalog_path} ({len(catalog)} variables)")
    named = list(specs or [])
    figures = [Path(p) for p in named if load_spec(p).kind == "figure"] if named else discover_figures(settings)
    tables = [p for p in named if Path(p) not in figures]
    if tables or not named:
        check_specs(tables or None, settings, echo=echo)
    if figures:
        catalog = load_catalog(settings.catalog_path)
        regressions = _regression_tables(settings)
        for path in figures:
            item = load_spec(path)
            check_figure(item, regressions, catalog)
            echo(f"ok: {item.path} (figure, {item.spec.figure})")
