"""The one sequencer: ``griparm tables`` runs panel -> table specs -> figure specs -> index -> manifest, and
``griparm run`` the specs named.

Each step is skipped where nothing it depends on changed (the panel when it is current, a table spec when its
spec, data and code are, a figure when its spec, inputs and code are). Three phases, so that a bad spec or bad data
leave nothing behind: validate every spec (no data read), estimate every spec in memory, then write every unit
(each file atomically, the record that marks a unit current last).
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Sequence

from griparm_econ.version import __version__
from griparm_econ.config import Settings
from griparm_econ.estimation.results import TableResult
from griparm_econ.labels import counted
from griparm_econ.pipeline.check import check_specs
from griparm_econ.pipeline.figures import run_figures
from griparm_econ.pipeline.kinds import estimate, kind_of, write_result
from griparm_econ.pipeline.layout import discover_figures, discover_specs, display_path, table_record
from griparm_econ.pipeline.records import write_index, write_manifest
from griparm_econ.pipeline.tables import quiet
from griparm_econ.spec import LoadedSpec

Echo = Callable[[str], None]


def _verdict(loaded: LoadedSpec, settings: Settings, out_dir: Path, cache: dict):
    from griparm_econ.freshness import table_verdict

    entry = kind_of(loaded.kind)
    return table_verdict(loaded, table_record(out_dir, loaded.stem), out_dir, version=__version__,
                         data_read=lambda: data_read(loaded, settings, cache), files=entry.unit_files(loaded.stem),
                         rerender_reads=entry.rerender_reads if entry.rerender is not None else None)


def data_read(loaded: LoadedSpec, settings: Settings, cache: dict) -> str:
    """The digest of exactly the data the spec reads (freshness.data_read_sha256), once per spec and run."""
    from griparm_econ.estimation.dataset import load_dataset
    from griparm_econ.freshness import data_read_sha256
    from griparm_econ.panel import read_aggregates

    key = ("data_read", str(loaded.path))
    if key not in cache:
        cache[key] = data_read_sha256(loaded, load_dataset(loaded, settings, cache),
                                     lambda: read_aggregates(settings))
    return cache[key]


def run_specs(specs: Sequence[Path] | None, settings: Settings, *, force: bool = False, echo: Echo = print,
              out_dir: Path | None = None) -> list[TableResult]:
    """Validate, estimate and write every spec; returns the regression tables estimated (skipped ones are not
    returned). Every table kind is computed and written the same way (its registry entry says how); figure specs
    named on the command line are drawn."""
    from griparm_econ.freshness import clean_stale_temps

    out = Path(out_dir) if out_dir is not None else settings.output_dir
    loaded = check_specs(specs, settings, echo=quiet)
    clean_stale_temps(out)
    figures = [item for item in loaded if kind_of(item.kind).is_figure]
    tables_todo = [item for item in loaded if not kind_of(item.kind).is_figure]
    cache: dict = {}
    verdicts = {item.path: None if force else _verdict(item, settings, out, cache) for item in tables_todo}
    todo = [item for item in tables_todo if verdicts[item.path] is None or verdicts[item.path].action != "current"]
    for item in tables_todo:
        if item not in todo:
            echo(f"up to date: {display_path(item.path, settings)} (use --force to re-estimate)")
    # Everything is computed before the first file is written, so a failing spec leaves no output behind.
    rendered = {item.path for item in todo if verdicts[item.path] is not None and verdicts[item.path].action == "render"}
    results = [kind_of(item.kind).rerender(item, settings, out, cache) if item.path in rendered
               else estimate(item, settings, cache, echo=echo) for item in todo]
    for item, result in zip(todo, results):
        paths = write_result(item, result, out, data_read=data_read(item, settings, cache))
        if item.path in rendered:
            echo(f"re-rendered {result.stem} from its stored estimates ({verdicts[item.path].reason}) in {out}")
        else:
            echo(f"wrote {counted(len(paths), 'file')} for {result.stem} in {out}")
    if figures:
        run_figures(settings, [item.path for item in figures], force=force, echo=echo, out_dir=out)
    return [r for r in results if isinstance(r, TableResult)]


def run_study(settings: Settings, *, force: bool = False, echo: Echo = print) -> list[TableResult]:
    """Panel, tables, figures, index and manifest; each step skipped where nothing it depends on changed."""
    from griparm_econ.freshness import clean_stale_temps, orphan_outputs
    from griparm_econ.panel import load_panel, publish_coverage

    settings.output_dir.mkdir(parents=True, exist_ok=True)
    clean_stale_temps(settings.output_dir, settings.work_dir)
    load_panel(settings, echo=echo)
    publish_coverage(settings)      # the coverage of the panel in use, remade from the built file
    tables = run_specs(None, settings, force=force, echo=echo) if discover_specs(settings) else []
    run_figures(settings, force=force, echo=echo)
    # A replication package holds nothing no spec made: outputs of removed or renamed specs go.
    orphans = orphan_outputs(settings.output_dir, [p.stem for p in discover_specs(settings) + discover_figures(settings)])
    for path in orphans:
        path.unlink()
    if orphans:
        echo(f"removed {counted(len(orphans), 'output file')} of specs that no longer exist: "
             + ", ".join(sorted({p.relative_to(settings.output_dir).as_posix() for p in orphans})))
    index = write_index(settings, settings.output_dir)
    manifest = write_manifest(settings, settings.output_dir)
    echo(f"wrote {index} and {manifest}")
    return tables
