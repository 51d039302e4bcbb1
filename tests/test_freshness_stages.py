"""What a change re-runs (issue 10): one code fingerprint per stage, and a data digest of exactly what a spec reads.

Specs run on a study panel made here (the real catalog's variable names, synthetic values with known effects; the
panel loader is replaced, nothing is built from the snapshot) in temporary folders. A change to the package's code
is simulated on a temporary copy of the package whose stage fingerprint replaces the real one, so the package itself
is never written to. The slow test at the end adds a variable to a copy of the real catalog and rebuilds the real
panel from the snapshot.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from griparm_econ import freshness
from griparm_econ.catalog import DEFAULT_CATALOG, load_catalog
from griparm_econ.config import Settings
from griparm_econ.pipeline.sequencer import run_specs

TRUE_EFFECT = 0.5

SPECS = {
    # reads log_gdp_pc and state_capacity
    "gdp": '''title = "GDP"
[[model]]
name = "FE"
formula = "log_gdp_pc ~ state_capacity"
estimator = "panel_ols"
effects = ["entity", "time"]
cov = "cluster:entity"
''',
    # reads tax_revenue_gdp and state_capacity
    "tax": '''title = "Tax revenue"
[[model]]
name = "FE"
formula = "tax_revenue_gdp ~ state_capacity"
estimator = "panel_ols"
effects = ["entity"]
cov = "cluster:entity"
''',
    # reads tax_revenue_gdp, state_capacity and log_population
    "mv": '''kind = "multiverse"
title = "Tax multiverse"
focus = "L.state_capacity"
expected_sign = "positive"
outcomes = ["tax_revenue_gdp"]
treatments = [["L.state_capacity"]]
controls = ["L.log_population"]
control_sets = "all_subsets"
effects = [["entity", "time"], ["entity"]]
[executor]
backend = "sequential"
progress = false
''',
    # reads log_population
    "desc": '''kind = "descriptive"
title = "Population"
variables = ["log_population"]
''',
}
STEMS = tuple(SPECS)


def synthetic_panel(seed: int = 3) -> pd.DataFrame:
    """Country-years with the study panel's identifiers and five catalog variables; state capacity raises both
    outcomes by TRUE_EFFECT."""
    rng = np.random.default_rng(seed)
    codes = [f"C{i:02d}" for i in range(24)]
    frame = pd.DataFrame([(c, y) for c in codes for y in range(2000, 2016)], columns=["iso3", "year"])
    frame["country"], frame["region"], frame["income_group"] = frame["iso3"], "Region", "Income"
    entity = rng.normal(size=len(codes)).repeat(16)
    frame["state_capacity"] = rng.normal(size=len(frame)) + 0.5 * entity
    frame["log_gdp_pc"] = 8 + TRUE_EFFECT * frame["state_capacity"] + entity + rng.normal(scale=0.3, size=len(frame))
    frame["tax_revenue_gdp"] = 15 + TRUE_EFFECT * frame["state_capacity"] + rng.normal(scale=0.3, size=len(frame))
    frame["log_population"] = 16 + entity + rng.normal(scale=0.1, size=len(frame))
    frame["gdp_pc"] = np.exp(frame["log_gdp_pc"])         # in the panel, read by no spec
    return frame


@pytest.fixture()
def study(tmp_path, monkeypatch):
    """Specs, a copy of the catalog and an output folder in tmp_path; the study panel is ``study.panel``."""
    import griparm_econ.panel

    specs = tmp_path / "specs"
    specs.mkdir()
    shutil.copy(DEFAULT_CATALOG, specs / "variables.toml")
    for stem, text in SPECS.items():
        (specs / f"{stem}.toml").write_text(text, encoding="utf-8")
    settings = Settings(data_dir=None, project_root=tmp_path, specs_dir=specs, work_dir=tmp_path / "data",
                        output_dir=tmp_path / "out")

    class Study:
        panel = synthetic_panel()

        def run(self) -> dict[str, str]:
            """stem -> what the run did with it: estimated, re-rendered or skipped."""
            lines: list[str] = []
            run_specs(None, settings, echo=lines.append)
            return {stem: _action(stem, lines) for stem in STEMS}

    study = Study()
    study.settings = settings
    monkeypatch.setattr(griparm_econ.panel, "load_panel", lambda settings, echo=None: study.panel.copy())
    return study


def _action(stem: str, lines: list[str]) -> str:
    for line in lines:
        if line.startswith("wrote ") and f" for {stem} in " in line:
            return "estimated"
        if line.startswith(f"re-rendered {stem} "):
            return "re-rendered"
        if line.startswith("up to date: ") and line.split()[3].endswith(f"/{stem}.toml"):
            return "skipped"
    raise AssertionError(f"{stem}: no line in {lines}")


def _outputs(folder: Path, sub: str = "tables") -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((folder / sub).iterdir())}


def _edited_copy(tmp_path: Path, module: str) -> Path:
    """A copy of the package with a comment appended to one module (the package itself is left alone)."""
    package = Path(freshness.__file__).resolve().parent
    copy = tmp_path / "edited" / "griparm_econ"
    shutil.copytree(package, copy, ignore=shutil.ignore_patterns("__pycache__"))
    with open(copy / module, "a", encoding="utf-8") as handle:
        handle.write("\n# an appended comment\n")
    return copy


def _code_as_in(monkeypatch, copy: Path, stage: str) -> None:
    """From now on, ``stage``'s code fingerprint is the edited copy's."""
    real = freshness.stage_sha256
    edited = freshness.hash_stage(stage, copy)
    assert edited != real(stage)
    monkeypatch.setattr(freshness, "stage_sha256", lambda name: edited if name == stage else real(name))


def _no_fitting(monkeypatch) -> None:
    """Any model fit from now on fails the test."""
    import griparm_econ.estimation.dispatch
    import griparm_econ.estimation.multiverse
    import griparm_econ.estimation.within

    def refuse(*args, **kwargs):
        raise AssertionError("a model was fitted")

    monkeypatch.setattr(griparm_econ.estimation.dispatch, "fit_model", refuse)
    monkeypatch.setattr(griparm_econ.estimation.within, "fit_many", refuse)


def _run_once(tmp_path: Path, stem: str, text: str):
    """One spec with its own data file in ``tmp_path``, estimated and written once: (spec path, settings)."""
    spec = tmp_path / f"{stem}.toml"
    spec.write_text(text, encoding="utf-8")
    settings = Settings(data_dir=None, project_root=tmp_path, specs_dir=tmp_path, work_dir=tmp_path / "data",
                        output_dir=tmp_path / "out")
    run_specs([spec], settings, echo=lambda _: None)
    return spec, settings


def _re_renders_without(monkeypatch, tmp_path, spec, settings, stem: str, *, module, engine: str,
                        report_module: str) -> None:
    """After a change to ``report_module`` alone, ``stem`` is re-rendered with ``module.engine`` made to fail the
    test, and every table and figure comes out byte for byte as before."""
    before = _outputs(settings.output_dir) | _outputs(settings.output_dir, "figures")
    _code_as_in(monkeypatch, _edited_copy(tmp_path, report_module), "report")

    def refuse(*args, **kwargs):
        raise AssertionError(f"{engine} ran: the result was estimated again")

    monkeypatch.setattr(module, engine, refuse)
    lines: list[str] = []
    run_specs([spec], settings, echo=lines.append)
    assert _action(stem, lines) == "re-rendered"
    assert _outputs(settings.output_dir) | _outputs(settings.output_dir, "figures") == before


def _no_statistics(monkeypatch) -> None:
    """Any descriptive statistic or share computed from now on fails the test."""
    import griparm_econ.estimation.frames

    def refuse(*args, **kwargs):
        raise AssertionError("a frame table was computed")

    for name in ("descriptive_table", "shares_table", "before_after"):
        monkeypatch.setattr(griparm_econ.estimation.frames, name, refuse)


def test_the_specs_recover_the_true_effect_and_rerun_skips_all(study):
    import json

    assert study.run() == dict.fromkeys(STEMS, "estimated")
    record = json.loads((study.settings.output_dir / "estimates" / "gdp.json").read_text())
    assert record["models"][0]["params"]["state_capacity"] == pytest.approx(TRUE_EFFECT, abs=0.05)
    assert record[freshness.ESTIMATION_CODE] == freshness.stage_sha256("estimation")
    assert record[freshness.REPORT_CODE] == freshness.stage_sha256("report")
    assert study.run() == dict.fromkeys(STEMS, "skipped")


def test_a_comment_in_a_report_module_re_renders_and_fits_nothing(study, tmp_path, monkeypatch):
    study.run()
    before = _outputs(study.settings.output_dir)
    _code_as_in(monkeypatch, _edited_copy(tmp_path, "report/readme.py"), "report")
    records = {stem: _record_but_code(study.settings.output_dir / "estimates" / f"{stem}.json") for stem in STEMS}
    _no_fitting(monkeypatch)
    _no_statistics(monkeypatch)
    # Every table is re-made from what its run stored: the regression's models, the multiverse's parquet, the
    # descriptive table's frame (row index and dtypes included).
    assert study.run() == dict.fromkeys(STEMS, "re-rendered")
    assert _outputs(study.settings.output_dir) == before          # the same report code draws the same tables
    assert {stem: _record_but_code(study.settings.output_dir / "estimates" / f"{stem}.json")
            for stem in STEMS} == records
    assert study.run() == dict.fromkeys(STEMS, "skipped")          # the records now hold the new report code


@pytest.mark.slow
def test_display_keys_still_re_render_only_that_table(study, monkeypatch):
    study.run()
    path = study.settings.specs_dir / "mv.toml"
    path.write_text(path.read_text().replace('title = "Tax multiverse"', 'title = "Tax revenue multiverse"'))
    _no_fitting(monkeypatch)
    assert study.run() == {"gdp": "skipped", "tax": "skipped", "mv": "re-rendered", "desc": "skipped"}


@pytest.mark.slow
def test_a_damaged_multiverse_parquet_is_re_estimated_not_re_rendered(study, tmp_path, monkeypatch):
    study.run()
    parquet = study.settings.output_dir / "estimates" / "mv.parquet"
    parquet.write_bytes(parquet.read_bytes()[:-10])
    _code_as_in(monkeypatch, _edited_copy(tmp_path, "report/tables.py"), "report")
    assert study.run()["mv"] == "estimated"


@pytest.mark.slow
def test_a_comment_in_an_estimation_module_re_estimates_every_table(study, tmp_path, monkeypatch):
    study.run()
    _code_as_in(monkeypatch, _edited_copy(tmp_path, "estimation/within.py"), "estimation")
    assert study.run() == dict.fromkeys(STEMS, "estimated")


@pytest.mark.slow
def test_a_changed_column_re_estimates_exactly_the_specs_that_read_it(study):
    study.run()
    study.panel["log_gdp_pc"] = study.panel["log_gdp_pc"] + 0.01                 # read by gdp only
    assert study.run() == {"gdp": "estimated", "tax": "skipped", "mv": "skipped", "desc": "skipped"}
    study.panel["log_population"] = study.panel["log_population"] * 1.01         # read by mv and desc
    assert study.run() == {"gdp": "skipped", "tax": "skipped", "mv": "estimated", "desc": "estimated"}
    study.panel["gdp_pc"] = study.panel["gdp_pc"] * 2                            # read by none
    assert study.run() == dict.fromkeys(STEMS, "skipped")
    study.panel = study.panel.drop(index=study.panel.index[-1]).reset_index(drop=True)   # one row fewer: all of them
    assert study.run() == dict.fromkeys(STEMS, "estimated")


@pytest.mark.slow
def test_a_new_catalog_variable_in_the_panel_re_estimates_nothing(study):
    study.run()
    catalog = study.settings.catalog_path
    catalog.write_text(catalog.read_text(encoding="utf-8") + NEW_VARIABLE, encoding="utf-8")
    assert "gdp_pc_again" in load_catalog(catalog).names
    study.panel["gdp_pc_again"] = study.panel["gdp_pc"]
    assert study.run() == dict.fromkeys(STEMS, "skipped")


@pytest.mark.slow
def test_a_catalog_change_to_a_variable_a_spec_reads_re_estimates_it(study):
    study.run()
    catalog = study.settings.catalog_path
    text = catalog.read_text(encoding="utf-8")
    label = load_catalog(catalog)["log_gdp_pc"].label
    catalog.write_text(text.replace(f'label = "{label}"', f'label = "{label} (edited)"', 1), encoding="utf-8")
    assert load_catalog(catalog)["log_gdp_pc"].label.endswith("(edited)")
    assert study.run() == {"gdp": "estimated", "tax": "skipped", "mv": "skipped", "desc": "skipped"}


def test_read_columns_are_the_variables_a_spec_names_and_the_identifiers():
    from griparm_econ.spec import parse_spec_text

    loaded = parse_spec_text(SPECS["mv"], Path("mv.toml"))
    panel = synthetic_panel()
    assert freshness.read_columns(loaded, panel.columns, load_catalog().names) == [
        "iso3", "year", "country", "region", "income_group", "state_capacity", "tax_revenue_gdp", "log_population"]
    query = parse_spec_text(SPECS["gdp"] + '[sample]\nquery = "gdp_pc > 1000"\n', Path("gdp.toml"))
    assert "gdp_pc" in freshness.read_columns(query, panel.columns, load_catalog().names)


def test_stage_fingerprints_cover_their_own_files_only(tmp_path):
    package = Path(freshness.__file__).resolve().parent
    assert {name: freshness.hash_stage(name, package) for name in freshness.STAGES} == {
        name: freshness.stage_sha256(name) for name in freshness.STAGES}
    cases = {"report/readme.py": {"report"}, "estimation/within.py": {"estimation"},
             "spec/loading.py": {"estimation"}, "pipeline/tables.py": {"estimation"},
             "pipeline/figure_kinds.py": {"report"}, "sources/trade.py": {"panel"}, "panel/merge.py": {"panel"},
             "catalog.py": {"panel", "estimation"}, "sources/restrictions.py": {"panel", "report"},
             "io.py": set(freshness.STAGES), "explore.py": set()}
    for module, moved in cases.items():
        copy = _edited_copy(tmp_path / module.replace("/", "_"), module)
        changed = {name for name in freshness.STAGES
                   if freshness.hash_stage(name, copy) != freshness.stage_sha256(name)}
        assert changed == moved, module


def test_every_pipeline_module_belongs_to_one_stage():
    """A pipeline module outside every stage would change nothing when edited: each is estimation or report."""
    package = Path(freshness.__file__).resolve().parent
    staged = {path for name in ("estimation", "report") for pattern in freshness.STAGES[name].patterns
              for path in package.glob(pattern)}
    modules = set((package / "pipeline").glob("*.py"))
    assert modules <= staged, sorted(p.name for p in modules - staged)


NEW_VARIABLE = '''
[[variable]]
name = "gdp_pc_again"
label = "GDP per capita, once more"
unit = "constant 2015 US$"
source = "worldbank"
source_code = "NY.GDP.PCAP.KD"
transformation = "identity"
description = "The same series as gdp_pc, under a second name (a test's unused variable)."
'''


@pytest.mark.slow
@pytest.mark.snapshot
def test_a_new_catalog_variable_rebuilds_the_real_panel_and_re_estimates_no_table(tmp_path, snapshot, capsys):
    specs = tmp_path / "specs"
    specs.mkdir()
    shutil.copy(DEFAULT_CATALOG, specs / "variables.toml")
    for stem in ("gdp", "desc"):
        (specs / f"{stem}.toml").write_text(SPECS[stem], encoding="utf-8")
    settings = Settings(data_dir=snapshot.data_dir, project_root=tmp_path, specs_dir=specs,
                        work_dir=tmp_path / "data", output_dir=tmp_path / "out", offline=True)
    run_specs(None, settings, echo=lambda _: None)
    capsys.readouterr()
    with open(settings.catalog_path, "a", encoding="utf-8") as handle:
        handle.write(NEW_VARIABLE)
    lines: list[str] = []
    run_specs(None, settings, echo=lines.append)
    assert "building the panel: the catalog changed" in capsys.readouterr().err
    assert "gdp_pc_again" in pd.read_parquet(settings.panel_path).columns
    assert [line.split()[0:3] for line in lines] == [["up", "to", "date:"]] * 2, lines


EVENT_STUDY = '''kind = "event_study"
title = "Staggered adoption"
[data]
path = "staggered.csv"
entity = "unit"
time = "year"
[defaults]
outcome = "y"
cohort = "first_treated"
window = [-3, 3]
[[model]]
name = "TWFE"
estimator = "twfe"
honest_did = {M = [0.0, 0.1]}
[[model]]
name = "SA"
estimator = "sun_abraham"
'''


def staggered_panel(seed: int = 11) -> pd.DataFrame:
    """Units adopting in 2006, 2009 or never; the effect is TRUE_EFFECT from adoption on."""
    rng = np.random.default_rng(seed)
    cohorts = np.repeat([2006, 2009, 0], 12)
    rows = [(f"U{i:02d}", year, cohort) for i, cohort in enumerate(cohorts) for year in range(2000, 2014)]
    frame = pd.DataFrame(rows, columns=["unit", "year", "first_treated"])
    treated = (frame["first_treated"] > 0) & (frame["year"] >= frame["first_treated"])
    unit_effect = frame["unit"].map(dict(zip(frame["unit"].unique(), rng.normal(size=len(cohorts)))))
    frame["y"] = unit_effect + 0.1 * (frame["year"] - 2000) + TRUE_EFFECT * treated + rng.normal(scale=0.2,
                                                                                                 size=len(frame))
    return frame


@pytest.mark.slow
def test_an_event_study_re_renders_from_its_record_byte_for_byte(tmp_path, monkeypatch):
    import griparm_econ.estimation.event_study

    staggered_panel().to_csv(tmp_path / "staggered.csv", index=False)
    spec, settings = _run_once(tmp_path, "es", EVENT_STUDY)
    import json

    record = json.loads((settings.output_dir / "estimates" / "es.json").read_text())
    assert record["models"][0]["att"]["estimate"] == pytest.approx(TRUE_EFFECT, abs=0.1)
    assert record["models"][0]["honest_did"]                       # the robust sets come back from the record too
    _re_renders_without(monkeypatch, tmp_path, spec, settings, "es", module=griparm_econ.estimation.event_study,
                        engine="fit_event_model", report_module="report/event_figures.py")


SYNTHETIC_CONTROL = '''kind = "synthetic_control"
title = "Generated"
outcome = "y"
unit_treated = "T"
treatment_period = 2010
predictors = [{ variable = "y", years = [2000, 2009] }, { variable = "x", years = [2000, 2009] }]
[data]
path = "panel.csv"
entity = "unit"
time = "year"
'''


def _record_but_code(path: Path) -> dict:
    """A record without what a report-code change must change in it: that code's fingerprint and the seal."""
    import json

    record = json.loads(path.read_text(encoding="utf-8"))
    return {key: value for key, value in record.items() if key not in (freshness.REPORT_CODE, freshness.RECORD_SEAL)}


