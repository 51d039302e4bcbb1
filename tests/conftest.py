"""Fixtures shared by the test modules, and the one rule for tests that need the data snapshot.

A test that needs the snapshot carries the ``snapshot`` marker (a test using the ``snapshot`` fixture gets it
automatically). When there is none (``GRIPARM_DATA`` unset or not a folder, and no ``data/raw``) every such test is
skipped here, with one reason; no test module skips on a missing snapshot on its own.

The other skips are each module's own, because what they wait for is not the snapshot:

* a reference data set too large to ship in ``tests/data/reference`` and found in no other reference folder
  (``reference_helpers.py``; the reference loaders of ``test_designs_*.py``, ``test_event_study_spec.py`` and
  ``test_twfe_diagnostics.py``: "reference data absent");
* an optional package (``pytest.importorskip``: pyfixest, pyreadr, wildboottest, csdid, dask.distributed,
  selenium, import-linter), each a reference or an extra, never a runtime dependency of the core;
* an external program: ``pdflatex``/``pdftotext`` (``test_report_tables.py``, ``test_outputs_as_read.py``) and a
  headless Chromium (``test_outputs_as_read.py``);
* a situation the test cannot arrange: not a git checkout (``test_data_snapshot.py``), a run that finished before
  it could be interrupted (``test_interruptions.py``).

``tests/test_one_place.py`` keeps the first sentence true: no other module skips on a missing data directory.
"""

from pathlib import Path

import pytest

from griparm_econ.config import Settings, resolve_data_dir
from griparm_econ.errors import DataError

SKIP_REASON = "no data: GRIPARM_DATA is unset or not a folder and the repository has no data/raw"


def snapshot_dir() -> Path | None:
    """The data folder the command line would use (--data aside: GRIPARM_DATA, else the repository's data/raw), or
    None when there is none."""
    try:
        return resolve_data_dir()
    except DataError:
        return None


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
