"""``output/index.html``: every table (its HTML rendering, inline, its notes below it) and figure with its title, the
spec that made it, and its notes. On a narrow screen the page keeps to the screen's width: a wide table scrolls inside its own box."""

from __future__ import annotations

from dataclasses import dataclass, field
import re
from html import escape
from pathlib import Path
from typing import Sequence

from griparm_econ.io import atomic_write_text
from griparm_econ.report.formats import TABLE_CSS


@dataclass(frozen=True)
class IndexEntry:
    kind: str                         # "table" | "figure"
    title: str
    spec: str                         # spec path, relative to the project root
    files: tuple[str, ...]            # output files, relative to the output folder
    notes: tuple[str, ...] = ()
    preview: str | None = None        # for figures: the PNG, relative to the output folder
    embed: str | None = None          # for tables: the HTML table file, linked and shown inline
    extra: dict = field(default_factory=dict)


_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;max-width:70rem;margin:2rem auto;padding:0 1rem;
color:#1a1a1a;line-height:1.45}
h1{font-size:1.6rem}h2{font-size:1.25rem;margin-top:2.2rem;border-bottom:1px solid #ccc}
section{margin:1.2rem 0 1.8rem}h3{font-size:1.05rem;margin-bottom:.3rem}
.meta{color:#555;font-size:.9rem}ul.notes{font-size:.9rem;color:#333;margin:.3rem 0}
img{max-width:100%;height:auto;border:1px solid #ddd}a{color:#0b5394}
code{overflow-wrap:anywhere}
.table-scroll{overflow-x:auto;margin:.6rem min(0px,calc(50% - 50vw + 2rem))}
.table-scroll th,.table-scroll td{white-space:normal}.table-scroll thead th{min-width:4.5rem}
.table-scroll th[scope=row]{min-width:9rem;max-width:22rem}
.table-notes{font-size:.85rem;color:#333;overflow-wrap:anywhere}.table-notes p{margin:.15rem 0}
.table-notes .provenance{color:#555;font-size:.75rem}
"""
_TABLE_ELEMENT = re.compile(r"<table\b.*?</table>", re.DOTALL)
_TABLE_FOOT = re.compile(r"<tfoot>\s*<tr><td[^>]*>(.*?)</td></tr>\s*</tfoot>\s*", re.DOTALL)


def _inline_table(out_dir: Path, embed: str) -> tuple[str, str]:
    """The ``<table>`` of a table's own HTML file (written by the table renderer just before), without its id,
    which the entry's section carries, and without its footer: (table, the footer's notes)."""
    page = (out_dir / embed).read_text(encoding="utf-8")
    found = _TABLE_ELEMENT.search(page)
    if found is None:
        raise ValueError(f"{embed} holds no <table>")
    table = re.sub(r'^<table id="[^"]*"', "<table", found.group(0))
    foot = _TABLE_FOOT.search(table)
    if foot is None:
        return table, ""
    return table[:foot.start()] + table[foot.end():], foot.group(1).strip()


def _entry_html(entry: IndexEntry, out_dir: Path) -> str:
    main = entry.embed or (entry.files[0] if entry.files else "")
    links = " · ".join(f'<a href="{escape(f)}">{escape(Path(f).suffix.lstrip(".") or f)}</a>' for f in entry.files)
    parts = [f'<section id="{escape(Path(main).stem)}">',
             f'<h3><a href="{escape(main)}">{escape(entry.title)}</a></h3>',
             f'<p class="meta">Spec: <code>{escape(entry.spec)}</code> · Files: {links}</p>']
    if entry.embed:
        # The box scrolls sideways when the table is wider than the screen (on a wide screen it takes the screen's
        # width, not only the text column's); the table's notes follow the box, wrapped to the page, so that no
        # note is read only by scrolling.
        table, notes = _inline_table(out_dir, entry.embed)
        parts.append(f'<div class="table-scroll" role="region" tabindex="0" aria-label="{escape(entry.title)}">'
                     f"{table}</div>")
        if notes:
            parts.append(f'<div class="table-notes">{notes}</div>')
    elif entry.notes:
        parts.append('<ul class="notes">' + "".join(f"<li>{escape(n)}</li>" for n in entry.notes) + "</ul>")
    if entry.preview:
        parts.append(f'<a href="{escape(entry.preview)}"><img src="{escape(entry.preview)}" '
                     f'alt="{escape(entry.title)}" loading="lazy"></a>')
    parts.append("</section>")
    return "\n".join(parts)


def write_index(entries: Sequence[IndexEntry], out_dir: Path, *, title: str, preamble: Sequence[str] = ()) -> Path:
    tables = [e for e in entries if e.kind == "table"]
    figures = [e for e in entries if e.kind == "figure"]
    body = [f"<h1>{escape(title)}</h1>"]
    body += [f"<p>{escape(p)}</p>" for p in preamble]
    for heading, group in (("Tables", tables), ("Figures", figures)):
        if group:
            body.append(f"<h2>{heading}</h2>")
            body += [_entry_html(e, Path(out_dir)) for e in group]
    html = ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            f"<title>{escape(title)}</title>\n<style>{_CSS}{TABLE_CSS}</style>\n</head>\n<body>\n"
            + "\n".join(body) + "\n</body>\n</html>\n")
    return atomic_write_text(Path(out_dir) / "index.html", html)
