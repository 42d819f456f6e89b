"""Aggregate canonical transactions to a long panel of regular time series.

``build_panel(frame, level, freq, target)`` returns ``(panel, report)``:

* ``panel``: one row per series and period with columns ``series_id``, ``date``, ``y``,
  ``absent`` (True inside a long run of zeros that ended with a sale again: the product or
  store was not there, so the period is *missing*, not zero demand) and one column per
  exogenous candidate. Periods between a series' first sale and the end of the data
  are zero-filled.
* ``report``: :class:`PanelReport` (series dropped by top-N, too short, affected by
  absences, incomplete last period dropped, a ``series_info`` table with names).

Periods: ``D`` calendar days; ``W`` Monday-Sunday weeks **labelled by their Monday**;
``M`` calendar months labelled by their first day. A trailing period the data does not
cover completely (a week whose Sunday is after the last date) is dropped and reported.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from retail import frequency
from retail.data import schema
from retail.formatting import count

logger = logging.getLogger(__name__)

SERIES_ID, DATE, Y, ABSENT = "series_id", "date", "y", "absent"


@dataclass(frozen=True)
class Level:
    """What one series is: all sales, a store, a product, a product in a store, a category."""

    name: str
    label: str
    keys: tuple[str, ...]
    plural: str = "series"


@dataclass(frozen=True)
class Target:
    """What is summed per series and period."""

    name: str
    label: str
    column: str
    unit: str


LEVELS: dict[str, Level] = {level.name: level for level in (
    Level("total", "all sales", (), "series"),
    Level("store", "store", (schema.STORE_ID,), "stores"),
    Level("product", "product", (schema.PRODUCT_ID,), "products"),
    Level("product_store", "product x store", (schema.PRODUCT_ID, schema.STORE_ID), "product-store pairs"),
    Level("category", "category", (schema.CATEGORY,), "categories"),
)}
TARGETS: dict[str, Target] = {target.name: target for target in (
    Target("units", "units sold", schema.QUANTITY, "units"),
    Target("revenue", "sales value", schema.REVENUE, "sales value"),
)}


def level_label(level: str, store: str = "store") -> str:
    """The level in words, its store key named as the dataset names it (``store`` is
    :func:`retail.data.schema.store_word`): "country", "product x country"..."""
    return LEVELS[level].label.replace("store", store)


def default_target(has: Callable[[str], bool]) -> tuple[str, str]:
    """The target to forecast when nobody chose one, and why, in one sentence.

    A store-level sales file has money but no quantity column: counting its rows (one per
    store-day) would forecast opening days, so its sales value is forecast instead.
    """
    if has(schema.QUANTITY):
        return "units", "units sold (the quantity column)"
    if has(schema.REVENUE) or has(schema.UNIT_PRICE):
        return "revenue", "sales value, because the data has sales amounts but no quantity column"
    return "units", "units, counting each row as one unit (the data has no quantity or sales column)"


def default_level(kind: str, levels: list[str]) -> str:
    """The level a forecast starts at: per store for store totals, per product when there are products."""
    for wanted in ("store",) if kind == "store_totals" else ("product", "store"):
        if wanted in levels:
            return wanted
    return levels[0]


def available_levels(has: Callable[[str], bool]) -> list[str]:
    """The levels whose key fields a dataset has (``has(field)`` says whether it has one)."""
    return [name for name, level in LEVELS.items() if all(has(key) for key in level.keys)]


@dataclass
class PanelReport:
    """What :func:`build_panel` did besides aggregating."""

    level: str
    freq: str
    target: str
    n_series: int = 0
    n_periods: int = 0
    dropped_top_n: int = 0
    too_short: list[str] = field(default_factory=list)
    absences: dict[str, int] = field(default_factory=dict)
    exogenous: list[str] = field(default_factory=list)
    incomplete_period_dropped: pd.Timestamp | None = None
    series_info: pd.DataFrame = field(default_factory=pd.DataFrame)

    def summary(self) -> str:
        """One plain-language sentence for the UI and the command line ("1 store", never "1 stores")."""
        period, level = frequency.get(self.freq).period, LEVELS[self.level]
        noun = "series" if self.level == "total" else level.label.replace("product x store", "product-store pair")

        def things(n: int, prefix: str = "") -> str:
            return count(n, prefix + noun, prefix + level.plural)

        parts = [f"{things(self.n_series)} x {count(self.n_periods, period)} of {TARGETS[self.target].label}"]
        if self.dropped_top_n:
            parts.append(f"{things(self.dropped_top_n, 'smaller ')} left out (only the biggest are forecast)")
        if self.too_short:
            parts.append(f"{things(len(self.too_short))} with too little history to forecast")
        if self.absences:
            parts.append(f"{things(len(self.absences))} had long breaks in sales, treated as missing "
                         "rather than zero demand")
        if self.incomplete_period_dropped is not None:
            parts.append(f"the last {period} ({self.incomplete_period_dropped:%d %b %Y}) is incomplete and left out")
        return "; ".join(parts) + "."


def exogenous_candidates(frame: pd.DataFrame) -> list[str]:
    """Extra (non-canonical) numeric or boolean columns, usable as exogenous features."""
    return [
        c
        for c in frame.columns
        if c not in schema.CANONICAL_COLUMNS
        and (pd.api.types.is_numeric_dtype(frame[c]) or pd.api.types.is_bool_dtype(frame[c]))
    ]


def _check_args(frame: pd.DataFrame, level: str, freq: str, target: str) -> None:
    if level not in LEVELS:
        raise ValueError(f"level must be one of {list(LEVELS)}, got {level!r}.")
    frequency.get(freq)
    if target not in TARGETS:
        raise ValueError(f"target must be one of {list(TARGETS)}, got {target!r}.")
    for key in LEVELS[level].keys:
        if key not in frame.columns or frame[key].isna().all():
            hint = (
                " (a store-level sales file has no products: use level='store')"
                if key == schema.PRODUCT_ID
                else ""
            )
            raise ValueError(f"level {level!r} needs column {key!r}, which is empty in this dataset{hint}.")
    if TARGETS[target].column not in frame.columns:
        raise ValueError(f"target {target!r} needs column {TARGETS[target].column!r}; choose the other target.")


def _series_ids(sales: pd.DataFrame, level: str) -> pd.Series:
    keys = LEVELS[level].keys
    if not keys:
        return pd.Series("total", index=sales.index, dtype=object)
    ids = sales[keys[0]].astype(str)
    for key in keys[1:]:
        ids = ids + " | " + sales[key].fillna("(none)").astype(str)
    return ids


def _aggregate(sales: pd.DataFrame, level: str, freq: str, value: str, exog: list[str]) -> pd.DataFrame:
    """Sum the target (and average exogenous columns) per series and period."""
    work = pd.DataFrame(
        {
            SERIES_ID: _series_ids(sales, level).to_numpy(),
            DATE: frequency.period_start(sales[schema.DATE], freq).to_numpy(),
            Y: sales[value].to_numpy(dtype=np.float64),
        }
    )
    for col in exog:
        work[col] = pd.to_numeric(sales[col], errors="coerce").to_numpy(dtype=np.float64)
    aggs = {Y: (Y, "sum")} | {col: (col, "mean") for col in exog}
    return work.groupby([SERIES_ID, DATE], sort=True).agg(**aggs).reset_index()


def _zero_fill(grouped: pd.DataFrame, freq: str, end: pd.Timestamp, exog: list[str]) -> pd.DataFrame:
    """Every period from each series' first sale to ``end``; gaps get y = 0, exogenous carried forward."""
    grid = pd.date_range(grouped[DATE].min(), end, freq=frequency.get(freq).offset)
    ids = np.sort(grouped[SERIES_ID].unique())
    first = grouped.groupby(SERIES_ID)[DATE].min().reindex(ids)
    n_dates = len(grid)
    start_pos = np.searchsorted(grid.to_numpy(), first.to_numpy())
    lengths = n_dates - start_pos
    series = np.repeat(ids, lengths)
    offsets = np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    dates = grid.to_numpy()[np.repeat(start_pos, lengths) + offsets]
    full = pd.DataFrame({SERIES_ID: series, DATE: dates})
    full = full.merge(grouped, on=[SERIES_ID, DATE], how="left")
    full[Y] = full[Y].fillna(0.0)
    if exog:
        full[exog] = full.groupby(SERIES_ID, sort=False)[exog].ffill().fillna(0.0)
    return full


