"""Word renderer of a display grid: a real Word table built with python-docx's own API (caption, merged group
headers, booktabs-style rules, notes), the way a Word user would make it.

Same bytes for the same grid: python-docx stamps the current time into the core properties and every zip entry's
date; the core properties are pinned before saving and the package is then rewritten entry by entry (same order,
same content) with a fixed date, so the file depends on the grid alone.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.opc.constants import RELATIONSHIP_TYPE
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt, RGBColor

from griparm_econ.report.grid import Grid, Row

_FIXED_TIME = dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc)
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)      # the earliest time a zip entry can hold
_HEAVY, _LIGHT = 12, 4                 # border widths in eighths of a point: top/bottom rule, mid rule
_WIDE_TABLE = 6                        # more model columns than this and the page turns landscape


def _pin_properties(document, title: str) -> None:
    core = document.core_properties
    core.title = title
    core.author = "griparm-econ"
    core.last_modified_by = "griparm-econ"
    core.created = _FIXED_TIME
    core.modified = _FIXED_TIME
    core.last_printed = _FIXED_TIME
    core.revision = 1
    # The template's thumbnail is a picture of an empty page; a stale preview is worse than none.
    package_rels = document.part.package.rels
    for rel_id in [key for key, rel in package_rels.items() if rel.reltype == RELATIONSHIP_TYPE.THUMBNAIL]:
        package_rels.pop(rel_id)


def _set_borders(cell, rules: dict[str, int]) -> None:
    """Top/bottom rules of one cell. python-docx has no border API, so this one property is set as its XML."""
    if not rules:
        return
    borders = OxmlElement("w:tcBorders")
    for edge in ("top", "bottom"):
        if edge in rules:
            border = OxmlElement(f"w:{edge}")
            for key, value in (("val", "single"), ("sz", str(rules[edge])), ("space", "0"), ("color", "000000")):
                border.set(qn(f"w:{key}"), value)
            borders.append(border)
    cell._tc.get_or_add_tcPr().append(borders)


def _write(cell, text: str, stars: str, size: float, *, align=WD_ALIGN_PARAGRAPH.CENTER, italic: bool = False):
    paragraph = cell.paragraphs[0]
    paragraph.alignment = align
    paragraph.paragraph_format.space_after = Pt(0)
    paragraph.paragraph_format.keep_with_next = True     # keeps a short table on one page with its caption
    if text:
        run = paragraph.add_run(text)
        run.font.size = Pt(size)
        run.italic = italic or None
    if stars:
        run = paragraph.add_run(stars)
        run.font.size = Pt(size)
        run.font.superscript = True


def _rows_with_rules(grid: Grid) -> list[tuple[Row, bool]]:
    """Each row with whether a rule goes under it (end of header, end of each panel but the last)."""
    marked = [(row, i == len(grid.header) - 1) for i, row in enumerate(grid.header)]
    for p, panel in enumerate(grid.panels):
        marked += [(row, i == len(panel) - 1 and p < len(grid.panels) - 1) for i, row in enumerate(panel)]
    return marked


def _row_rules(r: int, n_rows: int, rule_below: bool) -> dict[str, int]:
    rules = {"top": _HEAVY} if r == 0 else {}
    if r == n_rows - 1:
        rules["bottom"] = _HEAVY
    elif rule_below:
        rules["bottom"] = _LIGHT
    return rules


def _add_table(document, grid: Grid, text_width: int) -> None:
    rows = _rows_with_rules(grid)
    body_size = 10 if grid.n_columns <= 3 else 9
    # Labels need more room than numbers: the stub column gets a third of the width, less as columns are added.
    stub_width = int(text_width * max(0.22, 0.40 - 0.03 * grid.n_columns))
    data_width = (int(text_width) - stub_width) // max(grid.n_columns, 1)

    table = document.add_table(rows=len(rows), cols=grid.n_columns + 1)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    for index, column in enumerate(table.columns):
        column.width = stub_width if index == 0 else data_width
    for r, ((row, rule_below), word_row) in enumerate(zip(rows, table.rows)):
        rules = _row_rules(r, len(rows), rule_below)
        cells = word_row.cells
        for index, cell in enumerate(cells):
            cell.width = stub_width if index == 0 else data_width
        if row.kind == "group":
            # A panel title runs across the whole table, in italics.
            merged = cells[0].merge(cells[-1])
            _write(merged, row.stub, "", body_size, align=WD_ALIGN_PARAGRAPH.LEFT, italic=True)
            _set_borders(merged, rules)
            continue
        _write(cells[0], row.stub, "", body_size, align=WD_ALIGN_PARAGRAPH.LEFT)
        _set_borders(cells[0], rules)
        column = 1
        for cell in row.cells:
            target = cells[column]
            if cell.span > 1:
                target = target.merge(cells[column + cell.span - 1])
            cell_rules = dict(rules)
            if row.kind == "header" and cell.span > 1 and cell.text and r < len(grid.header) - 1:
                # A spanning header is underlined to show which columns it covers.
                cell_rules["bottom"] = max(cell_rules.get("bottom", 0), _LIGHT)
            _write(target, cell.text, cell.stars, body_size)
            _set_borders(target, cell_rules)
            column += cell.span
        for index in range(column, grid.n_columns + 1):      # columns the row leaves empty
            _set_borders(cells[index], rules)


def _add_caption(document, title: str) -> None:
    paragraph = document.add_paragraph(style="Caption")
    paragraph.paragraph_format.keep_with_next = True
    run = paragraph.add_run(title)
    # Word's caption style is small blue italics; a table title in a paper is plain black.
    run.bold, run.italic = True, False
    run.font.size = Pt(10)
    run.font.color.rgb = RGBColor(0, 0, 0)


def _add_notes(document, grid: Grid) -> None:
    for i, note in enumerate(grid.notes):
        paragraph = document.add_paragraph()
        paragraph.paragraph_format.space_after = Pt(0)
        if i == 0:
            lead = paragraph.add_run("Notes: ")
            lead.italic = True
            lead.font.size = Pt(8)
        paragraph.add_run(note).font.size = Pt(8)
    if grid.provenance:
        document.add_paragraph().add_run(grid.provenance).font.size = Pt(7)


def _fixed_dates(package: bytes) -> bytes:
    """The same package with every entry dated ``_ZIP_TIME`` (in its own order, compressed the same way)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(package)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            info = zipfile.ZipInfo(item.filename, date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 0
            info.external_attr = 0o644 << 16
            target.writestr(info, source.read(item.filename))
    return out.getvalue()


def render_docx(grid: Grid) -> bytes:
    document = Document()
    _pin_properties(document, grid.title)
    document.styles["Normal"].font.size = Pt(10)
    section = document.sections[0]
    if grid.n_columns > _WIDE_TABLE:
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = section.page_height, section.page_width
    _add_caption(document, grid.title)
    _add_table(document, grid, section.page_width - section.left_margin - section.right_margin)
    _add_notes(document, grid)
    saved = io.BytesIO()
    document.save(saved)
    return _fixed_dates(saved.getvalue())
