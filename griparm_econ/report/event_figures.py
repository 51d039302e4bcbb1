"""The event-study figure: event-time estimates with confidence intervals, estimators overlaid, one panel per outcome.

Same theme, palette and markers as :mod:`griparm_econ.report.figures`; estimators are dodged horizontally so their
intervals do not hide each other, and each differs by colour and marker (readable in greyscale).
"""

from __future__ import annotations

import numpy as np

from griparm_econ.report.figures import MARKERS, PALETTE, apply_theme, wrap_text, plt, sns


def series_label(model) -> str:
    """The legend entry of a model: its estimator, and its control group where the estimator offers a choice."""
    from griparm_econ.spec.design_vocabulary import EVENT_ESTIMATORS

    info = EVENT_ESTIMATORS[model.estimator]
    if len(info.control_groups) > 1:
        return f"{info.label} ({model.control_group.replace('_', '-')} controls)"
    return info.label


def plot_event_study(result):
    """``result``: an EventStudyResult. The reference period is drawn at zero (a hollow marker) for the estimators
    that normalise it."""
    from griparm_econ.spec.design_vocabulary import EVENT_ESTIMATORS

    apply_theme()
    outcomes = list(dict.fromkeys(c.model.outcome for c in result.columns))
    series = list(dict.fromkeys(series_label(c.model) for c in result.columns))
    colours = dict(zip(series, sns.color_palette(PALETTE, len(series))))
    markers = dict(zip(series, MARKERS))
    ncols = min(len(outcomes), 2)
    nrows = int(np.ceil(len(outcomes) / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(6.2 * ncols, 3.9 * nrows), squeeze=False)
    width = 0.6 / max(len(series), 1)
    for ax, outcome in zip(axes.flat, outcomes):
        for column in (c for c in result.columns if c.model.outcome == outcome):
            name = series_label(column.model)
            j = series.index(name)
            shift = (j - (len(series) - 1) / 2) * width
            lo, hi = column.model.window
            events = [e for e in column.result.event_time if lo <= e.k <= hi]
            k = np.array([e.k for e in events], dtype=float) + shift
            est = np.array([e.estimate for e in events])
            ax.errorbar(k, est, yerr=[est - np.array([e.ci_low for e in events]),
                                      np.array([e.ci_high for e in events]) - est],
                        fmt=markers[name], color=colours[name], capsize=2, markersize=4, linewidth=1.1)
            if not EVENT_ESTIMATORS[column.model.estimator].reference_free:
                ax.plot([column.model.reference + shift], [0.0], marker=markers[name], markerfacecolor="white",
                        color=colours[name], markersize=4, linestyle="")
        ax.axhline(0, color="black", linewidth=0.8)
        ax.axvline(-0.5, color="grey", linewidth=0.8, linestyle="--")
        ax.set_title(wrap_text(result.labels.get(outcome, outcome), 48), fontsize=11)
        ax.set_xlabel(f"{result.time_label}s relative to adoption")
        ax.set_ylabel("Effect")
    for ax in list(axes.flat)[len(outcomes):]:
        ax.set_visible(False)
    handles = [plt.Line2D([], [], color=colours[s], marker=markers[s], linestyle="", markersize=6) for s in series]
    fig.legend(handles, series, loc="lower center", ncol=len(series),
               bbox_to_anchor=(0.5, -0.02))
    fig.suptitle(wrap_text(result.title, 90), fontweight="bold")
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    return fig
