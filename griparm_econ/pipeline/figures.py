"""Every figure spec drawn, with its cache: a figure whose spec, inputs (what its kind reads) and code are
unchanged is not redrawn (:func:`griparm_econ.freshness.figure_current`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Callable, Sequence

from griparm_econ.config import Settings
from griparm_econ.errors import SpecError
from griparm_econ.io import atomic_write_text
from griparm_econ.pipeline.figure_data import FigureContext
from griparm_econ.pipeline.figure_kinds import FIGURE_KINDS, figure_inputs
from griparm_econ.pipeline.kinds import kind_of
from griparm_econ.pipeline.layout import FIGURES_DIR, discover_figures, display_path, figure_record
from griparm_econ.spec import load_spec

Echo = Callable[[str], None]


def run_figures(settings: Settings, specs: Sequence[Path] | None = None, *, force: bool = False,
                echo: Echo = print, out_dir: Path | None = None) -> list[Path]:
    """Draw every figure spec (or those named); a figure whose spec, inputs and code are unchanged is skipped."""
    out = Path(out_dir) if out_dir is not None else settings.output_dir
    paths = list(specs) if specs else discover_figures(settings)
    loaded = [load_spec(p) for p in paths]
    for item in loaded:
        if not kind_of(item.kind).is_figure:
            raise SpecError(f"is a {item.kind} spec, not a figure.", where=item.path, field="kind",
                            fix="figure specs live in specs/figures/ and say kind = \"figure\".")
    from griparm_econ.freshness import (clean_stale_temps, code_fingerprints, figure_current, file_hashes,
                                        seal_record, writing_unit)

    clean_stale_temps(out / FIGURES_DIR)
    ctx = FigureContext(settings=settings, out_dir=out)
    written: list[Path] = []
    for item in loaded:
        inputs = figure_inputs(item, ctx)
        record_path = figure_record(out, item.stem)
        key = {"spec_sha256": item.sha256, "inputs": inputs, **code_fingerprints()}
        if not force and figure_current(record_path, out, key):
            echo(f"up to date: {display_path(item.path, settings)}")
            continue
        # Imported only when a figure is drawn: matplotlib and seaborn take most of an unchanged rerun's time.
        from griparm_econ.report.figures import save_figure

        fig, notes = FIGURE_KINDS[item.spec.figure].draw(item, ctx)
        with writing_unit(out, record_path, kind_of(item.kind).unit_files(item.stem), item.stem):
            files = save_figure(fig, out, item.stem)
            record = {"kind": "figure", "figure": item.spec.figure, "stem": item.stem, "title": item.spec.title,
                      "spec": display_path(item.path, settings), **key,
                      "notes": list(notes) + list(item.spec.notes),
                      "files": [f.relative_to(out).as_posix() for f in files], "outputs": file_hashes(out, files)}
            written += files + [atomic_write_text(record_path, json.dumps(seal_record(record), indent=2,
                                                                      sort_keys=True) + "\n")]
        echo(f"drew {item.stem} ({', '.join(f.suffix.lstrip('.') for f in files)}) in {out / FIGURES_DIR}")
    return written
