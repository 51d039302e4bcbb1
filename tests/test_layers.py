"""The package's import graph (grimp, as import-linter builds it; imports inside functions count, imports under
``if TYPE_CHECKING`` do not, since they never run): no cycle between modules, and every module a stage runs is
fingerprinted by that stage (freshness.STAGES), so a new module cannot be forgotten."""

from __future__ import annotations

import tomllib
from pathlib import Path

import grimp
import pytest

from griparm_econ import freshness
from griparm_econ.version import __version__

PACKAGE = "griparm_econ"


@pytest.fixture(scope="module")
def graph():
    return grimp.build_graph(PACKAGE, include_external_packages=False, exclude_type_checking_imports=True)


def _cycles(graph) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan, iterative)."""
    edges = {m: sorted(graph.find_modules_directly_imported_by(m)) for m in sorted(graph.modules)}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in edges:
        if root in index:
            continue
        work = [(root, iter(edges[root]))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(edges.get(child, ()))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_no_import_cycle_between_modules(graph):
    cycles = _cycles(graph)
    described = ["; ".join(f"{a} -> {b} (line {d['line_number']})" for a in cycle for b in cycle
                           for d in graph.get_import_details(importer=a, imported=b)) for cycle in cycles]
    assert not cycles, "import cycles:\n" + "\n".join(described)


def test_the_cycle_finder_finds_a_cycle():
    class Graph:
        edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
        modules = set(edges)

        def find_modules_directly_imported_by(self, module):
            return self.edges[module]

    assert _cycles(Graph()) == [["a", "b", "c"]]


def test_the_version_is_pyprojects():
    pyproject = tomllib.loads((Path(freshness.PACKAGE_DIR).parent / "pyproject.toml").read_text(encoding="utf-8"))
    assert pyproject["project"]["version"] == __version__
    import griparm_econ

    assert griparm_econ.__version__ == __version__


# What a stage runs: its roots and every module they import, up to the panel package (whose products are
# fingerprinted by the data digests and whose own code by the panel stage, panel_is_stale).
STAGE_ROOTS = {
    "estimation": ("griparm_econ.estimation", "griparm_econ.pipeline.tables", "griparm_econ.pipeline.kinds",
                   "griparm_econ.pipeline.sequencer", "griparm_econ.pipeline.layout", "griparm_econ.pipeline.check"),
    "report": ("griparm_econ.report", "griparm_econ.pipeline.figure_data", "griparm_econ.pipeline.figure_kinds",
               "griparm_econ.pipeline.figures", "griparm_econ.pipeline.records"),
    "panel": ("griparm_econ.panel",),
}
# What decides and records whether outputs are current, rather than computing them (every record stores the
# version); what they import is not followed.
NOT_FINGERPRINTED = {"griparm_econ.freshness", "griparm_econ.version"}


def _module(path: Path) -> str:
    rel = path.relative_to(freshness.PACKAGE_DIR.parent).with_suffix("")
    return ".".join(rel.parts[:-1] if rel.name == "__init__" else rel.parts)


def _fingerprinted(stage: str) -> set[str]:
    return {_module(path) for pattern in (*freshness.STAGES[stage].patterns, *freshness.SHARED_CODE)
            for path in freshness.PACKAGE_DIR.glob(pattern) if path.is_file() and "__pycache__" not in path.parts}


def _runs(graph, roots: tuple[str, ...], stop_at_panel: bool) -> set[str]:
    todo = [m for m in graph.modules if any(m == r or m.startswith(r + ".") for r in roots)]
    seen: set[str] = set()
    while todo:
        module = todo.pop()
        if module in seen:
            continue
        seen.add(module)
        if module in NOT_FINGERPRINTED or stop_at_panel and (module == "griparm_econ.panel"
                                                             or module.startswith("griparm_econ.panel.")):
            continue
        todo += graph.find_modules_directly_imported_by(module)
    return seen


@pytest.mark.parametrize("stage", ["estimation", "report", "panel"])
def test_every_module_a_stage_runs_is_fingerprinted(graph, stage):
    """Table records store the estimation and the report fingerprints, so a module the table steps run may sit in
    either; figures store both too. The panel stage alone decides whether the panel is rebuilt."""
    covered = _fingerprinted(stage) | NOT_FINGERPRINTED
    if stage != "panel":
        covered |= _fingerprinted("estimation") | _fingerprinted("report")
    missing = sorted(_runs(graph, STAGE_ROOTS[stage], stop_at_panel=stage != "panel") - covered)
    if stage != "panel":   # the panel package is the boundary: reached, not run by these stages' fingerprints
        missing = [m for m in missing if m != "griparm_econ.panel" and not m.startswith("griparm_econ.panel.")]
    assert not missing, f"run by the {stage} stage but in no fingerprint of freshness.STAGES: {missing}"


def test_every_stage_pattern_names_a_file():
    for stage in freshness.STAGES.values():
        for pattern in stage.patterns:
            assert list(freshness.PACKAGE_DIR.glob(pattern)), f"{stage.name}: {pattern} matches no file"
