"""Text renderers of a display grid: LaTeX (booktabs), standalone HTML, GitHub Markdown and CSV.

Each takes a :class:`Grid` and returns the whole file as a string; none formats a number, so every format shows
exactly the same digits. Escaping lives here because it is the only format-specific thing about a cell's text.
"""

from __future__ import annotations

import csv
import html
import io
import re
import textwrap

from griparm_econ.report.grid import Cell, Grid, Row
from griparm_econ.report.latex_layout import (column_panels, layout_lines, note_chunks, notes_name, part_name,
                                              row_parts, tabular_name)

# ----------------------------------------------------------------------------------------------------- LaTeX

_LATEX_ESCAPES = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    # In pdflatex's default OT1 encoding these three print as other glyphs (¡ ¿ —); math mode needs no extra font.
    "<": r"$<$",
    ">": r"$>$",
    "|": r"$|$",
    # Unicode that pdflatex's utf8 input does not map by default.
    "×": r"$\times$",
    "Δ": r"$\Delta$",
    "χ": r"$\chi$",
    "σ": r"$\sigma$",
    "θ": r"$\theta$",
    "ρ": r"$\rho$",
    "≥": r"$\geq$",
    "≤": r"$\leq$",
    "±": r"$\pm$",
    "²": r"\textsuperscript{2}",
    "−": r"$-$",
    "µ": r"$\mu$",
    "≈": r"$\approx$",
    "→": r"$\rightarrow$",
    "₂": r"\textsubscript{2}",
    "³": r"\textsuperscript{3}",
    "°": r"\textdegree{}",
    "€": r"\texteuro{}",
    "‰": r"\textperthousand{}",
    "…": r"\ldots{}",
    "\u00a0": "~",
    "–": "--",
    "—": "---",
    "\n": " ",
}
_LATEX_TABLE = str.maketrans(_LATEX_ESCAPES)
_NEGATIVE_NUMBER = re.compile(r"(?<![\w.-])-(?=\d)")


# A power written with a caret ("2^G") is set as one ($2^{G}$), not as a caret between two letters.
_ESCAPED_POWER = re.compile(r"(\d+)\\textasciicircum\{\}(\w+)")


def latex_escape(text: str) -> str:
    return _ESCAPED_POWER.sub(r"$\1^{\2}$", text.translate(_LATEX_TABLE))


def _sentence(note: str) -> str:
    """A note ends as a sentence (the star legend has no full stop), since LaTeX runs the notes together."""
    return note if note.rstrip().endswith((".", ":", ";", "?", "!")) else note.rstrip() + "."


def _latex_cell(cell: Cell) -> str:
    text = _latex_text(cell.text)
    if cell.stars:
        text += f"$^{{{cell.stars}}}$"
    return text


# Text longer than this many characters wraps onto lines of at most this length inside its cell (a nested tabular,
# what makecell does, as wide as its longest line) instead of widening its column: a label in the stub, a header, a
# word in a statistics row. Numbers and intervals never wrap.
_LATEX_WRAP_CHARS = {"stub": 30, "cell": 12}
_WORD = re.compile(r"[^\W\d_]{3}")


def _latex_text(text: str) -> str:
    # A bare "-" in text mode is a hyphen; a minus in front of a number gets the real minus sign.
    return _NEGATIVE_NUMBER.sub("$-$", latex_escape(text))


def _wrap_lines(raw: str, kind: str, span: int = 1) -> list[str] | None:
    limit = _LATEX_WRAP_CHARS[kind] * span
    if len(raw) <= limit or " " not in raw.strip() or not _WORD.search(raw):
        return None
    return [_latex_text(line) for line in textwrap.wrap(raw, limit, break_long_words=False, break_on_hyphens=False)]


def _stub_stack(lines: list[str], *, indent_first: bool) -> str:
    """Lines of a label, each after the first indented (a hanging indent); one line needs no nested tabular."""
    indented = [line if i == 0 and not indent_first else f"\\quad {line}" for i, line in enumerate(lines)]
    return indented[0] if len(indented) == 1 else \
        "\\begin{tabular}[t]{@{}l@{}}" + " \\\\ ".join(indented) + "\\end{tabular}"


