"""The package's version, in a leaf module: what modules that record it import (importing the package itself would
import its lazy API hook). pyproject.toml's [project] version is the same string (tests/test_layers.py checks)."""

__version__ = "0.1.0"
