"""One table spec estimated in memory and written: the estimating and writing steps the kind registry
(:mod:`griparm_econ.pipeline.kinds`) names for each table kind.

Nothing here writes before everything of the spec is computed; each writer writes its unit's files, then the record
that marks the unit current, last (:mod:`griparm_econ.freshness`).
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Callable, Mapping, Sequence

import pandas as pd

from griparm_econ.config import Settings
from griparm_econ.estimation.results import ModelResult, TableResult
from griparm_econ.pipeline.layout import display_path, table_record
from griparm_econ.spec import LoadedSpec
from griparm_econ.output_layout import ESTIMATES_DIR

Echo = Callable[[str], None]


def quiet(_: str) -> None:
    return None


def unlisted_terms(loaded: LoadedSpec) -> list[str]:
    """Terms a model estimates that ``order`` does not list and ``omit`` does not leave out (shown last)."""
    spec = loaded.spec
    if spec.order is None:
        return []
    terms = dict.fromkeys(t for m in loaded.models for t in m.parsed.regressor_names if t != "Intercept")
    if any(m.parsed.constant for m in loaded.models):
        terms["Intercept"] = None   # the constant last, as without order
    return [t for t in terms if t not in spec.order and t not in spec.omit]


class _CatalogLabels(Mapping):
    """A catalog's variable labels as the mapping the labeller reads; a name without a label is simply absent."""

    def __init__(self, catalog) -> None:
        self._catalog = catalog

    def __getitem__(self, name: str) -> str:
        try:
            return self._catalog.label(name)
        except Exception:  # not a catalog name (or no label): the labeller keeps the name as written
            raise KeyError(name) from None

    def __iter__(self):
        return iter(self._catalog.names)

    def __len__(self) -> int:
        return len(self._catalog.names)


def estimate_spec(loaded: LoadedSpec, settings: Settings, cache: dict | None = None,
                  fitted: Sequence[ModelResult] | None = None) -> TableResult:
    """Fit every model of one validated spec (or take ``fitted``, the models of its stored estimates, when only
    display keys changed); nothing is written."""
    from griparm_econ.estimation.dataset import check_variables, load_dataset

    cache = {} if cache is None else cache
    data = load_dataset(loaded, settings, cache)
    check_variables(loaded, data)
    if fitted is not None:
        # The estimates file does not hold the panel's unit names; they are the data's (whose sha256 is unchanged).
        results = tuple(replace(r, entity_label=data.entity_label, time_label=data.time_label) for r in fitted)
    else:
        results = tuple(_fit_column(loaded, i, model, data) for i, model in enumerate(loaded.models))
    from griparm_econ.labels import term_label
    from griparm_econ.report.notes import regression_notes

    spec = loaded.spec
    labels: dict[str, str] = {}
    catalog = data.catalog if data.study_panel else None
    if catalog is not None:
        # Every term's label is built by the one labeller from the catalog's variable labels.
        variables = _CatalogLabels(catalog)
        for result in results:
            for term in (result.dependent, *result.params):
                labels.setdefault(term, term_label(term, variables))
    labels.update(spec.labels)
    notes = regression_notes(results, restriction=spec.sample, spec_notes=spec.notes)
    return TableResult(stem=loaded.stem, title=spec.title, spec_path=display_path(loaded.path, settings),
                       spec_sha256=loaded.sha256, data_path=display_path(Path(data.path), settings),
                       data_sha256=data.sha256, models=results, labels=labels,
                       order=tuple(spec.order) + tuple(unlisted_terms(loaded)) if spec.order is not None else None,
                       notes=tuple(notes),
                       star_levels=tuple(sorted(spec.stars, reverse=True)), digits=spec.digits)


def _fit_column(loaded: LoadedSpec, index: int, model, data):
    """One regression column, with the two-way FE diagnostics its spec asks for (bacon, randomization_inference)."""
    from griparm_econ.estimation.design import build_design
    from griparm_econ.estimation.dispatch import fit_model

    design = build_design(loaded, index, data)
    field = f"model[{index + 1}] (name = {model.name!r})"
    result = fit_model(model, design, where=str(loaded.path), field=field)
    if model.bacon or model.randomization_inference is not None:
        from griparm_econ.estimation.twfe_diagnostics import diagnose

        result = diagnose(result, model, design, data, where=loaded.path, field=field)
    return result


