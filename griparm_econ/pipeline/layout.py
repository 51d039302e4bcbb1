"""The output layout and spec discovery: where specs are found and where every output of a run goes.

Specs: ``specs/*.toml`` (tables; the variable catalog excepted), ``specs/figures/*.toml`` (figures), any other folder
of ``specs/`` (run only when named). Outputs under ``--out`` (``output/`` by default): ``tables/<stem>.*``,
``estimates/<stem>.json`` (a table unit's record), ``figures/<stem>.*`` and ``figures/<stem>.json`` (a figure
unit's record), ``index.html`` and ``manifest.json``. Paths written into outputs are display paths (relative to the
data directory or the project), so outputs do not depend on where the checkout lives.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

from griparm_econ.config import Settings
from griparm_econ.errors import SpecError
from griparm_econ.output_layout import (ESTIMATES_DIR, FIGURES_DIR, TABLE_SUFFIXES,  # noqa: F401 (the pipeline's names)
                                        TABLES_DIR)

NOT_SPECS = ("variables.toml",)   # the variable catalog lives beside the specs but is not a table
REPORTED_FILE = Path("reported") / "estimates.json"


def discover_specs(settings: Settings) -> list[Path]:
    """Every ``specs/*.toml`` except the variable catalog, sorted (figure specs live in specs/figures/)."""
    folder = settings.specs_dir
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.glob("*.toml") if p.name not in NOT_SPECS)


def discover_figures(settings: Settings) -> list[Path]:
    folder = settings.specs_dir / FIGURES_DIR
    return sorted(folder.glob("*.toml")) if folder.is_dir() else []


def discover_all_specs(settings: Settings) -> list[tuple[Path, bool]]:
    """(path, run by ``griparm tables``): table specs (``specs/*.toml``), figure specs (``specs/figures/*.toml``),
    then the specs of any other folder of ``specs/``, which the study does not run."""
    found = [(p, True) for p in discover_specs(settings) + discover_figures(settings)]
    folder = settings.specs_dir
    if folder.is_dir():
        for sub in sorted(p for p in folder.iterdir() if p.is_dir() and p.name != FIGURES_DIR):
            found += [(p, False) for p in sorted(sub.glob("*.toml"))]
    return found


def spec_paths(specs: Sequence[Path] | None, settings: Settings) -> list[Path]:
    """The specs named (or else every table spec), refusing two that would write the same outputs."""
    paths = [Path(p) for p in specs] if specs else discover_specs(settings)
    if not paths:
        raise SpecError("there are no spec files to run.", where=settings.specs_dir, field="(folder)",
                        fix="add a specs/*.toml file or name spec files on the command line.")
    stems: dict[str, Path] = {}
    for path in paths:
        if path.stem in stems and stems[path.stem].resolve() != path.resolve():
            raise SpecError(f"two specs share the stem '{path.stem}' ({stems[path.stem]}), so their outputs would "
                            "overwrite each other.", where=path, field="(file name)", fix="rename one of them.")
        stems[path.stem] = path
    return paths


def display_path(path: Path, settings: Settings) -> str:
    """Paths as written into outputs: relative to the data directory or the project, so that outputs do not
    depend on where the checkout lives."""
    resolved = Path(path).resolve()
    if settings.data_dir is not None:
        try:
            return "$GRIPARM_DATA/" + resolved.relative_to(Path(settings.data_dir).resolve()).as_posix()
        except ValueError:
            pass
    try:
        return resolved.relative_to(settings.project_root.resolve()).as_posix()
    except ValueError:
        return resolved.as_posix()


def table_files(stem: str) -> list[str]:
    """A table unit's table in every format, relative to the output folder."""
    return [f"{TABLES_DIR}/{stem}{suffix}" for suffix in TABLE_SUFFIXES]


def table_record(out_dir: Path, stem: str) -> Path:
    """The record of a table unit (written last; see :mod:`griparm_econ.freshness`)."""
    return Path(out_dir) / ESTIMATES_DIR / f"{stem}.json"


def figure_record(out_dir: Path, stem: str) -> Path:
    """The record of a figure unit (written last)."""
    return Path(out_dir) / FIGURES_DIR / f"{stem}.json"


def reported_path(settings: Settings) -> Path:
    """The reported estimates that ``griparm replicate`` checks (``make freeze`` writes them)."""
    return settings.project_root / REPORTED_FILE
