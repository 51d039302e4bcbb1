"""How a LaTeX table finds its page: the column panels of a wide table, and the TeX that picks the layout.

The renderer (:func:`griparm_econ.report.formats.render_latex`) cannot know the reader's page, so the ``.tex`` file
carries the table in every shape a journal accepts and TeX keeps the first that fits the page (text width and
height, room left for the caption), never scaling the type below ``\\footnotesize``:

1. the whole table with its notes in one float: portrait, then one size smaller, then landscape (rotating's
   ``sidewaystable``) at those sizes, then either at ``\\footnotesize`` (notes one size below the table, never
   below ``\\footnotesize``);
2. a table wider than five columns, split into panels of columns (Panel A: (1)-(5), Panel B: (6)-(9)), stacked in
   one float, each panel showing only the rows its columns fill;
3. the whole table in one float and its notes in a second, "Table N (continued)";
4. the panels each in a float of their own, the notes with the last panel or after it (only when every panel
   fits the page);
5. the table (or each panel) cut between rows into parts of at most :data:`PART_ROWS` body rows, each part with
   the column headers in a float of its own ("Table N (continued)"), the notes in floats after them (runs of
   whole notes short enough for a page).

A table that fits none of these is still set (at ``\\footnotesize``), with a LaTeX warning naming it: never
silently off the page.

Only the ``.tex`` is split: every other format shows the table whole.
"""

from __future__ import annotations

import math
from dataclasses import replace

from griparm_econ.report.grid import Cell, Grid, Row

PANEL_COLUMNS = 5       # the most data columns a panel holds when a wide table is split
PANEL_NAMES = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
PART_ROWS = 12          # the most body rows a part holds when a long table is cut between rows (layout 5): at
                        # \footnotesize, with labels wrapped onto two or three lines, a part fits a landscape page of
                        # LaTeX's default article class (10 pt, letter; about 345 pt of text width)


def _slice(row: Row, first: int, last: int) -> Row:
    """The part of ``row`` over data columns ``first``..``last`` (1-based); a spanning cell keeps the part it
    covers."""
    if row.kind == "group":
        return row
    cells, column = [], 1
    for cell in row.cells:
        lo, hi = max(column, first), min(column + cell.span - 1, last)
        if lo <= hi:
            cells.append(Cell(cell.text, cell.stars, span=hi - lo + 1))
        column += cell.span
    return replace(row, cells=tuple(cells))


def _filled(row: Row) -> bool:
    return row.kind in ("header", "group") or any(cell.display for cell in row.cells)


def _panel_rows(rows: tuple[Row, ...], first: int, last: int) -> tuple[Row, ...]:
    """Rows of a body block over the panel's columns, leaving out rows those columns leave empty (a coefficient
    no panel column estimates goes with its standard error row)."""
    out: list[Row] = []
    dropped_coefficient = False
    for row in rows:
        part = _slice(row, first, last)
        if row.kind == "se" and dropped_coefficient:
            continue
        dropped_coefficient = row.kind == "coef" and not _filled(part)
        if _filled(part) or row.kind == "se":
            out.append(part)
    # A group title with no rows left under it goes too.
    return tuple(r for i, r in enumerate(out)
                 if r.kind != "group" or (i + 1 < len(out) and out[i + 1].kind != "group"))


def column_panels(grid: Grid) -> list[tuple[str, Grid]]:
    """("Panel A: columns (1)-(5)", grid of those columns), ... for a table wider than :data:`PANEL_COLUMNS`
    columns (split into equal parts); [] for a narrower one."""
    if grid.n_columns <= PANEL_COLUMNS:
        return []
    count = math.ceil(grid.n_columns / PANEL_COLUMNS)
    size = math.ceil(grid.n_columns / count)
    panels = []
    for index, first in enumerate(range(1, grid.n_columns + 1, size)):
        last = min(first + size - 1, grid.n_columns)
        body = tuple(p for p in (_panel_rows(panel, first, last) for panel in grid.panels) if p)
        header = tuple(_slice(row, first, last) for row in grid.header)
        columns = f"column ({first})" if first == last else f"columns ({first})-({last})"
        panels.append((f"Panel {PANEL_NAMES[index % 26]}: {columns}",
                       replace(grid, n_columns=last - first + 1, header=header, panels=body)))
    return panels