def rerender_regression(item: LoadedSpec, settings: Settings, out_dir: Path, cache: dict) -> TableResult:
    """The table of a spec whose display keys or report code alone changed, from the models of its stored
    estimates."""
    record = json.loads(table_record(out_dir, item.stem).read_text(encoding="utf-8"))
    fitted = [ModelResult.from_json_dict(model) for model in record["models"]]
    return estimate_spec(item, settings, cache, fitted=fitted)


def rerender_multiverse(item: LoadedSpec, settings: Settings, out_dir: Path, cache: dict):
    """A multiverse's summary, curve and record from the estimates parquet its run wrote and the not-applicable
    cells its record lists, nothing fitted."""
    from griparm_econ.estimation.multiverse import rerender_multiverse as assemble

    estimates = pd.read_parquet(out_dir / ESTIMATES_DIR / f"{item.stem}.parquet")
    record = json.loads(table_record(out_dir, item.stem).read_text(encoding="utf-8"))
    cells = [(c["model_id"], c["estimator"], c["reason"]) for c in record.get("not_applicable", [])]
    return assemble(item, settings, estimates, cache, display_path=display_path, not_applicable=cells)


def rerender_event_study(item: LoadedSpec, settings: Settings, out_dir: Path, cache: dict):
    """An event study's table and figure from its record (every relative period, pre-trend test, robust sets)."""
    from griparm_econ.estimation.event_study import rerender_event_study as assemble

    record = json.loads(table_record(out_dir, item.stem).read_text(encoding="utf-8"))
    return assemble(item, settings, record, cache, display_path=display_path)


def rerender_synthetic_control(item: LoadedSpec, settings: Settings, out_dir: Path, cache: dict):
    """A synthetic control's tables and figures from its record (weights, balance, every path), nothing optimised."""
    from griparm_econ.estimation.synthetic_spec import rerender_synthetic_control as assemble

    record = json.loads(table_record(out_dir, item.stem).read_text(encoding="utf-8"))
    return assemble(item, settings, record, cache, display_path=display_path)


def rerender_frame(item: LoadedSpec, settings: Settings, out_dir: Path, cache: dict):
    """A descriptive, shares or before/after table from the frame its record holds, nothing computed."""
    from griparm_econ.estimation.frames import rerender_frame as assemble

    record = json.loads(table_record(out_dir, item.stem).read_text(encoding="utf-8"))
    return assemble(item, settings, record, cache, display_path=display_path)


def estimate_regression(item: LoadedSpec, settings: Settings, cache: dict, echo: Echo = quiet) -> TableResult:
    return estimate_spec(item, settings, cache)


def estimate_multiverse(item: LoadedSpec, settings: Settings, cache: dict, echo: Echo = quiet):
    from griparm_econ.estimation.multiverse import estimate_multiverse as estimate

    return estimate(item, settings, cache, echo=echo, display_path=display_path)


def estimate_descriptive(item: LoadedSpec, settings: Settings, cache: dict, echo: Echo = quiet):
    from griparm_econ.estimation.frames import descriptive_result

    return descriptive_result(item, settings, cache, display_path=display_path)


def estimate_shares(item: LoadedSpec, settings: Settings, cache: dict, echo: Echo = quiet):
    from griparm_econ.estimation.frames import shares_result

    return shares_result(item, settings, cache, display_path=display_path)


def estimate_before_after(item: LoadedSpec, settings: Settings, cache: dict, echo: Echo = quiet):
    from griparm_econ.estimation.frames import before_after_result

    return before_after_result(item, settings, cache, display_path=display_path)


def estimate_event_study(item: LoadedSpec, settings: Settings, cache: dict, echo: Echo = quiet):
    from griparm_econ.estimation.event_study import estimate_event_study as estimate

    return estimate(item, settings, cache, display_path=display_path)


def estimate_synthetic_control(item: LoadedSpec, settings: Settings, cache: dict, echo: Echo = quiet):
    from griparm_econ.estimation.synthetic_spec import estimate_synthetic_control as estimate

    return estimate(item, settings, cache, display_path=display_path)


