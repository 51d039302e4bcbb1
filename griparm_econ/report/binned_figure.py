"""Figure 2 with the binning estimator: the linear marginal effect and its band, the effects within quantile bins
of the moderator (Hainmueller, Mummolo and Xu 2019) at the bins' medians, and beneath them the moderator's
distribution among treated observations, so a reader sees where the line rests on data and where it extrapolates."""

from __future__ import annotations

import numpy as np

from griparm_econ.errors import SpecError
from griparm_econ.report.figures import PALETTE, _theme, _wrap, plt, sns


def plot_binned_marginal_effect(effect, binned, *, title: str, xlabel: str, ylabel: str, observed) -> "plt.Figure":
    _theme()
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
    ax.set_ylabel(_wrap(ylabel, 38))
    ax.set_title(_wrap(title, 60))
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


def draw_binned_marginal_effect(loaded, ctx):
    """Refit the table's model with the binned terms (same design, effects and covariance) and draw both."""
    from griparm_econ.estimation.binned import binned_effects
    from griparm_econ.estimation.dataset import load_dataset
    from griparm_econ.estimation.design import build_design
    from griparm_econ.estimation.postestimation import marginal_effect
    from griparm_econ.estimation.results import ModelResult
    from griparm_econ.report.labels import effect_axis_label, exhibit_name
    from griparm_econ.spec import load_spec
    from griparm_econ.study import _model_entry, _moderator_lag

    spec = loaded.spec
    estimates = ctx.estimates(spec.table, loaded, "table")
    entry = _model_entry(estimates, spec.model, loaded, "model")
    result = ModelResult.from_json_dict(entry)
    table = load_spec(ctx.settings.specs_dir / f"{spec.table}.toml")
    index = [m.name for m in table.models].index(spec.model)
    design = build_design(table, index, load_dataset(table, ctx.settings))
    if design.nobs != result.nobs:
        raise SpecError(f"the model refitted for the binned estimator has {design.nobs} observations, the table's "
                        f"estimates {result.nobs}.", where=loaded.path, field="table",
                        fix="rerun the table (`griparm tables`) so its estimates match its spec and data.")
    moderator_term = _moderator_term(spec.interaction, spec.moderator)
    binned = binned_effects(table.models[index], design, treatment=spec.treatment, moderator=moderator_term,
                            interaction=spec.interaction, n_bins=spec.bins, level=spec.level, where=str(loaded.path),
                            field=f"model[{index + 1}] (name = {spec.model!r})")
    observed = design.exog[moderator_term].to_numpy(dtype=float)
    grid = np.linspace(observed.min(), observed.max(), spec.points)
    effect = marginal_effect(result, spec.treatment, spec.interaction, grid, moderator=spec.moderator,
                             level=spec.level)
    moderator = ctx.label(spec.moderator)
    lag = _moderator_lag(spec.interaction, spec.moderator, loaded)
    xlabel = moderator + (f" (t-{lag})" if lag > 0 else f" (t+{-lag})" if lag < 0 else "")
    fig = plot_binned_marginal_effect(effect, binned, title=spec.title, xlabel=xlabel,
                                      ylabel=effect_axis_label(ctx.label(result.dependent), ctx.unit(result.dependent)),
                                      observed=observed)
    column = index + 1
    bins = binned.frame
    described = "; ".join(f"bin {int(r.bin)}: {r.lower_edge:.2f} to {r.upper_edge:.2f}, median {r.median:.2f}, "
                          f"{int(r.n):,} obs., {int(r.n_treated):,} treated"
                          + ("" if r.identified else ", effect not identified: the treatment does not vary within "
                             "any country in this bin") for r in bins.itertuples())
    notes = [f"From {exhibit_name(spec.table)}, column ({column}) {spec.model} ({result.cov_label.lower()}; "
             f"N = {result.nobs:,}).",
             "Line and band: the linear interaction model's effect b(treatment) + b(interaction) x moderator, delta "
             f"method, {spec.level:.0%}.",
             f"Squares: the binning estimator of Hainmueller, Mummolo and Xu (2019): the moderator is cut at its "
             f"{spec.bins}-quantiles in the estimation sample and the model refitted with a separate treatment "
             "effect, intercept and moderator slopes in each bin (centred at the bin median), same controls, fixed "
             f"effects and covariance; each square is the effect at its bin's median ({described}).",
             "Beneath: the moderator's distribution in the estimation sample (grey) and among treated observations "
             "(coloured). Where the binned estimates leave the line, the linearity the line assumes fails; where "
             "treated observations are absent, the line is an extrapolation."]
    return fig, notes


def _moderator_term(interaction: str, moderator: str) -> str:
    """The factor of the interaction that is the moderator, as a column name (e.g. ``L.state_capacity``)."""
    from griparm_econ.estimation.formula import parse_formula

    for factor in parse_formula(f"y ~ {interaction}").exog[0].factors:
        if factor.variable == moderator:
            return factor.name
    raise SpecError(f"the moderator '{moderator}' is not a factor of '{interaction}'.", field="moderator",
                    fix="name the variable the interaction multiplies by.")