def _latex_wrapped(raw: str, kind: str, span: int = 1, *, bottom: bool = False) -> str | None:
    """``raw`` as a stack of lines when it is long text with words, else None."""
    lines = _wrap_lines(raw, kind, span)
    if lines is None:
        return None
    if kind == "stub":
        return _stub_stack(lines, indent_first=False)
    return f"\\begin{{tabular}}[{'b' if bottom else 't'}]{{@{{}}c@{{}}}}" + " \\\\ ".join(lines) + "\\end{tabular}"


def _latex_row(row: Row, width: int, stub: str | None = None) -> str:
    if row.kind == "group":
        return f"\\multicolumn{{{width + 1}}}{{@{{}}l}}{{\\textit{{{latex_escape(row.stub)}}}}} \\\\"
    header = row.kind == "header"
    parts = [stub if stub is not None else _latex_wrapped(row.stub, "stub") or latex_escape(row.stub)]
    for cell in row.cells:
        body = (None if cell.stars else _latex_wrapped(cell.text, "cell", cell.span, bottom=header)) \
            or _latex_cell(cell)
        parts.append(f"\\multicolumn{{{cell.span}}}{{c}}{{{body}}}" if cell.span > 1 else body)
    return " & ".join(parts) + r" \\"


def _latex_panel(panel: list[Row], width: int) -> list[str]:
    """A panel's rows; a coefficient's label that wraps continues in the empty stub of its standard error's row,
    so the coefficient and its standard error stay on adjacent lines."""
    lines, carried = [], None
    for i, row in enumerate(panel):
        stub = None
        if carried is not None:
            stub, carried = _stub_stack(carried, indent_first=True), None
        else:
            wrapped = _wrap_lines(row.stub, "stub")
            following = panel[i + 1] if i + 1 < len(panel) else None
            if wrapped and len(wrapped) > 1 and following is not None and following.kind == "se" \
                    and not following.stub:
                stub, carried = wrapped[0], wrapped[1:]
        lines.append(_latex_row(row, width, stub))
    return lines


def _latex_spans(row: Row) -> str:
    """\\cmidrule under each spanning header so the reader sees which columns a label covers."""
    rules, column = [], 2  # column 1 is the stub
    for cell in row.cells:
        if cell.span > 1 and cell.text:
            rules.append(f"\\cmidrule(lr){{{column}-{column + cell.span - 1}}}")
        column += cell.span
    return " ".join(rules)


def _latex_label(stem: str) -> str:
    return "tab:" + re.sub(r"[^A-Za-z0-9_.:-]", "-", stem)


LATEX_PACKAGES = ("booktabs", "rotating")      # the preamble every table needs: rules, and landscape floats


def _latex_tabular(grid: Grid, name: str, heading: str = "") -> list[str]:
    r"""``\def\<name>{<the grid as a booktabs tabular>}``; a panel's ``heading`` ("Panel A: ...") above its rules."""
    lines = [f"\\def\\{name}{{\\setlength{{\\tabcolsep}}{{4pt}}%",
             f"\\begin{{tabular}}{{@{{}}l*{{{grid.n_columns}}}{{c}}@{{}}}}"]
    if heading:
        lines.append(f"\\multicolumn{{{grid.n_columns + 1}}}{{@{{}}l}}{{\\textit{{{latex_escape(heading)}}}}} \\\\")
    lines.append(r"\toprule")
    for row in grid.header:
        lines.append(_latex_row(row, grid.n_columns))
        rules = _latex_spans(row)
        if rules:
            lines.append(rules)
    for panel in grid.panels:
        lines.append(r"\midrule")
        lines.extend(_latex_panel(list(panel), grid.n_columns))
    return lines + [r"\bottomrule", r"\end{tabular}}%"]


def _latex_notes(name: str, notes: tuple[str, ...], provenance: str, *, first: bool) -> list[str]:
    r"""``\def\<name>{<the notes paragraph>}``; "Notes:" in front of the first chunk only."""
    lines = [f"\\def\\{name}{{%"]
    if notes or provenance:
        lines.append(r"\par\smallskip\raggedright")
        lines += [("\\textit{Notes:} " if i == 0 and first else "") + latex_escape(_sentence(note))
                  for i, note in enumerate(notes)]
        if notes:
            lines.append(r"\par")
        if provenance:
            lines.append(f"{{\\scriptsize {latex_escape(provenance)}\\par}}")
    return lines + ["}%"]