def test_a_synthetic_control_re_renders_from_its_record_byte_for_byte(tmp_path, monkeypatch):
    import griparm_econ.estimation.synthetic_spec
    from test_designs_synth import _generated_panel

    _generated_panel().to_csv(tmp_path / "panel.csv", index=False)
    spec, settings = _run_once(tmp_path, "sc", SYNTHETIC_CONTROL)
    record_path = settings.output_dir / "estimates" / "sc.json"
    model = _record_but_code(record_path)["models"][0]
    assert model["att"] == pytest.approx(5.0, abs=1e-4)              # the generated panel's true effect
    assert set(model["placebo_gaps"]) == set("ABCDE") and set(model["leave_one_out"]) == {"A", "C"}
    record = _record_but_code(record_path)
    _re_renders_without(monkeypatch, tmp_path, spec, settings, "sc", module=griparm_econ.estimation.synthetic_spec,
                        engine="synthetic_control", report_module="report/synthetic_control.py")
    assert _record_but_code(record_path) == record


# One group and one measure, shared by the two share-table specs below.
SHARE_GROUP_AND_MEASURE = '''[[group]]
name = "First"
members = ["C00", "C01"]
[[measure]]
name = "Population (log)"
variable = "log_population"
world = "sum"
'''
SHARE_SPECS = {
    "shares": '''kind = "shares"
title = "Population shares"
periods = [[2000, 2007], [2008, 2015]]
''' + SHARE_GROUP_AND_MEASURE,
    "ba": '''kind = "before_after"
title = "Population shares before and after 2008"
before = [2000, 2007]
after = [2008, 2015]
''' + SHARE_GROUP_AND_MEASURE,
}


