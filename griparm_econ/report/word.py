"""Word renderer of a display grid: a real table (caption, merged group headers, booktabs-style rules, notes).

Speed: python-docx parses its whole default template (styles alone are ~800 kB of XML) for every ``Document()``,
and its cell-by-cell API searches each element's children for every property it sets, ~0.1 s a table. So the
template is opened with python-docx once per process and everything in it but the two parts that change (the
body and the core properties) is kept as an already-compressed zip; each table then builds only the body's XML,
element by element in schema order, and appends it with its core properties to a copy of that zip.

Same bytes for the same grid: python-docx stamps the current time into the core properties and the zip entries;
both are pinned here, and the zip entries have a fixed order.
"""

from __future__ import annotations

import copy
import datetime as dt
import io
import zipfile
from dataclasses import dataclass
from functools import lru_cache

from docx import Document
from docx.opc.constants import RELATIONSHIP_TYPE
from docx.opc.oxml import serialize_part_xml
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import qn
from docx.shared import Emu, Pt

from griparm_econ.report.grid import Grid, Row

_FIXED_TIME = dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc)
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)      # the earliest time a zip entry can hold
_HEAVY, _LIGHT = 12, 4                 # border widths in eighths of a point: top/bottom rule, mid rule
_WIDE_TABLE = 6                        # more model columns than this and the page turns landscape
_CORE_PART, _BODY_PART = "docProps/core.xml", "word/document.xml"


# ---------------------------------------------------------------------------------------------------------------
# The template, read once


@dataclass(frozen=True)
class _Template:
    fixed_parts_zip: bytes       # every part but the body and core properties, compressed, in a fixed order
    document: object             # the body part's root element (holding only the section properties)
    core: object                 # the core properties element, every field but the title pinned
    page_width: int              # EMU, portrait
    page_height: int
    left_margin: int
    right_margin: int


