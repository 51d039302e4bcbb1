"""Outputs of a ``synthetic_control`` spec: the predictor balance table (``tables/<stem>.*``), the donor weights
table (``tables/<stem>.weights.*``), the treated-vs-synthetic path figure (``figures/<stem>.path.*``), the gap
figure with the placebo gaps (``figures/<stem>.gaps.*``) and the estimates file (last). Every name starts with
``<stem>.``, which is how the study tells a spec's outputs from those of removed specs (freshness.orphan_outputs).

The estimates file keeps a one-entry ``models`` list (``params``: ``ATT``, ``pre_rmspe`` and ``gap:<period>``) so
``report-freeze`` and ``replicate`` cover the headline numbers.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from griparm_econ.report.estimates import clean, record_header, write_record
from griparm_econ.output_layout import FIGURE_FORMATS, FIGURES_DIR, TABLE_SUFFIXES, TABLES_DIR


def synthetic_files(stem: str) -> list[str]:
    """The outputs beyond ``tables/<stem>.*`` and the estimates file (relative to the output folder)."""
    return ([f"{TABLES_DIR}/{stem}.weights{s}" for s in TABLE_SUFFIXES]
            + [f"{FIGURES_DIR}/{stem}.{part}.{fmt}" for part in ("path", "gaps") for fmt in FIGURE_FORMATS])


def synthetic_dict(out, files: list[str]) -> dict:
    r = out.result
    params = {"ATT": r.att, "pre_rmspe": r.pre_rmspe} | {f"gap:{t}": g for t, g in sorted(r.post_gap.items())}
    model = {"name": f"{r.unit_treated} {r.treatment_period}", "nobs": len(r.treated_path) * (len(r.donors) + 1),
             "params": params, "std_errors": {}, "outcome": r.outcome, "unit_treated": r.unit_treated,
             "treatment_period": r.treatment_period, "donors": list(r.donors), "fit_periods": list(r.fit_periods),
             "weights": dict(r.weights), "v_weights": dict(r.v_weights), "pre_rmspe": r.pre_rmspe,
             "post_gap": {str(t): g for t, g in sorted(r.post_gap.items())}, "att": r.att,
             "rmspe_ratio": r.rmspe_ratio, "placebo_pvalue": r.placebo_pvalue,
             "placebo_ratios": dict(r.placebo_ratios or {}),
             # every path the figures draw, so a re-render needs the record alone (null: no placebos were run)
             "placebo_gaps": None if r.placebo_gaps is None else {
                 d: {str(t): g for t, g in sorted(gap.items())} for d, gap in sorted(r.placebo_gaps.items())},
             "treated_path": {str(t): v for t, v in sorted(r.treated_path.items())},
             "synthetic_path": {str(t): v for t, v in sorted(r.synthetic_path.items())},
             "balance": [{"predictor": b.predictor, "v_weight": b.v_weight, "treated": b.treated,
                          "synthetic": b.synthetic, "donor_mean": b.donor_mean} for b in r.balance],
             "search": r.search,
             "leave_one_out": {d: {"att": att, "pre_rmspe": rmspe,
                                   "synthetic_path": {str(t): v for t, v in sorted(r.leave_one_out[d].items())}}
                               for d, (att, rmspe) in sorted(r.leave_one_out_fits().items())}}
    return clean(record_header(out) | {"models": [model], "labels": dict(out.labels),
                                                      "files": sorted(files)})


def balance_frame(out) -> pd.DataFrame:
    r = out.result
    return pd.DataFrame({"Treated": [b.treated for b in r.balance], "Synthetic": [b.synthetic for b in r.balance],
                         "Donor mean": [b.donor_mean for b in r.balance], "V weight": [b.v_weight for b in r.balance]},
                        index=pd.Index([_predictor_label(b.predictor, out.labels) for b in r.balance],
                                       name="Predictor"))


def _predictor_label(predictor: str, labels) -> str:
    """"nickel_processing_share (2005-2013)" -> "<its label> (2005-2013)": the engine names a predictor by its
    variable and years; the table shows the variable's label."""
    variable, sep, years = predictor.partition(" (")
    return f"{labels.get(variable, variable)}{sep}{years}"


