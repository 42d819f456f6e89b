"""Planner adjustments: what a change is, which forecasts it touches, and the adjusted forecast.

An :class:`Adjustment` selects forecasts (series and periods; ``*`` and shell-style patterns such
as ``85123*`` allowed, matched against a series' id or its name) and changes them by a
:class:`Change`: ``120`` sets each selected forecast to 120, ``+20`` / ``-20`` adds or removes 20
units (or money, for a sales-value forecast), ``+20%`` / ``-15%`` changes it by a share. Each has
a reason from :data:`~retail.planning.registry.REASONS` and free text.

:func:`apply_adjustments` applies a batch in order to the run's forecast (the best model's) and
returns the new forecast with one row per touched forecast and adjustment (value before and after:
what forecast value added is measured on later). A result below zero is set to zero and said so.
A selection that touches nothing is an error naming the row, so a batch is applied whole or not at all.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from retail import frequency
from retail.analytics.aggregate import DATE, SERIES_ID
from retail.forecast.metrics import MODEL, YHAT
from retail.planning.registry import REASONS

SET, ADD, PERCENT = "set", "add", "percent"
ALL = "*"
FILE_COLUMNS = ("series", "period", "change", "reason")
_CHANGE = re.compile(r"^\s*([+-])?\s*(\d+(?:[.,]\d+)?|[.,]\d+)\s*(%)?\s*$")


@dataclass(frozen=True)
class Change:
    """A change of a forecast: set it to a number, add a number, or change it by a percentage."""

    kind: str
    amount: float

    @classmethod
    def parse(cls, text: object) -> Change:
        """``120`` (set), ``+20`` / ``-20`` (add), ``+20%`` / ``-15%`` / ``20%`` (percentage)."""
        match = _CHANGE.match(str(text))
        if match is None:
            raise ValueError(f"a change is a number of units (120), units to add or remove (+20, -20) or a "
                             f"percentage (+20%, -15%); got {text!r}.")
        sign, number, percent = match.groups()
        amount = float(number.replace(",", ".")) * (-1.0 if sign == "-" else 1.0)
        if percent:
            if amount <= -100:
                raise ValueError(f"a percentage change must be above -100%; got {text!r}.")
            return cls(PERCENT, amount)
        return cls(ADD if sign else SET, amount)

    def apply(self, values: np.ndarray) -> np.ndarray:
        values = np.asarray(values, dtype=np.float64)
        if self.kind == SET:
            return np.full_like(values, self.amount)
        if self.kind == ADD:
            return values + self.amount
        return values * (1.0 + self.amount / 100.0)

    def text(self) -> str:
        """How a person writes it (the file's and the log's ``change``)."""
        if self.kind == SET:
            return f"{self.amount:g}"
        return f"{self.amount:+g}" + ("%" if self.kind == PERCENT else "")


def check_reason(text: object) -> str:
    """The reason's name from its name or label (any case); a ``ValueError`` listing them otherwise."""
    wanted = str(text or "").strip().lower()
    for name, label in REASONS.items():
        if wanted in (name, label.lower(), name.replace("_", " ")):
            return name
    raise ValueError(f"the reason must be one of {', '.join(REASONS.values())}; got {text!r}.")


@dataclass(frozen=True)
class Adjustment:
    """One planner change: which forecasts (series and periods), the change, why.

    ``series`` and ``periods`` hold ids / names / patterns and dates (any day of the period), or ``*``.
    ``label`` says in words what was selected (``category: Kitchen``) for the log.
    """

    series: tuple[str, ...]
    periods: tuple[str, ...]
    change: Change
    reason: str
    note: str = ""
    label: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "reason", check_reason(self.reason))
        object.__setattr__(self, "series", tuple(str(s).strip() for s in self.series if str(s).strip()))
        object.__setattr__(self, "periods", tuple(str(p).strip() for p in self.periods if str(p).strip()))
        if not self.series or not self.periods:
            raise ValueError("an adjustment needs at least one series and one period (or * for all).")

    def describe(self) -> str:
        """``series 85123A, period 2011-12-12: +20% (promotion)``."""
        what = self.label or f"series {', '.join(self.series[:3])}{' ...' if len(self.series) > 3 else ''}"
        return f"{what}, period {', '.join(self.periods[:3])}: {self.change.text()} ({REASONS[self.reason]})"