def _zip_info(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.create_system = 0
    info.external_attr = 0o644 << 16
    return info


@lru_cache(maxsize=1)
def _template() -> _Template:
    document = Document()
    core = document.core_properties
    core.title = ""                 # set first so it keeps its place among the core properties
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
    geometry = (int(section.page_width), int(section.page_height), int(section.left_margin),
                int(section.right_margin))

    saved = io.BytesIO()
    document.save(saved)
    package = zipfile.ZipFile(io.BytesIO(saved.getvalue()))
    fixed = sorted((name for name in package.namelist() if name not in (_CORE_PART, _BODY_PART)),
                   key=lambda name: (name != "[Content_Types].xml", name))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name in fixed:
            target.writestr(_zip_info(name), package.read(name))
    body_root = parse_xml(package.read(_BODY_PART))
    body = body_root.find(qn("w:body"))
    for child in list(body):
        if child.tag != qn("w:sectPr"):
            body.remove(child)
    return _Template(out.getvalue(), body_root, parse_xml(package.read(_CORE_PART)), *geometry)


# ---------------------------------------------------------------------------------------------------------------
# Body XML, built in the element order the WordprocessingML schema requires (Word rejects other orders)


def _add(parent, tag: str, **attributes: str):
    element = OxmlElement(tag, {qn(f"w:{key}"): value for key, value in attributes.items()})
    parent.append(element)
    return element


def _twips(emu: int) -> str:
    return str(Emu(emu).twips)


def _half_points(points: float) -> str:
    return str(int(round(points * 2)))


def _add_text(run, text: str) -> None:
    """Text into a run as Word holds it: a tab is an element, a line break is an element, spaces at either end
    are kept only when the text says so."""
    pending: list[str] = []

    def flush() -> None:
        if pending:
            chunk = "".join(pending)
            element = _add(run, "w:t")
            element.text = chunk
            if chunk.strip() != chunk:
                element.set(qn("xml:space"), "preserve")
            pending.clear()

    for char in text:
        if char == "\t":
            flush()
            _add(run, "w:tab")
        elif char in "\r\n":
            flush()
            _add(run, "w:br")
        else:
            pending.append(char)
    flush()


def _add_run(paragraph, text: str, size: float, *, bold: bool = False, italic: bool | None = None,
             black: bool = False, superscript: bool = False) -> None:
    """One run; ``italic=False`` switches italics off explicitly (over a style that sets them)."""
    run = _add(paragraph, "w:r")
    properties = _add(run, "w:rPr")
    if bold:
        _add(properties, "w:b")
    if italic is True:
        _add(properties, "w:i")
    elif italic is False:
        _add(properties, "w:i", val="0")
    if black:
        _add(properties, "w:color", val="000000")
    _add(properties, "w:sz", val=_half_points(size))
    if superscript:
        _add(properties, "w:vertAlign", val="superscript")
    _add_text(run, text)


def _add_cell(row_element, width: int, span: int, rules: dict[str, int], text: str = "", stars: str = "", *,
              align: str = "center", size: float = 10, italic: bool = False, filled: bool = True) -> None:
    cell = _add(row_element, "w:tc")
    properties = _add(cell, "w:tcPr")
    _add(properties, "w:tcW", type="dxa", w=_twips(width))
    if span > 1:
        _add(properties, "w:gridSpan", val=str(span))
    if rules:
        borders = _add(properties, "w:tcBorders")
        for edge in ("top", "bottom"):
            if edge in rules:
                _add(borders, f"w:{edge}", val="single", sz=str(rules[edge]), space="0", color="000000")
    paragraph = _add(cell, "w:p")
    if not filled:       # a column the row leaves empty
        return
    paragraph_properties = _add(paragraph, "w:pPr")
    _add(paragraph_properties, "w:keepNext")    # keeps a short table on one page with its caption
    _add(paragraph_properties, "w:spacing", after="0")
    _add(paragraph_properties, "w:jc", val=align)
    if text:
        _add_run(paragraph, text, size, italic=italic or None)
    if stars:
        _add_run(paragraph, stars, size, superscript=True)


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


def _add_table(body, grid: Grid, text_width: int) -> None:
    rows = _rows_with_rules(grid)
    body_size = 10 if grid.n_columns <= 3 else 9
    # Labels need more room than numbers: the stub column gets a third of the width, less as columns are added.
    stub_width = int(text_width * max(0.22, 0.40 - 0.03 * grid.n_columns))
    data_width = (int(text_width) - stub_width) // max(grid.n_columns, 1)

    table = _add(body, "w:tbl")
    properties = _add(table, "w:tblPr")
    _add(properties, "w:tblW", type="auto", w="0")
    _add(properties, "w:jc", val="center")
    _add(properties, "w:tblLayout", type="fixed")
    _add(properties, "w:tblLook", firstColumn="1", firstRow="1", lastColumn="0", lastRow="0", noHBand="0",
         noVBand="1", val="04A0")
    columns = _add(table, "w:tblGrid")
    for index in range(grid.n_columns + 1):
        _add(columns, "w:gridCol", w=_twips(stub_width if index == 0 else data_width))

    for r, (row, rule_below) in enumerate(rows):
        row_element = _add(table, "w:tr")
        rules = _row_rules(r, len(rows), rule_below)
        if row.kind == "group":
            # A panel title runs across the whole table, in italics.
            _add_cell(row_element, stub_width + data_width * grid.n_columns, grid.n_columns + 1, rules, row.stub,
                      align="left", size=body_size, italic=True)
            continue
        _add_cell(row_element, stub_width, 1, rules, row.stub, align="left", size=body_size)
        column = 0
        for cell in row.cells:
            cell_rules = dict(rules)
            if row.kind == "header" and cell.span > 1 and cell.text and r < len(grid.header) - 1:
                # A spanning header is underlined to show which columns it covers.
                cell_rules["bottom"] = max(cell_rules.get("bottom", 0), _LIGHT)
            _add_cell(row_element, data_width * cell.span, cell.span, cell_rules, cell.text, cell.stars,
                      size=body_size)
            column += cell.span
        for _ in range(column, grid.n_columns):
            _add_cell(row_element, data_width, 1, rules, filled=False)


def _add_caption(body, title: str) -> None:
    paragraph = _add(body, "w:p")
    properties = _add(paragraph, "w:pPr")
    _add(properties, "w:pStyle", val="Caption")
    _add(properties, "w:keepNext")
    # Word's caption style is small blue italics; a table title in a paper is plain black.
    _add_run(paragraph, title, 10, bold=True, italic=False, black=True)


def _add_notes(body, grid: Grid) -> None:
    for i, note in enumerate(grid.notes):
        paragraph = _add(body, "w:p")
        _add(_add(paragraph, "w:pPr"), "w:spacing", after="0")
        if i == 0:
            _add_run(paragraph, "Notes: ", 8, italic=True)
        _add_run(paragraph, note, 8)
    if grid.provenance:
        _add_run(_add(body, "w:p"), grid.provenance, 7)


def _document_xml(grid: Grid, template: _Template) -> bytes:
    root = copy.deepcopy(template.document)
    body = root.find(qn("w:body"))
    section = body.find(qn("w:sectPr"))
    page_width = template.page_width
    if grid.n_columns > _WIDE_TABLE:
        page_size = section.find(qn("w:pgSz"))
        page_size.set(qn("w:orient"), "landscape")
        page_size.set(qn("w:w"), _twips(template.page_height))
        page_size.set(qn("w:h"), _twips(template.page_width))
        page_width = template.page_height
    content = OxmlElement("w:body")    # built apart, then put before the section properties
    _add_caption(content, grid.title)
    _add_table(content, grid, page_width - template.left_margin - template.right_margin)
    _add_notes(content, grid)
    for element in list(content):
        section.addprevious(element)
    return serialize_part_xml(root)


def _core_xml(grid: Grid, template: _Template) -> bytes:
    core = copy.deepcopy(template.core)
    core.title_text = grid.title
    return serialize_part_xml(core)


def render_docx(grid: Grid) -> bytes:
    template = _template()
    buffer = io.BytesIO(template.fixed_parts_zip)
    with zipfile.ZipFile(buffer, "a", zipfile.ZIP_DEFLATED) as package:
        package.writestr(_zip_info(_CORE_PART), _core_xml(grid, template))
        package.writestr(_zip_info(_BODY_PART), _document_xml(grid, template))
    return buffer.getvalue()
