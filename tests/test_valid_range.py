"""Values outside their unit do not enter estimation unless the spec keeps them (issue 9): Sudan's tax revenue of
620-639% of GDP (1998-99) and Jordan's 373% manufactures share (2005), both published so by the World Bank and listed
in the snapshot's provenance. Runs small specs on the study panel of the snapshot."""

from __future__ import annotations

import json

import pytest

from griparm_econ.cli import main
from griparm_econ.pipeline.sequencer import run_specs

TAX_MODEL = """
[[model]]
name = "Tax"
formula = "manuf_exports ~ L.export_restriction_any * L.tax_revenue_gdp + L.log_gdp_pc"
estimator = "panel_ols"
effects = ["entity", "time"]
cov = "cluster:entity"
"""
SUDAN = [("SDN", 1998, 619.7), ("SDN", 1999, 638.7)]


def _run(tmp_path, settings, body: str, stem: str = "vr") -> dict:
    path = tmp_path / f"{stem}.toml"
    path.write_text(f'title = "Valid range"\n{body}', encoding="utf-8")
    run_specs([path], settings, force=True, echo=lambda _: None, out_dir=tmp_path / "out")
    estimates = json.loads((tmp_path / "out" / "estimates" / f"{stem}.json").read_text())
    return estimates, (tmp_path / "out" / "tables" / f"{stem}.md").read_text()


def _cells(model: dict) -> list[tuple[str, int, float]]:
    return [(v["entity"], v["year"], round(v["value"], 1)) for v in model["outside_valid_range"]]


def test_outside_values_are_dropped_counted_and_named(tmp_path, snapshot):
    estimates, table = _run(tmp_path, snapshot, '[sample]\nyears = [1996, 2025]\n' + TAX_MODEL)
    model = estimates["models"][0]
    # L.tax_revenue_gdp of Sudan 1999 and 2000 read 1998 and 1999; manuf_exports of Jordan 2005 is the outcome
    # (and Timor-Leste's oil-fuelled 148% of 2012, whose 2013 observation has every other regressor here)
    assert model["n_outside_valid_range"] == 4
    assert _cells(model) == [("JOR", 2005, 372.9), *SUDAN, ("TLS", 2012, 147.6)]
    assert {v["variable"] for v in model["outside_valid_range"]} == {"manuf_exports", "tax_revenue_gdp"}
    assert "Observations dropped because a value lies outside its unit's valid range: 4 in (1) (" in table
    assert "SDN 1998 (619.7), SDN 1999 (638.7)" in table and "JOR 2005 (372.9)" in table


def test_first_differences_say_why_one_value_costs_two_observations(tmp_path, snapshot):
    """Table 4 column 3 said "2 observations dropped" naming only JOR 2005: differenced, Jordan's 2005 value enters
    the 2005 and the 2006 difference, and both are lost."""
    estimates, table = _run(tmp_path, snapshot, '[sample]\nyears = [2000, 2010]\n[[model]]\nname = "FD"\n'
                            'formula = "manuf_exports ~ L.log_gdp_pc"\nestimator = "first_difference"\n'
                            'cov = "cluster:entity"\n')
    model = estimates["models"][0]
    assert _cells(model) == [("JOR", 2005, 372.9)] and model["n_outside_valid_range"] == 2
    assert "Observations dropped because a value lies outside" in table and "2 in (1)" in table
    assert "its own year's and the following year's difference" in table


def test_a_spec_can_keep_them_and_then_they_enter(tmp_path, snapshot):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    dropped, _ = _run(tmp_path / "a", snapshot, '[sample]\nyears = [1996, 2025]\n' + TAX_MODEL)
    kept, table = _run(tmp_path, snapshot, '[sample]\nyears = [1996, 2025]\n'
                       'keep_outside_valid_range = ["tax_revenue_gdp", "manuf_exports"]\n' + TAX_MODEL)
    model = kept["models"][0]
    assert model["n_outside_valid_range"] == 0 and model["outside_valid_range"] == []
    assert model["nobs"] == dropped["models"][0]["nobs"] + 4
    assert "valid range" not in table
    partly, _ = _run(tmp_path / "b", snapshot, '[sample]\nyears = [1996, 2025]\n'
                     'keep_outside_valid_range = ["tax_revenue_gdp"]\n' + TAX_MODEL)
    assert _cells(partly["models"][0]) == [("JOR", 2005, 372.9)]
    assert partly["models"][0]["n_outside_valid_range"] == 1


def test_descriptive_table_applies_the_same_rule(tmp_path, snapshot):
    body = ('kind = "descriptive"\nvariables = ["tax_revenue_gdp", "manuf_exports"]\n[sample]\nyears = [1996, 2025]\n'
            '[[group]]\nname = "All"\n')
    _, table = _run(tmp_path, snapshot, body)
    assert "All: 6 values outside their unit's valid range left out" in table
    assert "JOR 2005 (372.9)" in table and "SDN 1998 (619.7), SDN 1999 (638.7)" in table
    rows = {line.split("|")[1].strip(): line for line in table.splitlines() if line.startswith("| Tax revenue")}
    maximum = float(next(iter(rows.values())).rstrip(" |").split("|")[-1].replace(",", ""))
    assert maximum <= 100


@pytest.mark.parametrize("body, needles", [
    ('[sample]\nkeep_outside_valid_range = ["log_gdp_pc"]\n' + TAX_MODEL,
     ("sample.keep_outside_valid_range: log_gdp_pc", "no valid_range")),
    ('[sample]\nkeep_outside_valid_range = ["tax_revenu_gdp"]\n' + TAX_MODEL,
     ("sample.keep_outside_valid_range: tax_revenu_gdp", "tax_revenue_gdp")),
    ('[samples.rich]\nquery = "resource_rich == 1"\nkeep_outside_valid_range = ["tax_revenue_gdp"]\n'
     + TAX_MODEL + 'sample = "rich"\n', ("samples.rich.keep_outside_valid_range", "[sample]")),
    ('[sample]\nkeep_outside_valid_range = "tax_revenue_gdp"\n' + TAX_MODEL, ("keep_outside_valid_range",)),
])
def test_bad_keep_key_is_one_message(tmp_path, snapshot, capsys, monkeypatch, body, needles):
    monkeypatch.setenv("GRIPARM_DATA", str(snapshot.data_dir))
    path = tmp_path / "bad.toml"
    path.write_text(f'title = "Valid range"\n{body}', encoding="utf-8")
    assert main(["run", str(path), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and str(path) in err and "Fix:" in err, err
    for needle in needles:
        assert needle in err, (needle, err)
