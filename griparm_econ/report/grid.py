"""The display grid: every number a table shows, formatted once, before any output format is chosen.

Each writer (LaTeX, HTML, Markdown, CSV, Word) only lays these cells out, so a coefficient cannot read 0.123 in
the PDF and 0.124 in the Word file. Cells hold plain Unicode text; escaping is the renderer's job. The grids are
built by :mod:`.regression_grid` (regression tables) and :mod:`.frame_grid` (descriptive tables), their numbers
written by :mod:`.number_text`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Sequence


@dataclass(frozen=True)
class Cell:
    text: str = ""
    stars: str = ""          # significance marks, apart from the number so LaTeX/HTML/Word can superscript them
    span: int = 1            # header cells may span several data columns

    @property
    def display(self) -> str:
        return self.text + self.stars


@dataclass(frozen=True)
class Row:
    stub: str                      # the left-hand label ("" under a coefficient, for its standard error)
    cells: tuple[Cell, ...]        # spans add up to the number of data columns
    kind: str = "data"             # header | coef | se | stat | data | group (a panel title, no cells)
    describes: str = ""            # for rows with an empty stub: what the row is, for screen readers


@dataclass(frozen=True)
class Grid:
    stem: str
    title: str
    n_columns: int                         # data columns, not counting the stub
    header: tuple[Row, ...]
    panels: tuple[tuple[Row, ...], ...]    # body blocks, separated by a rule
    notes: tuple[str, ...] = ()
    provenance: str = ""                   # small last note: where the numbers came from

    def rows(self) -> Iterable[Row]:
        yield from self.header
        for panel in self.panels:
            yield from panel

    def expanded(self, row: Row) -> list[str]:
        """A row's cells one per data column, a spanning cell's text in its first column (for CSV/Markdown)."""
        out: list[str] = []
        for cell in row.cells:
            out.append(cell.display)
            out.extend([""] * (cell.span - 1))
        return out + [""] * (self.n_columns - len(out))


def spanning_cells(values: Sequence[str]) -> tuple[Cell, ...]:
    """Adjacent equal header texts merge into one spanning cell, as in a grouped header."""
    cells: list[Cell] = []
    for value in values:
        if cells and cells[-1].text == value and value:
            cells[-1] = Cell(value, span=cells[-1].span + 1)
        else:
            cells.append(Cell(value))
    return tuple(cells)