def absence_mask(panel: pd.DataFrame, min_run: int) -> pd.Series:
    """True for periods inside a run of at least ``min_run`` zeros that is followed by a sale.

    A trailing run of zeros (no sale after it) is kept as zero demand: it may be a real
    decline and, inside a backtest, what comes after the cutoff must not be looked at.
    """
    if panel.empty:
        return pd.Series(False, index=panel.index)
    zero = panel[Y].to_numpy() == 0
    sid = panel[SERIES_ID].to_numpy()
    new_series = np.r_[True, sid[1:] != sid[:-1]]
    change = new_series | np.r_[True, zero[1:] != zero[:-1]]
    run_id = np.cumsum(change)
    run_len = np.bincount(run_id)[run_id]
    run_end = np.r_[np.flatnonzero(change[1:]), len(zero) - 1]  # last index of each run, by run order
    last_index = run_end[run_id - 1]
    followed_by_sale = np.zeros(len(zero), dtype=bool)
    has_next = last_index + 1 < len(zero)
    nxt = np.minimum(last_index + 1, len(zero) - 1)
    followed_by_sale[has_next] = ~new_series[nxt[has_next]]
    return pd.Series(zero & (run_len >= min_run) & followed_by_sale, index=panel.index)


def _series_info(sales: pd.DataFrame, level: str) -> pd.DataFrame:
    """One row per series: its keys, a display ``name`` (the product name at product levels) and
    ``unit_price``, the average price paid (sales value / units; NaN without sales values)."""
    ids = _series_ids(sales, level).to_numpy()
    if level == "total":
        info = pd.DataFrame({SERIES_ID: ["total"], "name": [LEVELS["total"].label]})
        return info.assign(unit_price=_unit_prices(sales, ids).reindex(info[SERIES_ID]).to_numpy())
    cols = [c for c in LEVELS[level].keys + (schema.PRODUCT_NAME,) if c in sales]
    if level not in ("product", "product_store"):
        cols = list(LEVELS[level].keys)
    info = sales[cols].assign(**{SERIES_ID: ids}).groupby(SERIES_ID, sort=True).first()
    series = pd.Series(info.index, index=info.index)
    info["name"] = info.get(schema.PRODUCT_NAME, series).fillna(series).astype(str)
    if level == "product_store":
        info["name"] = info["name"] + " | " + info[schema.STORE_ID].fillna("(none)").astype(str)
    info["unit_price"] = _unit_prices(sales, ids).reindex(info.index)
    return info.reset_index()


