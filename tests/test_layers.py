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
