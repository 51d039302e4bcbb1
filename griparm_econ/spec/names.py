"""Names and paths a spec gives: nothing a spec says may write outside ``--out``, read other outputs from outside
it, or reach into the environment.

Output files are named after the spec file's stem (``DIR/tables/<stem>.csv``, ``DIR/figures/<stem>.png``, ...), and
figure specs name the tables whose estimates they read (``DIR/estimates/<table>.json``). Each such name must be a
plain file-name stem: no path separator, no ``..``, not absolute, not hidden. A data path may use
``$GRIPARM_DATA`` (the data directory, from ``--data`` or the environment) and nothing else of the environment.
"""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import BaseModel

from griparm_econ.config import DATA_ENV
from griparm_econ.errors import SpecError

# Keys of spec files whose values become (parts of) file names under --out; figure specs read
# DIR/estimates/<table>.json.
OUTPUT_NAME_FIELDS = ("table", "tables")
_DATA_PREFIX = re.compile(r"^\$(\{" + DATA_ENV + r"\}|" + DATA_ENV + r"(?![A-Za-z0-9_]))")


def name_problem(name: str) -> str | None:
    """Why ``name`` cannot be a file-name stem under --out, or None if it can."""
    if not name or not name.strip():
        return "is empty"
    if ".." in name:
        return "contains '..'"
    if "/" in name or "\\" in name:
        return "contains a path separator"
    if name.startswith("."):
        return "is a hidden name (starts with '.')"
    if name.startswith("~") or re.match(r"^[A-Za-z]:", name):
        return "looks like a path"
    if any(ord(c) < 32 for c in name):
        return "contains a control character"
    return None


def check_output_name(name: str, where, field: str, what: str) -> None:
    problem = name_problem(name)
    if problem:
        raise SpecError(f"{what} '{name}' {problem}; outputs are written and read only inside the output folder "
                        "(--out), under plain names.", where=where, field=field,
                        fix="use a plain name of letters, digits, '_' and '-' (a spec's stem, e.g. table2_forward).")


def check_spec_stem(path: Path) -> None:
    """The spec file's stem names every output file it writes."""
    check_output_name(path.stem, path, "(file name)", "the spec file's name")


def check_spec_names(spec: BaseModel, path: Path) -> None:
    """Every output-name key of a validated spec (figure specs: ``table``, ``tables``)."""
    for key in OUTPUT_NAME_FIELDS:
        value = getattr(spec, key, None)
        values = [value] if isinstance(value, str) else list(value or ())
        for i, name in enumerate(values):
            field = key if isinstance(value, str) else f"{key}[{i + 1}]"
            check_output_name(name, path, field, "the table name")


def check_data_path(raw: str, path: Path) -> None:
    """``[data] path``: ``$GRIPARM_DATA`` may open it; any other ``$`` or a leading ``~`` is refused, because the
    environment is not expanded in spec text (a spec must not print or depend on a reader's environment)."""
    rest = _DATA_PREFIX.sub("", raw, count=1)
    if "$" in rest:
        raise SpecError(f"the data path contains '$' ({raw!r}); environment variables are not expanded in spec "
                        f"files, except a leading ${DATA_ENV} (the data directory).", where=path, field="data.path",
                        fix=f"start the path with ${DATA_ENV}/ (set by --data DIR or {DATA_ENV}), or write the path "
                            "out, relative to the spec file.")
    if rest.startswith("~"):
        raise SpecError(f"the data path starts with '~' ({raw!r}); home directories are not expanded in spec files.",
                        where=path, field="data.path",
                        fix=f"write the path relative to the spec file, or start it with ${DATA_ENV}/.")


def expand_data_path(raw: str, spec_path: Path, data_dir: Path | None) -> Path:
    """The data file a checked ``[data] path`` names: a leading ``$GRIPARM_DATA`` becomes the data directory;
    relative paths are relative to the spec file."""
    check_data_path(raw, spec_path)
    if _DATA_PREFIX.match(raw):
        if data_dir is None:
            raise SpecError(f"the data path uses ${DATA_ENV}, but no data directory is set.", where=spec_path,
                            field="data.path", fix=f"pass --data DIR or set {DATA_ENV}, or write the path out.")
        path = Path(str(data_dir) + _DATA_PREFIX.sub("", raw, count=1))
    else:
        path = Path(raw)
    return path if path.is_absolute() else (spec_path.parent / path)