def _unit_prices(sales: pd.DataFrame, ids: np.ndarray) -> pd.Series:
    priced = pd.DataFrame({SERIES_ID: ids, "units": sales[schema.QUANTITY].to_numpy(dtype=np.float64),
                           "value": sales[schema.REVENUE].to_numpy(dtype=np.float64)})
    priced = priced[(priced["units"] > 0) & priced["value"].notna()]
    sums = priced.groupby(SERIES_ID).sum()
    return (sums["value"] / sums["units"]).rename("unit_price")


def _top_n(
    grouped: pd.DataFrame, top_n: int | None, rank_until: pd.Timestamp | None
) -> tuple[pd.DataFrame, int]:
    if top_n is None:
        return grouped, 0
    if top_n < 1:
        raise ValueError(f"top_n must be a positive number of series, got {top_n}.")
    ranked = grouped if rank_until is None else grouped[grouped[DATE] < rank_until]
    volume = ranked.groupby(SERIES_ID)[Y].sum().sort_values(ascending=False, kind="stable")
    keep = volume.index[:top_n]
    dropped = grouped[SERIES_ID].nunique() - len(keep)
    return grouped[grouped[SERIES_ID].isin(keep)], int(dropped)


def build_panel(
    frame: pd.DataFrame,
    level: str = "total",
    freq: str = "W",
    target: str = "units",
    top_n: int | None = None,
    *,
    min_periods: int = 1,
    absence_periods: int | None = None,
    exog: list[str] | None = None,
    rank_until: pd.Timestamp | None = None,
    complete_periods_only: bool = True,
) -> tuple[pd.DataFrame, PanelReport]:
    """Aggregate sale lines of a canonical frame into a zero-filled long panel.

    Parameters
    ----------
    frame : canonical transactions (see :mod:`retail.data.schema`); only ``line_type == 'sale'`` counts.
    level : 'total', 'store', 'product', 'product_store' or 'category'.
    freq : 'D', 'W' (Monday-Sunday, labelled by Monday) or 'M' (labelled by the 1st).
    target : 'units' (sum of quantity) or 'revenue' (sum of revenue).
    top_n : keep the ``top_n`` series with the largest total target (ranked before ``rank_until``).
    min_periods : series with fewer periods from first sale to the end are dropped (reported).
    absence_periods : zero runs at least this long followed by a sale are flagged ``absent``
        (default 56 days, 8 weeks, 3 months; 0 disables).
    exog : extra numeric columns to carry (mean per period); ``None`` = all candidates.
    complete_periods_only : drop a last period the data does not fully cover.

    Returns
    -------
    (panel, report) : the long panel and a :class:`PanelReport`.
    """
    _check_args(frame, level, freq, target)
    exog = _check_exog(frame, exog)
    report = PanelReport(level=level, freq=freq, target=target, exogenous=exog)
    sales = _sale_lines(frame, target)
    grouped = _aggregate(sales, level, freq, TARGETS[target].column, exog)
    grouped, end = _complete_periods(grouped, sales, freq, complete_periods_only, report)
    grouped, report.dropped_top_n = _top_n(grouped, top_n, rank_until)
    panel = _drop_short(_zero_fill(grouped, freq, end, exog), min_periods, report)
    run = frequency.get(freq).absence if absence_periods is None else absence_periods
    panel[ABSENT] = absence_mask(panel, run) if run > 0 else False
    report.absences = {k: int(v) for k, v in panel.loc[panel[ABSENT]].groupby(SERIES_ID).size().items()}
    ids = panel[SERIES_ID].unique()
    info = _series_info(sales, level)
    report.series_info = info[info[SERIES_ID].isin(ids)].reset_index(drop=True)
    report.n_series, report.n_periods = len(ids), panel[DATE].nunique()
    logger.info("panel: %s", report.summary())
    return panel[[SERIES_ID, DATE, Y, ABSENT, *exog]], report


