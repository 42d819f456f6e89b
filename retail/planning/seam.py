"""Where new rows meet a dataset's rows: days replaced, line types re-decided across the seam, and
whether anything changed at all. Pure functions of frames (no workspace).

The result of appending is defined as what importing the whole history in one file would give
for the returns: a return in the new rows that undoes a sale from before them marks that sale
``cancelled`` (and a re-sent day that drops a return gives its sale back). Returns are therefore
matched again over the whole combined frame with the same rule as an import
(:func:`retail.data.returns.match_returns`). The per-product check of implausible quantities and
prices judges the new rows against the product's usual values in the whole dataset (a weekly file
alone is too short for it); the dataset's older rows keep the verdict of their own import.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from retail.data import schema
from retail.data.line_types import implausible_mask
from retail.data.returns import match_returns
from retail.data.settings import ValidationSettings

NEW = "_new_row"  # marks the appended rows while the frames are combined


@dataclass(frozen=True)
class Seam:
    """The combined rows and what appending did.

    Attributes
    ----------
    frame : every row of the dataset after the append (the older rows first, then the new ones).
    added : rows of the new file.
    replaced : rows of the dataset on the days the file covers (dropped: the file's rows replace them).
    kept : rows of the dataset on other days.
    days : the distinct days the file covers.
    cancelled_across : sales from before the file now marked cancelled by a return in it (negative:
        sales given back because a re-sent day no longer holds their return).
    implausible : new lines found implausible against the product's usual values in the whole dataset.
    unchanged : the dataset would be exactly as it was (the same file sent twice).
    """

    frame: pd.DataFrame
    added: int
    replaced: int
    kept: int
    days: int
    cancelled_across: int
    implausible: int
    unchanged: bool


def combine(old: pd.DataFrame, new: pd.DataFrame, settings: ValidationSettings | None = None) -> Seam:
    """The dataset ``old`` with ``new`` appended: ``new``'s days replace ``old``'s rows of those days.

    Both are canonical frames; ``new`` is aligned to ``old``'s columns first (:func:`align`).
    """
    settings = settings or ValidationSettings()
    new = align(new, old)
    new_days = new[schema.DATE].dt.normalize()
    on_new_days = old[schema.DATE].dt.normalize().isin(new_days.unique()).to_numpy()
    kept = old[~on_new_days]
    combined = pd.concat([kept.assign(**{NEW: False}), new.assign(**{NEW: True})], ignore_index=True)
    before = combined[schema.LINE_TYPE].to_numpy(dtype=object).copy()
    implausible = _implausible_against_history(combined, settings)
    _rematch_returns(combined, settings.return_window_days)
    after = combined[schema.LINE_TYPE].to_numpy(dtype=object)
    was_old = ~combined[NEW].to_numpy()
    across = int(((after == schema.CANCELLED) & (before != schema.CANCELLED) & was_old).sum()
                 - ((after != schema.CANCELLED) & (before == schema.CANCELLED) & was_old).sum())
    frame = combined.drop(columns=[NEW])
    unchanged = bool((after[was_old] == before[was_old]).all()) and same_rows(old[on_new_days], frame[~was_old])
    return Seam(frame=frame, added=len(new), replaced=int(on_new_days.sum()), kept=len(kept),
                days=int(new_days.nunique()), cancelled_across=across, implausible=implausible, unchanged=unchanged)


def align(new: pd.DataFrame, old: pd.DataFrame) -> pd.DataFrame:
    """``new`` with exactly ``old``'s columns, in its order and types: a column the dataset has and the
    file lacks is empty; a column only the file has is left out (the caller reports both)."""
    out = pd.DataFrame(index=new.index)
    for column in old.columns:
        values = new[column] if column in new.columns else pd.Series(None, index=new.index, dtype=object)
        kind = old[column].dtype
        if kind.kind == "M":
            values = pd.to_datetime(values).astype("datetime64[ns]")
        elif kind.kind in "fiub":
            numbers = pd.to_numeric(values, errors="coerce")
            exact = kind.kind == "f" or bool(numbers.notna().all() and (numbers == numbers.round()).all())
            values = numbers.astype(kind if exact else np.float64)
        else:
            values = values.astype(object).where(values.notna(), None)
        out[column] = values
    return out


def _implausible_against_history(combined: pd.DataFrame, settings: ValidationSettings) -> int:
    """Mark new sale lines far from their product's usual quantity or price over the whole dataset."""
    line_type = combined[schema.LINE_TYPE]
    sale_like = line_type.isin((schema.SALE, schema.CANCELLED)).to_numpy()
    far, _ = implausible_mask(combined, settings, candidates=sale_like, eligible=np.zeros(len(combined), bool))
    hit = far & sale_like & combined[NEW].to_numpy()
    combined.loc[hit, schema.LINE_TYPE] = schema.IMPLAUSIBLE
    return int(hit.sum())


def _rematch_returns(combined: pd.DataFrame, window_days: int) -> None:
    """Match returns to the sales they undo over the whole frame, as one import would."""
    line_type = combined[schema.LINE_TYPE].to_numpy(dtype=object).copy()
    line_type[line_type == schema.CANCELLED] = schema.SALE
    cancelled, _ = match_returns(combined, line_type == schema.SALE, line_type == schema.RETURN, window_days)
    line_type[cancelled] = schema.CANCELLED
    combined[schema.LINE_TYPE] = line_type


def row_keys(frame: pd.DataFrame) -> np.ndarray:
    """One 64-bit hash per row of its values, the same whichever backend stored them (text as text,
    every number as a float, times to the microsecond), sorted: equal arrays = the same rows."""
    normal = {}
    for column in frame.columns:
        values = frame[column]
        if values.dtype.kind == "M":
            normal[column] = values.dt.floor("us").astype("int64")
        elif values.dtype.kind in "fiub":
            normal[column] = values.astype(np.float64).fillna(np.inf)
        else:
            normal[column] = values.astype(object).where(values.notna(), "\x00").astype(str)
    hashed = pd.util.hash_pandas_object(pd.DataFrame(normal, index=frame.index), index=False).to_numpy()
    return np.sort(hashed)


def same_rows(left: pd.DataFrame, right: pd.DataFrame) -> bool:
    """Whether two frames hold the same rows (in any order; duplicates counted)."""
    return len(left) == len(right) and bool(np.array_equal(row_keys(left), row_keys(right[left.columns])))
