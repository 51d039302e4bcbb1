"""First differences are over one calendar period, as Stata's ``regress D.y D.x, nocons`` takes them.

Reference: statsmodels OLS (no constant) on differences computed by hand from consecutive years only, with
cluster-robust errors and its default small-sample correction G/(G-1) * (N-1)/(N-K) (= Stata's vce(cluster)).
"""

import json

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from griparm_econ.config import load_settings
from griparm_econ.pipeline.sequencer import run_specs


def test_first_difference_skips_gaps_and_matches_regress_on_d(tmp_path):
    rng = np.random.default_rng(11)
    rows = [(f"c{i}", t) for i in range(30) for t in range(1995, 2010)]
    frame = pd.DataFrame(rows, columns=["id", "year"])
    frame["x"] = rng.normal(size=len(frame)).cumsum()
    frame["y"] = 1.5 * frame["x"] + rng.normal(size=len(frame)) + frame["id"].str[1:].astype(int)
    # Years missing for everyone (as WGI 1997, 1999, 2001) and a few scattered gaps.
    frame = frame[~frame["year"].isin([1997, 1999, 2001])]
    frame = frame.drop(frame.sample(20, random_state=1).index)
    frame.to_csv(tmp_path / "d.csv", index=False)
    (tmp_path / "fd.toml").write_text(
        f'title = "FD"\n[data]\npath = "{tmp_path / "d.csv"}"\nentity = "id"\ntime = "year"\n'
        '[[model]]\nname = "FD"\nformula = "y ~ x"\nestimator = "first_difference"\ncov = "cluster:entity"\n')
    run_specs([tmp_path / "fd.toml"], load_settings(), force=True, echo=lambda _: None, out_dir=tmp_path / "out")
    model = json.loads((tmp_path / "out" / "estimates" / "fd.json").read_text())["models"][0]

    previous = frame.assign(year=frame["year"] + 1).set_index(["id", "year"])
    current = frame.set_index(["id", "year"])
    diff = (current[["y", "x"]] - previous[["y", "x"]]).dropna()   # only where year-1 exists
    fit = sm.OLS(diff["y"], diff[["x"]]).fit(cov_type="cluster", cov_kwds={
        "groups": pd.factorize(diff.index.get_level_values("id"))[0]})
    assert model["nobs"] == len(diff)
    assert model["years"][0] == 1996 and 1998 not in diff.index.get_level_values("year")
    assert model["params"]["x"] == pytest.approx(fit.params["x"], rel=1e-10)
    assert model["std_errors"]["x"] == pytest.approx(fit.bse["x"], rel=1e-8)
    assert model["n_clusters"] == diff.index.get_level_values("id").nunique()


def test_ever_treated_clusters_count_the_treatment_in_levels(tmp_path):
    """Table 4's first-difference column showed no ever-treated count: differenced, a 0/1 treatment is -1/0/1, which
    is not binary. The count reads the treatment in levels (1 in either year of a difference the model uses)."""
    rng = np.random.default_rng(5)
    rows = [(f"c{i}", t) for i in range(12) for t in range(2000, 2010)]
    frame = pd.DataFrame(rows, columns=["id", "year"])
    start = {f"c{i}": 2003 + i for i in range(5)}              # five countries adopt in 2003..2007; seven never do
    frame["d"] = [float(year >= start.get(c, 9999)) for c, year in zip(frame["id"], frame["year"])]
    frame["y"] = 0.8 * frame["d"] + rng.normal(size=len(frame))
    frame.to_csv(tmp_path / "d.csv", index=False)
    (tmp_path / "fd.toml").write_text(
        f'title = "FD"\n[data]\npath = "{tmp_path / "d.csv"}"\nentity = "id"\ntime = "year"\n'
        '[[model]]\nname = "FD"\nformula = "y ~ d"\nestimator = "first_difference"\ncov = "cluster:entity"\n')
    run_specs([tmp_path / "fd.toml"], load_settings(), force=True, echo=lambda _: None, out_dir=tmp_path / "out")
    record = json.loads((tmp_path / "out" / "estimates" / "fd.json").read_text())
    assert record["models"][0]["ever_treated_clusters"] == {"d": {"entity": 5}}
    table = (tmp_path / "out" / "tables" / "fd.md").read_text()
    assert "Clusters ever treated" in table and "Clusters ever treated in FD: counted on the treatment in levels" in table