def render_latex(grid: Grid) -> str:
    """A float that stays readable: never scaled. Long labels and headers wrap in their cells, and TeX itself picks
    the first layout in which the table and its notes fit the page (portrait, one size smaller, landscape, panels
    of columns, notes continued; :mod:`griparm_econ.report.latex_layout`), so the choice holds for any document
    class and text width."""
    panels = column_panels(grid)
    lines = [
        f"% {grid.stem}: generated by griparm-econ. Needs \\usepackage{{{','.join(LATEX_PACKAGES)}}} in the preamble.",
        *_latex_tabular(grid, tabular_name(None)),
    ]
    for index, (heading, panel) in enumerate(panels):
        lines += _latex_tabular(panel, tabular_name(index), heading)
    # Layout 5: the table, or each panel, cut between rows.
    parts = [(heading, part) for heading, whole in (panels or [("", grid)]) for part in row_parts(whole)]
    if len(parts) <= max(len(panels), 1):
        parts = []
    for index, (heading, part) in enumerate(parts):
        lines += _latex_tabular(part, part_name(index), heading)
    # Notes as wide as the table above them (what threeparttable does, without needing that package), run together
    # in one paragraph as journals set them.
    lines += _latex_notes(r"griparmnotes", grid.notes, grid.provenance, first=True)
    # Layout 5 sets the notes in floats of their own, in chunks short enough for a page.
    chunks = (note_chunks(grid.notes) or [()]) if parts and (grid.notes or grid.provenance) else []
    for index, chunk in enumerate(chunks):
        lines += _latex_notes(notes_name(index), chunk, grid.provenance if index == len(chunks) - 1 else "",
                              first=index == 0)
    lines += layout_lines(latex_escape(grid.title), _latex_label(grid.stem), len(panels), len(parts),
                         len(chunks))
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------------------------------------------ HTML

# The table's own rules, shared with the index page, which shows every table inline.
TABLE_CSS = """\
table{border-collapse:collapse;margin:0 auto;font-variant-numeric:tabular-nums}
caption{caption-side:top;font-weight:600;padding-bottom:.5rem;text-align:left}
th,td{padding:.2rem .8rem;text-align:center;white-space:nowrap}
th[scope=row]{text-align:left;font-weight:normal}
thead tr:first-child{border-top:2px solid #111}
thead{border-bottom:1px solid #111}
tbody+tbody{border-top:1px solid #111}
tbody:last-of-type{border-bottom:2px solid #111}
th.group{border-bottom:1px solid #111}
tr.se td{color:#333;padding-top:0}
tr.group th{text-align:left;font-style:italic;font-weight:normal;padding-top:.4rem}
tfoot td{text-align:left;white-space:normal;font-size:.85rem;padding-top:.4rem}
tfoot p{margin:.15rem 0}
.provenance{color:#555;font-size:.75rem}
"""
_CSS = 'body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem;color:#111;background:#fff}\n' \
    + TABLE_CSS


def _esc(text: str) -> str:
    return html.escape(text, quote=True)


def _html_value(cell: Cell) -> str:
    text = _esc(cell.text)
    if cell.stars:
        text += f"<sup>{_esc(cell.stars)}</sup>"
    return text


def _html_header_row(row: Row) -> str:
    stub = f'<th scope="row">{_esc(row.stub)}</th>' if row.stub else "<td></td>"
    cells = []
    for cell in row.cells:
        if cell.span > 1:
            cells.append(f'<th scope="colgroup" colspan="{cell.span}" class="group">{_html_value(cell)}</th>')
        elif cell.text:
            cells.append(f'<th scope="col">{_html_value(cell)}</th>')
        else:
            cells.append("<td></td>")
    return f"<tr>{stub}{''.join(cells)}</tr>"