def _check_exog(frame: pd.DataFrame, exog: list[str] | None) -> list[str]:
    exog = exogenous_candidates(frame) if exog is None else list(exog)
    unknown = [c for c in exog if c not in frame.columns]
    if unknown:
        raise ValueError(
            f"exogenous column(s) {unknown} are not in the dataset; available: {exogenous_candidates(frame)}."
        )
    return exog


def _sale_lines(frame: pd.DataFrame, target: str) -> pd.DataFrame:
    sales = schema.sales_only(frame)
    sales = sales[sales[TARGETS[target].column].notna() & sales[schema.DATE].notna()]
    if sales.empty:
        raise ValueError(f"no sale lines with a {target} value: check the column mapping and line types.")
    return sales


def _complete_periods(grouped: pd.DataFrame, sales: pd.DataFrame, freq: str, complete_only: bool,
                      report: PanelReport) -> tuple[pd.DataFrame, pd.Timestamp]:
    """Drop a last period the data does not fully cover; returns the rows and the last period kept."""
    period = frequency.get(freq)
    end = grouped[DATE].max()
    if complete_only and freq != "D" and frequency.covered_days(sales[schema.DATE])[1] < period.period_end(end):
        report.incomplete_period_dropped = end
        end = end - period.offset
        grouped = grouped[grouped[DATE] <= end]
    if grouped.empty:
        raise ValueError(f"the data covers less than one complete {period.period}: choose a shorter "
                         "frequency or add more history.")
    return grouped, end


def _drop_short(panel: pd.DataFrame, min_periods: int, report: PanelReport) -> pd.DataFrame:
    lengths = panel.groupby(SERIES_ID).size()
    report.too_short = sorted(lengths.index[lengths < min_periods])
    if report.too_short:
        panel = panel[~panel[SERIES_ID].isin(report.too_short)].reset_index(drop=True)
    return panel
