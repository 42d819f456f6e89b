"""Simulated planners for forecast value added: sales with injected promotions, a planner who knows them,
a planner who adds noise (shared by the tests and ``benchmarks/bench_fva.py``)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from retail.analytics.aggregate import DATE, SERIES_ID
from retail.data import schema
from retail.forecast.metrics import MODEL
from retail.planning.overrides import Adjustment, Change

PROMOTER, GUESSER = "pat (knows the promotions)", "nick (adds noise)"


def inject_promotions(frame: pd.DataFrame, cells: pd.DataFrame, lift: float) -> pd.DataFrame:
    """``frame`` with the units (and sales value) of each (product, week) of ``cells`` multiplied by ``1 + lift``."""
    out = frame.copy()
    week = pd.to_datetime(out[schema.DATE]).dt.to_period("W-SUN").dt.start_time
    keys = pd.MultiIndex.from_arrays([out[schema.PRODUCT_ID].astype(str), week])
    promoted = keys.isin(pd.MultiIndex.from_arrays([cells[SERIES_ID].astype(str), pd.to_datetime(cells[DATE])]))
    for column in (schema.QUANTITY, schema.REVENUE):
        out.loc[promoted, column] = out.loc[promoted, column] * (1.0 + lift)
    return out


def promotion_cells(result, count: int, seed: int) -> pd.DataFrame:
    """``count`` random (series, week) cells of a run's forecast: where promotions will happen."""
    rows = result.forecasts[result.forecasts[MODEL] == result.best][[SERIES_ID, DATE]].drop_duplicates()
    return rows.sample(n=min(count, len(rows)), random_state=seed).reset_index(drop=True)


def promoter(cells: pd.DataFrame, lift: float) -> list[Adjustment]:
    """A planner who knows the promotions: +``lift`` on exactly those forecasts."""
    return [Adjustment((str(row[SERIES_ID]),), (f"{pd.Timestamp(row[DATE]):%Y-%m-%d}",),
                       Change.parse(f"+{lift * 100:.0f}%"), "promotion", "promotion calendar")
            for row in cells.to_dict("records")]


def guesser(result, count: int, spread: float, seed: int) -> list[Adjustment]:
    """A planner who changes ``count`` random forecasts by a random percentage (standard deviation ``spread``)."""
    rng = np.random.default_rng(seed)
    cells = promotion_cells(result, count, seed + 1000)
    return [Adjustment((str(row[SERIES_ID]),), (f"{pd.Timestamp(row[DATE]):%Y-%m-%d}",),
                       Change.parse(f"{max(rng.normal(0, spread * 100), -90):+.0f}%"), "judgement", "gut feeling")
            for row in cells.to_dict("records")]
