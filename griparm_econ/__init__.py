"""griparm-econ: the econometric panel study of GRIP-ARM (ERC grant 950056).

Data flow one way: sources -> panel -> spec -> estimation -> report.

The Python API (griparm_econ.api): ``import griparm_econ as gp``; ``gp.load_panel()``; ``gp.run(spec)``.
"""

from griparm_econ.version import __version__

__all__ = ["load_panel", "run", "Run", "Model", "__version__"]


def __getattr__(name: str):
    # Imported on first use, so that the command line (which imports __version__) starts without pandas.
    if name in ("load_panel", "run", "Run", "Model"):
        from griparm_econ import api

        return getattr(api, name)
    raise AttributeError(f"module 'griparm_econ' has no attribute {name!r}")
