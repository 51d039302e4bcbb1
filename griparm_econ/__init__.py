"""griparm-econ: the econometric panel study of GRIP-ARM (ERC grant 950056).

Data flow one way: sources -> panel -> spec -> estimation -> report.
"""

__version__ = "0.1.0"