def _series_mask(ids: pd.Series, names: pd.Series, patterns: tuple[str, ...]) -> np.ndarray:
    if ALL in patterns:
        return np.ones(len(ids), dtype=bool)
    exact = {p.lower() for p in patterns if not any(ch in p for ch in "*?[")}
    mask = ids.str.lower().isin(exact).to_numpy() | names.str.lower().isin(exact).to_numpy()
    for pattern in (p for p in patterns if p.lower() not in exact):
        regex = fnmatch.translate(pattern.lower())
        mask |= ids.str.lower().str.match(regex).to_numpy() | names.str.lower().str.match(regex).to_numpy()
    return mask


def _period_mask(dates: pd.Series, periods: tuple[str, ...], freq: str) -> np.ndarray:
    if ALL in periods:
        return np.ones(len(dates), dtype=bool)
    try:
        wanted = frequency.period_start(pd.to_datetime(pd.Series(periods)), freq)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"a period is a date (2011-12-12, any day of the {frequency.get(freq).period}) or *; "
                         f"got {list(periods)}.") from exc
    return dates.isin(set(wanted)).to_numpy()


def select(forecast: pd.DataFrame, adjustment: Adjustment, freq: str) -> np.ndarray:
    """Mask of the rows of ``forecast`` (series_id, name, date) an adjustment selects."""
    return (_series_mask(forecast[SERIES_ID].astype(str), forecast["name"].astype(str), adjustment.series)
            & _period_mask(pd.to_datetime(forecast[DATE]), adjustment.periods, freq))


def statistical_forecast(forecasts: pd.DataFrame, best: str, names: pd.DataFrame) -> pd.DataFrame:
    """The best model's forecast rows (with series names): what planners adjust."""
    rows = forecasts[forecasts[MODEL] == best]
    named = rows.merge(names[[SERIES_ID, "name"]], on=SERIES_ID, how="left") if "name" in names else rows
    return named.assign(name=named.get("name", named[SERIES_ID]).fillna(named[SERIES_ID]))


def apply_adjustments(forecast: pd.DataFrame, adjustments: list[Adjustment], freq: str,
                      first_number: int = 1) -> tuple[np.ndarray, pd.DataFrame]:
    """The forecast after ``adjustments`` (in order) and one row per touched forecast and adjustment.

    ``forecast``: the rows to adjust (series_id, name, date, yhat). Returns the new values (aligned
    with ``forecast``) and the cell log: ``number`` (``first_number`` for the first adjustment),
    series_id, date, before, after.
    """
    values = forecast[YHAT].to_numpy(dtype=np.float64).copy()
    log = []
    for k, adjustment in enumerate(adjustments):
        mask = select(forecast, adjustment, freq)
        if not mask.any():
            dates = sorted(pd.to_datetime(forecast[DATE]).dt.strftime("%Y-%m-%d").unique())
            raise ValueError(f"adjustment {k + 1} ({adjustment.describe()}) matches no forecast of this run; its "
                             f"periods start on {', '.join(dates[:4])}{' ...' if len(dates) > 4 else ''}.")
        before = values[mask]
        values[mask] = np.maximum(adjustment.change.apply(before), 0.0)
        log.append(pd.DataFrame({"number": first_number + k, SERIES_ID: forecast[SERIES_ID].to_numpy()[mask],
                                 DATE: pd.to_datetime(forecast[DATE]).to_numpy()[mask], "before": before,
                                 "after": values[mask]}))
    return values, pd.concat(log, ignore_index=True)


def read_adjustments(path: str | Path) -> list[Adjustment]:
    """A file of adjustments (CSV or Excel): columns ``series``, ``period``, ``change``, ``reason``
    and optionally ``note``; one adjustment per row. Errors name the row."""
    path = Path(path)
    table = pd.read_excel(path, dtype=str) if path.suffix.lower() == ".xlsx" else pd.read_csv(
        path, dtype=str, sep=None, engine="python", encoding="utf-8-sig")
    return adjustments_from_table(table)


def adjustments_from_table(table: pd.DataFrame) -> list[Adjustment]:
    """Adjustments from a table with the file's columns (see :func:`read_adjustments`)."""
    table = table.rename(columns={c: str(c).strip().lower() for c in table.columns})
    missing = [c for c in FILE_COLUMNS if c not in table.columns]
    if missing:
        raise ValueError(f"the adjustments file needs the columns {', '.join(FILE_COLUMNS)} (and optionally note); "
                         f"it lacks {', '.join(missing)}.")
    if table.empty:
        raise ValueError("the adjustments file has no rows.")
    out = []
    for row, record in enumerate(table.fillna("").to_dict("records"), start=2):
        try:
            out.append(Adjustment((record["series"],), (record["period"],), Change.parse(record["change"]),
                                  record["reason"], str(record.get("note", "")).strip()))
        except ValueError as exc:
            raise ValueError(f"row {row} of the adjustments file: {exc}") from None
    return out
