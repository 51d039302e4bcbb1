"""``kind = "event_study"`` specs: validation, and spec-driven estimates against the references (R did on mpdta,
fixest's published base_stagg output) and against the engines called directly."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from griparm_econ.cli import main
from griparm_econ.errors import SpecError
from griparm_econ.spec import parse_spec_text
from reference_helpers import close_to_printed, reference_set

TOL = 1e-6


def _run(tmp_path: Path, text: str, stem: str = "es") -> dict:
    spec = tmp_path / f"{stem}.toml"
    spec.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    assert main(["run", str(spec), "--out", str(out), "--force"]) == 0
    return json.loads((out / "estimates" / f"{stem}.json").read_text(encoding="utf-8"))


def _spec(data: str, models: str, *, entity: str, time: str, extra: str = "") -> str:
    return (f'kind = "event_study"\ntitle = "Test"\n{extra}\n[data]\npath = "{data}"\nentity = "{entity}"\n'
            f'time = "{time}"\n{models}')


@pytest.fixture(scope="module")
def mpdta_path():
    pytest.importorskip("csdid")
    path = reference_set("mpdta") / "mpdta.csv"
    if not path.exists():
        pytest.skip(f"reference data absent: {path}")
    return path


def test_mpdta_through_a_spec_equals_r_did(tmp_path, mpdta_path):
    models = "".join(f'[[model]]\nname = "{name}"\noutcome = "lemp"\ncohort = "first.treat"\n'
                     f'estimator = "callaway_santanna"\nwindow = [-4, 3]\ncontrol_group = "{group}"\n'
                     for name, group in (("nev", "never_treated"), ("nyt", "not_yet_treated")))
    estimates = _run(tmp_path, _spec(str(mpdta_path), models, entity="countyreal", time="year"))
    aggte = pd.read_csv(mpdta_path.parent / "reference_outputs" / "csdid_r_ref_ref_aggte.csv")
    pretest = pd.read_csv(mpdta_path.parent / "reference_outputs" / "csdid_r_ref_ref_pretest.csv")
    for model in estimates["models"]:
        scenario = f"mpdta_{model['name']}_dr"
        ref = aggte[aggte.scenario == scenario]
        simple = ref[ref.type == "simple"].iloc[0]
        assert abs(model["att"]["estimate"] - simple.overall_att) < TOL
        assert abs(model["att"]["std_error"] - simple.overall_se) < TOL
        assert model["params"]["ATT"] == model["att"]["estimate"]
        dynamic = ref[ref.type == "dynamic"].set_index("egt")
        assert [e["k"] for e in model["event_time"]] == [-3, -2, -1, 0, 1, 2, 3]
        for event in model["event_time"]:
            assert abs(event["estimate"] - dynamic.loc[event["k"], "att_egt"]) < TOL
            assert abs(event["std_error"] - dynamic.loc[event["k"], "se_egt"]) < TOL
        assert abs(model["pretrend"]["statistic"] - pretest[pretest.scenario == scenario].iloc[0].W) < TOL
        assert model["cohorts"] == {"2004": 20, "2006": 40, "2007": 131} and model["nobs"] == 2500


def test_sun_abraham_through_a_spec_equals_fixest(tmp_path):
    pyreadr = pytest.importorskip("pyreadr")
    path = reference_set("fixest_base_stagg") / "base_stagg.RData"
    if not path.exists():
        pytest.skip(f"reference data absent: {path}")
    pyreadr.read_r(str(path))["base_stagg"].to_csv(tmp_path / "base_stagg.csv", index=False)
    models = ('[[model]]\nname = "SA"\noutcome = "y"\ncohort = "year_treated"\nestimator = "sun_abraham"\n'
              'window = [-9, 8]\ncontrols = ["x1"]\n')
    model = _run(tmp_path, _spec("base_stagg.csv", models, entity="id", time="year"))["models"][0]
    assert close_to_printed(model["att"]["estimate"], "-1.133749")
    assert close_to_printed(model["att"]["std_error"], "0.205070")
    assert close_to_printed(model["params"]["k=0"], "-5.188") and close_to_printed(model["std_errors"]["k=0"],
                                                                                    "0.2211")
    assert close_to_printed(model["params"]["k=-9"], "0.3518")


def _staggered_panel(seed: int = 3, effect: float = 2.0) -> pd.DataFrame:
    """30 units, 12 periods, cohorts 5, 7, 9 and never; true effect ``effect`` from adoption on."""
    rng = np.random.default_rng(seed)
    rows = []
    for unit in range(30):
        cohort = (5, 7, 9, 0)[unit % 4]
        for t in range(1, 13):
            treated = cohort and t >= cohort
            rows.append((unit, t, cohort, int(bool(treated)),
                         unit * 0.1 + 0.3 * t + effect * bool(treated) + rng.normal(scale=0.5)))
    return pd.DataFrame(rows, columns=["unit", "t", "g", "d", "y"])


@pytest.mark.slow   # every engine on a simulated panel (about 4 s); the reference-set cases stay fast
def test_spec_equals_the_engines_and_recovers_the_effect(tmp_path):
    from griparm_econ.estimation.designs.did2s import did2s
    from griparm_econ.estimation.designs.honest_did import smoothness_flci
    from griparm_econ.estimation.designs.twfe_event import twfe_event_study

    frame = _staggered_panel()
    frame.to_csv(tmp_path / "panel.csv", index=False)
    models = ('[[model]]\nname = "TWFE"\nestimator = "twfe"\nhonest_did = { M = [0, 0.1] }\n'
              '[[model]]\nname = "did2s"\nestimator = "did2s"\n'
              '[[model]]\nname = "SA"\nestimator = "sun_abraham"\n')
    extra = '[defaults]\noutcome = "y"\ntreatment = "d"\nwindow = [-4, 3]\n'
    estimates = _run(tmp_path, _spec("panel.csv", models, entity="unit", time="t", extra=extra))
    direct = twfe_event_study(frame, outcome="y", unit="unit", time="t", cohort="g", window=(-4, 3))
    twfe = estimates["models"][0]
    assert twfe["att"]["estimate"] == direct.att.estimate
    assert [e["estimate"] for e in twfe["event_time"]] == [e.estimate for e in direct.event_time]
    pre = [i for i, e in enumerate(direct.event_time) if e.k < -1]
    post = [i for i, e in enumerate(direct.event_time) if e.k >= 0]
    order = pre + post
    sigma = np.array(direct.event_time_cov)[np.ix_(order, order)]
    beta = np.array([direct.event_time[i].estimate for i in order])
    flci = smoothness_flci(beta, sigma, num_pre=len(pre), num_post=len(post), m=0.1)
    assert twfe["honest_did"][1]["ci_low"] == pytest.approx(flci.ci_low, abs=1e-12)
    work = frame.assign(k=(frame["t"] - frame["g"]).where(frame["g"] > 0).clip(-4, 3))
    direct2 = did2s(work, outcome="y", treatment="d", effects=("unit", "t"), cluster="unit", event_time="k")
    spec2 = estimates["models"][1]
    assert spec2["att"]["estimate"] == direct2.att.estimate and spec2["att"]["std_error"] == direct2.att.std_error
    assert [e["std_error"] for e in spec2["event_time"]] == [e.std_error for e in direct2.event_time]
    for model in estimates["models"]:
        assert abs(model["att"]["estimate"] - 2.0) < 0.2, model["name"]
        assert model["cohorts"] == {"5": 8, "7": 8, "9": 7}


def test_relative_magnitudes_through_a_spec_equal_the_engine(tmp_path):
    from griparm_econ.estimation.designs.relative_magnitudes import relative_magnitudes_set
    from griparm_econ.estimation.designs.twfe_event import twfe_event_study

    frame = _staggered_panel()
    frame.to_csv(tmp_path / "panel.csv", index=False)
    models = ('[[model]]\nname = "TWFE"\nestimator = "twfe"\noutcome = "y"\ncohort = "g"\nwindow = [-3, 2]\n'
              'honest_did = { type = "relative_magnitudes", Mbar = [0.5, 1], target = "average" }\n')
    spec_text = _spec("panel.csv", models, entity="unit", time="t")
    model = _run(tmp_path, spec_text)["models"][0]
    direct = twfe_event_study(frame, outcome="y", unit="unit", time="t", cohort="g", window=(-3, 2))
    order = [i for i, e in enumerate(direct.event_time) if e.k < -1] + [
        i for i, e in enumerate(direct.event_time) if e.k >= 0]
    beta = np.array([direct.event_time[i].estimate for i in order])
    sigma = np.array(direct.event_time_cov)[np.ix_(order, order)]
    expected = relative_magnitudes_set(beta, sigma, num_pre=2, num_post=3, mbar=1.0, l_vec=np.full(3, 1 / 3))
    found = model["honest_did"][1]
    assert found["Mbar"] == 1.0 and found["restriction"] == "relative_magnitudes" and found["target"] == "average"
    finite = [None if abs(v) == np.inf else v for v in (expected.ci_low, expected.ci_high)]   # JSON: null
    assert [found["ci_low"], found["ci_high"]] == finite and found["empty"] is False
    assert found["ci_low"] < 2.0 < (found["ci_high"] or np.inf)              # the true effect is 2
    table = (tmp_path / "out" / "tables" / "es.md").read_text(encoding="utf-8")
    assert "Robust set, Mbar = 0.5" in table and "relative magnitudes" in table


def test_outputs_exist_and_reruns_are_byte_identical(tmp_path):
    _staggered_panel().to_csv(tmp_path / "panel.csv", index=False)
    text = _spec("panel.csv", '[[model]]\nname = "TWFE"\nestimator = "twfe"\noutcome = "y"\ncohort = "g"\n'
                 'window = [-3, 3]\n', entity="unit", time="t")
    _run(tmp_path, text)
    out = tmp_path / "out"
    files = sorted(p for p in out.rglob("*") if p.is_file())
    assert {p.relative_to(out).as_posix() for p in files} >= {
        "tables/es.html", "tables/es.tex", "tables/es.md", "tables/es.csv", "tables/es.docx", "figures/es.png",
        "figures/es.pdf", "estimates/es.json"}
    first = {p: p.read_bytes() for p in files}
    _run(tmp_path, text)
    assert all(p.read_bytes() == data for p, data in first.items())


BASE = ('kind = "event_study"\ntitle = "T"\n[data]\npath = "p.csv"\nentity = "u"\ntime = "t"\n'
        '[[model]]\nname = "M"\noutcome = "y"\ncohort = "g"\nwindow = [-3, 3]\n')

VALIDATION = [
    ("did_multiplegt", 'estimator = "did_multiplegt"\n', "estimator", "not available", "reference numbers"),
    ("no_estimator", "", "estimator", "no estimator"),
    ("misspelt_estimator", 'estimator = "sunab"\n', "estimator", "sun_abraham"),
    ("control_group_unsupported", 'estimator = "sun_abraham"\ncontrol_group = "not_yet_treated"\n',
     "control_group", "callaway_santanna"),
    ("both_timings", 'estimator = "twfe"\ntreatment = "d"\n', "cohort", "not both"),
    ("window_without_pre", 'estimator = "twfe"\nwindow = [-1, 3]\n', "window", "lo < reference"),
    ("cov_other", 'estimator = "twfe"\ncov = "robust"\n', "cov", "cluster:entity"),
    ("effects_one_way", 'estimator = "twfe"\neffects = ["entity"]\n', "effects", "entity and time"),
    ("honest_on_cs", 'estimator = "callaway_santanna"\nhonest_did = { M = [0] }\n', "honest_did", "covariance"),
    ("honest_negative_m", 'estimator = "twfe"\nhonest_did = { M = [-1] }\n', "honest_did.M", ">= 0"),
    ("honest_rm_with_m", 'estimator = "twfe"\nhonest_did = { type = "relative_magnitudes", M = [1] }\n',
     "honest_did", "Mbar"),
    ("honest_rm_negative", 'estimator = "twfe"\nhonest_did = { type = "relative_magnitudes", Mbar = [-1] }\n',
     "honest_did.Mbar", ">= 0"),
    ("honest_sd_with_mbar", 'estimator = "twfe"\nhonest_did = { Mbar = [1] }\n', "honest_did", "not Mbar"),
    ("honest_rm_critical", 'estimator = "twfe"\nhonest_did = { type = "relative_magnitudes", Mbar = [1], '
     'critical = "exact" }\n', "honest_did", "neither M nor critical"),
    ("honest_type_misspelt", 'estimator = "twfe"\nhonest_did = { type = "relative", Mbar = [1] }\n',
     "type", "relative_magnitudes"),
    ("reference_on_cs", 'estimator = "callaway_santanna"\nreference = -2\n', "reference", "varying base"),
    ("lagged_outcome", 'estimator = "twfe"\n', "outcome", "plain variable"),
]


@pytest.mark.parametrize("case", VALIDATION, ids=[c[0] for c in VALIDATION])
def test_validation_is_one_message(case):
    name, extra, field, *needles = case
    text = BASE + extra
    if name == "window_without_pre":
        text = text.replace("window = [-3, 3]\n", "")
    if name == "lagged_outcome":
        text = text.replace('outcome = "y"', 'outcome = "L.y"')
    with pytest.raises(SpecError) as info:
        parse_spec_text(text, Path("es.toml"))
    err = info.value
    assert err.where == "es.toml" and field in (err.field or "") and err.fix, err.message
    for needle in needles:
        assert needle in err.message, (needle, err.message)
