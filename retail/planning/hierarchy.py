"""The levels a dataset has, as one hierarchy whose levels add up.

The finest level the data has is the bottom (product x store, else product, else store); every
other level the data has is a sum of bottom series: the total, each store, each category and each
product. A product x store file therefore gives total, store, category (when products have one),
product and product x store; Walmart's store totals give total and store.

Only the ``top_n`` biggest products (stores, for store totals) are kept by name; the others are
added up into one "(other products)" series per store (per category and store when products have
categories), so the total is still the whole business and every level still adds up to it.

History is built once at the bottom (:func:`retail.analytics.aggregate.build_panel`) and added up
through the summing matrix, so every level's history adds up too; each level's panel has the
usual columns (``series_id``, ``date``, ``y``, ``absent`` and the extra numeric columns, averaged
over the bottom series below).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import sparse

from retail import frequency
from retail.analytics.aggregate import (
    ABSENT,
    DATE,
    LEVELS,
    SERIES_ID,
    TARGETS,
    PanelReport,
    Y,
    absence_mask,
    available_levels,
    build_panel,
)
from retail.data import schema
from retail.planning.reconcile import Summing

BOTTOM_CHOICES: tuple[str, ...] = ("product_store", "product", "store")  # the finest one present is the bottom
AGGREGATE_ORDER: tuple[str, ...] = ("total", "store", "category", "product")  # top to bottom
OTHER_PRODUCTS, OTHER_STORES = "(other products)", "(other stores)"
_LUMPED_COLUMNS = (schema.DATE, schema.PRODUCT_ID, schema.PRODUCT_NAME, schema.STORE_ID, schema.CATEGORY,
                   schema.QUANTITY, schema.REVENUE, schema.LINE_TYPE)


def frame_has(frame: pd.DataFrame) -> Callable[[str], bool]:
    """``has(field)``: the frame has a column for ``field`` with at least one value."""
    return lambda name: name in frame.columns and bool(frame[name].notna().any())


def hierarchy_levels(has: Callable[[str], bool]) -> tuple[str, ...]:
    """The levels of the hierarchy, top (the total) to bottom (the finest level the data has)."""
    available = available_levels(has)
    bottom = next((level for level in BOTTOM_CHOICES if level in available), None)
    if bottom is None:
        raise ValueError("forecasts that add up need products or stores: the data has neither, only the total.")
    keys = set(LEVELS[bottom].keys)
    wanted = {"total": True, "store": schema.STORE_ID in keys and bottom != "store",
              "category": schema.PRODUCT_ID in keys and "category" in available,
              "product": bottom == "product_store"}
    return (*(level for level in AGGREGATE_ORDER if wanted[level]), bottom)


@dataclass
class Hierarchy:
    """Every series of every level, its history, and how the levels add up.

    Attributes
    ----------
    levels : top to bottom; the last is the bottom level.
    nodes : one row per series (``level``, ``series_id``, ``name``) in the summing matrix's row order.
    summing : :class:`~retail.planning.reconcile.Summing` (series x bottom series).
    dates : every period of the history.
    history : (series x periods) actual sales, 0 before a series' first sale.
    panels : per level, its long panel (as :func:`~retail.analytics.aggregate.build_panel` makes them).
    lumped : products (or stores) added up into the "other" series.
    report : what building the bottom panel did (periods dropped, ...).
    """

    levels: tuple[str, ...]
    nodes: pd.DataFrame
    summing: Summing
    dates: pd.DatetimeIndex
    history: np.ndarray
    panels: dict[str, pd.DataFrame]
    lumped: int = 0
    report: PanelReport | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def bottom_level(self) -> str:
        return self.levels[-1]

    def rows(self, level: str) -> np.ndarray:
        """Positions of ``level``'s series among all series."""
        return np.flatnonzero(self.nodes["level"].to_numpy() == level)

    def position(self) -> pd.Series:
        """Row position by (level, series_id)."""
        return pd.Series(np.arange(len(self.nodes)), index=pd.MultiIndex.from_frame(self.nodes[["level", SERIES_ID]]))


