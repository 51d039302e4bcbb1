"""Each shared job is done in one place (issue 10's cold review): one fuzzy matcher, no import cycle between the
catalog and its baseline transformation, one covariance-label registry, one "label, else the name" helper.

The scans read the source with :mod:`ast` (nothing is imported), so imports inside functions and under
``TYPE_CHECKING`` count too.
"""

from __future__ import annotations

import ast
from pathlib import Path

from griparm_econ.config import PROJECT_ROOT

PACKAGE_DIR = PROJECT_ROOT / "griparm_econ"


def _modules() -> list[Path]:
    return sorted(PACKAGE_DIR.rglob("*.py"))


def _imported_modules(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def test_difflib_is_used_only_by_the_one_matcher():
    users = [path.relative_to(PACKAGE_DIR).as_posix() for path in _modules() if "difflib" in _imported_modules(path)]
    assert users == ["spec/suggest.py"]


def test_baseline_does_not_import_the_catalog():
    # The catalog imports the baseline transformation; the reverse import (even for a type) would close a cycle.
    assert "griparm_econ.catalog" not in _imported_modules(PACKAGE_DIR / "baseline.py")


def test_catalog_suggestions_unchanged():
    from griparm_econ.catalog import load_catalog

    catalog = load_catalog()
    name = catalog.names[0]
    assert catalog.nearest(name[:-1] + "x" if len(name) > 3 else name) and catalog.nearest("zzzzzzzz") == []


def _string_constants(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [node.value for node in ast.walk(tree) if isinstance(node, ast.Constant) and isinstance(node.value, str)]


def test_covariance_labels_are_made_only_by_the_registry():
    # spec.vocabulary.cov_label is the one place a covariance's table text is made; the estimation layer asks it.
    made_elsewhere = {
        path.relative_to(PACKAGE_DIR).as_posix(): text
        for path in sorted((PACKAGE_DIR / "estimation").rglob("*.py")) for text in _string_constants(path)
        if text in ("Conventional", "Robust (HC1)") or text.startswith(("Clustered by", "Clustered ("))}
    assert made_elsewhere == {}


def test_within_result_labels_match_the_registry():
    from griparm_econ.estimation.within_model import WithinModel
    from griparm_econ.estimation.within_result import _cov_label
    from griparm_econ.spec.vocabulary import cov_label

    def label(cov):
        return _cov_label(WithinModel(name="m", dependent="y", regressors=("x",), cov=cov), "Country", "Year")

    assert label("iid") == cov_label("unadjusted", "Country", "Year") == "Conventional"
    assert label("hetero") == "Robust (HC1)"
    assert label("cluster:entity") == "Clustered by country"
    assert label("cluster:time") == "Clustered by year"
    assert label("cluster:Region") == "Clustered by region"


def test_label_or_name():
    from griparm_econ.catalog import load_catalog

    catalog = load_catalog()
    name = catalog.names[0]
    assert catalog.label_or_name(name) == catalog.label(name)
    assert catalog.label_or_name("not_a_catalog_column") == "not_a_catalog_column"


def test_no_hand_written_label_fallback():
    # "the catalog label, else the name" is Catalog.label_or_name, not a try/except around Catalog.label.
    for relative in ("estimation/frames.py", "estimation/synthetic_spec.py", "estimation/event_study.py"):
        assert "catalog.label(" not in (PACKAGE_DIR / relative).read_text(encoding="utf-8"), relative


# Inline plurals ("file{'s' if n != 1 else ''}") still to move to labels.counted/plural: files another helper owns
# or whose wording is not "count + noun".
INLINE_PLURALS_LEFT = frozenset({"estimation/valid_range.py", "report/notes.py", "estimation/event_study.py"})


def test_plurals_come_from_labels():
    import re

    inline = re.compile(r"""\{['"]s['"] if |else ['"]s['"]\}""")
    found = {path.relative_to(PACKAGE_DIR).as_posix() for path in _modules()
             if path.name != "labels.py" and inline.search(path.read_text(encoding="utf-8"))}
    assert found <= INLINE_PLURALS_LEFT, found - INLINE_PLURALS_LEFT


# f-strings without a placeholder still to clear, in a file another helper owns.
PLACEHOLDERLESS_LEFT = frozenset({"estimation/valid_range.py"})


def test_no_f_string_without_a_placeholder():
    found = set()
    for path in _modules():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        specs = {id(n.format_spec) for n in ast.walk(tree) if isinstance(n, ast.FormattedValue) and n.format_spec}
        for node in ast.walk(tree):
            if (isinstance(node, ast.JoinedStr) and id(node) not in specs
                    and not any(isinstance(v, ast.FormattedValue) for v in node.values)):
                found.add(path.relative_to(PACKAGE_DIR).as_posix())
    assert found <= PLACEHOLDERLESS_LEFT, found - PLACEHOLDERLESS_LEFT


def test_dead_code_is_gone():
    import griparm_econ.api as api
    import griparm_econ.estimation.hazard as hazard
    import griparm_econ.io as io

    assert not hasattr(io, "tree_sha256") and not hasattr(hazard, "risk_set_summary")
    assert not hasattr(api, "FRAME_COLUMNS")   # imported but unused; the columns live in pipeline.kinds


def test_bootstrap_defaults_are_the_vocabulary_constants():
    import inspect

    from griparm_econ.estimation.bootstrap import wild_cluster_bootstrap
    from griparm_econ.spec.schema import BootstrapTable
    from griparm_econ.spec.vocabulary import BOOTSTRAP_DEFAULT_WEIGHTS, BOOTSTRAP_DRAWS

    engine = inspect.signature(wild_cluster_bootstrap).parameters
    spec = BootstrapTable.model_fields
    assert engine["B"].default == spec["B"].default == BOOTSTRAP_DRAWS
    assert engine["weights"].default == spec["weights"].default == BOOTSTRAP_DEFAULT_WEIGHTS
    for relative in ("estimation/bootstrap.py", "spec/schema.py"):
        assert "9_999" not in (PACKAGE_DIR / relative).read_text(encoding="utf-8"), relative


def test_readme_module_is_under_400_lines_and_the_programs_are_described():
    assert len((PACKAGE_DIR / "report/readme.py").read_text(encoding="utf-8").splitlines()) < 400
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    programs = readme[readme.index("## Description of programs"):readme.index("## Instructions to replicators")]
    for module in ("multiverse_curve.py", "relative_magnitudes.py", "restrictions_coding.py", "readme_markers.py"):
        assert f"`{module}`" in programs, module


def test_only_conftest_skips_on_a_missing_snapshot():
    # conftest.py's one rule (the snapshot marker) is the only skip on a missing data directory.
    import re

    own_rule = re.compile(r"skipif\(\s*(not\s+)?\w*(DATA|data_dir|snapshot_dir)\w*(\(\))?\s*(is None)?\s*,")
    tests = PROJECT_ROOT / "tests"
    offenders = [path.name for path in sorted(tests.glob("*.py"))
                 if path.name != "conftest.py" and own_rule.search(path.read_text(encoding="utf-8"))]
    assert offenders == []