def test_shares_and_before_after_tables_re_render_from_their_records_byte_for_byte(study, tmp_path, monkeypatch):
    from griparm_econ.panel import aggregates_path

    for stem, text in SHARE_SPECS.items():
        (study.settings.specs_dir / f"{stem}.toml").write_text(text, encoding="utf-8")
    aggregates_path(study.settings).parent.mkdir(parents=True, exist_ok=True)
    pd.DataFrame({"iso3": ["WLD"], "year": [2000], "log_population": [1.0]}).to_parquet(
        aggregates_path(study.settings))
    specs = [study.settings.specs_dir / f"{stem}.toml" for stem in SHARE_SPECS]
    run_specs(specs, study.settings, echo=lambda _: None)
    out = study.settings.output_dir
    records = {stem: _record_but_code(out / "estimates" / f"{stem}.json") for stem in SHARE_SPECS}
    assert records["ba"]["frame"]["dtypes"].count("str") == 2          # "Years before/after": string columns
    before = _outputs(out)
    _code_as_in(monkeypatch, _edited_copy(tmp_path, "report/tables.py"), "report")
    _no_statistics(monkeypatch)
    lines: list[str] = []
    run_specs(specs, study.settings, echo=lines.append)
    assert [_action(stem, lines) for stem in SHARE_SPECS] == ["re-rendered"] * 2
    assert _outputs(out) == before
    assert {stem: _record_but_code(out / "estimates" / f"{stem}.json") for stem in SHARE_SPECS} == records


def test_freshness_reads_kind_capabilities_from_the_spec_registry():
    """No per-kind table or branch in freshness: display keys, the aggregates table and the variables a spec reads
    without naming them are the spec kinds' registry entries (griparm_econ.spec.kinds.SpecKind)."""
    import ast

    from griparm_econ.spec import SPEC_KINDS

    assert SPEC_KINDS["regression"].display_keys >= {"title", "labels", "order", "stars"}
    assert SPEC_KINDS["multiverse"].display_keys == {"title", "labels", "notes", "digits"}
    assert SPEC_KINDS["descriptive"].display_keys is None
    assert {name for name, kind in SPEC_KINDS.items() if kind.reads_aggregates} == {"shares", "before_after"}
    literals = {node.value for node in ast.walk(ast.parse(Path(freshness.__file__).read_text(encoding="utf-8")))
                if isinstance(node, ast.Constant) and isinstance(node.value, str)}
    assert not literals & set(SPEC_KINDS), literals & set(SPEC_KINDS)
