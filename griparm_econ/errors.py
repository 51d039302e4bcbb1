"""One error type for everything a user can get wrong.

Every user-facing failure names the file, the field (or formula term) and the fix, so that the CLI can print one
message and exit with status 2 without a traceback.
"""

from __future__ import annotations

from pathlib import Path


class GriparmError(Exception):
    """A problem the user can fix: bad spec, unknown variable, missing data, failed download.

    ``where`` is the file (or setting) at fault, ``field`` the key, column or formula term inside it, ``fix`` what to
    do about it.
    """

    exit_code = 2

    def __init__(self, problem: str, *, where: str | Path | None = None, field: str | None = None,
                 fix: str | None = None):
        self.problem = problem
        self.where = str(where) if where is not None else None
        self.field = field
        self.fix = fix
        super().__init__(self.message)

    @property
    def message(self) -> str:
        parts = []
        if self.where:
            parts.append(self.where)
        if self.field:
            parts.append(f"[{self.field}]")
        head = " ".join(parts)
        text = f"{head}: {self.problem}" if head else self.problem
        if self.fix:
            text += f" Fix: {self.fix}"
        return text


class SpecError(GriparmError):
    """A spec file is malformed or asks for something the data cannot give."""


class DataError(GriparmError):
    """A data file or data source is missing, unreadable or inconsistent."""


class DownloadError(DataError):
    """A live pull from a remote API failed after its retries."""