# ---------------------------------------------------------------------------------------------------------------
# Writers: (result, out_dir, unit_keys) -> files written, the record last; unit_keys are what the record stores
# to decide, next run, what must be re-made (griparm_econ.freshness.unit_keys).


def _unit(out_dir: Path, written: Sequence[Path], unit_keys: Mapping | None) -> dict:
    from griparm_econ.freshness import file_hashes

    return {"outputs": file_hashes(out_dir, written), **(unit_keys or {})}


def write_outputs(table: TableResult, out_dir: Path, unit_keys: Mapping | None = None) -> list[Path]:
    """The tables in every format, then the estimates file."""
    from griparm_econ.report.estimates import write_estimates
    from griparm_econ.report.tables import write_table

    written: list[Path] = list(write_table(table, out_dir))
    # The estimates file goes last, with the sha256 of every file above: see griparm_econ.freshness.
    written.append(write_estimates(table, out_dir, _unit(out_dir, written, unit_keys)))
    return written


def write_frame_outputs(result, out_dir: Path, unit_keys: Mapping | None = None) -> list[Path]:
    from griparm_econ.report.estimates import write_frame_record
    from griparm_econ.report.tables import write_frame_table

    written = write_frame_table(result.frame, stem=result.stem, title=result.title, out_dir=out_dir,
                                notes=result.notes, digits=result.digits)
    written.append(write_frame_record(result, out_dir, _unit(out_dir, written, unit_keys)))   # last
    return written


def _parquet_bytes(frame) -> bytes:
    """The estimates frame as parquet bytes: fixed column order, no index, no timestamps (byte-identical reruns)."""
    import io

    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(frame.reset_index(drop=True), preserve_index=False)
    buffer = io.BytesIO()
    pq.write_table(table, buffer, compression="zstd", write_statistics=False)
    return buffer.getvalue()


def write_multiverse_outputs(result, out_dir: Path, unit_keys: Mapping | None = None) -> list[Path]:
    """Parquet of every estimate, the summary table (five formats), the specification curve and the record."""
    from griparm_econ.io import atomic_write_bytes
    from griparm_econ.report.estimates import write_multiverse_record
    from griparm_econ.report.figures import plot_specification_curve, save_figure
    from griparm_econ.report.notes import multiverse_notes
    from griparm_econ.report.tables import write_frame_table

    result = replace(result, notes=tuple(multiverse_notes(result)))
    # The figure is drawn before any file is written, so a drawing failure leaves nothing behind.
    fig = plot_specification_curve(result.curve, result.indicators, title=result.title,
                                   expected_sign=result.expected_sign, level=result.level,
                                   ylabel="Estimate (SD of outcome)" if result.scale == "outcome_sd" else "Estimate")
    written = [atomic_write_bytes(out_dir / ESTIMATES_DIR / f"{result.stem}.parquet", _parquet_bytes(result.estimates))]
    digits = {column: 0 if column == "Models" else 1 if column.endswith("(%)") else result.digits
              for column in result.summary_table.columns}
    written += write_frame_table(result.summary_table, stem=result.stem, title=result.title, out_dir=out_dir,
                                 notes=result.notes, digits=digits)
    written += save_figure(fig, out_dir, result.stem)
    # The record goes last: its presence (with matching hashes) is what marks the spec as up to date.
    written.append(write_multiverse_record(result, out_dir, [p.relative_to(out_dir).as_posix() for p in written],
                                           _unit(out_dir, written, unit_keys)))
    return written


def write_event_study(result, out_dir: Path, unit_keys: Mapping | None = None) -> list[Path]:
    """An event study's table and figure, then its record with their sha256 (freshness.py)."""
    from griparm_econ.report.event_study import write_event_study_outputs

    return write_event_study_outputs(result, out_dir, lambda written: _unit(out_dir, written, unit_keys))


def write_synthetic_control(result, out_dir: Path, unit_keys: Mapping | None = None) -> list[Path]:
    """A synthetic control's tables and figures, then its record with their sha256 (freshness.py)."""
    from griparm_econ.report.synthetic_control import write_synthetic_outputs

    return write_synthetic_outputs(result, out_dir, lambda written: _unit(out_dir, written, unit_keys))
