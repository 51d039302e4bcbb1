"""The country-year panel: every catalog variable for every World Bank economy, 1990 to the latest year with data.

``build_panel`` reads every source, merges each source's long rows onto the economy x year grid with a full account
of what it kept and dropped, applies the catalog's transformations in catalog order (:mod:`.merge`), and writes
(atomically) ``data/panel.parquet``, ``data/aggregates.parquet`` (World Bank aggregates such as EUU and WLD, and the
world totals of OEC and USGS, for figures), ``data/panel.provenance.json`` (:mod:`.provenance`) and
``output/coverage.csv`` (:mod:`.coverage`). ``load_panel`` rebuilds first when the panel is stale; whether it is, is
decided by :mod:`.staleness`. Gaps stay gaps: nothing is
interpolated.
"""

from __future__ import annotations

import sys

import pandas as pd

from griparm_econ.catalog import load_catalog
from griparm_econ.config import Settings
from griparm_econ.freshness import stage_sha256
from griparm_econ.panel.coverage import FOCUS, coverage_summary, coverage_table, out_of_range
from griparm_econ.panel.merge import (FIRST_YEAR, ID_COLUMNS, WORLD, Echo, Sources, assemble_panel, read_sources,
                                      say)
from griparm_econ.panel.provenance import (BUILD_VERSION, aggregates_path, coverage_path, input_file, provenance_path,
                                           publish_coverage, write_outputs)
from griparm_econ.panel.staleness import panel_is_stale

__all__ = ["BUILD_VERSION", "FIRST_YEAR", "FOCUS", "ID_COLUMNS", "WORLD", "Sources", "aggregates_path",
           "assemble_panel", "build_panel", "coverage_path", "coverage_summary", "coverage_table", "data_code_sha256",
           "fetch_sources", "publish_coverage", "input_file", "load_catalog", "load_panel", "out_of_range", "panel_is_stale",
           "provenance_path", "read_aggregates", "read_sources", "write_outputs"]


def data_code_sha256() -> str:
    """Fingerprint of the code that makes the panel (the panel stage of :data:`griparm_econ.freshness.STAGES`:
    every loader in ``sources/``, the catalog and its transformations with baseline.py, and this package)."""
    return stage_sha256("panel")


def fetch_sources(settings: Settings, echo: Echo = print) -> Sources:
    """Read (or pull) every source the catalog needs; the step ``griparm data`` runs."""
    catalog = load_catalog(settings.catalog_path)
    sources = read_sources(settings, catalog, echo)
    for frame in sources.all_frames:
        say(echo, f"{frame.name}: {len(frame.rows):,} rows from {len(frame.provenance)} file(s) or pull(s)")
    return sources


def build_panel(settings: Settings, echo: Echo = print) -> pd.DataFrame:
    catalog = load_catalog(settings.catalog_path)
    sources = read_sources(settings, catalog, echo)
    panel, aggregates, record = assemble_panel(catalog, sources, settings)
    write_outputs(settings, catalog, sources, panel, aggregates, record, echo)
    return panel


def load_panel(settings: Settings, echo: Echo = None) -> pd.DataFrame:
    """The panel, rebuilt first if it is missing or stale (an input's, the catalog's or the panel code's sha256
    changed)."""
    reason = panel_is_stale(settings)
    if reason is None:
        try:
            return pd.read_parquet(settings.panel_path)
        except Exception as err:  # whatever pyarrow raises for a damaged file: rebuild it, never a traceback
            reason = f"{settings.panel_path} cannot be read ({type(err).__name__})"
    # Said even when the caller is quiet: a rebuild of a file the user did not ask to rebuild must not be silent.
    if echo is None:
        print(f"griparm: building the panel: {reason}", file=sys.stderr)
    else:
        echo(f"building the panel: {reason}")
    return build_panel(settings, echo=echo)


def read_aggregates(settings: Settings) -> pd.DataFrame:
    """The panel build's aggregates table (world totals; built with the panel)."""
    return pd.read_parquet(aggregates_path(settings))
