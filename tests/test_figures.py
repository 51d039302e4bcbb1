"""Figures: the delta-method marginal effect is right, and every figure file is byte-identical across runs."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from griparm_econ.estimation.postestimation import marginal_effect
from griparm_econ.estimation.results import ModelResult
from griparm_econ.errors import SpecError
from griparm_econ.report import figures


def _result(df_resid=40):
    names = ["restriction", "capacity", "restriction:capacity"]
    cov = np.array([[0.04, 0.001, 0.01], [0.001, 0.02, 0.002], [0.01, 0.002, 0.09]])
    return ModelResult(
        name="main", estimator="panel_ols", dependent="y", formula="y ~ restriction * capacity", cov="cluster:entity",
        cov_label="Clustered (country)", nobs=100,
        params={"restriction": 0.5, "capacity": 0.2, "restriction:capacity": -0.3},
        std_errors=dict(zip(names, np.sqrt(np.diag(cov)))), pvalues={n: 0.1 for n in names},
        tstats={n: 1.0 for n in names},
        cov_matrix={r: {c: float(cov[i, j]) for j, c in enumerate(names)} for i, r in enumerate(names)},
        df_resid=1000, df_pvalues=df_resid)


def test_marginal_effect_matches_hand_delta_method():
    me = marginal_effect(_result(), "restriction", "restriction:capacity", [-1.0, 0.0, 2.0])
    m = np.array([-1.0, 0.0, 2.0])
    expected = 0.5 - 0.3 * m
    se = np.sqrt(0.04 + m**2 * 0.09 + 2 * m * 0.01)
    crit = stats.t.ppf(0.975, 40)
    np.testing.assert_allclose(me.grid["effect"], expected, rtol=1e-12)
    np.testing.assert_allclose(me.grid["se"], se, rtol=1e-12)
    np.testing.assert_allclose(me.grid["upper"], expected + crit * se, rtol=1e-12)


def test_marginal_effect_unknown_term_names_the_choices():
    with pytest.raises(SpecError, match="restriction:capacity"):
        marginal_effect(_result(), "restriction", "nope", [0.0])


def _all_figures():
    rng = np.random.default_rng(7)
    years = np.arange(2000, 2011)
    traj = pd.DataFrame([(c, y, v, rng.normal()) for c in ("CHN", "BRA") for y in years for v in ("a", "b", "c")],
                        columns=["country", "year", "variable", "value"])
    me = marginal_effect(_result(), "restriction", "restriction:capacity", np.linspace(-2, 2, 21))
    coefs = pd.DataFrame({"term": ["x", "x", "z", "z"], "model": ["(1)", "(2)", "(1)", "(2)"],
                          "group": ["Table 2", "Table 3", "Table 2", "Table 3"],
                          "estimate": [0.1, 0.2, -0.1, 0.0], "lower": [0.0, 0.1, -0.3, -0.2],
                          "upper": [0.2, 0.3, 0.1, 0.2]})
    shares = pd.DataFrame([(p, y, g, s) for p in ("mine", "exports") for y in years
                           for g, s in (("China", 0.7), ("Rest", 0.3))], columns=["panel", "year", "group", "share"])
    events = pd.DataFrame({"country": ["China", "China", "Indonesia"], "measure": ["quota", "tax", "ban"],
                           "start_year": [1999, 2006, 2014], "end_year": [2014, np.nan, 2017],
                           "rare_earth": [True, True, False]})
    return {
        "traj": figures.plot_trajectories(traj, title="T", variable_labels={"a": "A"}),
        "me": figures.plot_marginal_effect(me, title="ME", xlabel="x", ylabel="y", observed=[-1, 0, 1]),
        "coef": figures.plot_coefficients(coefs, title="C"),
        "shares": figures.plot_shares(shares, title="S", panel_titles={"mine": "Mine", "exports": "Exports"},
                                      group_order=["China", "Rest"]),
        "timeline": figures.plot_timeline(events, title="E", last_year=2020,
                                          measure_labels={"quota": "Quota", "tax": "Tax", "ban": "Ban"}),
    }


@pytest.mark.slow
def test_figures_are_written_and_byte_identical(tmp_path):
    first = {stem: figures.save_figure(fig, tmp_path / "a", stem) for stem, fig in _all_figures().items()}
    second = {stem: figures.save_figure(fig, tmp_path / "b", stem) for stem, fig in _all_figures().items()}
    for stem in first:
        for a, b in zip(first[stem], second[stem]):
            assert a.stat().st_size > 1000
            assert a.read_bytes() == b.read_bytes(), f"{a.name} differs between runs"
    assert not list((tmp_path / "a" / "figures").glob(".*tmp"))


# ------------------------------------------------------------------ what a referee reads in the figures (issue 9)

from griparm_econ.labels import change_unit, effect_axis_label  # noqa: E402


def test_effect_axis_is_in_percentage_points_from_the_catalog_unit():
    label = effect_axis_label("Manufactures exports (% of merchandise exports)", "% of merchandise exports")
    assert label == "Effect on manufactures exports (percentage points of merchandise exports)"
    assert effect_axis_label("Manufacturing value added (% of GDP)", "% of GDP") == \
        "Effect on manufacturing value added (percentage points of GDP)"
    assert change_unit("log constant 2015 US$") == "log points"
    assert change_unit("count") == "count"
    assert effect_axis_label("GDP", "") == "Effect on GDP"


def test_the_coefficient_figure_says_why_a_model_is_not_shown():
    """Table 4 column 6 regresses on two-year lags: none of the plotted (t-1) terms is in it, so it has no row."""
    from griparm_econ.pipeline.figure_data import coefficient_rows

    def model(name, params):
        return {"name": name, "dependent": "y", "params": params, "std_errors": {k: 0.1 for k in params}}

    estimates = {"labels": {"L.x": "X (t-1)"},
                 "models": [model("Baseline", {"L.x": 1.0, "L.c": 0.0}), model("Two-year lags", {"L2.x": 0.5}),
                            model("Other", {"L.c": 0.3})]}
    rows, omitted = coefficient_rows([("table4_robustness", estimates)], ["L.x"], 1.96, lambda m: None)
    assert [row["model"] for row in rows] == ["Table 4 (1) Baseline"]
    assert omitted == ["Table 4 (2) Two-year lags: its terms enter at another lag than the panels show "
                       "(e.g. x (t-2))", "Table 4 (3) Other: it has none of the plotted terms"]


def test_timeline_legend_is_as_large_as_the_axis_labels():
    """The page shows the figure at about half its pixels; a legend smaller than the tick labels is unreadable."""
    fig = _all_figures()["timeline"]
    (legend,) = fig.legends
    tick = max(label.get_fontsize() for label in fig.axes[0].get_yticklabels())
    assert min(text.get_fontsize() for text in legend.get_texts()) >= tick
    assert legend.handlelength >= 3 and legend.handleheight >= 1.5
