"""The display grid of a descriptive table: a data frame's index as rows, its columns as columns (grouped headers
and titled panels from two-level indexes), each value printed by its type.
"""

from __future__ import annotations

import math
from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from griparm_econ.report.grid import Cell, Grid, Row, spanning_cells
from griparm_econ.report.notes import sentence
from griparm_econ.report.number_text import format_count, format_number


def _frame_cell(value, digits: int) -> str:
    if value is None:
        return ""
    if isinstance(value, (bool, np.bool_)):
        return "Yes" if value else "No"
    if isinstance(value, (int, np.integer)):
        return format_count(int(value))
    if isinstance(value, (float, np.floating)):
        if math.isnan(float(value)):
            return ""
        return format_number(float(value), digits, thousands=True)
    if value is pd.NA or value is pd.NaT:
        return ""
    return str(value)


def _digits_for(column, digits: int | Mapping) -> int:
    if isinstance(digits, Mapping):
        if column in digits:
            return int(digits[column])
        if isinstance(column, tuple) and column and column[-1] in digits:
            return int(digits[column[-1]])
        return 3
    return int(digits)


def build_frame_grid(frame: pd.DataFrame, *, stem: str, title: str, notes: Sequence[str] = (),
                     digits: int | Mapping = 3, index_label: str = "",
                     column_groups: Sequence[tuple[str, int]] | Mapping[str, Sequence] | None = None) -> Grid:
    """A descriptive table: rows are the frame's index, columns its columns.

    ``column_groups`` puts spanning headers over the columns: either ``[(label, span), ...]`` left to right or
    ``{label: [columns...]}`` (the columns must be adjacent). A two-level column MultiIndex groups by its first level.
    """
    columns = list(frame.columns)
    n = len(columns)
    header: list[Row] = []
    if isinstance(frame.columns, pd.MultiIndex):
        if frame.columns.nlevels != 2:
            raise ValueError(f"{stem}: only one or two column levels can be shown, not {frame.columns.nlevels}")
        header.append(Row("", spanning_cells([str(c[0]) for c in columns]), kind="header"))
        names = [str(c[1]) for c in columns]
    else:
        names = [str(c) for c in columns]
        if column_groups is not None:
            if isinstance(column_groups, Mapping):
                owner = {}
                for label, members in column_groups.items():
                    for member in members:
                        owner[member] = str(label)
                group_texts = [owner.get(c, "") for c in columns]
                header.append(Row("", spanning_cells(group_texts), kind="header"))
            else:
                cells = [Cell(str(label), span=int(span)) for label, span in column_groups]
                covered = sum(cell.span for cell in cells)
                if covered > n:
                    raise ValueError(f"{stem}: column groups span {covered} columns but the frame has {n}")
                cells.extend(Cell() for _ in range(n - covered))
                header.append(Row("", tuple(cells), kind="header"))
    grouped = isinstance(frame.index, pd.MultiIndex) and frame.index.nlevels == 2
    if not index_label:
        index_names = [str(name) for name in frame.index.names[1 if grouped else 0:] if name is not None]
        index_label = ", ".join(index_names)
    header.append(Row(index_label, tuple(Cell(name) for name in names), kind="header"))

    # A two-level row index becomes panels: one titled block per first-level value, rows named by the second.
    panels: dict[str, list[Row]] = {}
    for label, values in zip(frame.index, frame.itertuples(index=False, name=None)):
        if grouped:
            group, stub = str(label[0]), str(label[1])
        else:
            group = ""
            stub = ", ".join(str(part) for part in label) if isinstance(label, tuple) else str(label)
        cells = tuple(Cell(_frame_cell(value, _digits_for(column, digits))) for column, value in zip(columns, values))
        if group not in panels:
            panels[group] = [Row(group, (), kind="group")] if grouped else []
        panels[group].append(Row(stub, cells, kind="data"))
    return Grid(stem=stem, title=title, n_columns=n, header=tuple(header),
                panels=tuple(tuple(rows) for rows in panels.values()), notes=tuple(sentence(n) for n in notes))
