"""The variable catalog: names, validation, the transformations, and that every source code exists in the data."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from griparm_econ.catalog import (DEFAULT_CATALOG, TRANSFORMATIONS, TransformInput, VariableEntry, load_catalog)
from griparm_econ.config import Settings
from griparm_econ.errors import SpecError
from griparm_econ.sources.country_names import EU27

REQUIRED = """gov_effectiveness regulatory_quality rule_of_law control_of_corruption state_capacity tax_revenue_gdp gdp_pc
log_gdp_pc population log_population trade_openness fdi_inflows_gdp mineral_rents resource_rents ores_metals_exports
fuel_exports ores_metals_imports manuf_exports manuf_va_gdp industry_va_gdp mht_va_share hightech_exports mht_exports
forward_gvc backward_gvc ree_exports_usd ree_imports_usd ree_mine_production_t export_restriction_any
export_restrictions_count export_restriction_ree resource_rich case_country""".split()

MINIMAL = '''
[[variable]]
name = "gdp_pc"
label = "GDP per capita"
unit = "US$"
source = "worldbank"
source_code = "NY.GDP.PCAP.KD"
transformation = "identity"
description = "x"
'''


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


def write_catalog(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "variables.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_required_names_exist_and_resolve(catalog):
    missing = [name for name in REQUIRED if name not in catalog]
    assert not missing
    for name in catalog.names:
        entry = catalog[name]
        assert entry.name == name and catalog.label(name) == entry.label and entry.unit and entry.description


def test_catalog_is_validated_once(catalog):
    assert load_catalog() is catalog
    assert load_catalog(DEFAULT_CATALOG) is catalog


def test_unknown_name_suggests_close_matches(catalog):
    assert catalog.nearest("gov_efectiveness")[0] == "gov_effectiveness"
    with pytest.raises(SpecError) as err:
        catalog["log_gdppc"]
    assert "log_gdp_pc" in err.value.message and "variables.toml" in err.value.message


def test_every_registered_transformation_is_documented_in_the_catalog_header():
    # The field list at the top of specs/variables.toml is where a catalog author learns the transformations.
    header = DEFAULT_CATALOG.read_text(encoding="utf-8").split("\n[[variable]]", 1)[0]
    undocumented = [name for name in TRANSFORMATIONS if not re.search(rf"#\s.*\b{name}\b", header)]
    assert undocumented == []


@pytest.mark.parametrize("extra, fragment", [
    ('transformation = "logg"', "did you mean 'log'"),
    ('source = "derived"\nsource_code = ""\ninputs = ["population"]\ntransformation = "log"', "not declared before"),
    ('source = "derived"\nsource_code = "X"\ninputs = ["gdp_pc"]\ntransformation = "log"', "no source_code"),
    ('source = "trade"\nsource_code = ""\ntransformation = "identity"', "needs a source_code"),
])
def test_invalid_entries_give_one_spec_error(tmp_path, extra, fragment):
    second = '[[variable]]\nname = "bad"\nlabel = "b"\nunit = "u"\ndescription = "d"\n'
    defaults = {"source": '"worldbank"', "source_code": '"X.Y"', "transformation": '"identity"'}
    given = {line.split(" = ")[0] for line in extra.splitlines()}
    second += "".join(f"{k} = {v}\n" for k, v in defaults.items() if k not in given) + extra + "\n"
    path = write_catalog(tmp_path, MINIMAL + second)
    with pytest.raises(SpecError) as err:
        load_catalog(path)
    assert fragment in err.value.message and str(path) in err.value.message and "bad" in err.value.message


def test_duplicate_names_rejected(tmp_path):
    with pytest.raises(SpecError, match="declared twice"):
        load_catalog(write_catalog(tmp_path, MINIMAL + MINIMAL))


# ---------------------------------------------------------------------------------------------------------------
# Transformations on synthetic data with known answers


def apply(entry: dict, panel: pd.DataFrame, world=None, source_values=None) -> tuple[pd.Series, list[str]]:
    model = VariableEntry.model_validate({"label": "x", "unit": "u", "description": "d", "source_code": "",
                                          "source": "derived", **entry})
    data = TransformInput(panel=panel, entry=model, source_values=source_values, world=world or {})
    return TRANSFORMATIONS[model.transformation](data), data.notes


def test_pca_two_variables_has_equal_loadings_and_unit_variance():
    # For two standardised variables with correlation rho > 0, PC1 = (z1 + z2)/sqrt(2): loadings 1/sqrt(2) each.
    rng = np.random.default_rng(7)
    factor = rng.normal(size=2000)
    panel = pd.DataFrame({"iso3": "AAA", "year": range(2000),
                          "a": 3 + 2 * (factor + rng.normal(scale=0.5, size=2000)),
                          "b": -1 + 0.5 * (factor + rng.normal(scale=0.5, size=2000))})
    panel.loc[5, "a"] = np.nan
    score, notes = apply({"name": "pc", "transformation": "pca_first_component", "inputs": ["a", "b"],
                          "params": {"sign_anchor": "a"}}, panel)
    assert "a 0.7071, b 0.7071" in notes[0]
    assert np.isnan(score[5])
    assert score.mean() == pytest.approx(0, abs=1e-12) and score.std(ddof=1) == pytest.approx(1, abs=1e-12)
    assert np.corrcoef(score.drop(5), factor[np.arange(2000) != 5])[0, 1] > 0.9


def test_pca_sign_follows_anchor():
    rng = np.random.default_rng(3)
    factor = rng.normal(size=500)
    panel = pd.DataFrame({"iso3": "AAA", "year": range(500), "up": factor + rng.normal(scale=0.3, size=500),
                          "down": -factor + rng.normal(scale=0.3, size=500),
                          "also_up": factor + rng.normal(scale=0.3, size=500)})
    for anchor, sign in (("up", 1), ("down", -1)):
        score, _ = apply({"name": "pc", "transformation": "pca_first_component",
                          "inputs": ["up", "down", "also_up"], "params": {"sign_anchor": anchor}}, panel)
        assert np.sign(np.corrcoef(score, factor)[0, 1]) == sign


def test_log_ratio_sum_share():
    panel = pd.DataFrame({"iso3": ["A", "A", "B"], "year": [2000, 2001, 2000], "x": [np.e, 0.0, np.nan],
                          "y": [1.0, 2.0, 3.0], "z": [2.0, 0.0, 1.0]})
    log, notes = apply({"name": "lx", "transformation": "log", "inputs": ["x"]}, panel)
    assert log[0] == pytest.approx(1) and np.isnan(log[1]) and np.isnan(log[2]) and "1 non-positive" in notes[0]
    ratio, _ = apply({"name": "r", "transformation": "ratio", "inputs": ["x", "y", "z"],
                      "params": {"numerator": ["x", "y"], "denominator": ["z"]}}, panel)
    assert ratio[0] == pytest.approx((np.e + 1) / 2) and np.isnan(ratio[1]) and np.isnan(ratio[2])
    total, _ = apply({"name": "s", "transformation": "sum", "inputs": ["x", "y"]}, panel)
    assert total[0] == pytest.approx(np.e + 1) and np.isnan(total[2])
    share, _ = apply({"name": "w", "transformation": "share_of_world", "inputs": ["y"]}, panel,
                     world={"y": pd.Series({2000: 4.0, 2001: 8.0})})
    assert share.tolist() == [0.25, 0.25, 0.75]


def test_resource_rich_rule_uses_economy_means():
    panel = pd.DataFrame({"iso3": ["A", "A", "B", "B", "C", "C", "D"], "year": [1, 2, 1, 2, 1, 2, 1],
                          "ores": [30, 12, 10, 10, np.nan, np.nan, np.nan],
                          "rents": [0, 0, 6, 5, np.nan, 1, np.nan]})
    flag, _ = apply({"name": "rr", "transformation": "resource_rich_rule", "inputs": ["ores", "rents"],
                     "params": {"ores": 20, "rents": 5}}, panel)
    assert flag.tolist()[:6] == [1, 1, 1, 1, 0, 0] and np.isnan(flag[6])


def test_case_country_and_group():
    panel = pd.DataFrame({"iso3": ["CHN", "DEU", "USA", "HRV"], "year": 2020})
    params = {"economies": ["CHN", "BRA", "KAZ", "JPN"], "groups": ["EU27"]}
    flag, _ = apply({"name": "c", "transformation": "case_country", "params": params}, panel)
    label, _ = apply({"name": "g", "transformation": "case_group", "params": params}, panel)
    assert flag.tolist() == [1, 1, 0, 1]
    assert label.tolist()[:2] == ["CHN", "EU27"] and pd.isna(label[2])
    assert len(EU27) == 27 and "GBR" not in EU27


# ---------------------------------------------------------------------------------------------------------------
# Every catalog source code exists in the data


def _synthetic_panel(seed: int = 3) -> tuple[pd.DataFrame, dict[str, float]]:
    """Four economies, 1990-2010: A adopts in 2000, B in 1993, C never, D has an unknown cohort. The moderator is
    unit mean + 0.1 x (year - 1990) + noise only outside the windows, so each baseline is known exactly."""
    rng = np.random.default_rng(seed)
    years = np.arange(1990, 2011)
    cohorts = {"A": 2000.0, "B": 1993.0, "C": 0.0, "D": np.nan}
    level = {"A": 1.0, "B": -2.0, "C": 0.5, "D": 3.0}
    rows = []
    for unit, cohort in cohorts.items():
        for year in years:
            value = level[unit] + 0.1 * (year - 1990)
            if not (cohort and cohort - 3 <= year <= cohort - 1) and not 1995 <= year <= 1997:
                value += rng.normal(0, 5)          # noise outside every window cannot move the baseline
            rows.append((unit, int(year), value, cohort))
    panel = pd.DataFrame(rows, columns=["iso3", "year", "capacity", "cohort"])
    panel.loc[(panel["iso3"] == "A") & (panel["year"] == 1998), "capacity"] = np.nan   # a gap in A's window
    truth = {
        "A": 1.0 + 0.1 * ((1997 - 1990) + (1999 - 1990)) / 2,   # 1997 and 1999 (1998 missing): mean of two
        "B": -2.0 + 0.1 * (0 + 1 + 2) / 3,                      # 1990-1992
        "C": 0.5 + 0.1 * 6,                                     # base years 1995-1997: mean year 1996
        "D": np.nan,                                            # unknown cohort: missing
    }
    return panel, truth


def test_baseline_recovers_the_pre_treatment_mean():
    panel, truth = _synthetic_panel()
    values, notes = apply({"name": "capacity_base", "transformation": "baseline", "inputs": ["capacity", "cohort"],
                           "params": {"window": 3, "base_years": [1995, 1997]}}, panel)
    by_unit = values.groupby(panel["iso3"]).agg(["min", "max"])
    assert (by_unit["min"].dropna() == by_unit["max"].dropna()).all()          # constant within an economy
    for unit, expected in truth.items():
        got = by_unit.loc[unit, "min"]
        assert (np.isnan(got) and np.isnan(expected)) or got == pytest.approx(expected, abs=1e-12), unit
    assert "3 economies with a value" in notes[0]


def test_baseline_min_years_and_fixed_base_without_cohort():
    panel, _ = _synthetic_panel()
    values, _ = apply({"name": "capacity_base", "transformation": "baseline", "inputs": ["capacity", "cohort"],
                       "params": {"window": 3, "base_years": [1995, 1997], "min_years": 3}}, panel)
    assert np.isnan(values[panel["iso3"] == "A"]).all()       # only 2 of A's 3 window years have data
    fixed, _ = apply({"name": "capacity_1995", "transformation": "baseline", "inputs": ["capacity"],
                      "params": {"base_years": [1995, 1997]}}, panel)
    for unit, level in {"A": 1.0, "B": -2.0, "C": 0.5, "D": 3.0}.items():   # every unit on the fixed base years
        assert fixed[panel["iso3"] == unit].iloc[0] == pytest.approx(level + 0.6, abs=1e-12)


def test_baseline_rejects_a_time_varying_cohort():
    panel, _ = _synthetic_panel()
    panel["cohort"] = panel["year"].astype(float)
    with pytest.raises(SpecError, match="varies within economies"):
        apply({"name": "b", "transformation": "baseline", "inputs": ["capacity", "cohort"],
               "params": {"base_years": [1995, 1997]}}, panel)


@pytest.mark.parametrize("params, fragment", [
    ({}, "base_years = [first, last]"),
    ({"base_years": [2000, 1995]}, "base_years = [first, last]"),
    ({"base_years": [1995, 1997], "window": 0}, "window must be a positive integer"),
    ({"base_years": [1995, 1997], "lag": 2}, "unknown baseline params"),
])
def test_baseline_parameters_are_checked(params, fragment):
    with pytest.raises(ValueError, match=re.escape(fragment)):
        VariableEntry.model_validate({"name": "b", "label": "x", "unit": "u", "description": "d", "source": "derived",
                                      "transformation": "baseline", "inputs": ["capacity"], "params": params})


def test_product_and_year_series():
    panel = pd.DataFrame({"iso3": ["A", "A", "B", "B"], "year": [2000, 2001, 2000, 2001],
                          "weight": [0.5, 0.5, np.nan, 0.2], "boom": [0.1, -0.2, 0.1, -0.2]})
    product, _ = apply({"name": "exposure", "transformation": "product", "inputs": ["weight", "boom"]}, panel)
    assert product.iloc[:2].tolist() == pytest.approx([0.05, -0.1]) and np.isnan(product.iloc[2])
    model = VariableEntry.model_validate({"name": "boom_x", "label": "x", "unit": "u", "description": "d",
                                          "source": "prices", "source_code": "PINK.X.BOOM",
                                          "transformation": "year_series"})
    world = {"boom_x": pd.Series({2000: 0.3, 2001: -0.4})}
    data = TransformInput(panel=panel, entry=model, source_values=None, world=world)
    assert TRANSFORMATIONS["year_series"](data).tolist() == [0.3, -0.4, 0.3, -0.4]
    with pytest.raises(SpecError, match="no world"):
        TRANSFORMATIONS["year_series"](TransformInput(panel=panel, entry=model, world={}))



@pytest.mark.slow
@pytest.mark.snapshot
def test_every_source_code_exists_in_the_snapshot(catalog, snapshot):
    from griparm_econ.sources.gvc import load_gvc
    from griparm_econ.sources.prices import load_prices
    from griparm_econ.sources.production import load_production
    from griparm_econ.sources.restrictions import load_restrictions
    from griparm_econ.sources.state_capacity import load_state_capacity
    from griparm_econ.sources.tax_revenue import load_tax_revenue
    from griparm_econ.sources.trade import load_trade
    from griparm_econ.sources.vdem import load_vdem
    from griparm_econ.sources.worldbank import load_indicators

    settings = Settings(data_dir=snapshot.data_dir, offline=True)
    wb_codes = [e.source_code for e in catalog.by_source("worldbank")]
    codes = {
        "worldbank": set(load_indicators(settings, wb_codes).rows["indicator"]),
        "trade": set(load_trade(settings).rows["indicator"]),
        "gvc": set(load_gvc(settings).rows["indicator"]),
        "production": set(load_production(settings).rows["indicator"]),
        "restrictions": set(load_restrictions(settings, 1990, 2025).rows["indicator"]),
        "state_capacity": set(load_state_capacity(settings).rows["indicator"]),
        "vdem": set(load_vdem(settings).rows["indicator"]),
        "tax_revenue": set(load_tax_revenue(settings).rows["indicator"]),
        "prices": set(load_prices(settings).rows["indicator"]),
    }
    absent = [(e.name, e.source_code) for e in catalog if e.source != "derived" and e.source_code not in codes[e.source]]
    assert not absent
