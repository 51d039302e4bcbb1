"""Word renderer of a display grid: a real table (caption, merged group headers, booktabs-style rules, notes).

python-docx stamps the current time into the core properties and the zip entries; both are pinned here so the
same grid always gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.opc.constants import RELATIONSHIP_TYPE
from docx.oxml.ns import qn
from docx.shared import Emu, Pt, RGBColor

from griparm_econ.report.grid import Grid, Row

_FIXED_TIME = dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc)
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)      # the earliest time a zip entry can hold
_HEAVY, _LIGHT = 12, 4                 # border widths in eighths of a point: top/bottom rule, mid rule
_WIDE_TABLE = 6                        # more model columns than this and the page turns landscape

# Elements that follow w:tcBorders inside w:tcPr; Word rejects the file if the schema order is broken.
_AFTER_BORDERS = ("w:shd", "w:noWrap", "w:tcMar", "w:textDirection", "w:tcFitText", "w:vAlign", "w:hideMark")


def _set_rules(tc, rules: dict[str, int]) -> None:
    """Write a cell's borders once, in schema order (top before bottom)."""
    tc_pr = tc.get_or_add_tcPr()
    borders = OxmlElement("w:tcBorders")
    for edge in ("top", "bottom"):
        if edge in rules:
            line = OxmlElement(f"w:{edge}")
            line.set(qn("w:val"), "single")
            line.set(qn("w:sz"), str(rules[edge]))
            line.set(qn("w:space"), "0")
            line.set(qn("w:color"), "000000")
            borders.append(line)
    tc_pr.insert_element_before(borders, *_AFTER_BORDERS)


def _fill(cell, text: str, stars: str = "", *, align=WD_ALIGN_PARAGRAPH.CENTER, size: float = 10,
          italic: bool = False) -> None:
    paragraph = cell.paragraphs[0]
    paragraph.alignment = align
    paragraph.paragraph_format.space_after = Pt(0)
    paragraph.paragraph_format.keep_with_next = True     # keeps a short table on one page with its caption
    if text:
        run = paragraph.add_run(text)
        run.font.size = Pt(size)
        run.italic = italic or None
    if stars:
        mark = paragraph.add_run(stars)
        mark.font.size = Pt(size)
        mark.font.superscript = True


def _rows_with_rules(grid: Grid) -> list[tuple[Row, bool]]:
    """Each row with whether a rule goes under it (end of header, end of each panel but the last)."""
    marked = [(row, i == len(grid.header) - 1) for i, row in enumerate(grid.header)]
    for p, panel in enumerate(grid.panels):
        marked += [(row, i == len(panel) - 1 and p < len(grid.panels) - 1) for i, row in enumerate(panel)]
    return marked


def _normalised_zip(data: bytes) -> bytes:
    """Rewrite the package with sorted entries and a fixed timestamp so equal documents are equal bytes."""
    source = zipfile.ZipFile(io.BytesIO(data))
    names = sorted(source.namelist(), key=lambda name: (name != "[Content_Types].xml", name))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name in names:
            info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 0
            info.external_attr = 0o644 << 16
            target.writestr(info, source.read(name))
    return out.getvalue()


def render_docx(grid: Grid) -> bytes:
    document = Document()
    core = document.core_properties
    core.title = grid.title
    core.author = "griparm-econ"
    core.last_modified_by = "griparm-econ"
    core.created = _FIXED_TIME
    core.modified = _FIXED_TIME
    core.last_printed = _FIXED_TIME
    core.revision = 1
    document.styles["Normal"].font.size = Pt(10)

    # The template's thumbnail is a picture of an empty page; a stale preview is worse than none.
    package_rels = document.part.package.rels
    for rel_id in [key for key, rel in package_rels.items() if rel.reltype == RELATIONSHIP_TYPE.THUMBNAIL]:
        package_rels.pop(rel_id)

    section = document.sections[0]
    if grid.n_columns > _WIDE_TABLE:
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = section.page_height, section.page_width
    text_width = section.page_width - section.left_margin - section.right_margin

    caption = document.add_paragraph(style="Caption")
    caption.paragraph_format.keep_with_next = True
    title = caption.add_run(grid.title)
    # Word's caption style is small blue italics; a table title in a paper is plain black.
    title.bold = True
    title.italic = False
    title.font.size = Pt(10)
    title.font.color.rgb = RGBColor(0, 0, 0)
    rows = _rows_with_rules(grid)
    body_size = 10 if grid.n_columns <= 3 else 9
    table = document.add_table(rows=len(rows), cols=grid.n_columns + 1)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    # Merged cells appear once per grid column they cover, so rules are collected per cell element first.
    rules: dict[int, tuple[object, dict[str, int]]] = {}

    def rule(cell, edge: str, size: int) -> None:
        _, edges = rules.setdefault(id(cell._tc), (cell._tc, {}))
        edges[edge] = max(edges.get(edge, 0), size)

    for r, (row, rule_below) in enumerate(rows):
        cells = table.rows[r].cells
        if row.kind == "group":
            # A panel title runs across the whole table, in italics.
            _fill(cells[0].merge(cells[-1]), row.stub, align=WD_ALIGN_PARAGRAPH.LEFT, italic=True, size=body_size)
        else:
            _fill(cells[0], row.stub, align=WD_ALIGN_PARAGRAPH.LEFT, size=body_size)
        column = 1
        for cell in row.cells:
            target = cells[column]
            if cell.span > 1:
                target = target.merge(cells[column + cell.span - 1])
            _fill(target, cell.text, cell.stars, size=body_size)
            if row.kind == "header" and cell.span > 1 and cell.text and r < len(grid.header) - 1:
                rule(target, "bottom", _LIGHT)
            column += cell.span
        for cell in table.rows[r].cells:
            if r == 0:
                rule(cell, "top", _HEAVY)
            if r == len(rows) - 1:
                rule(cell, "bottom", _HEAVY)
            elif rule_below:
                rule(cell, "bottom", _LIGHT)
    for tc, edges in rules.values():
        _set_rules(tc, edges)
    # Labels need more room than numbers: the stub column gets a third of the width, less as columns are added.
    stub_width = int(text_width * max(0.22, 0.40 - 0.03 * grid.n_columns))
    data_width = (int(text_width) - stub_width) // max(grid.n_columns, 1)
    table.autofit = False
    for index, column in enumerate(table.columns):
        column.width = Emu(stub_width if index == 0 else data_width)
    for row in table.rows:
        column = 0
        for tc in row._tr.tc_lst:      # one element per merged cell, however many grid columns it covers
            span = tc.grid_span
            tc.width = Emu((stub_width + data_width * (span - 1)) if column == 0 else data_width * span)
            column += span

    for i, note in enumerate(grid.notes):
        paragraph = document.add_paragraph()
        paragraph.paragraph_format.space_after = Pt(0)
        if i == 0:
            lead = paragraph.add_run("Notes: ")
            lead.italic = True
            lead.font.size = Pt(8)
        paragraph.add_run(note).font.size = Pt(8)
    if grid.provenance:
        paragraph = document.add_paragraph()
        paragraph.add_run(grid.provenance).font.size = Pt(7)

    buffer = io.BytesIO()
    document.save(buffer)
    return _normalised_zip(buffer.getvalue())
