"""Fixtures shared by the test modules, and the one rule for tests that need the data snapshot.

A test that needs the snapshot carries the ``snapshot`` marker (a test using the ``snapshot`` fixture gets it
automatically). When there is no snapshot (``GRIPARM_DATA`` unset or not a folder) every such test is skipped here,
with one reason; no test module skips on its own.
"""

import os
from pathlib import Path

import pytest

from griparm_econ.config import Settings

SKIP_REASON = "no data snapshot: GRIPARM_DATA is not set or is not a folder"


def snapshot_dir() -> Path | None:
    """The data snapshot folder, or None when there is none."""
    raw = os.environ.get("GRIPARM_DATA")
    if not raw:
        return None
    path = Path(raw).expanduser().resolve()
    return path if path.is_dir() else None


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    missing = snapshot_dir() is None
    for item in items:
        if "snapshot" in getattr(item, "fixturenames", ()) and item.get_closest_marker("snapshot") is None:
            item.add_marker(pytest.mark.snapshot)
        if missing and item.get_closest_marker("snapshot") is not None:
            item.add_marker(pytest.mark.skip(reason=SKIP_REASON))


@pytest.fixture(scope="session")
def snapshot() -> Settings:
    """Settings pointing at the real data snapshot (tests using it are skipped above when there is none)."""
    root = snapshot_dir()
    if root is None:   # only reached when the fixture is requested indirectly (through another fixture)
        pytest.skip(SKIP_REASON)
    return Settings(data_dir=root)