def weights_frame(out) -> pd.DataFrame:
    weights = sorted(out.result.weights.items(), key=lambda kv: (-kv[1], kv[0]))
    return pd.DataFrame({"Weight": [w for _, w in weights]},
                        index=pd.Index([u for u, _ in weights], name=out.entity_label))


def _figures(out):
    from matplotlib.ticker import MaxNLocator

    from griparm_econ.report.figures import LINESTYLES, apply_theme, wrap_text, plt

    apply_theme()
    r = out.result
    label = out.labels.get(r.outcome, r.outcome)
    # every period from first to last: a period the sample leaves out breaks the lines instead of being bridged
    periods = list(range(min(r.treated_path), max(r.treated_path) + 1))
    nan = float("nan")
    path, ax = plt.subplots(figsize=(7.5, 4.2))
    ax.plot(periods, [r.treated_path.get(t, nan) for t in periods], color="black", linestyle=LINESTYLES[0],
            label=r.unit_treated)
    for i, (donor, loo_path) in enumerate(sorted((r.leave_one_out or {}).items())):
        ax.plot(periods, [loo_path.get(t, nan) for t in periods], color="0.6", linewidth=0.8, linestyle="--",
                label="Leaving one donor out" if i == 0 else None)
    ax.plot(periods, [r.synthetic_path.get(t, nan) for t in periods], color="tab:blue", linestyle=LINESTYLES[1],
            label=f"Synthetic {r.unit_treated}")
    ax.axvline(r.treatment_period - 0.5, color="grey", linestyle=":", linewidth=1)
    ax.set_xlabel(out.time_label)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel(wrap_text(label, 40))
    ax.legend()
    ax.set_title(wrap_text(out.title, 70), fontweight="bold")
    path.tight_layout()
    gaps, ax = plt.subplots(figsize=(7.5, 4.2))
    for donor, gap in sorted((r.placebo_gaps or {}).items()):
        ax.plot(periods, [gap.get(t, np.nan) for t in periods], color="0.75", linewidth=0.8)
    ax.plot(periods, [r.treated_path.get(t, nan) - r.synthetic_path.get(t, nan) for t in periods], color="black",
            linewidth=2,
            label=f"{r.unit_treated} (placebo gaps of the donors in grey)")
    ax.axhline(0, color="black", linewidth=0.8)
    ax.axvline(r.treatment_period - 0.5, color="grey", linestyle=":", linewidth=1)
    ax.set_xlabel(out.time_label)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel(wrap_text(f"Gap in {label}", 40))
    ax.legend()
    ax.set_title(wrap_text(out.title + ": gaps", 70), fontweight="bold")
    gaps.tight_layout()
    return path, gaps


def write_synthetic_outputs(out, out_dir: Path, unit=lambda written: {}) -> list[Path]:
    from griparm_econ.report.figures import save_figure
    from griparm_econ.report.tables import write_frame_table

    path_fig, gaps_fig = _figures(out)          # drawn first: a drawing failure leaves nothing behind
    written = write_frame_table(balance_frame(out), stem=out.stem, title=out.title + ": predictor balance",
                                out_dir=out_dir, notes=out.notes, digits=out.digits)
    written += write_frame_table(weights_frame(out), stem=f"{out.stem}.weights", title=out.title + ": donor weights",
                                 out_dir=out_dir, notes=out.notes[:1], digits=out.digits)
    written += save_figure(path_fig, out_dir, f"{out.stem}.path")
    written += save_figure(gaps_fig, out_dir, f"{out.stem}.gaps")
    files = [p.relative_to(out_dir).as_posix() for p in written]
    written.append(write_record(synthetic_dict(out, files), out_dir, unit(written)))     # last: the record (freshness.py)
    return written
