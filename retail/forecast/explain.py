"""A forecast run in a merchandiser's words: one headline, readable feature names, and the
outlook per product (the total of the next periods with an honest range and its value).

The range of a *total* is not the sum of the per-period ranges (misses partly cancel out).
It is built like the per-period ranges, from the backtest: for each window and series the
miss of the total over the horizon, scaled by the series' recent level, pooled per model;
its quantiles give the range of a future total.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from retail import frequency
from retail.analytics.aggregate import SERIES_ID, Y
from retail.forecast.backtest import series_scales
from retail.forecast.combination import MEMBER_WEIGHT
from retail.forecast.intervals import PEAK_CAP
from retail.forecast.metrics import MODEL, VS_BASELINE, WINDOW, YHAT
from retail.forecast.registry import BASELINE, FORECASTERS
from retail.forecast.result import STATISTICAL, ForecastResult
from retail.formatting import count, whole

OUTLOOK_COLUMNS = [SERIES_ID, "name", "forecast", "low", "high", "unit_price", "value"]


def headline(result: ForecastResult) -> str:
    """One sentence: which model won, how far off it was, against the baseline, and its lean."""
    best = result.best_row()
    label = FORECASTERS.label(result.best)
    text = (f"{label[:1].upper()}{label[1:]} was best: in the backtest its forecasts were off by "
            f"{best['wape']:.0%} of actual demand")
    baseline = FORECASTERS.first_tagged(BASELINE)
    gain = best.get(VS_BASELINE, np.nan)
    if result.best != baseline and pd.notna(gain):
        text += f", {abs(gain):.0%} {'less' if gain < 0 else 'more'} than {FORECASTERS.label(baseline)}"
    if pd.notna(best.get("bias")) and abs(best["bias"]) >= 0.1:
        text += f"; it tends to forecast {abs(best['bias']):.0%} too {'high' if best['bias'] > 0 else 'low'}"
    return text + "."


_FEATURES: list[tuple[str, str]] = [
    (r"lag_(\d+)", "sales {0} {period}s before"),
    (r"mean_(\d+)", "average of the previous {0} {period}s"),
    (r"std_(\d+)", "ups and downs over the previous {0} {period}s"),
    (r"seasonal_mean_(\d+)", "average of the same {period} in earlier seasons ({0} {period}s apart)"),
    (r"age", "{period}s since the first sale"),
    (r"dayofweek", "day of the week"),
    (r"weekofyear", "week of the year"),
    (r"month", "month of the year"),
    (r"series_mean", "the series' average sales"),
    (r"series_std", "how much the series varies"),
    (r"series_zero_share", "share of {period}s without sales"),
    (r"(.+)_lag_1", "{0} the {period} before"),
]


def feature_label(name: str, freq: str) -> str:
    """``lag_7`` -> ``sales 7 days before``; an extra column (a promo calendar) keeps its name."""
    period = frequency.get(freq).period
    if name.startswith(MEMBER_WEIGHT):
        return f"weight of {FORECASTERS.label(name.removeprefix(MEMBER_WEIGHT))}"
    for pattern, words in _FEATURES:
        match = re.fullmatch(pattern, name)
        if match:
            text = words.format(*match.groups(), period=period)
            return re.sub(rf"\b1 {period}s\b", f"1 {period}", text)  # "sales 1 week before"
    return f"{name} (known in advance)"


def _total_quantiles(backtest: pd.DataFrame, model: str, coverage: float) -> tuple[float, float]:
    """Quantiles of (actual total - forecast total) / (level x periods) over windows and series."""
    rows = backtest[(backtest[MODEL] == model) & (backtest["level"] > 0)]
    totals = rows.groupby([WINDOW, SERIES_ID]).agg(y=(Y, "sum"), yhat=(YHAT, "sum"), level=("level", "first"),
                                                   periods=(Y, "size"))
    if totals.empty:
        return 0.0, 0.0
    residual = (totals["y"] - totals["yhat"]) / (totals["level"] * totals["periods"])
    low, high = np.quantile(residual, [(1 - coverage) / 2, (1 + coverage) / 2])
    return float(low), float(high)


def outlook(result: ForecastResult, model: str | None = None, coverage: float = 0.8) -> pd.DataFrame:
    """Per series, biggest first: the forecast total over the horizon, its ``coverage`` range and value.

    ``value`` is the total in money: the total itself for a sales-value forecast, else units x
    the series' average price (NaN without prices).
    """
    model = model or result.best
    future = result.forecasts[result.forecasts[MODEL] == model]
    totals = future.groupby(SERIES_ID).agg(forecast=(YHAT, "sum"), periods=(YHAT, "size"))
    adjusted = result.is_adjusted and model == result.best
    if adjusted:  # planners changed it: the statistical total stays beside the adjusted one
        totals["statistical"] = future.groupby(SERIES_ID)[STATISTICAL].sum()
    low, high = _total_quantiles(result.backtest, model, coverage)
    level = series_scales(result.history, result.settings.freq, result.settings.horizon).set_index(SERIES_ID)["level"]
    spread = level.reindex(totals.index).fillna(0.0) * totals["periods"]
    table = totals.assign(low=(totals["forecast"] + low * spread).clip(lower=0.0),
                          high=(totals["forecast"] + high * spread).clip(lower=0.0))
    table["low"], table["high"] = np.minimum(table["low"], table["forecast"]), np.maximum(table["high"],
                                                                                           table["forecast"])
    info = result.series_info.set_index(SERIES_ID)
    table["name"] = info["name"].reindex(table.index)
    table["unit_price"] = info["unit_price"].reindex(table.index) if "unit_price" in info else np.nan
    in_money = result.settings.target == "revenue"
    table["value"] = table["forecast"] if in_money else table["forecast"] * table["unit_price"]
    columns = [*OUTLOOK_COLUMNS[:3], "statistical", *OUTLOOK_COLUMNS[3:]] if adjusted else OUTLOOK_COLUMNS
    return table.reset_index().sort_values("forecast", ascending=False, kind="stable")[columns]


def names_differ(table: pd.DataFrame) -> bool:
    """Whether a table's ``name`` column says more than its ``series_id`` (a store's name is its number)."""
    return "name" in table and bool((table["name"].astype(str) != table[SERIES_ID].astype(str)).any())


def outlook_columns(result: ForecastResult, table: pd.DataFrame) -> list[str]:
    """The outlook's columns that say something for this run: the name only when it is not the id (a store's
    name is its number), the average price and value only for a forecast in units with prices (a forecast
    in sales value is its own value, and a store's "average price" is a day's takings)."""
    columns = [SERIES_ID, *(["name"] if names_differ(table) else [])]
    columns += ["forecast", *(["statistical"] if "statistical" in table else []), "low", "high"]
    if result.settings.target == "units" and table["unit_price"].notna().any():
        columns += ["unit_price", "value"]
    return columns


WIDE = 3.0  # a 95% range reaching beyond this many times the forecast gets a note saying why


def wide_range_note(result: ForecastResult, model: str | None = None) -> str:
    """One sentence when some series' 95% ranges reach far above their forecast, and why (their own
    history holds such weeks); empty when every range is within :data:`WIDE` times its forecast."""
    model = model or result.best
    future = result.forecasts[result.forecasts[MODEL] == model]
    if "hi_95" not in future or future.empty:
        return ""
    reach = future.groupby(SERIES_ID).agg(high=("hi_95", "max"), forecast=(YHAT, "mean"))
    wide = reach[reach["high"] > WIDE * reach["forecast"].clip(lower=1e-9)]
    if wide.empty:
        return ""
    history = result.history[result.history[SERIES_ID].isin(wide.index)].groupby(SERIES_ID)[Y]
    peaks, usual = history.max(), history.median()
    example = (peaks / usual.clip(lower=1.0)).idxmax()
    period = frequency.get(result.settings.freq).period
    names = result.series_info.set_index(SERIES_ID)["name"]
    return (f"The 95% range of {count(len(wide), 'series')} reaches more than {WIDE:.0f} times the forecast: "
            f"their sales jump, e.g. {names.get(example, example)} once sold {whole(peaks[example])} in a "
            f"{period} against a usual {whole(usual[example])}. Ranges stop at {PEAK_CAP:g} times a series' "
            f"highest {period} so far.")


def series_by_volume(result: ForecastResult) -> list[str]:
    """Series ids, the biggest seller (total history) first: the default series to show."""
    volume = result.history.groupby(SERIES_ID)[Y].sum().sort_values(ascending=False, kind="stable")
    return list(volume.index)


def series_label(name: str, series_id: str, level: str, store: str = "store") -> str:
    """A series as a page names it: its name, with its code when the two differ; a store known only by a
    number as "Store 20" (``store``: the dataset's word for a store)."""
    name, series_id = str(name), str(series_id)
    if level == "store" and name == series_id and series_id.isdigit():
        return f"{store.capitalize()} {series_id}"
    return name if name == series_id else f"{name} ({series_id})"
