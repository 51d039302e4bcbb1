"""The importers' figure (RQ3): each importer's share of world imports over time, the break year marked, with the
means of the before and after windows as horizontal segments when a before_after table defines them."""

from __future__ import annotations

from typing import Sequence

import pandas as pd

from griparm_econ.report.figures import LINESTYLES, MARKERS, PALETTE, _theme, plt, sns


def plot_importer_shares(frame: pd.DataFrame, *, title: str, panel_titles: dict[str, str], groups: Sequence[str],
                         break_year: int) -> "plt.Figure":
    """``frame`` columns: panel, year, group, share (0-1); one line per group, one panel per measure."""
    _theme()
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


def draw_importer_shares(loaded, ctx):
    """The figure spec's drawing step (griparm_econ.study.DRAW): annual shares from the panel and aggregates."""
    from griparm_econ.estimation.frames import share_groups
    from griparm_econ.estimation.shares import Measure, annual_shares
    from griparm_econ.panel import aggregates_path

    spec = loaded.spec
    aggregates = pd.read_parquet(aggregates_path(ctx.settings))
    groups = share_groups(spec.group)
    annual = pd.concat([annual_shares(ctx.panel, aggregates, groups, Measure(m.name, m.variable, m.world),
                                      rest_label="Rest of the world") for m in spec.measure], ignore_index=True)
    annual = annual[annual["group"] != "Rest of the world"].rename(columns={"measure": "panel"})
    if spec.years:
        annual = annual[annual["year"].between(*spec.years)]
    fig = plot_importer_shares(annual, title=spec.title, panel_titles={m.name: m.name for m in spec.measure},
                               groups=[g.name for g in groups], break_year=spec.break_year)
    coverage = [f"{name}: {int(part['year'].min())}-{int(part['year'].max())}"
                for name, part in annual.groupby("panel", sort=False)]
    return fig, ["Share of world imports each year (" + "; ".join(coverage) + "); the dotted line marks "
                 f"{spec.break_year}, the shaded segments the mean share before and from it.",
                 "EU27: sum of the 27 current members' imports, intra-EU trade included (the data are not "
                 "bilateral); an economy the source does not list in a year counts as zero."] + [
        f"{m.name}: world = " + ("the source's world total." if m.world == "reported" else
                                 "the sum over the economies the source lists that year (non-reporters are absent, "
                                 "not zero, so the world total is that of the reporters).") for m in spec.measure]