def _html_body_row(row: Row, width: int) -> str:
    if row.kind == "group":
        return f'<tr class="group"><th scope="rowgroup" colspan="{width + 1}">{_esc(row.stub)}</th></tr>'
    if row.stub:
        stub = f'<th scope="row">{_esc(row.stub)}</th>'
    elif row.describes:
        # No visible text, but screen readers still learn which coefficient a standard error belongs to.
        stub = f'<th scope="row" aria-label="{_esc(row.describes)}"></th>'
    else:
        stub = "<td></td>"
    cells = "".join(f"<td>{_html_value(cell)}</td>" for cell in row.cells)
    css = f' class="{row.kind}"' if row.kind in ("coef", "se", "stat") else ""
    return f"<tr{css}>{stub}{cells}</tr>"


def render_html(grid: Grid) -> str:
    width = grid.n_columns + 1
    lines = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_esc(grid.title)}</title>",
        f"<style>\n{_CSS}</style>",
        "</head>",
        "<body>",
        f'<table id="{_esc(re.sub(r"[^A-Za-z0-9_-]", "-", grid.stem))}">',
        f"<caption>{_esc(grid.title)}</caption>",
        "<thead>",
        *(_html_header_row(row) for row in grid.header),
        "</thead>",
    ]
    for panel in grid.panels:
        lines += ["<tbody>", *(_html_body_row(row, grid.n_columns) for row in panel), "</tbody>"]
    if grid.notes or grid.provenance:
        notes = [f"<p>{'<em>Notes:</em> ' if i == 0 else ''}{_esc(note)}</p>" for i, note in enumerate(grid.notes)]
        if grid.provenance:
            notes.append(f'<p class="provenance">{_esc(grid.provenance)}</p>')
        lines += ["<tfoot>", f'<tr><td colspan="{width}">', *notes, "</td></tr>", "</tfoot>"]
    lines += ["</table>", "</body>", "</html>"]
    return "\n".join(lines) + "\n"


# -------------------------------------------------------------------------------------------------- Markdown

# Backslash-escaping is valid for any ASCII punctuation in CommonMark; these are the ones that change meaning.
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|#$~])")


def md_escape(text: str) -> str:
    return _MD_SPECIAL.sub(r"\\\1", text).replace("\n", " ")


def _md_cell(cell_text: str, stars: str = "") -> str:
    # Stars after a number cannot open emphasis (nothing follows them in the cell), so they stay readable raw.
    return md_escape(cell_text) + stars


def _md_line(values: list[str]) -> str:
    return "| " + " | ".join(values) + " |"


def _md_row(row: Row, width: int) -> list[str]:
    if row.kind == "group":
        return [f"*{md_escape(row.stub)}*"] + [""] * width
    values = [md_escape(row.stub)]
    for cell in row.cells:
        values.append(_md_cell(cell.text, cell.stars))
        values.extend([""] * (cell.span - 1))
    return values + [""] * (width + 1 - len(values))


def render_markdown(grid: Grid) -> str:
    # GitHub tables have one header line: the first header row heads the table and the other header rows become
    # the first body rows, so rows read top to bottom in the same order as every other format.
    header, *leading = grid.header if grid.header else (Row("", ()),)
    lines = [f"Table: {md_escape(grid.title)}", ""]
    lines.append(_md_line(_md_row(header, grid.n_columns)))
    lines.append(_md_line([":---"] + [":---:"] * grid.n_columns))
    for row in leading:
        lines.append(_md_line(_md_row(row, grid.n_columns)))
    for panel in grid.panels:
        lines.extend(_md_line(_md_row(row, grid.n_columns)) for row in panel)
    if grid.notes or grid.provenance:
        lines.append("")
        for i, note in enumerate(grid.notes):
            lines += [("*Notes:* " if i == 0 else "") + md_escape(note), ""]
        if grid.provenance:
            lines += [f"<sub>{md_escape(grid.provenance)}</sub>", ""]
        lines.pop()
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------------------------------------------- CSV

def render_csv(grid: Grid) -> str:
    """The grid as displayed (like esttab's csv): header rows, body rows, then the notes one per line."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    for row in grid.rows():
        writer.writerow([row.stub, *grid.expanded(row)])
    if grid.notes or grid.provenance:
        writer.writerow([])
        for note in (*grid.notes, *([grid.provenance] if grid.provenance else [])):
            writer.writerow([note])
    return buffer.getvalue()
