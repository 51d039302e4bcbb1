"""The binning estimator of Hainmueller, Mummolo and Xu (2019) on a synthetic panel whose treatment effect is a
known nonlinear (U-shaped) function of the moderator: the linear interaction misses it, the bins recover it."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from griparm_econ.config import load_settings
from griparm_econ.estimation.binned import binned_effects, binned_exog
from griparm_econ.estimation.dataset import load_dataset
from griparm_econ.estimation.design import build_design
from griparm_econ.estimation.dispatch import fit_model
from griparm_econ.spec import load_spec


@pytest.fixture(scope="module")
def fitted(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("binned")
    rng = np.random.default_rng(2019)
    n, t = 300, 10
    entity, year = np.repeat(np.arange(n), t), np.tile(np.arange(2000, 2000 + t), n)
    x = rng.uniform(-2, 2, size=n * t)
    d = (rng.uniform(size=n * t) < 0.5).astype(float)
    z = rng.normal(size=n * t)
    y = (rng.normal(size=n)[entity] + 0.1 * (year - 2000) + 0.5 * x + d * x**2 + 0.3 * z
         + rng.normal(scale=0.5, size=n * t))
    pd.DataFrame({"unit": entity, "year": year, "x": x, "d": d, "z": z, "y": y}).to_csv(tmp / "p.csv", index=False)
    (tmp / "s.toml").write_text('title = "T"\n[data]\npath = "p.csv"\nentity = "unit"\ntime = "year"\n'
                                '[[model]]\nname = "M"\nformula = "y ~ d * x + z"\nestimator = "panel_ols"\n'
                                'effects = ["entity", "time"]\ncov = "cluster:entity"\n')
    loaded = load_spec(tmp / "s.toml")
    design = build_design(loaded, 0, load_dataset(loaded, load_settings()))
    config = loaded.models[0]
    binned = binned_effects(config, design, treatment="d", moderator="x", interaction="d:x", n_bins=3,
                            where="s.toml", field="model")
    linear = fit_model(config, design, where="s.toml")
    return x, d, binned, linear


def test_bins_recover_the_nonlinear_effect_the_line_misses(fitted):
    x, d, binned, linear = fitted
    frame = binned.frame
    for _, row in frame.iterrows():
        inside = (x >= row["lower_edge"]) & (x <= row["upper_edge"]) & (d == 1)
        # what alpha_j estimates: the intercept at x_j of the within-bin linear projection of the true effect x^2
        basis = np.column_stack([np.ones(inside.sum()), x[inside] - row["median"]])
        target = np.linalg.lstsq(basis, x[inside] ** 2, rcond=None)[0][0]
        assert abs(row["effect"] - target) < 3 * row["se"], (row["bin"], row["effect"], target)
    assert frame["median"].tolist() == pytest.approx([-4 / 3, 0, 4 / 3], abs=0.1)
    # U shape: the outer bins' effects are far above the middle one, while the linear interaction is flat
    assert frame.loc[0, "effect"] - frame.loc[1, "effect"] > 1 and frame.loc[2, "effect"] - frame.loc[1, "effect"] > 1
    assert abs(linear.params["d:x"]) < 3 * linear.std_errors["d:x"]
    assert binned.treated_moderator.size == int(d.sum())


def test_binned_exog_terms_and_bins():
    exog = pd.DataFrame({"d": [0, 1, 0, 1, 0, 1.0], "x": [1, 2, 3, 4, 5, 6.0], "d:x": [0, 2, 0, 4, 0, 6.0],
                         "z": [1, 1, 2, 2, 3, 3.0]})
    out, bins, codes = binned_exog(exog, treatment="d", moderator="x", interaction="d:x", n_bins=3,
                                   absorbed_constant=True)
    assert codes.tolist() == [0, 0, 1, 1, 2, 2]
    assert "bin1" not in out.columns and "bin2" in out.columns and "z" in out.columns and "d:x" not in out.columns
    assert bins["median"].tolist() == [1.5, 3.5, 5.5]
    assert out["bin2:X:D"].tolist() == [0, 0, 0, 0.5, 0, 0]


def test_a_bin_without_treated_variation_is_reported_not_identified(tmp_path):
    # treatment switches on only for countries whose moderator is low: the top tercile has no within variation
    rng = np.random.default_rng(5)
    n, t = 120, 8
    entity, year = np.repeat(np.arange(n), t), np.tile(np.arange(2000, 2000 + t), n)
    level = np.linspace(-2, 2, n)[entity]
    x = level + rng.normal(scale=0.05, size=n * t)
    d = ((level < 0) & (year >= 2000 + (entity % 5) + 2)).astype(float)
    y = rng.normal(size=n)[entity] + 0.2 * x + 1.0 * d + rng.normal(scale=0.3, size=n * t)
    pd.DataFrame({"unit": entity, "year": year, "x": x, "d": d, "y": y}).to_csv(tmp_path / "p.csv", index=False)
    (tmp_path / "s.toml").write_text('title = "T"\n[data]\npath = "p.csv"\nentity = "unit"\ntime = "year"\n'
                                     '[[model]]\nname = "M"\nformula = "y ~ d * x"\nestimator = "panel_ols"\n'
                                     'effects = ["entity", "time"]\ncov = "cluster:entity"\n')
    loaded = load_spec(tmp_path / "s.toml")
    design = build_design(loaded, 0, load_dataset(loaded, load_settings()))
    binned = binned_effects(loaded.models[0], design, treatment="d", moderator="x", interaction="d:x", n_bins=3,
                            where="s.toml", field="model")
    frame = binned.frame
    assert frame["identified"].tolist() == [True, True, False]
    assert np.isnan(frame.loc[2, "effect"]) and frame.loc[2, "n_treated"] == 0
    assert abs(frame.loc[0, "effect"] - 1.0) < 3 * frame.loc[0, "se"]