def row_parts(grid: Grid) -> list[Grid]:
    """``grid`` cut between rows into parts of at most :data:`PART_ROWS` body rows, each with the header; a
    standard error stays with its coefficient and a group title with the row under it. [grid] when short."""
    parts: list[list[list[Row]]] = [[]]
    count = 0
    for block in grid.panels:
        parts[-1].append([])
        for i, row in enumerate(block):
            cut_here = row.kind not in ("se",) and not (i > 0 and block[i - 1].kind == "group")
            if count >= PART_ROWS and cut_here:
                parts.append([[]])
                count = 0
            parts[-1][-1].append(row)
            count += 1
    return [replace(grid, panels=tuple(tuple(b) for b in part if b)) for part in parts if any(part)]


NOTE_CHUNK_CHARS = 2000    # the most characters of notes in one float of layout 5: about 25 lines at \footnotesize
                           # on the default article page, so that each notes float fits the page


def note_chunks(notes: tuple[str, ...]) -> list[tuple[str, ...]]:
    """The notes in runs of whole notes of at most :data:`NOTE_CHUNK_CHARS` characters (a longer note alone)."""
    chunks: list[list[str]] = [[]]
    for note in notes:
        if chunks[-1] and sum(map(len, chunks[-1])) + len(note) > NOTE_CHUNK_CHARS:
            chunks.append([])
        chunks[-1].append(note)
    return [tuple(c) for c in chunks if c]


