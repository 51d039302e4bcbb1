"""The package's one fuzzy matcher: "did you mean ...?" for misspelt keys, values, variables and names."""

from __future__ import annotations

import difflib
from typing import Iterable


def nearest(name: str, choices: Iterable, n: int = 3, cutoff: float = 0.5) -> list[str]:
    """Up to ``n`` of ``choices`` closest to ``name`` (difflib's ratio, at least ``cutoff``), closest first."""
    return difflib.get_close_matches(str(name), [str(c) for c in choices], n=n, cutoff=cutoff)


def did_you_mean(name: str, choices: Iterable) -> str:
    """`` (did you mean 'a', 'b'?)`` for the nearest choices, or an empty string when none is close."""
    close = nearest(name, choices)
    return f" (did you mean {', '.join(repr(c) for c in close)}?)" if close else ""
