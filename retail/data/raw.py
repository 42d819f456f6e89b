"""What reading a file produces: the raw table, the rows that could not be read, and the error."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from retail.data.report import RuleResult


class ReadError(ValueError):
    """A file that cannot be used at all; the message tells the user what to fix."""


@dataclass
class BrokenRow:
    """A text line that was skipped: its number of fields is wrong, or it opens a quote that never closes."""

    line: int
    expected_fields: int
    actual_fields: int
    text: str
    reason: str = "fields"  # "fields" or "unclosed_quote"


@dataclass
class RawTable:
    """What was read from a file, before mapping and validation.

    ``notes`` are what reading decided on its own (lines above the header skipped, columns
    left out, the encoding guessed...); validation puts them at the top of its report.
    """

    frame: pd.DataFrame
    source_name: str
    file_format: str
    encoding: str | None = None
    delimiter: str | None = None
    decimal_comma: bool = False
    sheet: str | None = None
    sheets: list[str] = field(default_factory=list)
    broken_rows: list[BrokenRow] = field(default_factory=list)
    broken_row_count: int = 0
    header_line: int = 1
    notes: list[RuleResult] = field(default_factory=list)

    def describe(self) -> str:
        parts = [self.file_format.upper()]
        if self.encoding:
            parts.append(f"encoding {self.encoding}")
        if self.delimiter:
            parts.append(f"delimiter {delimiter_label(self.delimiter)}")
        if self.decimal_comma:
            parts.append("decimal comma")
        if self.sheet:
            parts.append(f"sheet {self.sheet!r}")
        if self.header_line > 1:
            parts.append(f"header on line {self.header_line}")
        return ", ".join(parts)


def delimiter_label(delimiter: str) -> str:
    """``tab``, ``comma``, ``semicolon``, ``pipe``."""
    return {"\t": "tab", ",": "comma", ";": "semicolon", "|": "pipe"}.get(delimiter, repr(delimiter))


def require_rows(frame: pd.DataFrame, name: str) -> None:
    """Raise a plain error when a read table has no columns or no data rows."""
    if frame.shape[1] == 0:
        raise ReadError(f"{name} has no columns.")
    if frame.empty:
        raise ReadError(f"{name} has a header but no data rows.")
