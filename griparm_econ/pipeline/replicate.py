"""``griparm replicate`` and ``griparm report-freeze``: every spec kind that reports estimates (its registry entry
has a ``record``) re-estimated in memory and compared with ``reported/estimates.json``; or the study run and its
estimates recorded as the reported ones."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from griparm_econ.config import Settings
from griparm_econ.pipeline.check import check_specs
from griparm_econ.pipeline.kinds import CELL_KINDS, estimate, kind_of
from griparm_econ.pipeline.layout import REPORTED_FILE, discover_specs, reported_path
from griparm_econ.pipeline.records import data_vintage
from griparm_econ.pipeline.sequencer import run_study
from griparm_econ.pipeline.tables import quiet
from griparm_econ.output_layout import ESTIMATES_DIR

Echo = Callable[[str], None]


def freeze_reported(settings: Settings, *, echo: Echo = print) -> Path:
    """Run the study, then record its estimates as the reported ones (a deliberate act: review the diff)."""
    from griparm_econ.replication.reported import freeze

    run_study(settings, echo=quiet)
    path = freeze(settings.output_dir / ESTIMATES_DIR, reported_path(settings), data_vintage=data_vintage(settings),
                  cell_kinds=CELL_KINDS)
    echo(f"wrote {path}: review `git diff {REPORTED_FILE}` before committing it")
    return path


def replicate(settings: Settings, *, echo: Echo = print) -> bool:
    """Re-estimate every spec whose kind reports estimates (regression, event study, synthetic control; the cells
    of descriptive, shares and before/after tables) in memory and compare every reported number with it; True when all match. Nothing in the output folder is read (an edited
    estimates record could agree with an edited reported file) and only the replication report is written there."""
    from griparm_econ.panel import load_panel
    from griparm_econ.replication import check, reported
    from griparm_econ.replication.manifest import package_versions
    from griparm_econ.report.replication import console_lines, write_replication_report

    frozen = reported.load(reported_path(settings))
    load_panel(settings)   # a panel rebuilt because it changed since its build says so (one line on stderr)
    specs = discover_specs(settings)
    reporting = [item for item in (check_specs(specs, settings, echo=quiet) if specs else [])
                 if kind_of(item.kind).record is not None]
    cache: dict = {}
    # The tables that report estimates come from the specs (not from the file under check): each must be reported.
    replicated = {item.stem: kind_of(item.kind).record(estimate(item, settings, cache)) for item in reporting}
    report = check.check(frozen, replicated, data_vintage(settings), study_tables=list(replicated),
                         versions=package_versions())
    for line in console_lines(report):
        echo(line)
    paths = write_replication_report(report, settings.output_dir)
    echo(f"wrote {', '.join(str(p) for p in paths)}")
    return report.ok
