"""Fixtures shared by the test modules."""

import pytest

from griparm_econ.config import Settings, resolve_data_dir


@pytest.fixture(scope="session")
def snapshot() -> Settings:
    """Settings pointing at the real data snapshot; tests that need it skip cleanly when GRIPARM_DATA is unset."""
    raw = resolve_data_dir()
    if not raw:
        pytest.skip("GRIPARM_DATA is not set")
    return Settings(data_dir=resolve_data_dir())
