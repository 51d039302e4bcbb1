"""``kind = "synthetic_control"`` specs: the spec-driven fit equals the engine's (which matches the published Prop 99
fit, tests/test_designs_synth.py), outputs exist and reruns are byte-identical; bad input is one message."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from griparm_econ.cli import main
from griparm_econ.estimation.designs.synthetic_control import synthetic_control
from reference_helpers import reference_set

PREDICTORS = [("lnincome", 1980, 1988), ("retprice", 1980, 1988), ("age15to24", 1980, 1988), ("beer", 1984, 1988),
              ("cigsale", 1988, 1988), ("cigsale", 1980, 1980), ("cigsale", 1975, 1975)]


def _spec_text(extra: str = "") -> str:
    rows = ",\n".join(f'  {{ variable = "{v}", years = [{a}, {b}] }}' for v, a, b in PREDICTORS)
    return (f'kind = "synthetic_control"\ntitle = "Prop 99"\noutcome = "cigsale"\nunit_treated = "California"\n'
            f'treatment_period = 1989\npredictors = [\n{rows},\n]\nleave_one_out = false\n{extra}'
            '[data]\npath = "smoking.csv"\nentity = "state"\ntime = "year"\n')


@pytest.fixture(scope="module")
def smoking(tmp_path_factory):
    frame = pd.read_stata(reference_set("prop99_smoking") / "smoking.dta")
    frame["state"] = frame["state"].astype(str)
    frame["year"] = frame["year"].astype(int)
    folder = tmp_path_factory.mktemp("synth")
    frame.to_csv(folder / "smoking.csv", index=False)
    return folder, pd.read_csv(folder / "smoking.csv")


@pytest.mark.slow   # two end-to-end runs with placebo inference (about 9 s); the bad-spec cases below stay fast
def test_spec_equals_the_engine_and_writes_every_output(smoking):
    folder, frame = smoking
    (folder / "prop99.toml").write_text(_spec_text('exclude_donors = ["Utah"]\n'), encoding="utf-8")
    out = folder / "out"
    assert main(["run", str(folder / "prop99.toml"), "--out", str(out), "--force"]) == 0
    model = json.loads((out / "estimates" / "prop99.json").read_text(encoding="utf-8"))["models"][0]
    donors = sorted(s for s in frame["state"].unique() if s not in ("California", "Utah"))
    direct = synthetic_control(frame, outcome="cigsale", unit="state", time="year", unit_treated="California",
                               treatment_period=1989, donors=donors, leave_one_out=False,
                               predictors=[{"variable": v, "years": [a, b]} for v, a, b in PREDICTORS])
    assert model["weights"] == pytest.approx(direct.weights, abs=1e-12)
    assert model["att"] == pytest.approx(direct.att, abs=1e-10) and model["params"]["ATT"] == model["att"]
    assert model["pre_rmspe"] == pytest.approx(direct.pre_rmspe, abs=1e-10)
    assert model["placebo_pvalue"] == direct.placebo_pvalue and "Utah" not in model["weights"]
    assert set(model["post_gap"]) == {str(t) for t in range(1989, 2001)}
    files = {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    for name in ("tables/prop99.md", "tables/prop99.weights.docx", "figures/prop99.path.png",
                 "figures/prop99.gaps.pdf"):
        assert name in files
    assert main(["run", str(folder / "prop99.toml"), "--out", str(out), "--force"]) == 0
    assert all((out / name).read_bytes() == data for name, data in files.items())


@pytest.mark.parametrize("extra, needles", [
    ('donors = ["Nevada", "California"]\n', ("donors", "treated unit")),
    ('pre_period = [1970, 1990]\n', ("pre_period", "end before")),
    ('pre_period = [1980, 1970]\n', ("pre_period", "runs backwards", "[1970, 1980]")),
    ('search = "global"\n', ("search", "local")),
    ('exclude_donors = ["Narnia"]\n', ("exclude_donors", "not a unit")),
])
def test_bad_synthetic_spec_is_one_message(smoking, capsys, extra, needles):
    folder, _ = smoking
    spec = folder / "bad.toml"
    spec.write_text(_spec_text(extra), encoding="utf-8")
    assert main(["run", str(spec), "--out", str(folder / "bad_out")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and str(spec) in err and "Fix:" in err, err
    for needle in needles:
        assert needle in err, (needle, err)
    assert not (folder / "bad_out").exists()


@pytest.mark.slow
def test_leave_one_out_is_in_the_notes_and_the_estimates(tmp_path):
    from test_designs_synth import _generated_panel

    _generated_panel().to_csv(tmp_path / "panel.csv", index=False)
    spec = tmp_path / "gen.toml"
    spec.write_text('kind = "synthetic_control"\ntitle = "Generated"\noutcome = "y"\nunit_treated = "T"\n'
                    'treatment_period = 2010\npredictors = [\n  { variable = "y", years = [2000, 2009] },\n'
                    '  { variable = "x", years = [2000, 2009] },\n]\n[data]\npath = "panel.csv"\nentity = "unit"\n'
                    'time = "year"\n', encoding="utf-8")
    out = tmp_path / "out"
    assert main(["run", str(spec), "--out", str(out), "--force"]) == 0
    document = json.loads((out / "estimates" / "gen.json").read_text(encoding="utf-8"))
    loo = document["models"][0]["leave_one_out"]
    assert set(loo) == {"A", "C"} and set(loo["A"]) == {"att", "pre_rmspe", "synthetic_path"}
    assert abs(document["models"][0]["att"] - 5.0) < 1e-4 and abs(loo["A"]["att"] - 5.0) > 1e-3
    table = (out / "tables" / "gen.md").read_text(encoding="utf-8")
    assert f"without A, ATT {loo['A']['att']:.4g} (pre-period RMSPE {loo['A']['pre_rmspe']:.4g})" in table
