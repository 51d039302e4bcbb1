"""Write one table in five formats: ``tables/<stem>.tex``, ``.html``, ``.md``, ``.csv`` and ``.docx``.

A regression table (:class:`TableResult`) or a plain frame is turned into one display grid, every format is
rendered from that grid in memory, and only when all five rendered does anything touch the disk, each file through
an atomic rename. A renderer that fails therefore leaves no file, new or half-written.
"""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path
from typing import Callable, Mapping, Sequence

import pandas as pd

from griparm_econ.estimation.results import TableResult
from griparm_econ.errors import GriparmError
from griparm_econ.io import atomic_path
from griparm_econ.report.formats import render_csv, render_html, render_latex, render_markdown
from griparm_econ.report.frame_grid import build_frame_grid
from griparm_econ.report.grid import Grid
from griparm_econ.report.regression_grid import build_regression_grid
from griparm_econ.report.word import render_docx
from griparm_econ.output_layout import TABLES_DIR



def _utf8(render: Callable[[Grid], str]) -> Callable[[Grid], bytes]:
    return lambda grid: render(grid).encode("utf-8")


# Looked up at call time (not bound at import) so each renderer can be swapped, e.g. by a test.
def _renderers() -> dict[str, Callable[[Grid], bytes]]:
    return {
        ".tex": _utf8(render_latex),
        ".html": _utf8(render_html),
        ".md": _utf8(render_markdown),
        ".csv": _utf8(render_csv),
        ".docx": render_docx,
    }


def _check_stem(stem: str, where: str) -> None:
    if not stem or "/" in stem or "\\" in stem or stem.startswith("."):
        raise GriparmError(f"table file stem {stem!r} is not a plain file name", where=where, field="stem",
                           fix="use letters, digits, '-' and '_' only")


def write_grid(grid: Grid, out_dir: Path) -> list[Path]:
    """Render all formats, stage every file, then rename them all; returns the paths (.tex .html .md .csv .docx).

    Nothing is renamed into place until all five temporary files are complete, so a failure in any renderer or
    any write leaves the folder as it was (no new table, no temporary file).
    """
    rendered = {suffix: render(grid) for suffix, render in _renderers().items()}
    folder = Path(out_dir) / TABLES_DIR
    targets = [folder / f"{grid.stem}{suffix}" for suffix in rendered]
    with ExitStack() as staged:
        for target, data in zip(targets, rendered.values()):
            staged.enter_context(atomic_path(target)).write_bytes(data)
    return targets


def write_table(table: TableResult, out_dir: Path) -> list[Path]:
    """The regression table of one spec, esttab-style, in the five formats."""
    _check_stem(table.stem, table.spec_path)
    if not table.models:
        raise GriparmError("the spec produced no models, so there is no table to write", where=table.spec_path,
                           field="models", fix="add at least one model to the spec")
    return write_grid(build_regression_grid(table), out_dir)


def write_frame_table(frame: pd.DataFrame, *, stem: str, title: str, out_dir: Path, notes: Sequence[str] = (),
                      digits: int | Mapping[str, int] = 3, index_label: str = "",
                      column_groups: Sequence[tuple[str, int]] | Mapping[str, Sequence] | None = None
                      ) -> list[Path]:
    """A non-regression table (descriptive statistics, shares by period) in the same five formats.

    Rows are the frame's index, columns its columns; a two-level column MultiIndex, or ``column_groups`` given as
    ``[(label, span), ...]`` or ``{label: [columns]}``, becomes a spanning header row.
    """
    _check_stem(stem, title)
    grid = build_frame_grid(frame, stem=stem, title=title, notes=notes, digits=digits, index_label=index_label,
                            column_groups=column_groups)
    return write_grid(grid, out_dir)