def _lump(sales: pd.DataFrame, bottom: str, target: str, top_n: int | None, has_category: bool,
          rank_until: pd.Timestamp | None) -> tuple[pd.DataFrame, int]:
    """Rows of the products (stores) outside the ``top_n`` biggest (sales before ``rank_until``)
    relabelled as one "other" series."""
    key = schema.PRODUCT_ID if schema.PRODUCT_ID in LEVELS[bottom].keys else schema.STORE_ID
    ranked = sales if rank_until is None else sales[sales[schema.DATE] < rank_until]
    volume = ranked.groupby(key)[TARGETS[target].column].sum().sort_values(ascending=False, kind="stable")
    volume = volume.reindex(volume.index.union(sales[key].dropna().unique(), sort=False)).fillna(0.0)
    if top_n is None or len(volume) <= top_n:
        return sales, 0
    others = ~sales[key].isin(volume.index[:top_n])
    if key == schema.STORE_ID:
        label = pd.Series(OTHER_STORES, index=sales.index)
    elif has_category:
        label = "(other " + sales[schema.CATEGORY].fillna("(none)").astype(str) + " products)"
    else:
        label = pd.Series(OTHER_PRODUCTS, index=sales.index)
    lumped = sales.copy()
    lumped[key] = lumped[key].astype(object).where(~others, label)
    if key == schema.PRODUCT_ID and schema.PRODUCT_NAME in lumped:
        lumped[schema.PRODUCT_NAME] = lumped[schema.PRODUCT_NAME].astype(object).where(~others, label)
    return lumped, int(len(volume) - top_n)


def _parents(info: pd.DataFrame, level: str, categories: pd.Series | None) -> np.ndarray:
    """The id of each bottom series' parent at ``level``."""
    if level == "total":
        return np.full(len(info), "total", dtype=object)
    if level == "category":
        return info[schema.PRODUCT_ID].map(categories).fillna("(none)").astype(str).to_numpy(dtype=object)
    column = {"store": schema.STORE_ID, "product": schema.PRODUCT_ID}[level]
    return info[column].fillna("(none)").astype(str).to_numpy(dtype=object)


def _names(level: str, ids: np.ndarray, product_names: pd.Series | None) -> np.ndarray:
    if level == "total":
        return np.array([LEVELS["total"].label], dtype=object)
    if level == "product" and product_names is not None:
        return pd.Series(ids).map(product_names).fillna(pd.Series(ids)).astype(str).to_numpy(dtype=object)
    return ids


def _structure(info: pd.DataFrame, levels: tuple[str, ...], lumped: pd.DataFrame) -> tuple[pd.DataFrame, Summing]:
    """The nodes table (aggregates first) and the summing matrix, from the bottom series' keys."""
    first = lumped.dropna(subset=[schema.PRODUCT_ID]).groupby(schema.PRODUCT_ID, sort=False).first() \
        if schema.PRODUCT_ID in lumped and lumped[schema.PRODUCT_ID].notna().any() else None
    categories = first[schema.CATEGORY] if first is not None and "category" in levels else None
    product_names = first[schema.PRODUCT_NAME] if first is not None and schema.PRODUCT_NAME in first else None
    n_bottom = len(info)
    blocks, parts = [], []
    for level in levels[:-1]:
        codes, ids = pd.factorize(_parents(info, level, categories), sort=True)
        ids = np.asarray(ids, dtype=object)
        blocks.append(sparse.csr_matrix((np.ones(n_bottom), (codes, np.arange(n_bottom))), shape=(len(ids), n_bottom)))
        parts.append(pd.DataFrame({"level": level, SERIES_ID: ids, "name": _names(level, ids, product_names)}))
    blocks.append(sparse.identity(n_bottom, format="csr"))
    parts.append(pd.DataFrame({"level": levels[-1], SERIES_ID: info[SERIES_ID].astype(str).to_numpy(dtype=object),
                               "name": info["name"].astype(str).to_numpy(dtype=object)}))
    return pd.concat(parts, ignore_index=True), Summing(sparse.vstack(blocks, format="csr"))


