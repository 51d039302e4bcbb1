"""The markers of README.md's generated sections and the splicing of new section text between them.

A generated section sits between ``<!-- BEGIN GENERATED: name -->`` and ``<!-- END GENERATED: name -->``; only the
text between the two marker lines is ever replaced, so the hand-written prose around them stays as written.
:mod:`griparm_econ.report.readme` renders the sections; this module only finds and replaces them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Mapping

from griparm_econ.errors import GriparmError


def begin_marker(name: str) -> str:
    return f"<!-- BEGIN GENERATED: {name} -->"


def end_marker(name: str) -> str:
    return f"<!-- END GENERATED: {name} -->"


def _span(text: str, name: str, where: Path) -> tuple[int, int]:
    """Character range of the section's body: after the BEGIN marker's line, up to the END marker."""
    begin, end = begin_marker(name), end_marker(name)
    if text.count(begin) != 1 or text.count(end) != 1:
        raise GriparmError(f"the generated section '{name}' needs exactly one {begin} and one {end} "
                           f"(found {text.count(begin)} and {text.count(end)}).", where=where, field=name,
                           fix="put the two marker lines around where the section belongs, then run "
                               "`griparm readme`.")
    start = text.index(begin) + len(begin)
    stop = text.index(end)
    if stop < start:
        raise GriparmError(f"{end} comes before {begin}.", where=where, field=name,
                           fix="swap the two marker lines.")
    return start, stop


def _body(content: str) -> str:
    return "\n" + content.rstrip("\n") + "\n"


def splice(text: str, sections: Mapping[str, str], where: Path) -> str:
    for name, content in sections.items():
        start, stop = _span(text, name, where)
        text = text[:start] + _body(content) + text[stop:]
    return text


def stale_sections(text: str, sections: Mapping[str, str], where: Path) -> list[str]:
    stale = []
    for name, content in sections.items():
        start, stop = _span(text, name, where)
        if text[start:stop] != _body(content):
            stale.append(name)
    return stale
