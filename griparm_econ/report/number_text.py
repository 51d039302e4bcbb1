"""Numbers as the tables print them: fixed decimals, counts with thousands separators, significance stars and
their legend. One place, so that every output format shows the same text for the same number.
"""

from __future__ import annotations

import math
from typing import Sequence


def format_number(value: float | int | None, digits: int, *, thousands: bool = False) -> str:
    """Fixed decimals; blank for missing; never "-0.000" (a rounded zero carries no sign)."""
    if value is None:
        return ""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    if math.isnan(number):
        return ""
    if math.isinf(number):
        return "inf" if number > 0 else "-inf"
    text = f"{number:{',' if thousands else ''}.{max(int(digits), 0)}f}"
    if text.startswith("-") and not any(ch in "123456789" for ch in text):
        text = text[1:]
    return text


def format_count(value: int | float | None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return f"{int(round(float(value))):,}"


def significance_stars(pvalue: float | None, levels: Sequence[float]) -> str:
    """One star per level the p-value is strictly below: p = 0.05 earns the 10% star, not the 5% one."""
    if pvalue is None or not isinstance(pvalue, (int, float)) or math.isnan(pvalue):
        return ""
    return "*" * sum(1 for level in levels if pvalue < level)


def _level_text(level: float) -> str:
    for decimals in range(2, 8):
        if abs(round(level, decimals) - level) < 1e-12:
            return f"{level:.{decimals}f}"
    return repr(level)


def star_legend(levels: Sequence[float]) -> str:
    ordered = sorted(set(levels), reverse=True)
    return ", ".join(f"{'*' * (i + 1)} p<{_level_text(level)}" for i, level in enumerate(ordered))
