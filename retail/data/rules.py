"""The collector of rule results used by every validation step.

A rule counts the rows it concerns, keeps a few examples (row numbers are 1-based data
rows, the header excluded, with the offending values) and says what was done. A rule can
mark rows to drop; rows that are kept but are not demand are marked in ``line_type``
instead (see :mod:`retail.data.line_types`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from retail.data.parsing import map_unique
from retail.data.report import RuleResult

MAX_EXAMPLES = 5


class ValidationError(ValueError):
    """The data cannot be used at all; the message tells the user what to fix."""


class Rules:
    """Collects rule results and the rows to drop while the columns are being typed.

    Parameters
    ----------
    row_numbers : array of int
        The 1-based data row number of each row of the frames the masks refer to.
    """

    def __init__(self, row_numbers: np.ndarray) -> None:
        self.row_numbers = row_numbers
        self.results: list[RuleResult] = []
        self.drop = np.zeros(len(row_numbers), dtype=bool)

    def add(self, rule: str, title: str, mask: np.ndarray, action: str,
            show: dict[str, pd.Series] | None = None, drop: bool = False) -> None:
        """Record a rule over the rows of ``mask`` (examples show the columns of ``show``)."""
        mask = np.asarray(mask, dtype=bool)
        count = int(mask.sum())
        examples = []
        for position in np.flatnonzero(mask)[:MAX_EXAMPLES]:
            example: dict[str, Any] = {"row": int(self.row_numbers[position])}
            for label, values in (show or {}).items():
                example[label] = plain(values.iloc[position])
            examples.append(example)
        self.results.append(RuleResult(rule, title, count, action, examples))
        if drop:
            self.drop |= mask

    def note(self, rule: str, title: str, count: int, action: str,
             examples: list[dict[str, Any]] | None = None) -> None:
        """Record a rule whose count is already known (no row mask)."""
        self.results.append(RuleResult(rule, title, count, action, examples or []))

    def subset(self, kept: np.ndarray) -> Rules:
        """A collector over the kept rows only, whose results are appended to this one's."""
        child = Rules(self.row_numbers[kept])
        child.results = self.results
        return child


def plain(value: Any) -> Any:
    """A value as a report shows it: JSON-friendly, text cut to 120 characters."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and np.isnan(value):
        return None
    if isinstance(value, (pd.Timestamp, np.datetime64)):
        return str(pd.Timestamp(value))
    if isinstance(value, np.generic):
        return plain(value.item())
    if isinstance(value, str):
        return value[:120]
    if isinstance(value, float) and value != int(value):
        return round(value, 4)  # a median of 7.999999999999999 reads 8.0
    return value


def text_matches(values: pd.Series, pattern: str) -> np.ndarray:
    """Boolean array: which values match the (RE2) regular expression, computed per distinct value."""
    def matches(uniques: pd.Series) -> pd.Series:
        return uniques.str.match(pattern).fillna(False).astype(bool)

    return map_unique(values, matches, False).astype(bool)


def keep_rows(frame: pd.DataFrame, kept: np.ndarray) -> pd.DataFrame:
    """``frame[kept]`` column by column: masking each array is about twice as fast as
    ``DataFrame.loc`` on Arrow-backed text."""
    if kept.all():
        return frame
    index = frame.index[kept]
    return pd.DataFrame({column: pd.Series(frame[column].array[kept], index=index) for column in frame.columns})
