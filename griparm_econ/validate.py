"""``griparm check``: the variable catalog, every table spec and every figure spec validated without reading data.

Table specs are checked by :func:`griparm_econ.pipeline.check.check_specs`. A figure spec is checked on its own schema, then
against what it draws from (its kind's ``check`` in :data:`griparm_econ.pipeline.figure_kinds.FIGURE_KINDS`): the
regression specs and model names it cites, the terms it plots, the catalog variables it names. Each problem is one
error naming the file, the field and the fix.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Sequence

from griparm_econ.catalog import Catalog, load_catalog
from griparm_econ.config import Settings
from griparm_econ.errors import SpecError
from griparm_econ.spec import LoadedSpec, load_spec

Echo = Callable[[str], None]


def _regression_tables(settings: Settings) -> dict[str, LoadedSpec]:
    from griparm_econ.pipeline.layout import discover_specs

    tables = (load_spec(path) for path in discover_specs(settings))
    return {item.stem: item for item in tables if item.kind == "regression"}


def check_figure(item: LoadedSpec, tables: dict[str, LoadedSpec], catalog: Catalog) -> None:
    """A figure spec against the tables and catalog it draws from."""
    if item.kind != "figure":
        raise SpecError(f"is a {item.kind} spec in the figures folder.", where=item.path, field="kind",
                        fix='figure specs say kind = "figure"; move table specs to specs/.')
    from griparm_econ.pipeline.figure_kinds import FIGURE_KINDS

    FIGURE_KINDS[item.spec.figure].check(item, tables, catalog)


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
