"""Table writers: esttab conventions, escaping, valid HTML/Word/LaTeX, identical bytes, no partial files.

Every table here is built from synthetic ModelResult objects written out in the test, so the expected cell texts
follow from the numbers given (and from esttab's conventions), not from an earlier run of the writer.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import subprocess
import sys
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import docx
import pandas as pd
import pytest

from griparm_econ.errors import GriparmError
from griparm_econ.report.formats import LATEX_PACKAGES, render_latex, render_markdown
from griparm_econ.estimation.results import ModelResult, TableResult, TestStatistic
from griparm_econ.report import tables as tables_module
from griparm_econ.report.frame_grid import build_frame_grid
from griparm_econ.report.number_text import format_count, format_number, significance_stars, star_legend
from griparm_econ.report.regression_grid import build_regression_grid
from griparm_econ.labels import plural, term_label
from griparm_econ.report.tables import write_frame_table, write_table

SUFFIXES = (".tex", ".html", ".md", ".csv", ".docx")


def make_model(name: str, params: dict, std_errors: dict, pvalues: dict, **extra) -> ModelResult:
    fields = dict(estimator="panel_ols", dependent="log_exports", formula="log_exports ~ restriction",
                  cov="cluster:entity", cov_label="Clustered (country)", nobs=1234, entity_label="Country",
                  time_label="Year")
    fields.update(extra)
    return ModelResult(name=name, params=params, std_errors=std_errors, pvalues=pvalues,
                       tstats={term: params[term] / std_errors[term] for term in params}, cov_matrix={}, **fields)


def make_table(**extra) -> TableResult:
    fixed_effects = make_model(
        "Two-way FE",
        {"restriction": 0.1234, "L.capacity": -0.00001, "restriction:capacity": -1.5, "Intercept": 2.0},
        {"restriction": 0.0512, "L.capacity": 0.2, "restriction:capacity": 0.5, "Intercept": 0.25},
        {"restriction": 0.0499, "L.capacity": 0.5, "restriction:capacity": 0.0099, "Intercept": 0.10},
        effects=("entity", "time"), rsquared=0.91, rsquared_within=0.2345, n_entities=150, n_clusters=150,
        clusters_by_dim={"entity": 150}, years=(2000, 2022), nobs=3150, n_singletons_dropped=3,
        bootstrap={"restriction": {"pvalue": 0.061, "ci_low": -0.01, "ci_high": 0.25, "B": 999}})
    random_effects = make_model(
        "Random effects",
        {"Intercept": 1.0, "restriction": 0.2, "F.capacity": 3.0, "L2.capacity": 0.5},
        {"Intercept": 0.1, "restriction": 0.1, "F.capacity": 1.0, "L2.capacity": 0.25},
        {"Intercept": 0.0, "restriction": 0.05, "F.capacity": 0.0999, "L2.capacity": 0.01},
        estimator="random_effects", rsquared=0.3456, n_entities=150, nobs=12345,
        stats={"zeta_custom": 1.5}, tests=(TestStatistic("hausman", 12.345, "chi2", pvalue=0.006),),
        notes=("Swamy-Arora variance components.",))
    fields = dict(stem="baseline", title="Export restrictions and exports", spec_path="specs/baseline.toml",
                  spec_sha256="0123456789abcdef" * 4, data_path="data/panel.parquet",
                  data_sha256="fedcba9876543210" * 4, models=(fixed_effects, random_effects),
                  labels={"restriction": "Export restriction", "capacity": "State capacity",
                          "log_exports": "Log exports"},
                  notes=("Sample: 2000-2022.",))
    fields.update(extra)
    return TableResult(**fields)


def grid_text(grid) -> dict[str, list[str]]:
    """Stub -> displayed cells, for rows with a stub."""
    return {row.stub: grid.expanded(row) for row in grid.rows() if row.stub}


def row_after(grid, stub: str) -> list[str]:
    rows = list(grid.rows())
    for i, row in enumerate(rows):
        if row.stub == stub:
            return grid.expanded(rows[i + 1])
    raise AssertionError(stub)


# -------------------------------------------------------------------------------------------- numbers, stars

@pytest.mark.parametrize("pvalue, stars", [
    (0.10, ""), (0.0999, "*"), (0.05, "*"), (0.0499, "**"), (0.01, "**"), (0.0099, "***"), (0.0, "***"),
    (0.5, ""), (float("nan"), ""), (None, ""),
])
def test_stars_are_strict_at_each_level(pvalue, stars):
    assert significance_stars(pvalue, (0.10, 0.05, 0.01)) == stars


def test_star_legend_and_custom_levels():
    assert star_legend((0.10, 0.05, 0.01)) == "* p<0.10, ** p<0.05, *** p<0.01"
    assert star_legend((0.01, 0.05, 0.001)) == "* p<0.05, ** p<0.01, *** p<0.001"
    assert significance_stars(0.004, (0.05, 0.01, 0.001)) == "**"


@pytest.mark.parametrize("value, digits, text", [
    (-0.0001, 3, "0.000"), (-0.0004999, 3, "0.000"), (-0.0005001, 3, "-0.001"), (0.12345, 2, "0.12"),
    (-1.5, 3, "-1.500"), (float("nan"), 3, ""), (None, 3, ""), (2.0, 0, "2"), (-0.4, 0, "0"),
])
def test_fixed_decimals_never_negative_zero(value, digits, text):
    assert format_number(value, digits) == text


def test_counts_have_thousands_separators():
    assert format_count(1234567) == "1,234,567"
    assert format_count(None) == ""


# ---------------------------------------------------------------------------------------------- term labels

def test_term_labels_for_lags_leads_and_interactions():
    labels = {"capacity": "State capacity", "restriction": "Export restriction"}
    assert term_label("L.capacity", labels) == "State capacity (t-1)"
    assert term_label("L2.capacity", labels) == "State capacity (t-2)"
    assert term_label("F.capacity", labels) == "State capacity (t+1)"
    assert term_label("restriction:capacity", labels) == "Export restriction × State capacity"
    assert term_label("restriction:L.capacity", labels) == "Export restriction × State capacity (t-1)"
    assert term_label("unlabelled_term", labels) == "unlabelled_term"
    assert term_label("Intercept", labels) == "Constant"
    assert term_label("C(region)[T.Asia]", {"region": "Region"}) == "Region = Asia"
    # An exact label always wins over the rules.
    assert term_label("L.capacity", {**labels, "L.capacity": "Lagged capacity"}) == "Lagged capacity"


def test_plural_of_entity_labels():
    assert plural("Country") == "Countries"
    assert plural("Firm") == "Firms"
    assert plural("Entity") == "Entities"
    assert plural("Day") == "Days"


# ---------------------------------------------------------------------------------------- regression grid

def test_header_columns_models_and_dependent_variable():
    grid = build_regression_grid(make_table())
    dependent, numbers, names = grid.header
    assert dependent.stub == "Dependent variable:"
    assert [(c.text, c.span) for c in dependent.cells] == [("Log exports", 2)]
    assert [c.text for c in numbers.cells] == ["(1)", "(2)"]
    assert [c.text for c in names.cells] == ["Two-way FE", "Random effects"]


def test_coefficients_with_stars_and_standard_errors_below():
    grid = build_regression_grid(make_table())
    cells = grid_text(grid)
    assert cells["Export restriction"] == ["0.123**", "0.200*"]
    assert row_after(grid, "Export restriction") == ["(0.051)", "(0.100)"]
    assert cells["State capacity (t-1)"] == ["0.000", ""]
    assert row_after(grid, "State capacity (t-1)") == ["(0.200)", ""]
    assert cells["Export restriction × State capacity"] == ["-1.500***", ""]
    assert cells["State capacity (t+1)"] == ["", "3.000*"]
    assert cells["State capacity (t-2)"] == ["", "0.500**"]
    assert cells["Constant"] == ["2.000", "1.000***"]


def test_default_order_is_first_seen_with_constant_last():
    grid = build_regression_grid(make_table())
    coefficient_stubs = [row.stub for row in grid.panels[0] if row.kind == "coef"]
    assert coefficient_stubs == ["Export restriction", "State capacity (t-1)", "Export restriction × State capacity",
                                 "State capacity (t+1)", "State capacity (t-2)", "Constant"]


def test_order_selects_and_orders_terms():
    grid = build_regression_grid(make_table(order=("L.capacity", "restriction", "not_in_any_model")))
    assert [row.stub for row in grid.panels[0] if row.kind == "coef"] == ["State capacity (t-1)",
                                                                         "Export restriction"]


def test_bottom_panel_fixed_effects_fit_and_sample():
    grid = build_regression_grid(make_table())
    cells = grid_text(grid)
    assert cells["Country FE"] == ["Yes", "No"]
    assert cells["Year FE"] == ["Yes", "No"]
    assert cells["Observations"] == ["3,150", "12,345"]
    # The entity-FE model reports its within R-squared, the RE model its R-squared, each under its own label.
    assert cells["Within R-squared"] == ["0.234", ""]
    assert cells["R-squared"] == ["", "0.346"]
    assert cells["Countries"] == ["150", "150"]
    assert cells["Clusters (Country)"] == ["150", ""]
    assert cells["Standard errors"] == ["Clustered (country)", "Clustered (country)"]
    assert cells["Estimator"] == ["Panel OLS", "Random effects"]
    assert cells["Years"] == ["2000–2022", ""]
    assert cells["Bootstrap p-value: Export restriction"] == ["0.061", ""]
    assert cells["Bootstrap CI: Export restriction"] == ["[-0.010, 0.250]", ""]
    assert cells["Bootstrap replications"] == ["999", ""]


def test_extra_statistics_in_fixed_labelled_order():
    grid = build_regression_grid(make_table())
    stubs = [row.stub for row in grid.panels[-1]]
    hausman = [stubs.index("Hausman χ²"), stubs.index("Hausman p-value"), stubs.index("Zeta custom")]
    assert hausman == sorted(hausman)
    assert grid_text(grid)["Hausman χ²"] == ["", "12.345"]


def test_no_fixed_effect_rows_when_no_model_absorbs_effects():
    table = make_table()
    pooled = make_table(models=(table.models[1],))
    assert not any(row.stub.endswith(" FE") for row in build_regression_grid(pooled).rows())


def test_notes_legend_table_model_notes_and_provenance():
    grid = build_regression_grid(make_table())
    assert grid.notes[0] == "* p<0.10, ** p<0.05, *** p<0.01"
    assert grid.notes[1] == "Standard errors in parentheses."
    assert "Sample: 2000-2022." in grid.notes
    assert "Singleton countries (one observation each) dropped: 3 in (1)." in grid.notes
    assert "(2) Swamy-Arora variance components." in grid.notes
    assert "specs/baseline.toml" in grid.provenance
    assert "0123456789ab" in grid.provenance and "fedcba987654" in grid.provenance
    assert "0123456789abc" not in grid.provenance


def test_digits_follow_the_table():
    grid = build_regression_grid(make_table(digits=2))
    assert grid_text(grid)["Export restriction"] == ["0.12**", "0.20*"]


# ------------------------------------------------------------------------------------------ written files

def test_writes_five_files_atomically_named(tmp_path):
    paths = write_table(make_table(), tmp_path)
    assert [p.name for p in paths] == [f"baseline{s}" for s in SUFFIXES]
    assert all(p.parent == tmp_path / "tables" and p.stat().st_size > 0 for p in paths)
    assert sorted(p.name for p in (tmp_path / "tables").iterdir()) == sorted(p.name for p in paths)


def test_every_format_shows_the_same_numbers(tmp_path):
    paths = dict(zip(SUFFIXES, write_table(make_table(), tmp_path)))
    for suffix in (".tex", ".html", ".md", ".csv"):
        text = paths[suffix].read_text(encoding="utf-8")
        for number in ("0.123", "(0.051)", "1.500", "3,150", "12,345", "0.234", "0.346", "12.345"):
            assert number in text, (suffix, number)
    csv_rows = list(csv.reader(io.StringIO(paths[".csv"].read_text(encoding="utf-8"))))
    assert ["Export restriction", "0.123**", "0.200*"] in csv_rows
    assert ["", "(0.051)", "(0.100)"] in csv_rows


def test_output_is_byte_identical_across_runs_and_folders(tmp_path):
    first = write_table(make_table(), tmp_path / "a")
    first_bytes = [p.read_bytes() for p in first]
    second = write_table(make_table(), tmp_path / "a")
    third = write_table(make_table(), tmp_path / "b")
    assert [p.read_bytes() for p in second] == first_bytes
    assert [p.read_bytes() for p in third] == first_bytes
    frame = pd.DataFrame({"mean": [1.0, 2.5]}, index=["CHN", "BRA"])
    one = [p.read_bytes() for p in write_frame_table(frame, stem="d", title="D", out_dir=tmp_path / "c")]
    two = [p.read_bytes() for p in write_frame_table(frame, stem="d", title="D", out_dir=tmp_path / "d")]
    assert one == two


SPECIAL_LABEL = "Share_of 100% R&D #1 {x} $ ~ ^ \\ <b>"


def special_table() -> TableResult:
    return make_table(labels={"restriction": SPECIAL_LABEL, "log_exports": "Log exports"},
                      title="Costs & benefits_100%")


def test_latex_escapes_every_special_character(tmp_path):
    tex = write_table(special_table(), tmp_path)[0].read_text(encoding="utf-8")
    tex = tex.replace(" \\\\ \\quad ", " ")        # a long label wraps onto indented lines
    assert (r"Share\_of 100\% R\&D \#1 \{x\} \$ \textasciitilde{} \textasciicircum{} \textbackslash{} $<$b$>$"
            in tex)
    assert r"\caption{Costs \& benefits\_100\%}" in tex
    assert r"\label{tab:baseline}" in tex
    for rule in (r"\toprule", r"\midrule", r"\bottomrule"):
        assert rule in tex
    assert r"0.123$^{**}$" in tex and r"$-$1.500$^{***}$" in tex


def test_html_is_valid_accessible_and_escaped(tmp_path):
    page = write_table(special_table(), tmp_path)[1].read_text(encoding="utf-8")

    class Checker(HTMLParser):
        void = {"meta", "br", "link", "img", "hr", "input"}

        def __init__(self):
            super().__init__()
            self.stack, self.seen, self.th_without_scope, self.texts = [], [], 0, []

        def handle_starttag(self, tag, attrs):
            attributes = dict(attrs)
            self.seen.append((tag, attributes))
            if tag == "th" and "scope" not in attributes:
                self.th_without_scope += 1
            if tag not in self.void:
                self.stack.append(tag)

        def handle_endtag(self, tag):
            assert self.stack and self.stack[-1] == tag, (self.stack[-3:], tag)
            self.stack.pop()

        def handle_data(self, data):
            self.texts.append(data)

    checker = Checker()
    checker.feed(page)
    checker.close()
    assert page.startswith("<!DOCTYPE html>")
    assert checker.stack == []
    tags = [tag for tag, _ in checker.seen]
    for required in ("html", "head", "meta", "title", "style", "body", "table", "caption", "thead", "tbody",
                     "tfoot"):
        assert required in tags, required
    assert dict(checker.seen)["html"]["lang"] == "en"
    assert any(a.get("charset") == "utf-8" for tag, a in checker.seen if tag == "meta")
    assert checker.th_without_scope == 0
    assert SPECIAL_LABEL in "".join(checker.texts)          # escaped in the source, intact once parsed
    assert "<b>" not in page
    # Standard-error rows have no visible label but tell screen readers which coefficient they belong to.
    assert page.count('aria-label="') == 6
    assert 'aria-label="capacity (t-1), standard error"' in page


def test_markdown_pipe_table_with_title_and_notes(tmp_path):
    text = write_table(special_table(), tmp_path)[2].read_text(encoding="utf-8")
    lines = text.splitlines()
    assert lines[0] == r"Table: Costs & benefits\_100%"
    table_lines = [line for line in lines if line.startswith("|")]
    assert len({line.count(" | ") for line in table_lines if "\\|" not in line}) == 1   # same number of columns
    assert table_lines[1] == "| :--- | :---: | :---: |"
    assert r"*Notes:* \* p\<0.10, \*\* p\<0.05, \*\*\* p\<0.01" in lines
    assert r"Share\_of 100% R&D \#1 {x} \$ \~ ^ \\ \<b\>" in text


def test_docx_reads_back_with_the_grid_texts(tmp_path):
    table = make_table()
    path = write_table(table, tmp_path)[4]
    document = docx.Document(str(path))
    assert document.paragraphs[0].text == table.title
    word_rows = [[cell.text for cell in row.cells] for row in document.tables[0].rows]
    grid = build_regression_grid(table)
    # A spanning header is one merged cell, which python-docx repeats under each column it covers.
    expected = [[row.stub] + [cell.display for cell in row.cells for _ in range(cell.span)] for row in grid.rows()]
    assert word_rows == expected
    notes = "\n".join(p.text for p in document.paragraphs[1:])
    assert "* p<0.10, ** p<0.05, *** p<0.01" in notes and "fedcba987654" in notes
    assert document.core_properties.created.year == 2000


@pytest.mark.parametrize("broken", ["render_markdown", "render_docx"])
def test_a_failing_renderer_leaves_no_file(tmp_path, monkeypatch, broken):
    def explode(grid):
        raise RuntimeError("renderer failed")

    monkeypatch.setattr(tables_module, broken, explode)
    with pytest.raises(RuntimeError):
        write_table(make_table(), tmp_path)
    folder = tmp_path / "tables"
    assert not folder.exists() or list(folder.iterdir()) == []


def test_a_failing_write_leaves_previous_tables_and_no_temporary_file(tmp_path, monkeypatch):
    paths = write_table(make_table(), tmp_path)
    before = {p.name: p.read_bytes() for p in paths}
    real_write_bytes = Path.write_bytes

    def fail_on_markdown(self, data):
        if ".md." in self.name:
            raise OSError("disk full")
        return real_write_bytes(self, data)

    monkeypatch.setattr(Path, "write_bytes", fail_on_markdown)
    with pytest.raises(OSError):
        write_table(make_table(title="A new title"), tmp_path)
    after = {p.name: p.read_bytes() for p in (tmp_path / "tables").iterdir()}
    assert after == before


def test_table_without_models_is_one_clear_error(tmp_path):
    with pytest.raises(GriparmError, match="no models"):
        write_table(make_table(models=()), tmp_path)


# ------------------------------------------------------------------------------------------- frame tables

def test_frame_table_with_grouped_columns_and_digits(tmp_path):
    columns = pd.MultiIndex.from_tuples([("Rare earths", "2000-2009"), ("Rare earths", "2010-2019"),
                                         ("Cobalt", "2010-2019")])
    frame = pd.DataFrame([[0.5, 0.6, 1234.5], [0.25, -0.00001, None]], index=["CHN", "BRA"], columns=columns)
    grid = build_frame_grid(frame, stem="shares", title="Shares", index_label="Country",
                            digits={"2010-2019": 1, ("Rare earths", "2000-2009"): 2})
    groups, names = grid.header
    assert [(c.text, c.span) for c in groups.cells] == [("Rare earths", 2), ("Cobalt", 1)]
    assert names.stub == "Country" and [c.text for c in names.cells] == ["2000-2009", "2010-2019", "2010-2019"]
    assert grid_text(grid)["CHN"] == ["0.50", "0.6", "1,234.5"]
    assert grid_text(grid)["BRA"] == ["0.25", "0.0", ""]
    paths = write_frame_table(frame, stem="shares", title="Shares", out_dir=tmp_path, notes=("Source: USGS.",))
    assert [p.suffix for p in paths] == list(SUFFIXES)
    assert r"\multicolumn{2}{c}{Rare earths}" in paths[0].read_text(encoding="utf-8")
    assert 'colspan="2"' in paths[1].read_text(encoding="utf-8")


def test_frame_table_column_groups_argument_and_value_types():
    frame = pd.DataFrame({"n": [1200, 3], "mean": [1.5, 2.0], "label": ["a", "b"], "flag": [True, False]},
                         index=pd.Index(["x", "y"], name="var"))
    grid = build_frame_grid(frame, stem="d", title="D", column_groups=[("Counts", 1), ("Moments", 1)])
    assert [(c.text, c.span) for c in grid.header[0].cells] == [("Counts", 1), ("Moments", 1), ("", 1), ("", 1)]
    assert grid_text(grid)["x"] == ["1,200", "1.500", "a", "Yes"]
    mapped = build_frame_grid(frame, stem="d", title="D", column_groups={"Summary": ["n", "mean"]})
    assert [(c.text, c.span) for c in mapped.header[0].cells] == [("Summary", 2), ("", 1), ("", 1)]


# ----------------------------------------------------------------------------------------- LaTeX compiles

@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="no TeX engine installed")
def test_latex_compiles_in_a_minimal_document(tmp_path):
    regression = write_table(special_table(), tmp_path)[0]
    frame = pd.DataFrame([[0.5, 12345.0]], index=["CHN"],
                         columns=pd.MultiIndex.from_tuples([("Rare earths", "share"), ("Rare earths", "tonnes")]))
    unicode_note = "Note & 5%: µ ≈ → CO₂ m³ 20° € ‰ … ≥ ≤ ± − θ ρ σ Δ χ² ×\u00a0é ü"
    descriptive = write_frame_table(frame, stem="shares", title="Shares", out_dir=tmp_path, notes=(unicode_note,))[0]
    panels = frame.set_axis(pd.MultiIndex.from_tuples([("Panel A: mines", "CHN")]), axis=0)
    grouped = write_frame_table(panels, stem="panels", title="Panels", out_dir=tmp_path)[0]
    document = tmp_path / "document.tex"
    inputs = "".join(f"\\input{{tables/{path.name}}}\n" for path in (regression, descriptive, grouped))
    document.write_text(f"\\documentclass{{article}}\n\\usepackage{{{','.join(LATEX_PACKAGES)}}}\n\\begin{{document}}\n"
                        f"{inputs}\\end{{document}}\n", encoding="utf-8")
    done = subprocess.run(["pdflatex", "-halt-on-error", "-interaction=nonstopmode", "-no-shell-escape",
                           document.name], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    log = (tmp_path / "document.log").read_text(encoding="latin-1")
    assert done.returncode == 0, done.stdout[-2000:]
    assert "Missing character" not in log
    assert (tmp_path / "document.pdf").stat().st_size > 0


def test_model_notes_already_in_the_table_notes_are_not_repeated():
    table = make_table()
    note = table.models[1].notes[0]
    grid = build_regression_grid(make_table(notes=("Sample: 2000-2022.", note)))
    assert sum(note in text for text in grid.notes) == 1
    singled = make_table(notes=("Two-way FE: 3 singleton countries dropped.",))
    assert not any("singleton observations" in text for text in build_regression_grid(singled).notes)


def test_estimator_statistics_as_the_estimation_package_names_them():
    base = make_table().models[0]
    iv = make_model("2SLS", {"restriction": 0.5}, {"restriction": 0.2}, {"restriction": 0.02}, estimator="iv2sls",
                    endogenous=("restriction",), instruments=("neighbour_restriction",),
                    tests=(TestStatistic("first_stage_f", 23.4567, "F", df=(1, 40), term="restriction"),
                           TestStatistic("f_stat", 5.0, "F", df=(1, 40))))
    random_effects = make_model("RE", {"restriction": 0.5}, {"restriction": 0.2}, {"restriction": 0.02},
                                estimator="random_effects", stats={"sigma_u": 0.5, "sigma_e": 0.25,
                                                                   "theta_mean": 0.8})
    grid = build_regression_grid(make_table(models=(base, iv, random_effects)))
    cells = grid_text(grid)
    assert cells["First-stage F: Export restriction"] == ["", "23.457", ""]
    assert cells["F statistic"] == ["", "5.000", ""]
    assert cells["σ (country effect)"] == ["", "", "0.500"]
    stubs = [row.stub for row in grid.panels[-1]]
    assert stubs.index("F statistic") < stubs.index("First-stage F: Export restriction") < stubs.index(
        "σ (country effect)") < stubs.index("σ (idiosyncratic error)") < stubs.index("θ (mean)")
    assert "(2) Instrumented: Export restriction; instruments: neighbour_restriction." in grid.notes


def test_frame_index_name_heads_the_stub_column():
    frame = pd.DataFrame({"share": [0.6]}, index=pd.Index(["CHN"], name="Economy"))
    assert build_frame_grid(frame, stem="s", title="S").header[-1].stub == "Economy"
    assert build_frame_grid(frame, stem="s", title="S", index_label="Country").header[-1].stub == "Country"


WRITE_IN_CHILD = """
import sys
import zipfile
from pathlib import Path
sys.path.insert(0, {tests!r})
from test_report_tables import make_table
from griparm_econ.report.tables import write_table
write_table(make_table(), Path({out!r}))
"""


@pytest.mark.slow
def test_output_is_byte_identical_across_processes_and_hash_seeds(tmp_path):
    tests_dir = str(Path(__file__).parent)
    outputs = []
    for seed in ("1", "2"):
        out = tmp_path / seed
        env = {**os.environ, "PYTHONHASHSEED": seed}
        subprocess.run([sys.executable, "-c", WRITE_IN_CHILD.format(tests=tests_dir, out=str(out))], env=env,
                       check=True, timeout=120)
        outputs.append([(out / "tables" / f"baseline{suffix}").read_bytes() for suffix in SUFFIXES])
    assert outputs[0] == outputs[1]


def test_two_level_row_index_becomes_titled_panels(tmp_path):
    index = pd.MultiIndex.from_tuples([("Mine production", "CHN"), ("Mine production", "BRA"),
                                       ("Compound exports", "CHN")], names=["series", "Economy"])
    frame = pd.DataFrame({"2000-2009": [0.9, 0.001, 0.7], "2010-2019": [0.8, 0.002, 0.6]}, index=index)
    grid = build_frame_grid(frame, stem="shares", title="Shares", digits=3)
    assert grid.header[-1].stub == "Economy"
    assert [[(row.kind, row.stub) for row in panel] for panel in grid.panels] == [
        [("group", "Mine production"), ("data", "CHN"), ("data", "BRA")],
        [("group", "Compound exports"), ("data", "CHN")]]
    paths = dict(zip(SUFFIXES, write_frame_table(frame, stem="shares", title="Shares", out_dir=tmp_path)))
    assert r"\multicolumn{3}{@{}l}{\textit{Mine production}} \\" in paths[".tex"].read_text(encoding="utf-8")
    assert '<th scope="rowgroup" colspan="3">Compound exports</th>' in paths[".html"].read_text(encoding="utf-8")
    assert "| *Mine production* |  |  |" in paths[".md"].read_text(encoding="utf-8")
    assert ["Compound exports", "", ""] in list(csv.reader(io.StringIO(paths[".csv"].read_text(encoding="utf-8"))))
    word = docx.Document(str(paths[".docx"])).tables[0]
    assert [cell.text for cell in word.rows[1].cells] == ["Mine production"] * 3
    assert [cell.text for cell in word.rows[3].cells] == ["BRA", "0.001", "0.002"]


def test_latex_minus_signs_only_in_front_of_numbers():
    from griparm_econ.report.formats import _latex_cell
    from griparm_econ.report.grid import Cell

    assert _latex_cell(Cell("-1.500", "***")) == "$-$1.500$^{***}$"
    assert _latex_cell(Cell("[-0.010, 0.250]")) == "[$-$0.010, 0.250]"
    assert _latex_cell(Cell("2000–2015")) == "2000--2015"
    assert _latex_cell(Cell("Wu-Hausman")) == "Wu-Hausman"


def test_docx_bytes_do_not_depend_on_the_clock(monkeypatch):
    """python-docx dates the core properties and every zip entry with the current time; both are pinned."""
    import time

    from griparm_econ.report.word import render_docx

    grid = build_regression_grid(make_table())
    first = render_docx(grid)
    real_time = time.time
    monkeypatch.setattr(time, "time", lambda: real_time() + 3 * 86_400 + 7)
    assert render_docx(grid) == first
    with zipfile.ZipFile(io.BytesIO(first)) as package:
        assert {info.date_time for info in package.infolist()} == {(1980, 1, 1, 0, 0, 0)}


# ------------------------------------------------------------------ what a referee reads in the notes (issue 9)

from types import SimpleNamespace  # noqa: E402

from griparm_econ.labels import counted, exhibit_name, time_unit  # noqa: E402
from griparm_econ.report.notes import multiverse_notes, regression_notes, restriction_notes  # noqa: E402
from griparm_econ.spec import SampleTable  # noqa: E402


def _referee_models():
    """Three columns as Table 2 has them: singletons in two, a wild bootstrap in the first, an F statistic in all."""
    bootstrap = {"impose_null": True, "weights": "rademacher", "B": 9999, "seed": 20261128, "level": 0.95}
    first = make_model("Manufactures exports", {"x": 1.0, "z": 2.0}, {"x": 0.5, "z": 1.0}, {"x": 0.04, "z": 0.05},
                       n_singletons_dropped=3, n_entities=167, nobs=3365, years=(1997, 2024), df_pvalues=166,
                       tests=(TestStatistic("f_stat", 2.73, "F", df=(2, 166)),), bootstrap_settings=bootstrap)
    second = make_model("Manufacturing VA", {"x": 1.0, "z": 2.0}, {"x": 0.5, "z": 1.0}, {"x": 0.04, "z": 0.05},
                        n_singletons_dropped=1, n_entities=163, nobs=2800, years=(1997, 2020), df_pvalues=162,
                        tests=(TestStatistic("f_stat", 5.36, "F", df=(2, 162)),))
    third = make_model("Resource-rich", {"x": 1.0, "z": 2.0}, {"x": 0.5, "z": 1.0}, {"x": 0.04, "z": 0.05},
                       n_entities=63, nobs=1188, years=(1997, 2024), df_pvalues=62,
                       tests=(TestStatistic("f_stat", 4.7, "F", df=(2, 62)),),
                       sample_description="resource-rich countries", notes=("A note without a full stop",))
    return first, second, third


def test_singleton_notes_say_countries_and_country():
    notes = regression_notes(_referee_models())
    # One sentence for every column's singletons, naming the columns; "countries", never "countrys".
    assert "Singleton countries (one observation each) dropped: 3 in (1); 1 in (2)." in notes
    assert sum("singleton" in note.lower() for note in notes) == 1
    assert not any("countrys" in note for note in notes)
    assert counted(2, "singleton firm") == "2 singleton firms" and counted(4096, "model") == "4,096 models"


def test_sample_restriction_says_the_panels_time_unit():
    sample = SampleTable(years=(1996, 2025))
    assert restriction_notes(sample, "Year") == ["Sample restriction: years 1996-2025."]
    assert restriction_notes(sample, "Quarter") == ["Sample restriction: quarters 1996-2025."]
    assert time_unit("Year") == "years"
    notes = regression_notes(_referee_models(), restriction=sample)
    assert notes[0] == "Sample restriction: years 1996-2025." and not any("period" in note for note in notes)


def test_a_named_sample_is_described_with_its_coverage_not_repeated_after_its_name():
    notes = regression_notes(_referee_models())
    assert ("Samples: (1) years 1997-2024, 167 countries; (2) years 1997-2020, 163 countries; "
            "(3) resource-rich countries: years 1997-2024, 63 countries.") in notes
    # every note's text, not list membership (a substring of a longer note passes `not in notes`)
    assert not [note for note in notes if "Resource-rich: resource-rich" in note], notes


def test_a_named_samples_years_are_said_once():
    """Table 3 printed "Sample of Ores and metals imports, 2017-2022: 2017-2022, the years of ...; years 2017-2022"."""
    first, second, _ = _referee_models()
    window = make_model("Ores and metals imports, 2017-2022", {"x": 1.0}, {"x": 0.5}, {"x": 0.04}, n_entities=54,
                        nobs=300, years=(2017, 2022), sample_description="2017-2022, the years of the MRIO data")
    notes = regression_notes((first, second, window))
    (note,) = [note for note in notes if "MRIO" in note]
    assert "(3) 2017-2022, the years of the MRIO data: 54 countries" in note, notes
    assert note.count("2017-2022") == 1, notes


def test_every_note_sentence_ends_with_a_full_stop():
    grid = build_regression_grid(make_table(models=_referee_models(), notes=("Column (3) runs on 2017-2022",)))
    legend = star_legend((0.10, 0.05, 0.01))
    assert all(note.endswith(".") for note in grid.notes if note != legend), grid.notes
    assert "Column (3) runs on 2017-2022." in grid.notes
    assert "A note without a full stop." in regression_notes(_referee_models())


def test_f_statistic_is_defined_with_its_test_and_degrees_of_freedom():
    notes = regression_notes(_referee_models())
    (f_note,) = [note for note in notes if note.startswith("F statistic:")]
    assert "Wald test that all slope coefficients are zero" in f_note
    assert "F(2, 166) in (1); F(2, 162) in (2); F(2, 62) in (3)." in f_note
    assert not any(note.startswith("F statistic") for note in regression_notes(_referee_models()[:0]))


def test_notes_follow_sample_then_estimation_then_inference_then_others():
    notes = regression_notes(_referee_models(), restriction=SampleTable(years=(1996, 2025)),
                             spec_notes=["Two-way fixed effects."])
    last_sample = max(i for i, note in enumerate(notes) if note.startswith("Sample") or "singleton" in note.lower())
    bootstrap = next(i for i, note in enumerate(notes) if note.startswith("Bootstrap p-values"))
    f_stat = next(i for i, note in enumerate(notes) if note.startswith("F statistic"))
    assert last_sample < min(bootstrap, f_stat)                   # no bootstrap note between singleton notes
    assert max(bootstrap, f_stat) < notes.index("A note without a full stop.") < notes.index("Two-way fixed effects.")
    assert notes[-1] == "Two-way fixed effects."


def test_hausman_note_is_composed_from_the_statistics_with_the_entity_label():
    model = make_model("Random effects", {"x": 1.0}, {"x": 0.5}, {"x": 0.04}, estimator="random_effects",
                       tests=(TestStatistic("hausman", 108.589, "chi2", df=8, pvalue=0.0),))
    (note,) = [n for n in regression_notes([model]) if "Hausman" in n]
    assert note == ("Random effects: Hausman test of random against fixed country effects on 8 common coefficients, "
                    "conventional covariances (Stata's `hausman fe re`): chi2(8) = 108.59, p = 0.000.")


def test_multiverse_notes_use_labels_and_say_what_the_sample_is():
    result = SimpleNamespace(
        n_models=4096, grid_counts=((4, "outcome"), (32, "control set"), (1, "covariance type")),
        focus_variables=("export_restriction_any", "export_restrictions_count"),
        labels={"export_restriction_any": "Any restriction", "export_restrictions_count": "Number of restrictions"},
        expected_sign="positive", scale="outcome_sd", restriction=SampleTable(years=(1996, 2025)),
        entity_label="Country", time_label="Year", collinear=("m0007",), spec_notes=("From the spec",),
        outside_valid_range=())
    notes = multiverse_notes(result)
    text = " ".join(notes)
    assert notes[0] == "4,096 models: 4 outcomes x 32 control sets x 1 covariance type."
    assert "Focus coefficient: Any restriction or Number of restrictions" in text
    assert "L.export" not in text and "export_restriction" not in text
    assert "[sample]" not in text and "in the study sample (years 1996-2025)" in text
    assert "1 model lost the focus coefficient as collinear: m0007." in notes
    assert notes[-1] == "From the spec."


def test_exhibit_names_replace_file_stems():
    assert exhibit_name("table2_forward") == "Table 2" and exhibit_name("fig3_coefficients") == "Figure 3"
    assert exhibit_name("multiverse_forward") == "multiverse_forward"


def test_one_labeller_for_terms_and_plurals():
    """the runner, the multiverse and the report used to label terms (and pluralise) each their own way."""
    import inspect

    from griparm_econ.estimation import design, multiverse
    from griparm_econ.pipeline import tables

    for module in (tables, multiverse, design):
        source = inspect.getsource(module)
        assert "def _plural" not in source and "def _term_label" not in source and "def _term_text" not in source
    spec = SimpleNamespace(outcomes=["y"], treatments=[["L.x"]], controls=["F.c", "D.c"], lags=[1], samples={},
                           effects=[["entity"]], cov=["cluster:entity"], labels={"c": "Capacity"},
                           control_sets="all_subsets", outcome_families={}, treatment_definitions=[],
                           estimators=["twfe"])
    curve = pd.DataFrame({"outcome": ["y"] * 4, "treatment": ["L.x"] * 4,
                          "controls": ["", "F.c", "D.c", "F.c + D.c"]})
    rows = multiverse.indicators(curve, spec)
    assert [row.label for row in rows] == [f"with {term_label('F.c', spec.labels)}",
                                           f"with {term_label('D.c', spec.labels)}"]
    assert rows[0].label == "with Capacity (t+1)"


def test_each_kind_of_column_fact_is_one_sentence_naming_its_columns():
    from griparm_econ.report.notes import columns_text

    assert columns_text([1, 2, 3, 4, 6, 7, 9]) == "(1)-(4), (6), (7), (9)"
    lost = {"variable": "y", "label": "Outcome", "entity": "JOR", "year": 2005, "value": 372.9,
            "valid_range": [0, 100]}
    models = tuple(make_model(f"M{i}", {"x": 1.0}, {"x": 0.5}, {"x": 0.04}, n_singletons_dropped=[3, 3, 3, 2][i],
                              n_outside_valid_range=1, outside_valid_range=(lost,)) for i in range(4))
    notes = build_regression_grid(make_table(models=models, notes=())).notes
    assert "Singleton countries (one observation each) dropped: 3 in (1)-(3); 2 in (4)." in notes
    (lost_note,) = [note for note in notes if "valid range" in note]
    assert lost_note == ("Observations dropped because a value lies outside its unit's valid range: 1 in (1)-(4) "
                         "(Outcome, valid range 0-100: JOR 2005 (372.9)).")


def _wide_long_table():
    """Twelve columns, each with a term of its own beside two shared ones, and a page of notes: too wide for a
    portrait page and too tall for a landscape one, as a robustness table can be."""
    models = []
    for i in range(12):
        params = {"restriction": 0.1 * i, "L.capacity": -0.2, f"own_measure_{i}": 1.5}
        models.append(make_model(f"Robustness check {i + 1}", params, {k: 0.05 for k in params},
                                 {k: 0.04 for k in params}, n_entities=160 + i, years=(1997, 2024),
                                 n_singletons_dropped=i % 3))
    labels = {f"own_measure_{i}": f"Alternative state-capacity measure number {i + 1} (t-1)" for i in range(12)}
    return make_table(models=tuple(models), labels=labels, notes=tuple(f"Long note {i}: " + "words " * 60
                                                                       for i in range(6)))


def test_a_wide_table_splits_into_column_panels_in_the_tex_only():
    from griparm_econ.report.latex_layout import column_panels

    grid = build_regression_grid(_wide_long_table())
    panels = column_panels(grid)
    assert [heading for heading, _ in panels] == ["Panel A: columns (1)-(4)", "Panel B: columns (5)-(8)",
                                                  "Panel C: columns (9)-(12)"]
    first = panels[0][1]
    assert first.n_columns == 4 and all(sum(c.span for c in row.cells) == 4 for row in first.header)
    stubs = [row.stub for block in first.panels for row in block]
    assert "Alternative state-capacity measure number 4 (t-1)" in stubs          # its column is in panel A
    assert "Alternative state-capacity measure number 5 (t-1)" not in stubs      # not a row of empty cells
    assert stubs[stubs.index("Alternative state-capacity measure number 4 (t-1)") + 1] == ""   # its standard error
    assert column_panels(build_regression_grid(make_table())) == []
    assert "Panel A" not in render_markdown(grid) and "Panel A" in render_latex(grid)


@pytest.mark.skipif(shutil.which("pdflatex") is None or shutil.which("pdftotext") is None,
                    reason="no TeX engine (pdflatex) or pdftotext")
def test_a_table_too_large_for_any_page_takes_panels_and_continued_notes(tmp_path):
    import re

    path = write_table(_wide_long_table(), tmp_path)[0]
    document = tmp_path / "document.tex"
    document.write_text("\\documentclass{article}\n\\usepackage[margin=1in]{geometry}\n"
                        f"\\usepackage{{{','.join(LATEX_PACKAGES)}}}\n\\pagestyle{{empty}}\n\\begin{{document}}\n"
                        f"\\input{{tables/{path.name}}}\n\\end{{document}}\n", encoding="utf-8")
    done = subprocess.run(["pdflatex", "-halt-on-error", "-interaction=nonstopmode", "-no-shell-escape",
                           document.name], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout[-2000:]
    log = (tmp_path / "document.log").read_text(encoding="latin-1")
    assert "Float too large" not in log and "Overfull \\hbox" not in log
    boxes = subprocess.run(["pdftotext", "-bbox", str(tmp_path / "document.pdf"), "-"], capture_output=True,
                           text=True).stdout
    words = re.findall(r'<word xMin="([-\d.]+)" yMin="([-\d.]+)" xMax="([-\d.]+)" yMax="([-\d.]+)">([^<]*)', boxes)
    assert not [w for w in words if float(w[0]) < 71 or float(w[1]) < 71 or float(w[2]) > 541 or float(w[3]) > 721]
    text = " ".join(word[4] for word in words)
    assert all(f"({n})" in text for n in range(1, 13)) and "(continued)" in text and "Panel" in text


def test_latex_notes_end_as_sentences_and_powers_print_as_powers():
    """The star legend ran into the next note ("*** p<0.01 Standard errors ...") and "2^G" printed a caret."""
    from griparm_econ.report.formats import render_latex
    from griparm_econ.report.grid import Cell, Grid, Row

    grid = Grid(stem="t", title="T", n_columns=1, header=(Row("", (Cell("(1)"),), kind="header"),),
                panels=((Row("x", (Cell("1.000"),), kind="coef"),),),
                notes=("*** p<0.01, ** p<0.05, * p<0.1", "Standard errors in parentheses.", "All 2^G sign vectors."))
    tex = render_latex(grid)
    assert "* p$<$0.1." in tex and "Standard errors in parentheses." in tex
    assert "All $2^{G}$ sign vectors." in tex and "textasciicircum" not in tex
