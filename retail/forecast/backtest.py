"""Rolling-origin backtest of a mapping name -> model.

Window ``k`` trains on periods up to its cutoff and forecasts the next ``horizon``;
cutoffs are ``step`` periods apart and the last window ends at the last period. The
training slice is cut *before* anything is computed from it (absences are re-flagged
on the slice), so no value after a cutoff reaches its forecasts.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.base import clone

from retail import frequency
from retail.analytics.aggregate import ABSENT, DATE, SERIES_ID, Y, absence_mask
from retail.forecast.combination import Blend
from retail.forecast.metrics import MODEL, STEP, WINDOW, YHAT, mase_scale
from retail.forecast.models import ForecastModel
from retail.forecast.registry import FORECASTERS
from retail.progress import Progress

logger = logging.getLogger(__name__)

CUTOFF = "cutoff"


@dataclass
class BacktestResult:
    """Backtest forecasts and timings.

    ``forecasts`` columns: model, window, cutoff, series_id, date, step, y, yhat, scale, level, peak.
    """

    forecasts: pd.DataFrame
    seconds: dict[str, float]
    cutoffs: list[pd.Timestamp]
    skipped_series: dict[str, int] = field(default_factory=dict)


def cutoffs_for(dates: pd.DatetimeIndex, horizon: int, windows: int, step: int) -> list[pd.Timestamp]:
    """Last training period of each window, oldest first."""
    last = len(dates) - 1 - horizon
    positions = [last - (windows - 1 - k) * step for k in range(windows)]
    if positions[0] < 1:
        raise ValueError(
            f"{windows} backtest windows of {horizon} periods (step {step}) need more than "
            f"{len(dates)} periods of data; use fewer windows or a shorter horizon."
        )
    return [dates[p] for p in positions]


def _train_slice(
    panel: pd.DataFrame, cutoff: pd.Timestamp, min_train: int, absence_periods: int
) -> tuple[pd.DataFrame, int]:
    train = panel[panel[DATE] <= cutoff]
    sizes = train.groupby(SERIES_ID, sort=False).size()
    short = sizes.index[sizes < min_train]
    if len(short):
        train = train[~train[SERIES_ID].isin(short)]
    train = train.reset_index(drop=True)
    if ABSENT in train.columns:
        train[ABSENT] = absence_mask(train, absence_periods) if absence_periods > 0 else False
    return train, len(short)


def series_scales(train: pd.DataFrame, freq: str, horizon: int) -> pd.DataFrame:
    """Per series: MASE scale, recent level (for interval scaling) and peak (the highest period, which
    caps the ranges), from the training slice only."""
    observed = ~train[ABSENT].astype(bool) if ABSENT in train.columns else True
    wide = train.assign(**{Y: train[Y].where(observed)}).pivot(index=SERIES_ID, columns=DATE, values=Y)
    period = frequency.get(freq)
    season = period.usable_season(wide.shape[1])
    recent = wide.to_numpy()[:, -max(period.recent, horizon) :]
    counts = (~np.isnan(recent)).sum(axis=1)
    level = np.where(counts > 0, np.nansum(recent, axis=1) / np.maximum(counts, 1), np.nan)
    return pd.DataFrame({SERIES_ID: wide.index, "scale": mase_scale(wide.to_numpy(), season), "level": level,
                         "peak": wide.max(axis=1).to_numpy()})


def split_blends(models: Mapping[str, ForecastModel | Blend]) -> tuple[dict, dict[str, tuple[Blend, tuple[str, ...]]]]:
    """The models fitted on sales, and each blend with its members in the run (checked: at least two)."""
    blends = {name: model for name, model in models.items() if isinstance(model, Blend)}
    fitted = {name: model for name, model in models.items() if name not in blends}
    return fitted, {name: (blend, blend.members_in(list(fitted))) for name, blend in blends.items()}


def _with_blends(current: dict[str, pd.DataFrame], blends: dict[str, tuple[Blend, tuple[str, ...]]],
                 earlier: list[pd.DataFrame], cutoff: pd.Timestamp) -> list[pd.DataFrame]:
    """One window's forecasts and its blends', each blend weighted by the ``earlier`` windows' periods
    up to ``cutoff`` (windows closer than a horizon apart overlap the present)."""
    past = pd.concat(earlier, ignore_index=True) if earlier and blends else None
    past = past[past[DATE] <= cutoff] if past is not None else None
    combined = [blend.combine(current, blend.weights(past, members), [SERIES_ID, DATE]).assign(**{MODEL: name})
                for name, (blend, members) in blends.items()]
    return list(current.values()) + combined


def backtest(
    panel: pd.DataFrame,
    models: Mapping[str, ForecastModel | Blend],
    horizon: int,
    windows: int = 3,
    step: int | None = None,
    *,
    min_train: int | None = None,
    absence_periods: int | None = None,
    progress: Progress | None = None,
) -> BacktestResult:
    """Rolling-origin backtest; every model is cloned and refitted on each window.

    Parameters
    ----------
    panel : long panel from :func:`retail.analytics.aggregate.build_panel`.
    models : mapping name -> unfitted model (see :mod:`retail.forecast.models`) or blend of other
        models of the mapping (:class:`~retail.forecast.combination.Blend`: its window ``k`` is
        weighted by windows ``0..k-1``).
    horizon, windows, step : ``windows`` forecasts of ``horizon`` periods, cutoffs ``step`` apart.
    min_train : series with fewer training periods before a cutoff sit that window out.
    progress : ``progress(fraction, message)`` after each model fit.
    """
    if not models:
        raise ValueError("no models to backtest: pass a mapping such as {'snaive': SeasonalNaive()}.")
    fitted, blends = split_blends(models)
    freq = frequency.infer(panel[DATE].to_numpy())
    dates = pd.DatetimeIndex(np.sort(panel[DATE].unique()))
    cuts = cutoffs_for(dates, horizon, windows, step or horizon)
    absence = frequency.get(freq).absence if absence_periods is None else absence_periods
    seconds = dict.fromkeys(models, 0.0)
    parts, skipped = [], {}
    for window, cutoff in enumerate(cuts):
        train, skipped[str(cutoff.date())] = _train_slice(panel, cutoff, min_train or max(horizon, 2), absence)
        end = dates[dates.get_loc(cutoff) + horizon]
        test = panel[(panel[DATE] > cutoff) & (panel[DATE] <= end) & panel[SERIES_ID].isin(train[SERIES_ID])]
        truth = test[[SERIES_ID, DATE, Y]].merge(series_scales(train, freq, horizon), on=SERIES_ID, how="left")
        current = {}
        for name, model in fitted.items():
            started = time.perf_counter()
            forecast = clone(model).fit(train).predict(horizon, future=test.drop(columns=[Y]))
            seconds[name] += time.perf_counter() - started
            forecast[MODEL], forecast[WINDOW], forecast[CUTOFF] = name, window, cutoff
            current[name] = forecast.merge(truth, on=[SERIES_ID, DATE], how="inner")
            if progress is not None:
                progress((window * len(fitted) + len(current)) / (len(cuts) * len(fitted)),
                         f"testing on past data, window {window + 1} of {len(cuts)}: {FORECASTERS.label(name)}")
        parts += _with_blends(current, blends, parts, cutoff)
    for name, (_blend, members) in blends.items():
        seconds[name] = sum(seconds[member] for member in members)  # a blend costs its members' fits
    frame = pd.concat(parts, ignore_index=True)
    frame[STEP] = dates.get_indexer(pd.DatetimeIndex(frame[DATE])) - dates.get_indexer(
        pd.DatetimeIndex(frame[CUTOFF])
    )
    columns = [MODEL, WINDOW, CUTOFF, SERIES_ID, DATE, STEP, Y, YHAT, "scale", "level", "peak"]
    logger.info("backtest: %d windows x %d models, %.1f s", len(cuts), len(models), sum(seconds.values()))
    return BacktestResult(frame[columns], seconds, cuts, skipped)