def notes_name(index: int) -> str:
    """The TeX macro that holds notes chunk ``index`` of layout 5."""
    return "griparmnotechunk" + PANEL_NAMES[index // 26 % 26] + PANEL_NAMES[index % 26]


def part_name(index: int) -> str:
    """The TeX macro that holds part ``index`` of layout 5 (letters only: TeX names)."""
    return "griparmpart" + PANEL_NAMES[index // 26 % 26] + PANEL_NAMES[index % 26]


def tabular_name(index: int | None) -> str:
    """The TeX macro that holds the whole table (None) or its panel ``index`` (letters only: TeX names)."""
    return "griparmtable" if index is None else f"griparmpanel{PANEL_NAMES[index % 26]}"


# The macros every table file (re)defines; \griparmtable (or a panel's macro) holds a tabular, \griparmnotes the
# notes paragraph. \griparmchoose leaves \griparmfloat = table / sidewaystable, or \relax when nothing fits.
_MACROS = r"""\ifdefined\griparmtablebox\else\newsavebox{\griparmtablebox}\newlength{\griparmtablewidth}\fi
\def\griparmbuild#1#2{\sbox{\griparmtablebox}{#1\griparmtable}%
\setlength{\griparmtablewidth}{\wd\griparmtablebox}%
\sbox{\griparmtablebox}{\begin{minipage}{\griparmtablewidth}%
\usebox{\griparmtablebox}#2\griparmnotes\end{minipage}}}%
\def\griparmtry#1#2#3#4#5{\ifx\griparmfloat\relax\griparmbuild{#2}{#5}%
\ifdim\wd\griparmtablebox>#3\else
\ifdim\dimexpr\ht\griparmtablebox+\dp\griparmtablebox+3\baselineskip\relax>#4
\else\def\griparmfloat{#1}\fi\fi\fi}%
\def\griparmchoose{\let\griparmfloat\relax
\griparmtry{table}{}{\textwidth}{\textheight}\footnotesize
\griparmtry{table}{\small}{\textwidth}{\textheight}\footnotesize
\griparmtry{sidewaystable}{}{\textheight}{\textwidth}\footnotesize
\griparmtry{sidewaystable}{\small}{\textheight}{\textwidth}\footnotesize
\griparmtry{table}{\footnotesize}{\textwidth}{\textheight}\footnotesize
\griparmtry{sidewaystable}{\footnotesize}{\textheight}{\textwidth}\footnotesize}%
\def\griparmforce{\ifx\griparmfloat\relax\griparmbuild{\footnotesize}{\footnotesize}%
\ifdim\wd\griparmtablebox>\textwidth\def\griparmfloat{sidewaystable}\else\def\griparmfloat{table}\fi\fi}%
\def\griparmput#1{\begin{\griparmfloat}[htbp]\centering#1\usebox{\griparmtablebox}\end{\griparmfloat}}%
\def\griparmnotesfloat{\begin{table}[htbp]\centering\griparmcontinued
\begin{minipage}{\textwidth}\footnotesize\griparmallnotes\end{minipage}\end{table}}%
\def\griparmtryplace{\ifx\griparmplaced\relax\griparmchoose
\ifx\griparmfloat\relax\else\griparmput\griparmfirst\def\griparmplaced{}\fi\fi}%"""


def layout_lines(caption: str, label: str, n_panels: int, n_parts: int = 0, n_note_chunks: int = 0) -> list[str]:
    """The TeX that places the table: the macros, then the layouts of the module docstring in order, the first
    that fits the page placed (``n_parts``: the parts of layout 5, 0 when the table is not cut). A table that fits
    none is set at \\footnotesize anyway (landscape where too wide for portrait), with a LaTeX warning."""
    lines = _MACROS.splitlines() + [
        f"\\def\\griparmfirst{{\\caption{{{caption}}}\\label{{{label}}}}}%",
        f"\\def\\griparmcontinued{{\\addtocounter{{table}}{{-1}}\\caption[]{{{caption} (continued)}}}}%",
        r"\let\griparmallnotes\griparmnotes\let\griparmplaced\relax",
        r"\griparmtryplace",                                              # 1. whole, with notes
    ]
    panels = [tabular_name(i) for i in range(n_panels)]
    if panels:
        stacked = r"\\[2ex]".join(f"\\{name}" for name in panels)
        lines += [f"\\def\\griparmstacked{{\\begin{{tabular}}{{@{{}}l@{{}}}}{stacked}\\end{{tabular}}}}%",
                  r"\let\griparmwhole\griparmtable\let\griparmtable\griparmstacked\griparmtryplace",   # 2.
                  r"\let\griparmtable\griparmwhole"]
    lines += [r"\ifx\griparmplaced\relax\let\griparmnotes\empty\griparmchoose",                  # 3.
              r"\ifx\griparmfloat\relax\else\griparmput\griparmfirst\griparmnotesfloat\def\griparmplaced{}\fi\fi"]
    if panels:                                                                                      # 4.
        # Only when every panel fits: otherwise layout 5 cuts them between rows.
        lines.append(r"\ifx\griparmplaced\relax\let\griparmfits\empty")
        lines += [f"\\let\\griparmtable\\{name}\\let\\griparmnotes\\empty\\griparmchoose"
                  r"\ifx\griparmfloat\relax\let\griparmfits\relax\fi" for name in panels]
        lines.append(r"\ifx\griparmfits\relax\else")
        for i, name in enumerate(panels):
            caption_macro = r"\griparmfirst" if i == 0 else r"\griparmcontinued"
            if i < len(panels) - 1:
                lines.append(f"\\let\\griparmtable\\{name}\\griparmchoose\\griparmforce\\griparmput{caption_macro}")
            else:
                lines += [f"\\let\\griparmtable\\{name}\\let\\griparmnotes\\griparmallnotes\\griparmchoose",
                          r"\ifx\griparmfloat\relax\let\griparmnotes\empty\griparmchoose\griparmforce"
                          f"\\griparmput{caption_macro}\\griparmnotesfloat",
                          f"\\else\\griparmput{caption_macro}\\fi"]
        lines.append(r"\def\griparmplaced{}\fi\fi")
    if n_parts > 1:                                                                                 # 5.
        lines += [r"\ifx\griparmplaced\relax\let\griparmnotes\empty"]
        lines += [f"\\let\\griparmtable\\{part_name(i)}\\griparmchoose\\griparmforce"
                  + (r"\griparmput\griparmfirst" if i == 0 else r"\griparmput\griparmcontinued")
                  for i in range(n_parts)]
        lines += [f"\\let\\griparmallnotes\\{notes_name(i)}\\griparmnotesfloat" for i in range(n_note_chunks)]
        lines += [r"\def\griparmplaced{}\fi"]
    lines += [r"\ifx\griparmplaced\relax\let\griparmnotes\griparmallnotes\griparmforce\griparmput\griparmfirst"
              f"\\GenericWarning{{}}{{griparm-econ Warning: {label} fits no layout of this page; set anyway}}\\fi"]
    return lines
