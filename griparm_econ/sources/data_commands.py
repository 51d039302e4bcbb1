"""``griparm data [read|check|refresh|manifest]``: what a user does with the data directory itself."""

from __future__ import annotations

from dataclasses import replace
from typing import Callable

from griparm_econ.config import DEFAULT_DATA_DIR, Settings
from griparm_econ.errors import DataError

Echo = Callable[[str], None]

REFRESH_WARNING = ("The live World Bank vintage differs from the one the reported estimates come from: runs with "
                   "--live-worldbank give other estimates, and `make replicate` will say so. Without that flag the "
                   "study keeps reading the data directory's worldbank/ files.")


def run(action: str, settings: Settings, echo: Echo = print) -> int:
    if action == "check":
        return check(settings, echo)
    if action == "refresh":
        return refresh(settings, echo)
    if action == "manifest":
        return manifest(settings, echo)
    from griparm_econ.panel import fetch_sources

    fetch_sources(settings, echo=echo)
    return 0


def check(settings: Settings, echo: Echo) -> int:
    """Every input of the data directory against its manifest; one message listing every problem."""
    from griparm_econ.sources.snapshot import check_inputs, manifest_for

    if settings.data_dir is None:
        raise DataError("no data directory is set and the repository has no data/raw.", where="GRIPARM_DATA",
                        field="--data", fix="clone the repository with its data/raw, or point --data at a copy.")
    check_inputs(settings.data_dir)
    path, entries = manifest_for(settings.data_dir)
    echo(f"all {len(entries)} inputs of {settings.data_dir} match {path}")
    return 0


def refresh(settings: Settings, echo: Echo) -> int:
    """Pull every World Bank series of the catalog, and the economy list, live into the cache (wbgapi)."""
    from griparm_econ.sources.worldbank import load_economies, pull_live

    if settings.offline:
        raise DataError("a refresh pulls from the World Bank API, but --offline was given.", where="--offline",
                        field="--offline", fix="drop --offline to refresh.")
    live = replace(settings, live_worldbank=True)
    codes = worldbank_codes(settings)
    frame = pull_live(live, codes, echo=echo)
    load_economies(live, echo=echo)
    echo(f"refreshed {len(codes)} World Bank series ({len(frame.rows):,} rows) into {settings.cache_dir}.")
    echo(REFRESH_WARNING)
    return 0


def worldbank_codes(settings: Settings) -> list[str]:
    """The World Bank codes of every catalog variable."""
    from griparm_econ.catalog import load_catalog

    return sorted({entry.source_code for entry in load_catalog(settings.catalog_path).by_source("worldbank")})


def manifest(settings: Settings, echo: Echo) -> int:
    """A manifest for another data directory, declaring its files the vintage it is checked against from now on."""
    from griparm_econ.sources.snapshot import write_manifest

    if settings.data_dir is None or settings.data_dir.resolve() == DEFAULT_DATA_DIR.resolve():
        raise DataError("the repository's data/raw/MANIFEST.csv records the reported vintage and is written only by "
                        "data/raw/build_manifest.py.", where="--data", field="--data",
                        fix="pass --data DIR (or GRIPARM_DATA) naming the other snapshot to describe.")
    target = write_manifest(settings.data_dir)
    echo(f"wrote {target}: inputs of {settings.data_dir} are checked against it from now on; estimates from files "
         "that differ from the repository's data/raw differ from the reported ones (`make replicate` says which).")
    return 0
