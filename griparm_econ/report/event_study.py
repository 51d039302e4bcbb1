"""Outputs of an ``event_study`` spec: the table (five formats, through the frame grid), the event-time figure
(png/pdf) and the estimates file, written after everything rendered, the estimates file last.

The estimates file keeps the regression tables' ``models`` list (``name``, ``nobs``, ``params``, ``std_errors``), so
``griparm report-freeze`` and ``griparm replicate`` cover the ATT and every event-time estimate without a kind of
their own: ``params`` holds ``ATT`` and ``k=<event time>``.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from griparm_econ.report.estimates import clean, record_header, write_record
from griparm_econ.report.number_text import format_number
from griparm_econ.output_layout import FIGURE_FORMATS, FIGURES_DIR



def event_files(stem: str) -> list[str]:
    """The outputs of an event-study spec beyond its table and estimates file (relative to the output folder)."""
    return [f"{FIGURES_DIR}/{stem}.{fmt}" for fmt in FIGURE_FORMATS]


def _shown_events(column):
    lo, hi = column.model.window
    return [e for e in column.result.event_time if lo <= e.k <= hi]


def model_dict(column) -> dict:
    result, model = column.result, column.model
    events = _shown_events(column)
    params = {"ATT": result.att.estimate} | {f"k={e.k}": e.estimate for e in events}
    errors = {"ATT": result.att.std_error} | {f"k={e.k}": e.std_error for e in events}
    out = result.to_json_dict()
    out["event_time_all"] = out["event_time"]          # every relative period the engine estimated
    out |= {"name": model.name, "nobs": int(result.nobs), "params": params, "std_errors": errors,
            "event_time": [e.to_json_dict() for e in events], "window": list(model.window),
            "reference": model.reference, "control_group": model.control_group,
            "timing": {"cohort": model.cohort, "treatment": model.treatment, "on_off": model.on_off},
            "controls": list(model.controls),
            "honest_did": [h.to_json_dict() | {"target": model.honest_did.target} for h in column.honest_did]}
    return out


def event_study_dict(result, files: list[str]) -> dict:
    return clean(record_header(result) | {
        "models": [model_dict(c) for c in result.columns], "labels": dict(result.labels),
        "level": result.level, "digits": result.digits, "files": sorted(files)})


def table_frame(result) -> pd.DataFrame:
    """One column per model: ATT (SE), pre-trend test, N, units, treated units, cohorts."""
    from griparm_econ.spec.design_vocabulary import EVENT_ESTIMATORS

    from griparm_econ.labels import plural

    d = result.digits
    unit = result.entity_label.lower()
    cohort_years = sorted({g for c in result.columns for g in c.result.cohorts})
    rows: dict[str, list[str]] = {k: [] for k in ("Outcome", "Estimator", "ATT", "", "Pre-trend statistic",
                                                  "Pre-trend df", "Pre-trend p-value", "N",
                                                  plural(result.entity_label), f"Treated {plural(unit)}")}
    for year in cohort_years:
        rows[f"Cohort {year}"] = []
    for c in result.columns:
        r = c.result
        rows["Outcome"].append(result.labels.get(c.model.outcome, c.model.outcome))
        rows["Estimator"].append(EVENT_ESTIMATORS[c.model.estimator].label)
        rows["ATT"].append(format_number(r.att.estimate, d))
        rows[""].append(f"({format_number(r.att.std_error, d)})")
        p = r.pretrend
        rows["Pre-trend statistic"].append(format_number(p.statistic, d) + (" (F)" if p and p.distribution == "F"
                                                                             else "") if p else "")
        rows["Pre-trend df"].append(str(p.df) if p else "")
        rows["Pre-trend p-value"].append(format_number(p.pvalue, d) if p else "")
        rows["N"].append(f"{r.nobs:,}")
        rows[plural(result.entity_label)].append(f"{r.n_units:,}")
        rows[f"Treated {plural(unit)}"].append(f"{r.n_treated_units:,}")
        for year in cohort_years:
            rows[f"Cohort {year}"].append(str(r.cohorts.get(year, 0)))
        for h in c.honest_did:
            key = f"Robust set, {h.bound_name} = {h.m:g}"
            rows.setdefault(key, [""] * (len(rows["N"]) - 1))
            rows[key].append(_robust_set_text(h, d))
        for key, values in rows.items():
            if key.startswith("Robust set") and len(values) < len(rows["N"]):
                values.append("")
    names = [f"({i + 1}) {c.model.name}" for i, c in enumerate(result.columns)]
    return pd.DataFrame(rows, index=names).T


def _robust_set_text(interval, digits: int) -> str:
    """"[low, high]"; "empty" when no value is accepted (NaN ends); an infinite end (the set reaches the edge of the
    grid it was computed on) is written -inf / inf."""
    if interval.ci_low != interval.ci_low:
        return "empty"
    ends = [("-inf" if v < 0 else "inf") if abs(v) == float("inf") else format_number(v, digits)
            for v in (interval.ci_low, interval.ci_high)]
    return f"[{ends[0]}, {ends[1]}]"


def table_notes(result) -> list[str]:
    from griparm_econ.labels import plural

    unit = result.entity_label.lower()
    return list(result.notes) + [f"Cohort rows: treated {plural(unit)} per first treated {result.time_label.lower()} in "
                                 "each model's estimation sample; ATT standard errors in parentheses."]


def write_event_study_outputs(result, out_dir: Path, unit=lambda written: {}) -> list[Path]:
    from griparm_econ.report.event_figures import plot_event_study
    from griparm_econ.report.figures import save_figure
    from griparm_econ.report.tables import write_frame_table

    fig = plot_event_study(result)        # drawn first: a drawing failure leaves nothing behind
    written = write_frame_table(table_frame(result), stem=result.stem, title=result.title, out_dir=out_dir,
                                notes=table_notes(result))
    written += save_figure(fig, out_dir, result.stem)
    files = [p.relative_to(out_dir).as_posix() for p in written]
    document = event_study_dict(result, files)
    document["notes"] = table_notes(result)
    # last, with the sha256 of every file above (``unit``: griparm_econ.freshness): marks the spec as up to date
    written.append(write_record(document, out_dir, unit(written)))
    return written
