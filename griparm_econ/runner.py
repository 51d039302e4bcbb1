"""``griparm run`` / ``griparm check``: spec files in, tables and estimates files out.

Three phases, so that a bad spec or bad data leave nothing behind: validate every spec (no data read), estimate
every spec in memory, then write every file (each atomically, through :mod:`griparm_econ.io`).
"""

from __future__ import annotations

import json
from dataclasses import replace
import sys
from pathlib import Path
from typing import Callable, Mapping, Sequence

from griparm_econ import __version__
from griparm_econ.config import Settings
from griparm_econ.errors import SpecError
from griparm_econ.freshness import multiverse_files  # noqa: F401 (re-exported: the multiverse's output names)
from griparm_econ.estimation.results import ModelResult, TableResult
from griparm_econ.spec import LoadedSpec, load_spec

Echo = Callable[[str], None]
NOT_SPECS = ("variables.toml",)   # the variable catalog lives beside the specs but is not a table


def _quiet(_: str) -> None:
    return None


def discover_specs(settings: Settings) -> list[Path]:
    """Every ``specs/*.toml`` except the variable catalog, sorted (figure specs live in specs/figures/)."""
    folder = settings.specs_dir
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.glob("*.toml") if p.name not in NOT_SPECS)


def _spec_paths(specs: Sequence[Path] | None, settings: Settings) -> list[Path]:
    paths = [Path(p) for p in specs] if specs else discover_specs(settings)
    if not paths:
        raise SpecError("there are no spec files to run.", where=settings.specs_dir, field="(folder)",
                        fix="add a specs/*.toml file or name spec files on the command line.")
    stems: dict[str, Path] = {}
    for path in paths:
        if path.stem in stems and stems[path.stem].resolve() != path.resolve():
            raise SpecError(f"two specs share the stem '{path.stem}' ({stems[path.stem]}), so their outputs would "
                            "overwrite each other.", where=path, field="(file name)", fix="rename one of them.")
        stems[path.stem] = path
    return paths


def check_specs(specs: Sequence[Path] | None, settings: Settings, *, echo: Echo = print) -> list[LoadedSpec]:
    """Validate spec files without reading any data (the study panel's variables are checked against the catalog
    when the catalog exists)."""
    from griparm_econ.spec import multiverse_size

    loaded = [load_spec(path) for path in _spec_paths(specs, settings)]
    for item in loaded:
        if item.kind in ("regression", "multiverse", "event_study", "synthetic_control") and item.uses_study_panel:
            _check_catalog(item, settings)
        what = (f"{len(item.models)} model{'s' if len(item.models) != 1 else ''}" if item.kind == "regression"
                else f"multiverse of {multiverse_size(item.spec):,} models" if item.kind == "multiverse"
                else item.kind)
        echo(f"ok: {item.path} ({what})")
        if item.kind == "regression" and unlisted_terms(item):
            print(f"griparm: warning: {item.path} [order]: {', '.join(unlisted_terms(item))} estimated but not listed "
                  "in order; shown after the ordered terms. Fix: add them to order, or to omit to leave them out.",
                  file=sys.stderr)
    return loaded


def unlisted_terms(loaded: LoadedSpec) -> list[str]:
    """Terms a model estimates that ``order`` does not list and ``omit`` does not leave out (shown last)."""
    spec = loaded.spec
    if spec.order is None:
        return []
    terms = dict.fromkeys(t for m in loaded.models for t in m.parsed.regressor_names if t != "Intercept")
    if any(m.parsed.constant for m in loaded.models):
        terms["Intercept"] = None   # the constant last, as without order
    return [t for t in terms if t not in spec.order and t not in spec.omit]


def _check_catalog(item: LoadedSpec, settings: Settings) -> None:
    from griparm_econ.catalog import load_catalog

    catalog = load_catalog(settings.catalog_path)
    names = set(catalog.names)
    if item.kind == "multiverse":
        from griparm_econ.spec import multiverse_variables

        wanted = [(variable, f"(grid): {variable}") for variable in multiverse_variables(item.spec)]
    elif item.kind == "synthetic_control":
        wanted = [(variable, f"(spec): {variable}") for variable in item.spec.variables]
    elif item.kind == "event_study":
        wanted = [(variable, f"model[{index + 1}] (name = {model.name!r}): {variable}")
                  for index, model in enumerate(item.models) for variable in model.variables]
    else:
        wanted = [(variable, f"model[{index + 1}] (name = {model.name!r}).formula: {variable}")
                  for index, model in enumerate(item.models) for variable in model.variables]
    for variable, field in wanted:
        if variable not in names:
            close = catalog.nearest(variable, n=3)
            raise SpecError(f"'{variable}' is not a variable of the study panel's catalog"
                            f"{' (nearest: ' + ', '.join(close) + ')' if close else ''}.", where=item.path,
                            field=field,
                            fix="use a name from specs/variables.toml, or add the variable to the catalog.")