def _wide(panel: pd.DataFrame, ids: np.ndarray, dates: pd.DatetimeIndex, column: str) -> np.ndarray:
    wide = panel.pivot(index=SERIES_ID, columns=DATE, values=column)
    return wide.reindex(index=ids, columns=dates).to_numpy(dtype=np.float64)


def _long(ids: np.ndarray, dates: pd.DatetimeIndex, values: np.ndarray, starts: np.ndarray) -> pd.DataFrame:
    """The long panel rows of a (series x periods) matrix, each series from its first period on."""
    series, periods = np.nonzero(np.arange(len(dates))[None, :] >= starts[:, None])
    return pd.DataFrame({SERIES_ID: ids[series], DATE: dates[periods], Y: values[series, periods]})


def _level_panels(hierarchy_nodes: pd.DataFrame, summing: Summing, bottom: pd.DataFrame, exog: list[str],
                  absence: int) -> tuple[pd.DatetimeIndex, np.ndarray, dict[str, pd.DataFrame]]:
    """History of every series (added up from the bottom) and each level's long panel."""
    dates = pd.DatetimeIndex(np.sort(bottom[DATE].unique()))
    bottom_ids = hierarchy_nodes[SERIES_ID].to_numpy()[summing.n_aggregates:]
    observed = _wide(bottom, bottom_ids, dates, Y)
    started = ~np.isnan(observed)
    history = summing.add_up(np.nan_to_num(observed))
    counts = summing.add_up(started.astype(np.float64))
    starts = np.where(counts.any(axis=1), (counts > 0).argmax(axis=1), len(dates))
    extra = {col: summing.add_up(np.nan_to_num(_wide(bottom, bottom_ids, dates, col))) / np.maximum(counts, 1)
             for col in exog}
    panels = {}
    for level in hierarchy_nodes["level"].unique():
        rows = np.flatnonzero(hierarchy_nodes["level"].to_numpy() == level)
        panel = _long(hierarchy_nodes[SERIES_ID].to_numpy()[rows], dates, history[rows], starts[rows])
        panel[ABSENT] = absence_mask(panel, absence) if absence > 0 else False
        for col, values in extra.items():
            panel[col] = _long(hierarchy_nodes[SERIES_ID].to_numpy()[rows], dates, values[rows], starts[rows])[Y].to_numpy()
        panels[level] = panel
    return dates, history, panels


def build_hierarchy(frame: pd.DataFrame, freq: str = "W", target: str = "units", top_n: int | None = None,
                    exog: list[str] | None = None, absence_periods: int | None = None,
                    rank_until: pd.Timestamp | None = None) -> Hierarchy:
    """The hierarchy of a canonical frame: its levels, their series, histories and summing matrix.

    Parameters
    ----------
    frame : canonical transactions (:mod:`retail.data.schema`).
    freq, target : as for :func:`retail.analytics.aggregate.build_panel`.
    top_n : keep the ``top_n`` biggest products (stores for store totals) by name; the rest become
        "other" series (``None`` keeps every one).
    exog : extra numeric columns to carry (default: none).
    absence_periods : zero runs at least this long followed by a sale are absences (default: the frequency's).
    rank_until : rank the products (stores) on the sales before this date (default: all).
    """
    has = frame_has(frame)
    levels = hierarchy_levels(has)
    columns = [c for c in (*_LUMPED_COLUMNS, *(exog or [])) if c in frame.columns]
    lumped, count = _lump(schema.sales_only(frame[columns]), levels[-1], target, top_n, "category" in levels,
                           rank_until)
    bottom, report = build_panel(lumped, levels[-1], freq, target, None, min_periods=1, absence_periods=0,
                                 exog=list(exog or []))
    nodes, summing = _structure(report.series_info, levels, lumped)
    absence = frequency.get(freq).absence if absence_periods is None else absence_periods
    dates, history, panels = _level_panels(nodes, summing, bottom, list(exog or []), absence)
    notes = [f"{count:,} smaller {'stores' if levels[-1] == 'store' else 'products'} are added up into "
             "\"other\" series, so every level still adds up to the whole business."] if count else []
    return Hierarchy(levels=levels, nodes=nodes, summing=summing, dates=dates, history=history, panels=panels,
                     lumped=count, report=report, notes=notes)
