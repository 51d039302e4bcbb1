"""Where things live: the data directory of third-party extracts, the project's own data and output folders.

The data directory comes from ``--data DIR`` on the command line, else the environment variable ``GRIPARM_DATA``,
else the repository's own ``data/raw`` (the inputs of the reported estimates ship with the repository). World Bank
series are pulled live only when asked (``griparm data refresh``, then ``--live-worldbank``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

from griparm_econ.errors import DataError

DATA_ENV = "GRIPARM_DATA"
PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA_DIR = PROJECT_ROOT / "data" / "raw"

# Sub-folders of the data directory, one per source family (the layout of ../shared/data).
DATA_FOLDERS = ("worldbank", "trade", "gvc", "production", "restrictions", "state_capacity", "vdem", "tax_revenue",
                "prices")


@dataclass(frozen=True)
class Settings:
    """One frozen configuration object passed down every stage."""

    data_dir: Path | None = None
    project_root: Path = PROJECT_ROOT
    specs_dir: Path = field(default=PROJECT_ROOT / "specs")
    work_dir: Path = field(default=PROJECT_ROOT / "data")
    output_dir: Path = field(default=PROJECT_ROOT / "output")
    offline: bool = False
    live_worldbank: bool = False     # World Bank series from the cache of a live pull, not the snapshot's files
    scheduler: str | None = None      # --scheduler: a dask scheduler for multiverses (over [executor] scheduler)

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
    """``--data`` wins over ``GRIPARM_DATA``, which wins over the repository's ``data/raw``; a path that is set but
    missing (or not a folder) is an error, not a silent fallback. Resolved once, here, against the working folder."""
    raw = cli_value if cli_value not in (None, "") else os.environ.get(DATA_ENV) or None
    if raw is None:
        return DEFAULT_DATA_DIR if DEFAULT_DATA_DIR.is_dir() else None
    path = Path(raw).expanduser().resolve()
    if not path.is_dir():
        origin = "--data" if cli_value not in (None, "") else DATA_ENV
        state = ("is a file, not a folder" if path.is_file() else "is not a folder" if path.exists()
                 else "does not exist")
        raise DataError(f"the data directory {path} {state}.", where=origin, field=origin,
                        fix=f"point {origin} at a folder laid out like data/raw (worldbank/, trade/, gvc/, "
                            "production/, restrictions/), or unset it to use the repository's data/raw.")
    return path


def load_settings(data: str | os.PathLike | None = None, *, out: str | os.PathLike | None = None,
                  offline: bool | None = None, live_worldbank: bool | None = None,
                  scheduler: str | None = None) -> Settings:
    settings = Settings(data_dir=resolve_data_dir(data), live_worldbank=bool(live_worldbank))
    if out is not None:
        settings = replace(settings, output_dir=Path(out).resolve())
    if offline is not None:
        settings = replace(settings, offline=offline)
    if scheduler:
        settings = replace(settings, scheduler=scheduler)
    return settings