def _display_path(path: Path, settings: Settings) -> str:
    """Paths as written into outputs: relative to the data directory or the project, so that outputs do not
    depend on where the checkout lives."""
    resolved = Path(path).resolve()
    if settings.data_dir is not None:
        try:
            return "$GRIPARM_DATA/" + resolved.relative_to(Path(settings.data_dir).resolve()).as_posix()
        except ValueError:
            pass
    try:
        return resolved.relative_to(settings.project_root.resolve()).as_posix()
    except ValueError:
        return resolved.as_posix()


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
    from griparm_econ.estimation.design import build_design, check_variables, load_dataset
    from griparm_econ.estimation.dispatch import fit_model

    cache = {} if cache is None else cache
    data = load_dataset(loaded, settings, cache)
    check_variables(loaded, data)
    if fitted is not None:
        # The estimates file does not hold the panel's unit names; they are the data's (whose sha256 is unchanged).
        results = tuple(replace(r, entity_label=data.entity_label, time_label=data.time_label) for r in fitted)
    else:
        results = tuple(_fit_column(loaded, i, model, data) for i, model in enumerate(loaded.models))
    from griparm_econ.report.labels import term_label
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
    return TableResult(stem=loaded.stem, title=spec.title, spec_path=_display_path(loaded.path, settings),
                       spec_sha256=loaded.sha256, data_path=_display_path(Path(data.path), settings),
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


def _verdict(loaded: LoadedSpec, settings: Settings, out_dir: Path, cache: dict):
    from griparm_econ.freshness import table_verdict
    from griparm_econ.report.estimates import estimates_path

    return table_verdict(loaded, estimates_path(out_dir, loaded.stem), out_dir, version=__version__,
                         data_read=lambda: _data_read(loaded, settings, cache))


def _data_read(loaded: LoadedSpec, settings: Settings, cache: dict) -> str:
    """The digest of exactly the data the spec reads (freshness.data_read_sha256), once per spec and run."""
    from griparm_econ.estimation.design import load_dataset
    from griparm_econ.freshness import data_read_sha256

    key = ("data_read", str(loaded.path))
    if key not in cache:
        cache[key] = data_read_sha256(loaded, load_dataset(loaded, settings, cache), settings)
    return cache[key]


def _rerender(item: LoadedSpec, settings: Settings, out_dir: Path, cache: dict):
    """The outputs of a spec whose display keys or report code alone changed, from what its run stored: a
    regression's or an event study's models in its record, a multiverse's estimates parquet
    (freshness.RERENDER_READS)."""
    from griparm_econ.report.estimates import estimates_path

    if item.kind == "multiverse":
        import pandas as pd

        from griparm_econ.estimation.multiverse import rerender_multiverse

        estimates = pd.read_parquet(out_dir / multiverse_files(item.stem)[0])
        return rerender_multiverse(item, settings, estimates, cache, display_path=_display_path)
    record = json.loads(estimates_path(out_dir, item.stem).read_text(encoding="utf-8"))
    if item.kind == "event_study":
        from griparm_econ.estimation.event_study import rerender_event_study

        return rerender_event_study(item, settings, record, cache, display_path=_display_path)
    fitted = [ModelResult.from_json_dict(model) for model in record["models"]]
    return estimate_spec(item, settings, cache, fitted=fitted)


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
    from dataclasses import replace

    from griparm_econ.report.figures import plot_specification_curve, save_figure
    from griparm_econ.report.notes import multiverse_notes
    from griparm_econ.report.tables import write_frame_table

    result = replace(result, notes=tuple(multiverse_notes(result)))
    # The figure is drawn before any file is written, so a drawing failure leaves nothing behind.
    fig = plot_specification_curve(result.curve, result.indicators, title=result.title,
                                   expected_sign=result.expected_sign, level=result.level,
                                   ylabel="Estimate (SD of outcome)" if result.scale == "outcome_sd" else "Estimate")
    written = [atomic_write_bytes(out_dir / f"estimates/{result.stem}.parquet", _parquet_bytes(result.estimates))]
    digits = {column: 0 if column == "Models" else 1 if column.endswith("(%)") else result.digits
              for column in result.summary_table.columns}
    written += write_frame_table(result.summary_table, stem=result.stem, title=result.title, out_dir=out_dir,
                                 notes=result.notes, digits=digits)
    written += save_figure(fig, out_dir, result.stem)
    # The record goes last: its presence (with matching hashes) is what marks the spec as up to date.
    written.append(write_multiverse_record(result, out_dir, [p.relative_to(out_dir).as_posix() for p in written],
                                           _unit(out_dir, written, unit_keys)))
    return written


def run_specs(specs: Sequence[Path] | None, settings: Settings, *, force: bool = False, echo: Echo = print,
              out_dir: Path | None = None) -> list[TableResult]:
    """Validate, estimate and write every spec; returns the regression tables estimated (skipped ones are not
    returned). Descriptive and shares tables are computed and written the same way; figure specs named on the
    command line are drawn."""
    from griparm_econ.freshness import clean_stale_temps

    out = Path(out_dir) if out_dir is not None else settings.output_dir
    loaded = check_specs(specs, settings, echo=_quiet)
    clean_stale_temps(out)
    figures = [item for item in loaded if item.kind == "figure"]
    tables_todo = [item for item in loaded if item.kind != "figure"]
    cache: dict = {}
    verdicts = {item.path: None if force else _verdict(item, settings, out, cache) for item in tables_todo}
    todo = [item for item in tables_todo if verdicts[item.path] is None or verdicts[item.path].action != "current"]
    for item in tables_todo:
        if item not in todo:
            echo(f"up to date: {_display_path(item.path, settings)} (use --force to re-estimate)")
    # Everything is computed before the first file is written, so a failing spec leaves no output behind.
    rendered = {item.path for item in todo if verdicts[item.path] is not None and verdicts[item.path].action == "render"}
    results = [_rerender(item, settings, out, cache) if item.path in rendered
               else estimate(item, settings, cache, echo=echo) for item in todo]
    for item, result in zip(todo, results):
        paths = write_result(item, result, out, data_read=_data_read(item, settings, cache))
        if item.path in rendered:
            echo(f"re-rendered {result.stem} from its stored estimates ({verdicts[item.path].reason}) in {out}")
        else:
            echo(f"wrote {len(paths)} file{'s' if len(paths) != 1 else ''} for {result.stem} in {out}")
    if figures:
        from griparm_econ.study import run_figures

        run_figures(settings, [item.path for item in figures], force=force, echo=echo, out_dir=out)
    return [r for r in results if isinstance(r, TableResult)]


def estimate(item: LoadedSpec, settings: Settings, cache: dict | None = None, *, echo: Echo = _quiet):
    """One validated table spec computed in memory, nothing written: a TableResult (regression), a
    MultiverseResult or a FrameResult (descriptive, shares)."""
    from griparm_econ.estimation.frames import frame_result

    cache = {} if cache is None else cache
    if item.kind == "regression":
        return estimate_spec(item, settings, cache)
    if item.kind == "multiverse":
        return _estimate_multiverse(item, settings, cache, echo)
    if item.kind == "event_study":
        return _estimate_event_study(item, settings, cache)
    if item.kind == "synthetic_control":
        return _estimate_synthetic(item, settings, cache)
    return frame_result(item, settings, cache, display_path=_display_path)


def write_result(item: LoadedSpec, result, out_dir: Path, data_read: str = "") -> list[Path]:
    """Every file of one spec's result (from :func:`estimate` or a re-render), written as one unit
    (:func:`griparm_econ.freshness.writing_unit`), the record marking it up to date last. ``data_read``: the digest
    of the data the spec read (without it, the next run re-estimates the spec)."""
    from griparm_econ.freshness import unit_files, unit_keys, writing_unit
    from griparm_econ.report.estimates import estimates_path

    keys = unit_keys(item, data_read)
    with writing_unit(out_dir, estimates_path(out_dir, item.stem), unit_files(item.stem, item.kind), item.stem):
        if isinstance(result, TableResult):
            return write_outputs(result, out_dir, keys)
        if hasattr(result, "curve"):
            return write_multiverse_outputs(result, out_dir, keys)
        if getattr(result, "kind", None) in DESIGN_KINDS:
            return _write_design(result, out_dir, keys)
        return write_frame_outputs(result, out_dir, keys)


def _estimate_multiverse(item: LoadedSpec, settings: Settings, cache: dict, echo: Echo):
    from griparm_econ.estimation.multiverse import estimate_multiverse

    return estimate_multiverse(item, settings, cache, echo=echo, display_path=_display_path)


DESIGN_KINDS = ("event_study", "synthetic_control")   # issue 12 kinds: their own estimation and report modules


def _estimate_event_study(item: LoadedSpec, settings: Settings, cache: dict):
    from griparm_econ.estimation.event_study import estimate_event_study

    return estimate_event_study(item, settings, cache, display_path=_display_path)


def _estimate_synthetic(item: LoadedSpec, settings: Settings, cache: dict):
    from griparm_econ.estimation.synthetic_spec import estimate_synthetic_control

    return estimate_synthetic_control(item, settings, cache, display_path=_display_path)


def _write_design(result, out_dir: Path, unit_keys: Mapping) -> list[Path]:
    """An event study's or synthetic control's files, then its record with their sha256 (freshness.py)."""
    if result.kind == "event_study":
        from griparm_econ.report.event_study import write_event_study_outputs as write
    else:
        from griparm_econ.report.synthetic_control import write_synthetic_outputs as write
    return write(result, out_dir, lambda written: _unit(out_dir, written, unit_keys))


def run_study(settings: Settings, *, force: bool = False, echo: Echo = print) -> list[TableResult]:
    """The whole study (tables, figures, index, manifest): see :mod:`griparm_econ.study`."""
    from griparm_econ.study import run_study as study

    return study(settings, force=force, echo=echo)
