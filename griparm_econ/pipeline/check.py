"""``griparm check`` for table specs: every spec validated without reading any data (the study panel's variables
are checked against the catalog when the catalog exists)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Callable, Sequence

from griparm_econ.config import Settings
from griparm_econ.errors import SpecError
from griparm_econ.pipeline.kinds import kind_of
from griparm_econ.pipeline.layout import spec_paths
from griparm_econ.spec import LoadedSpec, load_spec

Echo = Callable[[str], None]


def check_specs(specs: Sequence[Path] | None, settings: Settings, *, echo: Echo = print) -> list[LoadedSpec]:
    """Validate spec files without reading any data; each is echoed with its kind's description."""
    loaded = [load_spec(path) for path in spec_paths(specs, settings)]
    for item in loaded:
        kind = kind_of(item.kind)
        if kind.catalog_fields is not None and item.uses_study_panel:
            check_catalog(item, kind.catalog_fields(item), settings)
        echo(f"ok: {item.path} ({kind.describe_item(item)})")
        for warning in kind.warnings(item):
            print(f"griparm: warning: {warning}", file=sys.stderr)
    return loaded


def check_catalog(item: LoadedSpec, wanted: Sequence[tuple[str, str]], settings: Settings) -> None:
    """Every (variable, field) a spec names is a variable of the study panel's catalog."""
    from griparm_econ.catalog import load_catalog

    catalog = load_catalog(settings.catalog_path)
    names = set(catalog.names)
    for variable, field in wanted:
        if variable not in names:
            close = catalog.nearest(variable, n=3)
            raise SpecError(f"'{variable}' is not a variable of the study panel's catalog"
                            f"{' (nearest: ' + ', '.join(close) + ')' if close else ''}.", where=item.path,
                            field=field,
                            fix="use a name from specs/variables.toml, or add the variable to the catalog.")
