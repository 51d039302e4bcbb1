"""No module of griparm_econ uses another module's private names (issue 10).

A name with a leading underscore is its module's own business: another module that imports it (``from
griparm_econ.study import _model_entry``) or reaches for it through the module (``runner._display_path(...)``)
ties itself to an implementation detail that the owner may change at will. What two modules share is made public
(no underscore) in the module that owns it. A private *module* (``sources/_files.py``) may be used by the modules
of its own package, never from outside it.

The scan reads the source with :mod:`ast` (nothing is imported), so it sees imports inside functions too.
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

from griparm_econ.config import PROJECT_ROOT

PACKAGE = "griparm_econ"
PACKAGE_DIR = PROJECT_ROOT / PACKAGE

# Violations still to clear, each "importing module: the private name it uses (from module)". Empty: every
# cross-module import is of a public name; a new violation fails the test.
ALLOWED: frozenset[str] = frozenset()


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _module_name(path: Path, top: Path) -> str:
    parts = list(path.relative_to(top).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _absolute(node: ast.ImportFrom, importer: str, is_package: bool) -> str:
    """The module an ``import from`` names, relative imports resolved against the importing module."""
    if not node.level:
        return node.module or ""
    base = importer.split(".")
    base = base if is_package else base[:-1]
    base = base[:len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _package_of(module: str) -> str:
    return module.rpartition(".")[0]


def _private_module_outside(target: str, importer_package: str) -> str | None:
    """The first private segment of ``target`` when ``importer_package`` lies outside the package that owns it."""
    parts = target.split(".")
    for i, part in enumerate(parts):
        if _private(part):
            owner = ".".join(parts[:i])
            if importer_package != owner and not importer_package.startswith(owner + "."):
                return ".".join(parts[:i + 1])
            return None
    return None


@cache
def violations(root: Path = PACKAGE_DIR) -> tuple[str, ...]:
    """Every use of another griparm_econ module's private name, as "importer: name (from module)"."""
    top = root.parent
    found: list[str] = []

    def is_module(dotted: str) -> bool:
        where = top / Path(*dotted.split("."))
        return where.with_suffix(".py").is_file() or (where / "__init__.py").is_file()

    for path in sorted(root.rglob("*.py")):
        importer = _module_name(path, top)
        is_package = path.name == "__init__.py"
        importer_package = importer if is_package else _package_of(importer)
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        module_aliases: dict[str, str] = {}      # local name -> griparm_econ module it is bound to

        def record(name: str, target: str) -> None:
            if target != importer:
                found.append(f"{importer}: {name} (from {target})")

        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                target = _absolute(node, importer, is_package)
                if target != PACKAGE and not target.startswith(PACKAGE + "."):
                    continue
                hidden = _private_module_outside(target, importer_package)
                if hidden:
                    record(hidden.rpartition(".")[2], hidden.rpartition(".")[0])
                for alias in node.names:
                    if _private(alias.name):
                        submodule = f"{target}.{alias.name}"
                        if is_module(submodule):
                            # a private module of a package: allowed from inside that package
                            if _private_module_outside(submodule, importer_package):
                                record(alias.name, target)
                        else:
                            record(alias.name, target)
                    else:
                        submodule = f"{target}.{alias.name}"
                        if is_module(submodule):
                            module_aliases[alias.asname or alias.name] = submodule
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.startswith(PACKAGE + ".") or alias.name == PACKAGE:
                        hidden = _private_module_outside(alias.name, importer_package)
                        if hidden:
                            record(hidden.rpartition(".")[2], hidden.rpartition(".")[0])
                        if alias.asname:
                            module_aliases[alias.asname] = alias.name
        # runner._display_path(...): a private attribute of a module bound by one of the imports above.
        for node in ast.walk(tree):
            if (isinstance(node, ast.Attribute) and _private(node.attr) and isinstance(node.value, ast.Name)
                    and node.value.id in module_aliases):
                record(node.attr, module_aliases[node.value.id])
    return tuple(sorted(set(found)))


def test_no_module_uses_another_modules_private_names():
    new = [v for v in violations() if v not in ALLOWED]
    assert not new, ("private names used across modules (make the name public in the module that owns it, "
                     "without the underscore):\n" + "\n".join(new))


def test_the_allow_list_holds_only_violations_that_remain():
    # A fixed violation must leave the list, so that the list can only shrink.
    stale = sorted(ALLOWED - set(violations()))
    assert not stale, "no longer violations, remove them from ALLOWED:\n" + "\n".join(stale)


def test_the_scan_finds_each_kind_of_use(tmp_path):
    """The scanner itself, on a made-up package: it must catch each form and pass the allowed ones."""
    package = tmp_path / PACKAGE
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("", encoding="utf-8")
    (package / "owner.py").write_text("_hidden = 1\nshown = 2\n", encoding="utf-8")
    (package / "sub" / "__init__.py").write_text("", encoding="utf-8")
    (package / "sub" / "_helpers.py").write_text("tool = 1\n", encoding="utf-8")
    (package / "sub" / "inside.py").write_text(
        "from griparm_econ.sub._helpers import tool\nfrom . import _helpers\n", encoding="utf-8")
    uses = {   # one module per form, so that each form must be caught on its own
        "imported": "from griparm_econ.owner import _hidden, shown\n",
        "relative": "def f():\n    from .owner import _hidden as h\n    return h\n",
        "attribute": "from griparm_econ import owner\nx = owner._hidden + owner.shown + len(owner.__name__)\n",
        "aliased": "import griparm_econ.owner as o\nx = o._hidden\n",
        "private_module": "from griparm_econ.sub._helpers import tool\n",
        "public_only": "from griparm_econ.owner import shown\nfrom griparm_econ import owner\nx = owner.shown\n",
    }
    for name, text in uses.items():
        (package / f"{name}.py").write_text(text, encoding="utf-8")
    assert violations(package) == (
        "griparm_econ.aliased: _hidden (from griparm_econ.owner)",
        "griparm_econ.attribute: _hidden (from griparm_econ.owner)",
        "griparm_econ.imported: _hidden (from griparm_econ.owner)",
        "griparm_econ.private_module: _helpers (from griparm_econ.sub)",
        "griparm_econ.relative: _hidden (from griparm_econ.owner)",
    )
