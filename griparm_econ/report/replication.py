"""The replication verdict as console lines, Markdown and HTML (``output/replication_report.{md,html}``)."""

from __future__ import annotations

from html import escape
from pathlib import Path

from griparm_econ.io import atomic_write_text
from griparm_econ.labels import counted
from griparm_econ.replication.check import Mismatch, ReplicationReport


def _num(value) -> str:
    if value is None:
        return "missing"
    if isinstance(value, int):
        return f"{value:d}"
    return f"{value:.10g}"


def _mismatch_row(m: Mismatch) -> tuple[str, ...]:
    term = ("N" if m.quantity == "nobs" else f"{m.term} (cell)" if m.quantity == "values"
            else f"{m.term} ({'coef' if m.quantity == 'params' else 'se'})")
    diff = m.difference
    return (m.table, m.model, term, _num(m.reported), _num(m.replicated), "" if diff is None else f"{diff:.3g}")


HEADER = ("table", "model", "term", "reported", "replicated", "difference")


def console_lines(report: ReplicationReport) -> list[str]:
    lines = [f"WARNING: {w}" for w in report.vintage_warnings + report.spec_warnings]
    if report.vintage_warnings:
        lines.append("The data differ from the reported vintage: a mismatch below may come from the data, not the code.")
    if report.spec_warnings:
        lines.append("A spec changed since the numbers were reported: a mismatch below may come from the spec.")
    lines += [f"MISSING: {table} is a table of the study but reported/estimates.json has no entry for it"
              for table in report.unreported]
    width = max((len(t.table) for t in report.tables), default=5)
    for t in report.tables:
        verdict = "ok" if not t.mismatches else "MISMATCH"
        lines.append(f"{t.table:<{width}}  {t.matched:5d} matched  {len(t.mismatches):5d} mismatched  {verdict}")
    for t in report.tables:
        for m in t.mismatches:
            lines.append("  " + " | ".join(_mismatch_row(m)))
    lines.append(f"replication: {report.n_matched} matched, {report.n_mismatched} mismatched"
                 f" -> {'PASS' if report.ok else 'FAIL'}")
    return lines


def _tolerance_text(report: ReplicationReport) -> str:
    parts = []
    for quantity, tol in sorted(report.tolerances.items()):
        parts.append(f"{quantity}: exact" if tol == "exact" else
                     f"{quantity}: rtol {tol['rtol']:g}, atol {tol.get('atol', 0):g}")
    return "; ".join(parts)


def _unreported_text(report: ReplicationReport) -> str:
    return ("Tables of the study missing from the reported file (the check fails): "
            + ", ".join(report.unreported) + ".")


def _inputs_text(report: ReplicationReport) -> str:
    return (f"{counted(len(report.inputs_matched), 'input')} as reported"
            + (" (files by sha256, World Bank series by last-updated date)." if report.inputs_matched else
               "; the reported file records no input vintage to compare."))


def _version_rows(report: ReplicationReport) -> list[tuple[str, str]]:
    return sorted(report.versions.items())


def to_markdown(report: ReplicationReport) -> str:
    out = ["# Replication report", "",
           f"**Verdict: {'PASS' if report.ok else 'FAIL'}** - {report.n_matched} numbers matched, "
           f"{report.n_mismatched} mismatched. Tolerances: {_tolerance_text(report)}.", ""]
    if report.unreported:
        out += [_unreported_text(report), ""]
    out += ["## Inputs", "", _inputs_text(report), ""] + [f"- {item}" for item in report.inputs_matched]
    out += [""] if report.inputs_matched else []
    if report.versions:
        out += ["## Software that ran", "", "| package | version |", "|---|---|"]
        out += [f"| {name} | {version} |" for name, version in _version_rows(report)] + [""]
    if report.vintage_warnings:
        out += ["## Data vintage", "", "The data differ from the vintage the reported estimates came from:", ""]
        out += [f"- {w}" for w in report.vintage_warnings] + [""]
    if report.spec_warnings:
        out += ["## Specs", "", "Specs changed since the estimates were reported:", ""]
        out += [f"- {w}" for w in report.spec_warnings] + [""]
    out += ["## Tables", "", "| table | matched | mismatched |", "|---|---:|---:|"]
    out += [f"| {t.table} | {t.matched} | {len(t.mismatches)} |" for t in report.tables]
    rows = [_mismatch_row(m) for t in report.tables for m in t.mismatches]
    if rows:
        out += ["", "## Mismatches", "", "| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
        out += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(out) + "\n"


def to_html(report: ReplicationReport) -> str:
    def table(header, rows):
        head = "".join(f'<th scope="col">{escape(h)}</th>' for h in header)
        body = "".join("<tr>" + "".join(f"<td>{escape(str(c))}</td>" for c in r) + "</tr>" for r in rows)
        return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"

    verdict = "PASS" if report.ok else "FAIL"
    parts = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8"><title>Replication report</title>',
             "<style>body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto}"
             "table{border-collapse:collapse}td,th{border:1px solid #bbb;padding:.2rem .5rem;text-align:left}"
             ".PASS{color:#1b6e20}.FAIL{color:#a30000}</style></head><body>",
             "<h1>Replication report</h1>",
             f'<p><strong class="{verdict}">Verdict: {verdict}</strong> - {report.n_matched} numbers matched, '
             f"{report.n_mismatched} mismatched. Tolerances: {escape(_tolerance_text(report))}.</p>"]
    if report.unreported:
        parts.append(f"<p>{escape(_unreported_text(report))}</p>")
    parts.append(f"<h2>Inputs</h2><p>{escape(_inputs_text(report))}</p>"
                 + ("<ul>" + "".join(f"<li>{escape(i)}</li>" for i in report.inputs_matched) + "</ul>"
                    if report.inputs_matched else ""))
    if report.versions:
        parts.append("<h2>Software that ran</h2>" + table(("package", "version"), _version_rows(report)))
    for heading, items in (("Data vintage", report.vintage_warnings), ("Specs changed", report.spec_warnings)):
        if items:
            parts.append(f"<h2>{heading}</h2><ul>" + "".join(f"<li>{escape(w)}</li>" for w in items) + "</ul>")
    parts.append("<h2>Tables</h2>" + table(("table", "matched", "mismatched"),
                                           [(t.table, t.matched, len(t.mismatches)) for t in report.tables]))
    rows = [_mismatch_row(m) for t in report.tables for m in t.mismatches]
    if rows:
        parts.append("<h2>Mismatches</h2>" + table(HEADER, rows))
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def write_replication_report(report: ReplicationReport, out_dir: Path) -> list[Path]:
    return [atomic_write_text(Path(out_dir) / "replication_report.md", to_markdown(report)),
            atomic_write_text(Path(out_dir) / "replication_report.html", to_html(report))]
