"""The pipeline's spec-kind registry: for each kind of spec file (``spec.SPEC_KINDS`` declares them), how it is
estimated, how its results are written, which files it writes, how its replication record is built and how it is
described in the run log.

Adding a kind is one entry here (plus its schema in :mod:`griparm_econ.spec`): the sequencer, the freshness check,
the index, the README's programs table, ``griparm replicate`` and the Python API read these entries and branch on
no kind name. (``test_pipeline_kinds.py`` checks that this registry covers exactly the kinds the spec declares.)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pandas as pd

from griparm_econ.labels import counted
from griparm_econ.pipeline import tables
from griparm_econ.pipeline.layout import FIGURES_DIR, table_files, table_record
from griparm_econ.spec import LoadedSpec
from griparm_econ.output_layout import ESTIMATES_DIR, FIGURE_FORMATS



@dataclass(frozen=True)
class SpecKind:
    """What the pipeline does with one kind of spec.

    ``estimate(item, settings, cache, echo)`` computes the result in memory (None: the kind is drawn from other
    specs' outputs by :mod:`griparm_econ.pipeline.figures`); ``write(result, out_dir, unit_keys)`` writes its files,
    record last (``unit_keys``: what the record stores to decide freshness next run); ``rerender(item, settings,
    out_dir, cache)`` re-makes the result from what its run stored, nothing estimated, after a change to display keys
    or to the report code alone, and ``rerender_reads(stem)`` names the files beyond the record it reads (None: the
    kind is computed again instead, which each such kind does in under a second on the study panel); ``extra_files(stem)`` names the unit's files beyond its table and record (for freshness,
    the index and the README); ``record(result)`` builds the estimates record ``griparm replicate`` compares with the
    reported file (None: the kind reports no estimates); ``describe(item)`` is its phrase in ``griparm check``'s log;
    ``catalog_fields(item)`` lists (variable, field) pairs checked against the catalog when it reads the study
    panel; ``warnings(item)`` are printed by ``griparm check``; ``to_frame(result)`` is the Python API's frame;
    ``has_models`` says its result holds fitted models (the API's ``Run.models``)."""

    name: str
    estimate: Callable | None
    write: Callable | None
    extra_files: Callable[[str], list[str]] = lambda stem: []
    rerender: Callable | None = None
    rerender_reads: Callable[[str], tuple[str, ...]] | None = None
    record: Callable | None = None
    describe: Callable[[LoadedSpec], str] | None = None
    catalog_fields: Callable[[LoadedSpec], list[tuple[str, str]]] | None = None
    warnings: Callable[[LoadedSpec], list[str]] = lambda item: []
    to_frame: Callable | None = None
    has_models: bool = False

    @property
    def is_figure(self) -> bool:
        return self.estimate is None

    def describe_item(self, item: LoadedSpec) -> str:
        return self.describe(item) if self.describe is not None else self.name

    def unit_files(self, stem: str) -> list[str]:
        """Every file of the kind's unit except its record, relative to the output folder."""
        if self.is_figure:
            return [f"{FIGURES_DIR}/{stem}.{fmt}" for fmt in FIGURE_FORMATS]
        return table_files(stem) + self.extra_files(stem)

    def record_path(self, out_dir: Path, stem: str) -> Path:
        from griparm_econ.pipeline.layout import figure_record

        return figure_record(out_dir, stem) if self.is_figure else table_record(out_dir, stem)


# ---------------------------------------------------------------------------------------------------------------
# The kinds' own pieces


def _model_fields(item: LoadedSpec) -> list[tuple[str, str]]:
    return [(variable, f"model[{index + 1}] (name = {model.name!r}).formula: {variable}")
            for index, model in enumerate(item.models) for variable in model.variables]


def _event_fields(item: LoadedSpec) -> list[tuple[str, str]]:
    return [(variable, f"model[{index + 1}] (name = {model.name!r}): {variable}")
            for index, model in enumerate(item.models) for variable in model.variables]


def _multiverse_fields(item: LoadedSpec) -> list[tuple[str, str]]:
    from griparm_econ.spec import multiverse_variables

    return [(variable, f"(grid): {variable}") for variable in multiverse_variables(item.spec)]


def _synthetic_fields(item: LoadedSpec) -> list[tuple[str, str]]:
    return [(variable, f"(spec): {variable}") for variable in item.spec.variables]


def _describe_multiverse(item: LoadedSpec) -> str:
    from griparm_econ.spec import multiverse_size

    return f"multiverse of {multiverse_size(item.spec):,} models"


def _unlisted_warning(item: LoadedSpec) -> list[str]:
    unlisted = tables.unlisted_terms(item)
    return [f"{item.path} [order]: {', '.join(unlisted)} estimated but not listed in order; shown after the ordered "
            "terms. Fix: add them to order, or to omit to leave them out."] if unlisted else []


def multiverse_files(stem: str) -> list[str]:
    """The outputs of a multiverse spec beyond its summary table and estimates record (relative to DIR)."""
    return [f"{ESTIMATES_DIR}/{stem}.parquet"] + [f"{FIGURES_DIR}/{stem}.{fmt}" for fmt in FIGURE_FORMATS]


def _event_files(stem: str) -> list[str]:
    from griparm_econ.report.event_study import event_files

    return event_files(stem)


def _synthetic_files(stem: str) -> list[str]:
    from griparm_econ.report.synthetic_control import synthetic_files

    return synthetic_files(stem)


def _regression_record(result) -> dict:
    from griparm_econ.report.estimates import estimates_dict

    return estimates_dict(result)


def _event_record(result) -> dict:
    from griparm_econ.report.event_study import event_study_dict

    return event_study_dict(result, [])


def _synthetic_record(result) -> dict:
    from griparm_econ.report.synthetic_control import synthetic_dict

    return synthetic_dict(result, [])


FRAME_COLUMNS = ("model", "term", "estimate", "std_error", "pvalue", "nobs")


def _regression_frame(result) -> pd.DataFrame:
    rows = [{"model": m.name, "term": term, "estimate": m.params[term], "std_error": m.std_errors[term],
             "pvalue": m.pvalues[term], "nobs": int(m.nobs)}
            for m in result.models for term in m.params]
    return pd.DataFrame(rows, columns=list(FRAME_COLUMNS))


def _multiverse_frame(result) -> pd.DataFrame:
    frame = result.estimates.rename(columns={"model_id": "model"})
    return frame[list(FRAME_COLUMNS)].reset_index(drop=True)


def _computed_frame(result) -> pd.DataFrame:
    return result.frame.copy()


def _event_frame(result) -> pd.DataFrame:
    from griparm_econ.report.event_study import table_frame

    return table_frame(result)


def _synthetic_frame(result) -> pd.DataFrame:
    from griparm_econ.report.synthetic_control import balance_frame

    return balance_frame(result)


def _nothing_more(stem: str) -> tuple[str, ...]:
    return ()     # the re-render reads the record alone


def _frame_record(result) -> dict:
    from griparm_econ.report.estimates import frame_dict

    return frame_dict(result)


# Tables computed as a frame: their reported numbers are the table's cells, and they re-render from their record
# (which holds the frame with the row index and dtypes the table is laid out by), as every table kind does.
_FRAME_KIND = dict(write=tables.write_frame_outputs, rerender=tables.rerender_frame, rerender_reads=_nothing_more,
                   to_frame=_computed_frame, record=_frame_record)

KINDS: dict[str, SpecKind] = {kind.name: kind for kind in (
    SpecKind("regression", tables.estimate_regression, tables.write_outputs, record=_regression_record,
             rerender=tables.rerender_regression, rerender_reads=_nothing_more,
             describe=lambda item: counted(len(item.models), "model"), catalog_fields=_model_fields,
             warnings=_unlisted_warning, to_frame=_regression_frame, has_models=True),
    SpecKind("multiverse", tables.estimate_multiverse, tables.write_multiverse_outputs, extra_files=multiverse_files,
             rerender=tables.rerender_multiverse, rerender_reads=lambda stem: (f"{ESTIMATES_DIR}/{stem}.parquet",),
             describe=_describe_multiverse, catalog_fields=_multiverse_fields, to_frame=_multiverse_frame),
    SpecKind("descriptive", tables.estimate_descriptive, **_FRAME_KIND),
    SpecKind("shares", tables.estimate_shares, **_FRAME_KIND),
    SpecKind("before_after", tables.estimate_before_after, **_FRAME_KIND),
    SpecKind("event_study", tables.estimate_event_study, tables.write_event_study, extra_files=_event_files,
             rerender=tables.rerender_event_study, rerender_reads=_nothing_more,
             record=_event_record, catalog_fields=_event_fields, to_frame=_event_frame),
    SpecKind("synthetic_control", tables.estimate_synthetic_control, tables.write_synthetic_control,
             extra_files=_synthetic_files, rerender=tables.rerender_synthetic_control,
             rerender_reads=_nothing_more, record=_synthetic_record, catalog_fields=_synthetic_fields,
             to_frame=_synthetic_frame),
    SpecKind("figure", None, None),
)}


# Kinds whose reported numbers are table cells rather than models' estimates (replication compares every cell).
CELL_KINDS = frozenset(name for name, kind in KINDS.items() if kind.record is _frame_record)


def kind_of(name: str) -> SpecKind:
    """The registry entry of a kind (spec validation has already refused unknown kinds)."""
    return KINDS[name]


def unit_files(stem: str, kind: str) -> list[str]:
    """Every file of a table or figure unit except its record, relative to the output folder."""
    return KINDS[kind].unit_files(stem)


def output_files(stem: str, kind: str) -> list[str]:
    """Every file of a unit, in the order the README lists them: a table kind's table, its record, then the files
    it writes beyond them; a figure's images, then its record. Empty for a kind this registry does not know."""
    entry = KINDS.get(kind)
    if entry is None:
        return []
    record = entry.record_path(Path(), stem).as_posix()
    if entry.is_figure:
        return entry.unit_files(stem) + [record]
    return table_files(stem) + [record] + entry.extra_files(stem)


def estimate(item: LoadedSpec, settings, cache: dict | None = None, *, echo=tables.quiet):
    """One validated table spec computed in memory, nothing written: a TableResult (regression), a
    MultiverseResult, an event-study or synthetic-control result, or a FrameResult (descriptive, shares...)."""
    return KINDS[item.kind].estimate(item, settings, {} if cache is None else cache, echo)


def write_result(item: LoadedSpec, result, out_dir: Path, data_read: str = "") -> list[Path]:
    """Every file of one spec's result (from :func:`estimate` or a re-render), written as one unit
    (:func:`griparm_econ.freshness.writing_unit`), the record marking it up to date last. ``data_read``: the digest
    of the data the spec read (:func:`griparm_econ.freshness.data_read_sha256`; without it, the next run
    re-estimates the spec)."""
    from griparm_econ.freshness import unit_keys, writing_unit

    entry = KINDS[item.kind]
    with writing_unit(out_dir, table_record(out_dir, item.stem), entry.unit_files(item.stem), item.stem):
        return entry.write(result, out_dir, unit_keys(item, data_read))
