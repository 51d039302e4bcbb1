"""The importers' figure (RQ3): each importer's share of world imports over time, the break year marked, with the
means of the before and after windows as horizontal segments. The shares are computed by the pipeline
(griparm_econ.pipeline.figure_kinds); this module only draws them."""

from __future__ import annotations

from typing import Sequence

import pandas as pd

from griparm_econ.report.figures import LINESTYLES, MARKERS, PALETTE, apply_theme, plt, sns


def plot_importer_shares(frame: pd.DataFrame, *, title: str, panel_titles: dict[str, str], groups: Sequence[str],
                         break_year: int) -> "plt.Figure":
    """``frame`` columns: panel, year, group, share (0-1); one line per group, one panel per measure."""
    apply_theme()
    panels = list(panel_titles)
    colours = sns.color_palette(PALETTE, len(groups))
    fig, axes = plt.subplots(1, len(panels), figsize=(6.2 * len(panels), 4.4), squeeze=False)
    for ax, panel in zip(axes.flat, panels):
        part = frame[frame["panel"] == panel]
        for i, group in enumerate(groups):
            line = part[part["group"] == group].sort_values("year")
            if line.empty:
                continue
            ax.plot(line["year"], line["share"] * 100, color=colours[i], marker=MARKERS[i % len(MARKERS)],
                    linestyle=LINESTYLES[i % len(LINESTYLES)], markersize=4, label=group)
            for side, mask in (("before", line["year"] < break_year), ("after", line["year"] >= break_year)):
                window = line[mask]
                if len(window):
                    ax.hlines(window["share"].mean() * 100, window["year"].min(), window["year"].max(),
                              color=colours[i], linewidth=3, alpha=0.35)
        ax.axvline(break_year - 0.5, color="0.3", linestyle=":", linewidth=1.2)
        ax.set_ylim(bottom=0)
        ax.set_ylabel("Share of world imports (%)")
        ax.set_title(panel_titles[panel], fontsize=11)
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=min(max(len(labels), 1), 6), bbox_to_anchor=(0.5, -0.03))
    fig.suptitle(title, fontweight="bold")
    fig.tight_layout(rect=(0, 0.07, 1, 0.96))
    return fig
