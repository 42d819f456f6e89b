"""Accuracy metrics, pooled and per series, and the leaderboard.

* WAPE = sum|y - yhat| / sum|y| (pooled over series and periods).
* MASE = mean|y - yhat| / scale per series, averaged over series; the scale is the
  series' in-sample seasonal-naive MAE on its training history (season 7 for days,
  52 weeks / 12 months with two seasons of history, else lag 1). Series with a zero
  scale are left out of the average.
* RMSE = sqrt(mean (y - yhat)^2).
* bias = sum(yhat - y) / sum|y|: positive means over-forecast (0.1 = 10 % too high).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from retail.analytics.aggregate import SERIES_ID
from retail.forecast.registry import BASELINE, FORECASTERS

MODEL, WINDOW, STEP, ACTUAL, YHAT = "model", "window", "step", "y", "yhat"
METRICS: tuple[str, ...] = ("wape", "mase", "rmse", "bias")
VS_BASELINE = "wape_vs_baseline"


def wape(y: np.ndarray, yhat: np.ndarray) -> float:
    """Weighted absolute percentage error, pooled: sum|y - yhat| / sum|y| (NaN when sum|y| is 0)."""
    y, yhat = np.asarray(y, dtype=float), np.asarray(yhat, dtype=float)
    denom = np.abs(y).sum()
    return float(np.abs(y - yhat).sum() / denom) if denom > 0 else float("nan")


def rmse(y: np.ndarray, yhat: np.ndarray) -> float:
    """Root mean squared error."""
    y, yhat = np.asarray(y, dtype=float), np.asarray(yhat, dtype=float)
    return float(np.sqrt(np.mean((y - yhat) ** 2))) if len(y) else float("nan")


def bias(y: np.ndarray, yhat: np.ndarray) -> float:
    """Relative bias sum(yhat - y) / sum|y|; positive = over-forecast."""
    y, yhat = np.asarray(y, dtype=float), np.asarray(yhat, dtype=float)
    denom = np.abs(y).sum()
    return float((yhat - y).sum() / denom) if denom > 0 else float("nan")


def mase_scale(history: np.ndarray, season: int) -> np.ndarray:
    """In-sample seasonal-naive MAE of each row of ``history`` (NaN = unobserved, skipped)."""
    history = np.asarray(history, dtype=float)
    if history.shape[1] <= season:
        return np.full(history.shape[0], np.nan)
    diff = np.abs(history[:, season:] - history[:, :-season])
    counts = (~np.isnan(diff)).sum(axis=1)
    return np.where(counts > 0, np.nansum(diff, axis=1) / np.maximum(counts, 1), np.nan)


def per_series(backtest: pd.DataFrame) -> pd.DataFrame:
    """Metrics per model and series from a backtest frame (model, series_id, y, yhat, scale)."""
    frame = backtest.assign(
        _abs=(backtest[ACTUAL] - backtest[YHAT]).abs(),
        _sq=(backtest[ACTUAL] - backtest[YHAT]) ** 2,
        _err=backtest[YHAT] - backtest[ACTUAL],
        _y=backtest[ACTUAL].abs(),
    )
    grouped = frame.groupby([MODEL, SERIES_ID], sort=True)
    out = grouped.agg(
        abs_err=("_abs", "sum"),
        sq=("_sq", "mean"),
        err=("_err", "sum"),
        actual=("_y", "sum"),
        mae=("_abs", "mean"),
        scale=("scale", "mean"),
        n=("_abs", "size"),
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        result = pd.DataFrame(
            {
                "wape": np.where(out["actual"] > 0, out["abs_err"] / out["actual"], np.nan),
                "mase": np.where(out["scale"] > 0, out["mae"] / out["scale"], np.nan),
                "rmse": np.sqrt(out["sq"]),
                "bias": np.where(out["actual"] > 0, out["err"] / out["actual"], np.nan),
                "actual": out["actual"],
                "n": out["n"],
            },
            index=out.index,
        )
    return result.reset_index()


def pooled(backtest: pd.DataFrame, seconds: dict[str, float] | None = None) -> pd.DataFrame:
    """One row per model: pooled WAPE, RMSE, bias; MASE averaged over series; seconds."""
    series = per_series(backtest)
    rows = []
    for model, group in backtest.groupby(MODEL, sort=False):
        y, yhat = group[ACTUAL].to_numpy(), group[YHAT].to_numpy()
        mase = series.loc[series[MODEL] == model, "mase"]
        rows.append(
            {
                MODEL: model,
                "wape": wape(y, yhat),
                "mase": float(mase.mean()) if mase.notna().any() else float("nan"),
                "rmse": rmse(y, yhat),
                "bias": bias(y, yhat),
                "seconds": float((seconds or {}).get(model, float("nan"))),
            }
        )
    return pd.DataFrame(rows)


def leaderboard(metrics: pd.DataFrame, baseline: str | None = None) -> pd.DataFrame:
    """Models sorted by pooled WAPE (best first), with ``wape_vs_baseline``, the relative WAPE
    change against ``baseline`` (default: the registry's baseline model) when it is present."""
    baseline = baseline or FORECASTERS.first_tagged(BASELINE)
    board = metrics.sort_values("wape", kind="stable").reset_index(drop=True)
    board.insert(0, "rank", np.arange(1, len(board) + 1))
    base = board.loc[board[MODEL] == baseline, "wape"]
    if len(base) and base.iloc[0] > 0:
        board[VS_BASELINE] = board["wape"] / base.iloc[0] - 1.0
    return board


def best_model(board: pd.DataFrame) -> str:
    """Name of the model with the lowest pooled WAPE."""
    valid = board.dropna(subset=["wape"])
    if valid.empty:
        raise ValueError("no model has a finite WAPE (the backtest actuals are all zero); use more windows.")
    return str(valid.sort_values("wape", kind="stable").iloc[0][MODEL])
