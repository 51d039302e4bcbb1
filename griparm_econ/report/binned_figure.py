"""Figure 2 with the binning estimator: the linear marginal effect and its band, the effects within quantile bins
of the moderator (Hainmueller, Mummolo and Xu 2019) at the bins' medians, and beneath them the moderator's
distribution among treated observations, so a reader sees where the line rests on data and where it extrapolates.
The estimates are computed by the pipeline (griparm_econ.pipeline.figure_kinds); this module only draws them."""

from __future__ import annotations

import numpy as np

from griparm_econ.report.figures import PALETTE, apply_theme, plt, sns, wrap_text


def plot_binned_marginal_effect(effect, binned, *, title: str, xlabel: str, ylabel: str, observed) -> "plt.Figure":
    apply_theme()
    colours = sns.color_palette(PALETTE)
    grid, bins = effect.grid, binned.frame
    fig, (ax, hist) = plt.subplots(2, 1, figsize=(8.5, 6.6), sharex=True, gridspec_kw={"height_ratios": [3, 1]})
    ax.fill_between(grid["moderator"], grid["lower"], grid["upper"], color=colours[0], alpha=0.18,
                    label=f"Linear interaction: {effect.level:.0%} band", hatch="///", edgecolor=colours[0],
                    linewidth=0)
    ax.plot(grid["moderator"], grid["effect"], color=colours[0], linewidth=2.0, label="Linear interaction")
    shown = bins[bins["identified"]]
    ax.errorbar(shown["median"], shown["effect"], yerr=[shown["effect"] - shown["lower"], shown["upper"] - shown["effect"]],
                fmt="s", color=colours[1], markersize=8, capsize=5, linewidth=1.8,
                label=f"Binned estimates at bin medians ({binned.level:.0%} intervals)")
    for edge in bins["upper_edge"].iloc[:-1]:
        ax.axvline(edge, color="0.55", linestyle=":", linewidth=1.0)
    for row in bins[~bins["identified"]].itertuples():
        ax.annotate("not identified", (row.median, 0), xytext=(0, 8), textcoords="offset points", ha="center",
                    fontsize=9, color=colours[1])
    ax.axhline(0, color="black", linewidth=0.9, linestyle="--")
    ax.set_ylabel(wrap_text(ylabel, 38))
    ax.set_title(wrap_text(title, 60))
    ax.legend(loc="best", fontsize=9)
    all_values = np.asarray(observed, dtype=float)
    edges = np.histogram_bin_edges(all_values, bins=30)
    hist.hist(all_values, bins=edges, color="0.8", label="All observations")
    hist.hist(binned.treated_moderator, bins=edges, color=colours[1], alpha=0.85, label="Treated observations")
    hist.set_ylabel("Count")
    hist.set_xlabel(xlabel)
    hist.legend(loc="upper left", fontsize=9)
    fig.tight_layout()
    return fig
