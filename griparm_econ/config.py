"""Where things live: the data directory of third-party extracts, the project's own data and output folders.

The data directory comes from ``--data DIR`` on the command line, else the environment variable ``GRIPARM_DATA``.
It may be unset: the World Bank source then pulls live (and caches), every other source reports the file it lacks.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

from griparm_econ.errors import DataError

DATA_ENV = "GRIPARM_DATA"
PROJECT_ROOT = Path(__file__).resolve().parent.parent

# Sub-folders of the data directory, one per source family (the layout of ../shared/data).
DATA_FOLDERS = ("worldbank", "trade", "gvc", "production", "restrictions")


@dataclass(frozen=True)
class Settings:
    """One frozen configuration object passed down every stage."""

    data_dir: Path | None = None
    project_root: Path = PROJECT_ROOT
    specs_dir: Path = field(default=PROJECT_ROOT / "specs")
    work_dir: Path = field(default=PROJECT_ROOT / "data")
    output_dir: Path = field(default=PROJECT_ROOT / "output")
    offline: bool = False

    @property
    def cache_dir(self) -> Path:
        return self.work_dir / "cache"

    @property
    def panel_path(self) -> Path:
        return self.work_dir / "panel.parquet"

    @property
    def catalog_path(self) -> Path:
        return self.specs_dir / "variables.toml"

    def source_dir(self, folder: str) -> Path | None:
        """The data directory's sub-folder for one source family, or None when no data directory is set."""
        if folder not in DATA_FOLDERS:
            raise ValueError(f"unknown data folder {folder!r}; expected one of {DATA_FOLDERS}")
        return None if self.data_dir is None else self.data_dir / folder


def resolve_data_dir(cli_value: str | os.PathLike | None = None) -> Path | None:
    """``--data`` wins over ``GRIPARM_DATA``; a path that is set but missing is an error, not a silent fallback."""
    raw = cli_value if cli_value not in (None, "") else os.environ.get(DATA_ENV) or None
    if raw is None:
        return None
    path = Path(raw).expanduser().resolve()
    if not path.is_dir():
        origin = "--data" if cli_value not in (None, "") else DATA_ENV
        raise DataError(f"the data directory {path} does not exist.", where=origin, field=origin,
                        fix=f"point {origin} at a folder laid out like ../shared/data (worldbank/, trade/, gvc/, "
                            "production/, restrictions/), or unset it to pull World Bank data live.")
    return path


def load_settings(data: str | os.PathLike | None = None, *, out: str | os.PathLike | None = None,
                  offline: bool | None = None) -> Settings:
    settings = Settings(data_dir=resolve_data_dir(data))
    if out is not None:
        settings = replace(settings, output_dir=Path(out).resolve())
    if offline is not None:
        settings = replace(settings, offline=offline)
    return settings


@lru_cache(maxsize=1)
def code_sha256() -> str:
    """Fingerprint of the package's own code: outputs are re-made when the code that makes them changes."""
    from griparm_econ.io import tree_sha256

    return tree_sha256(Path(__file__).resolve().parent)
