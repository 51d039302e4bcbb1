"""``griparm vars`` and ``griparm describe VAR``: what the study panel holds, read from the catalog, the panel and
its provenance record. Nothing is written except the panel itself when it is missing or stale (built exactly as
``griparm panel`` builds it).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Callable, Iterable

import pandas as pd

from griparm_econ.catalog import Catalog, VariableEntry, load_catalog
from griparm_econ.config import DATA_ENV, Settings
from griparm_econ.labels import counted

Echo = Callable[[str], None]


def _to_stderr(text: str) -> None:
    # Panel-building chatter goes to stderr, so that stdout holds only the listing (pipeable to grep, cut, ...).
    print(text, file=sys.stderr)


def _panel_and_coverage(settings: Settings) -> tuple[pd.DataFrame, pd.DataFrame, Catalog]:
    from griparm_econ.panel import coverage_table, load_panel

    panel = load_panel(settings, echo=_to_stderr)
    catalog = load_catalog(settings.catalog_path)
    return panel, coverage_table(panel, catalog).set_index("variable"), catalog


def _years(first, last) -> str:
    return "-" if pd.isna(first) else f"{int(first)}-{int(last)}"


def _table(rows: list[list[str]]) -> list[str]:
    """Columns padded to their widest cell; the last column is left unpadded (it may be long)."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    return ["  ".join([cell.ljust(w) for cell, w in zip(row, widths)] + [row[-1]]).rstrip() for row in rows]


def list_variables(settings: Settings, *, echo: Echo = print) -> pd.DataFrame:
    """One line per catalog variable: name, source, unit, country-years with data, years covered, label."""
    _, coverage, catalog = _panel_and_coverage(settings)
    rows = []
    for entry in catalog:
        cov = coverage.loc[entry.name]
        rows.append({"variable": entry.name, "source": entry.source, "unit": entry.unit,
                     "country_years": int(cov["observations"]), "years": _years(cov["first_year"], cov["last_year"]),
                     "label": entry.label})
    frame = pd.DataFrame(rows)
    header = [["variable", "source", "unit", "country-years", "years", "label"]]
    body = [[r["variable"], r["source"], r["unit"], f"{r['country_years']:,}", r["years"], r["label"]] for r in rows]
    for line in _table(header + body):
        echo(line)
    echo(f"{len(rows)} variables in {settings.catalog_path.name}; country-years = non-missing economy-years of "
         "the panel. `griparm describe VAR` for one variable.")
    return frame


def _leaf_sources(entry: VariableEntry, catalog: Catalog) -> list[VariableEntry]:
    """The source variables a derived variable is computed from (itself when it is a source variable)."""
    if entry.source != "derived":
        return [entry]
    leaves: dict[str, VariableEntry] = {}
    for name in entry.inputs:
        for leaf in _leaf_sources(catalog[name], catalog):
            leaves.setdefault(leaf.name, leaf)
    return list(leaves.values())


def data_path_prefix(settings: Settings) -> str:
    """How ``griparm describe`` writes the data directory before a provenance path (which is relative to it):
    ``$GRIPARM_DATA`` when that variable names it, else the real folder (relative to the project when inside it)."""
    data_dir = settings.data_dir
    env = os.environ.get(DATA_ENV)
    if data_dir is None or (env and Path(env).expanduser().resolve() == data_dir.resolve()):
        return f"${DATA_ENV}"
    try:
        return data_dir.resolve().relative_to(settings.project_root.resolve()).as_posix()
    except ValueError:
        return data_dir.resolve().as_posix()


def _files_for(leaf: VariableEntry, inputs: Iterable[dict], prefix: str) -> list[tuple[str, str]]:
    """(file, vintage) of the provenance inputs a source variable comes from. World Bank files record a vintage per
    series, so the file holding the series is known; other source families are recorded per family, so every file
    of the family is listed."""
    found = []
    for item in inputs:
        family = str(item.get("source", ""))
        if family != leaf.source and not family.startswith(leaf.source + "."):
            continue
        vintage = item.get("vintage")
        where = str(item.get("path") or item.get("url") or "?")
        if item.get("path") and item.get("origin") not in ("cache", "live pull"):
            where = f"{prefix}/{where}"     # provenance paths are relative to the data directory
        if isinstance(vintage, dict):
            if leaf.source_code in vintage:
                found.append((where, f"{leaf.source_code}: {vintage[leaf.source_code]}"))
        elif family == leaf.source or leaf.source != "worldbank":
            found.append((where, str(vintage or "vintage not recorded")))
    return found


def _read_provenance(settings: Settings) -> dict:
    from griparm_econ.panel import provenance_path

    return json.loads(provenance_path(settings).read_text(encoding="utf-8"))


def describe_variable(name: str, settings: Settings, *, echo: Echo = print) -> None:
    """Definition, transformation and inputs, source files and vintage, coverage by year and for the case
    economies. An unknown name is one error with the nearest catalog names."""
    from griparm_econ.panel import FOCUS

    catalog = load_catalog(settings.catalog_path)
    entry = catalog[name]          # an unknown name raises the catalog's error (with "did you mean")
    panel, coverage, catalog = _panel_and_coverage(settings)
    provenance = _read_provenance(settings)
    cov = coverage.loc[entry.name]

    echo(f"{entry.name}: {entry.label}")
    echo(f"  unit:            {entry.unit}")
    echo(f"  definition:      {entry.description}")
    if entry.source == "derived":
        params = f"; params {json.dumps(entry.params, sort_keys=True)}" if entry.params else ""
        echo(f"  transformation:  {entry.transformation} of {', '.join(entry.inputs)}{params}")
    else:
        echo(f"  source:          {entry.source}, code {entry.source_code} ({entry.transformation})")
    if entry.valid_range is not None:
        outside = int(cov["outside_valid_range"])
        echo(f"  valid range:     [{entry.valid_range[0]:g}, {entry.valid_range[1]:g}]; {counted(outside, 'value')}"
             f" outside (kept as published, left out of estimation samples)")
    for note in provenance.get("transform_notes", []):
        if str(note).startswith(f"{entry.name}:"):
            echo(f"  build note:      {note[len(entry.name) + 1:].strip()}")
    echo("  source files (data/panel.provenance.json):")
    for leaf in _leaf_sources(entry, catalog):
        files = _files_for(leaf, provenance.get("inputs", []), data_path_prefix(settings))
        prefix = f"{leaf.name} <- " if leaf.name != entry.name else ""
        if not files:
            echo(f"    {prefix}{leaf.source} {leaf.source_code}: no input file recorded")
        for path, vintage in files:
            echo(f"    {prefix}{path} ({vintage})")
        if len(files) > 1 and leaf.source != "worldbank":
            echo(f"    ({leaf.source}: the provenance records the files of the source family, not of each code)")

    present = panel[entry.name].notna()
    echo(f"  coverage:        {int(present.sum()):,} economy-years with data, "
         f"{int(panel.loc[present, 'iso3'].nunique())} economies, years {_years(cov['first_year'], cov['last_year'])}")
    echo("  case economies:  " + "; ".join(
        f"{group} {_years(cov[f'{group}_first_year'], cov[f'{group}_last_year'])}"
        f" ({1 - cov[f'{group}_share_missing']:.0%} of panel years)" for group in (*FOCUS, "EU27")))
    by_year = panel.loc[present].groupby("year")["iso3"].nunique()
    if len(by_year):
        echo("  economies with data, by year:")
        cells = [f"{int(year)} {int(count):>3d}" for year, count in by_year.items()]
        for start in range(0, len(cells), 8):
            echo("    " + "   ".join(cells[start:start + 8]))
