"""The study's figures, drawn with seaborn/matplotlib from frames that other stages computed.

Readable in print and colour-blind safe: the seaborn "colorblind" palette, and every series also differs by marker or
line style so a greyscale print still separates them. Files are byte-identical across runs (fixed PDF metadata, no
timestamps).
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Sequence

import matplotlib

matplotlib.use("Agg")  # headless and deterministic; the study never opens a window

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402

from griparm_econ.estimation.postestimation import MarginalEffect  # noqa: E402
from griparm_econ.io import atomic_path  # noqa: E402
from griparm_econ.output_layout import FIGURE_FORMATS as FORMATS, FIGURES_DIR  # noqa: E402

PALETTE = "colorblind"
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
LINESTYLES = ("-", "--", "-.", ":", (0, (5, 1)), (0, (3, 1, 1, 1, 1, 1)))
DPI = 200


def apply_theme() -> None:
    sns.set_theme(context="paper", style="whitegrid", palette=PALETTE, font_scale=1.25)
    plt.rcParams.update({
        "svg.hashsalt": "griparm",
        "pdf.fonttype": 42,          # embed TrueType so journals' PDF checks pass
        "figure.dpi": 100,
        "axes.titleweight": "bold",
        "legend.frameon": False,
    })


def wrap_text(text: str, width: int) -> str:
    return "\n".join(textwrap.wrap(text, width)) or text


def save_figure(fig: plt.Figure, out_dir: Path, stem: str) -> list[Path]:
    """Write ``out_dir/figures/<stem>.png`` and ``.pdf`` atomically; return the paths."""
    paths = []
    for fmt in FORMATS:
        target = Path(out_dir) / FIGURES_DIR / f"{stem}.{fmt}"
        # Fixed metadata: matplotlib otherwise stamps the creation date (PDF) and its version (both).
        metadata = {"CreationDate": None, "Producer": "griparm-econ", "Creator": "griparm-econ"} if fmt == "pdf" \
            else {"Software": "griparm-econ"}
        with atomic_path(target) as tmp:
            fig.savefig(tmp, format=fmt, dpi=DPI, bbox_inches="tight", metadata=metadata)
        paths.append(target)
    plt.close(fig)
    return paths


def plot_trajectories(frame: pd.DataFrame, *, title: str, variable_labels: dict[str, str],
                      order: Sequence[str] | None = None, ncols: int = 2) -> plt.Figure:
    """Small multiples, one per variable; a line per country. ``frame`` columns: country, year, variable, value."""
    apply_theme()
    variables = list(dict.fromkeys(frame["variable"])) if order is None else list(order)
    countries = sorted(frame["country"].unique())
    colours = dict(zip(countries, sns.color_palette(PALETTE, len(countries))))
    nrows = int(np.ceil(len(variables) / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(5.2 * ncols, 3.4 * nrows), squeeze=False, sharex=True)
    for ax, variable in zip(axes.flat, variables):
        part = frame[frame["variable"] == variable]
        for i, country in enumerate(countries):
            series = part[part["country"] == country].set_index("year")["value"].sort_index()
            if series.dropna().empty:
                continue
            # Missing years stay missing: reindexing to every year breaks the line there instead of bridging it.
            series = series.reindex(range(int(series.index.min()), int(series.index.max()) + 1))
            ax.plot(series.index, series.to_numpy(), color=colours[country], label=country,
                    marker=MARKERS[i % len(MARKERS)], linestyle=LINESTYLES[i % len(LINESTYLES)], markersize=3.5,
                    linewidth=1.6)
        ax.set_title(wrap_text(variable_labels.get(variable, variable), 42), fontsize=11)
        ax.set_xlabel("")
    for ax in list(axes.flat)[len(variables):]:
        ax.set_visible(False)
    handles, labels = [], []
    for ax in axes.flat:
        for h, lab in zip(*ax.get_legend_handles_labels()):
            if lab not in labels:
                handles.append(h)
                labels.append(lab)
    fig.legend(handles, labels, loc="lower center", ncol=min(len(labels), 6), bbox_to_anchor=(0.5, -0.02))
    fig.suptitle(title, fontweight="bold")
    fig.tight_layout(rect=(0, 0.05, 1, 0.97))
    return fig


def plot_marginal_effect(effect: MarginalEffect, *, title: str, xlabel: str, ylabel: str,
                         observed: Sequence[float] = ()) -> plt.Figure:
    """The effect line with its confidence band; a rug of the observed moderator values shows where data support it."""
    apply_theme()
    grid = effect.grid
    colour = sns.color_palette(PALETTE)[0]
    fig, ax = plt.subplots(figsize=(8.5, 5.2))
    ax.fill_between(grid["moderator"], grid["lower"], grid["upper"], color=colour, alpha=0.22,
                    label=f"{effect.level:.0%} confidence band", hatch="///", edgecolor=colour, linewidth=0)
    ax.plot(grid["moderator"], grid["effect"], color=colour, linewidth=2.2, label="Marginal effect")
    ax.axhline(0, color="black", linewidth=0.9, linestyle="--")
    if len(observed):
        ymin = ax.get_ylim()[0]
        ax.plot(np.asarray(observed, float), np.full(len(observed), ymin), "|", color="0.35", markersize=9,
                alpha=0.5, label="Observed values (quantiles)")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(wrap_text(ylabel, 38))
    ax.set_title(wrap_text(title, 60))
    ax.legend(loc="upper left")
    fig.tight_layout()
    return fig


def plot_coefficients(frame: pd.DataFrame, *, title: str, xlabel: str = "Estimate") -> plt.Figure:
    """Dot-and-whisker plot, one panel per term, a row per model, colour and marker by group (the table).

    ``frame`` columns: term (label), model (label), group, estimate, lower, upper."""
    apply_theme()
    terms = list(dict.fromkeys(frame["term"]))
    models = list(dict.fromkeys(frame["model"]))
    groups = list(dict.fromkeys(frame["group"]))
    colours = dict(zip(groups, sns.color_palette(PALETTE, len(groups))))
    markers = dict(zip(groups, MARKERS))
    group_of = dict(zip(frame["model"], frame["group"]))
    fig, axes = plt.subplots(1, len(terms), figsize=(3.3 * len(terms) + 3.2, 0.34 * len(models) + 1.9),
                             sharey=True, squeeze=False)
    y = np.arange(len(models))[::-1]
    for ax, term in zip(axes.flat, terms):
        part = frame[frame["term"] == term].set_index("model")
        for j, model in enumerate(models):
            if model not in part.index:
                continue
            row = part.loc[model]
            group = group_of[model]
            ax.errorbar(row["estimate"], y[j], xerr=[[row["estimate"] - row["lower"]], [row["upper"] - row["estimate"]]],
                        fmt=markers[group], color=colours[group], capsize=2.5, markersize=5, linewidth=1.3)
        ax.axvline(0, color="black", linewidth=0.9, linestyle="--")
        ax.set_title(wrap_text(term, 30), fontsize=10)
        ax.set_xlabel(wrap_text(xlabel, 34), fontsize=9)
        ax.set_yticks(y)
        ax.set_yticklabels(models, fontsize=9)
    handles = [plt.Line2D([], [], color=colours[g], marker=markers[g], linestyle="", markersize=6) for g in groups]
    fig.legend(handles, groups, loc="lower center", ncol=len(groups), bbox_to_anchor=(0.5, -0.01))
    fig.suptitle(wrap_text(title, 90), fontweight="bold")
    fig.tight_layout(rect=(0, 0.04, 1, 1))
    return fig


def plot_shares(frame: pd.DataFrame, *, title: str, panel_titles: dict[str, str],
                group_order: Sequence[str]) -> plt.Figure:
    """Stacked shares over time, one panel per measure. ``frame`` columns: panel, year, group, share (0-1)."""
    apply_theme()
    panels = list(panel_titles)
    colours = sns.color_palette(PALETTE, len(group_order))
    hatches = ("", "//", "..", "xx", "\\\\", "++", "oo", "--")
    fig, axes = plt.subplots(1, len(panels), figsize=(6.2 * len(panels), 4.4), squeeze=False)
    for ax, panel in zip(axes.flat, panels):
        wide = (frame[frame["panel"] == panel].pivot_table(index="year", columns="group", values="share", aggfunc="sum")
                .reindex(columns=list(group_order)).fillna(0.0).sort_index())
        if wide.empty:
            ax.set_visible(False)
            continue
        stacks = ax.stackplot(wide.index, [wide[g] * 100 for g in group_order], labels=list(group_order),
                              colors=colours, alpha=0.9, linewidth=0.4, edgecolor="white")
        for stack, hatch in zip(stacks, hatches):
            stack.set_hatch(hatch)
        ax.set_ylim(0, 100)
        ax.set_xlim(wide.index.min(), wide.index.max())
        ax.set_ylabel("Share of world total (%)")
        ax.set_title(panel_titles[panel], fontsize=11)
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=min(len(labels), 6), bbox_to_anchor=(0.5, -0.03))
    fig.suptitle(title, fontweight="bold")
    fig.tight_layout(rect=(0, 0.07, 1, 0.96))
    return fig


def plot_timeline(events: pd.DataFrame, *, title: str, last_year: int, measure_labels: dict[str, str]) -> plt.Figure:
    """A lane per country and measure type; a bar per event from its start to its end year (inclusive).

    ``events`` columns: country, measure, start_year, end_year (NaN = in force through ``last_year``), rare_earth
    (bool; drawn with a black outline)."""
    apply_theme()
    measures = list(measure_labels)
    colours = dict(zip(measures, sns.color_palette(PALETTE, len(measures))))
    hatches = dict(zip(measures, ("", "//", "..", "xx", "\\\\", "++", "oo")))
    countries = sorted(events["country"].unique())
    lanes: list[tuple[str, str]] = [(c, m) for c in countries for m in measures
                                    if ((events["country"] == c) & (events["measure"] == m)).any()]
    position = {lane: len(lanes) - 1 - i for i, lane in enumerate(lanes)}
    fig, ax = plt.subplots(figsize=(10, 0.34 * len(lanes) + 2.2))
    # Non-rare-earth events first, so a rare-earth event's outline is drawn on top where they overlap.
    for event in events.sort_values("rare_earth", kind="mergesort").itertuples():
        start = float(event.start_year)
        end = float(event.end_year) if pd.notna(event.end_year) else float(last_year)
        ax.barh(position[(event.country, event.measure)], end - start + 1, left=start, height=0.72,
                color=colours[event.measure], hatch=hatches[event.measure],
                edgecolor="black" if event.rare_earth else "white", linewidth=1.1 if event.rare_earth else 0.4)
    ticks, labels = [], []
    for country in countries:
        rows = [position[lane] for lane in lanes if lane[0] == country]
        ticks.append((min(rows) + max(rows)) / 2)
        labels.append(country)
        ax.axhline(min(rows) - 0.5, color="0.75", linewidth=0.6)
    ax.set_yticks(ticks)
    ax.set_yticklabels(labels)
    ax.set_ylim(-0.6, len(lanes) - 0.4)
    ax.grid(axis="y", visible=False)
    ax.set_xlim(left=float(events["start_year"].min()) - 0.5, right=last_year + 1.5)
    ax.set_xlabel("Years in force (a bar covers each calendar year from start to end)")
    handles = [plt.Rectangle((0, 0), 1, 1, facecolor=colours[m], hatch=hatches[m], edgecolor="white")
               for m in measures]
    handles.append(plt.Rectangle((0, 0), 1, 1, facecolor="white", edgecolor="black", linewidth=1.1))
    # The legend is read at the size the page shows the figure (about half the PNG's pixels): its text is as large as
    # the axis labels, and its keys are big enough to show each measure's hatch pattern.
    fig.legend(handles, [measure_labels[m] for m in measures] + ["Rare-earth measure (black outline)"],
               loc="lower center", ncol=3, fontsize=plt.rcParams["axes.labelsize"], handlelength=3.2,
               handleheight=1.6, columnspacing=2.0, bbox_to_anchor=(0.5, -0.01))
    ax.set_title(wrap_text(title, 80))
    fig.tight_layout(rect=(0, 0.09, 1, 1))
    return fig


def plot_specification_curve(curve: pd.DataFrame, indicators: Sequence, *, title: str, expected_sign: str,
                             level: float = 0.95, ylabel: str = "Estimate") -> plt.Figure:
    """A specification curve: every model's estimate, sorted, with its interval (above), and the choices that
    produced it (below, a row per choice, a mark where the model made it).

    ``curve`` columns: estimate_scaled, ci_low_scaled, ci_high_scaled, pvalue; rows in the order to draw.
    ``indicators``: objects with ``group``, ``label`` and a boolean ``mask`` over the rows of ``curve``. Models are
    coloured, and marked by shape, as significant with the expected sign, not significant at 5%, or significant
    with the opposite sign, so the classes stay apart in greyscale.
    """
    apply_theme()
    n = len(curve)
    x = np.arange(n)
    estimate = curve["estimate_scaled"].to_numpy(dtype=float)
    low, high = curve["ci_low_scaled"].to_numpy(dtype=float), curve["ci_high_scaled"].to_numpy(dtype=float)
    significant = curve["pvalue"].to_numpy(dtype=float) < 0.05
    expected = estimate > 0 if expected_sign == "positive" else estimate < 0
    palette = sns.color_palette(PALETTE)
    classes = [("Significant (5%), expected sign", significant & expected, palette[0], "^"),
               ("Not significant", ~significant, "0.55", "o"),
               ("Significant (5%), opposite sign", significant & ~expected, palette[3], "v")]
    n_rows = len(indicators)
    fig, (top, bottom) = plt.subplots(2, 1, sharex=True, figsize=(11, 4.6 + 0.24 * n_rows),
                                      gridspec_kw={"height_ratios": [4.2, max(0.24 * n_rows, 0.6)]})
    size = float(np.clip(1800 / max(n, 1), 1.5, 18))
    for label, mask, colour, marker in classes:
        if not mask.any():
            continue
        top.vlines(x[mask], low[mask], high[mask], color=colour, linewidth=0.6, alpha=0.35)
        top.scatter(x[mask], estimate[mask], s=size, color=colour, marker=marker, linewidths=0, label=label,
                    zorder=3)
    top.axhline(0, color="black", linewidth=0.9, linestyle="--")
    median = float(np.median(estimate)) if n else 0.0
    top.axhline(median, color="0.3", linewidth=0.9, linestyle=":", label=f"Median ({median:.3g})")
    top.set_ylabel(wrap_text(f"{ylabel}, {level:.0%} interval", 40))
    top.set_title(wrap_text(title, 90))
    top.legend(loc="upper left", fontsize=9, markerscale=max(1.0, 30 / size) ** 0.5)
    colour_of = np.full(n, 1)
    for k, (_, mask, _, _) in enumerate(classes):
        colour_of[mask] = k
    ticks, tick_labels, previous = [], [], None
    for row, indicator in enumerate(indicators):
        y = n_rows - 1 - row
        chosen = np.asarray(indicator.mask, dtype=bool)
        for k, (_, _, colour, _) in enumerate(classes):
            mark = chosen & (colour_of == k)
            bottom.scatter(x[mark], np.full(mark.sum(), y), s=max(size * 0.6, 1.0), marker="|", color=colour,
                           linewidths=0.8)
        if previous is not None and indicator.group != previous:
            bottom.axhline(y + 0.5, color="0.7", linewidth=0.6)
        previous = indicator.group
        ticks.append(y)
        tick_labels.append(f"{indicator.group}: {indicator.label}")
    bottom.set_yticks(ticks)
    bottom.set_yticklabels([wrap_text(t, 60) for t in tick_labels], fontsize=8)
    bottom.set_ylim(-0.6, n_rows - 0.4)
    bottom.grid(axis="y", visible=False)
    bottom.set_xlim(-0.01 * n - 1, 1.01 * n)
    bottom.set_xlabel(f"Models, sorted by estimate (n = {n:,})")
    fig.tight_layout()
    return fig
