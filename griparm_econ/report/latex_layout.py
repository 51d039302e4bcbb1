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
4. the panels each in a float of their own, the notes with the last panel or after it.

Only the ``.tex`` is split: every other format shows the table whole.
"""

from __future__ import annotations

import math
from dataclasses import replace

from griparm_econ.report.grid import Cell, Grid, Row

PANEL_COLUMNS = 5       # the most data columns a panel holds when a wide table is split
PANEL_NAMES = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


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


def layout_lines(caption: str, label: str, n_panels: int) -> list[str]:
    """The TeX that places the table: the macros, then the layouts of the module docstring in order, the first
    that fits the page placed. A table that fits none is set at \\footnotesize anyway, in panels when it has them
    (landscape where too wide for portrait): the compile test then reports it."""
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
        lines.append(r"\ifx\griparmplaced\relax")
        for i, name in enumerate(panels):
            caption_macro = r"\griparmfirst" if i == 0 else r"\griparmcontinued"
            if i < len(panels) - 1:
                lines.append(f"\\let\\griparmtable\\{name}\\griparmchoose\\griparmforce\\griparmput{caption_macro}")
            else:
                lines += [f"\\let\\griparmtable\\{name}\\let\\griparmnotes\\griparmallnotes\\griparmchoose",
                          r"\ifx\griparmfloat\relax\let\griparmnotes\empty\griparmchoose\griparmforce"
                          f"\\griparmput{caption_macro}\\griparmnotesfloat",
                          f"\\else\\griparmput{caption_macro}\\fi"]
        lines.append(r"\def\griparmplaced{}\fi")
    lines += [r"\ifx\griparmplaced\relax\let\griparmnotes\griparmallnotes\griparmforce\griparmput\griparmfirst\fi"]
    return lines
