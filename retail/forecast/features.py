"""Panel <-> matrix conversion and leakage-free features for all series at once.

A panel is turned into a matrix ``Y`` (series x periods) with NaN before a series' first
sale and in periods flagged ``absent``. Features for a set of (series, period) pairs are
computed by fancy indexing and cumulative sums, so the feature of period ``t`` only reads
columns ``< t`` (lags, rolling statistics) or exogenous values known at ``t``.
The same function serves training (many pairs) and recursive prediction (one new period).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from retail import frequency
from retail.analytics.aggregate import ABSENT, DATE, SERIES_ID, Y

LAGS: dict[str, tuple[int, ...]] = {
    # Weekly-seasonal lags only: short lags (1..6) compound errors in recursive 28-day
    # forecasts (Online Retail: +39% over-forecast), chosen by backtests before the test window.
    "D": (7, 14, 21, 28),
    "W": (1, 2, 3, 4, 8, 13),
    "M": (1, 2, 3, 6),
}
# The weekly year-long mean steadies LightGBM (Online Retail's products, Walmart's and a synthetic chain's
# stores: weekly WAPE 1-4% lower on pre-test windows, benchmarks/bench_forecast_defaults.py); the daily
# 112-day mean made no difference.
WINDOWS: dict[str, tuple[int, ...]] = {"D": (7, 14, 28, 56), "W": (4, 8, 13, 26, 52), "M": (3, 6)}


@dataclass
class PanelMatrix:
    """A panel as arrays: ``Y[i, t]`` is series ``ids[i]`` at ``dates[t]`` (NaN: not observed)."""

    ids: np.ndarray
    dates: pd.DatetimeIndex
    Y: np.ndarray
    first: np.ndarray
    freq: str
    exog: dict[str, np.ndarray] = field(default_factory=dict)

    def future_dates(self, horizon: int) -> pd.DatetimeIndex:
        step = frequency.get(self.freq).offset
        return pd.date_range(self.dates[-1] + step, periods=horizon, freq=step)


def to_matrix(panel: pd.DataFrame, exog: tuple[str, ...] | list[str] = ()) -> PanelMatrix:
    """Pivot a long panel into a :class:`PanelMatrix` (absent periods become NaN)."""
    missing = [c for c in (SERIES_ID, DATE, Y) if c not in panel.columns]
    if missing:
        raise ValueError(f"the panel lacks column(s) {missing}; build it with retail.analytics.aggregate.build_panel.")
    if panel.empty:
        raise ValueError("the panel is empty: no series to forecast.")
    freq = frequency.infer(panel[DATE].to_numpy())
    codes, ids = pd.factorize(panel[SERIES_ID], sort=True)
    dates = pd.date_range(panel[DATE].min(), panel[DATE].max(), freq=frequency.get(freq).offset)
    pos = dates.get_indexer(pd.DatetimeIndex(panel[DATE]))
    if (pos < 0).any():
        raise ValueError("panel dates are not on a regular grid; build it with retail.analytics.aggregate.build_panel.")
    values = panel[Y].to_numpy(dtype=np.float64).copy()
    if ABSENT in panel.columns:
        values[panel[ABSENT].to_numpy(dtype=bool)] = np.nan
    matrix = np.full((len(ids), len(dates)), np.nan)
    matrix[codes, pos] = values
    seen = ~np.isnan(matrix)
    first = np.where(seen.any(axis=1), seen.argmax(axis=1), len(dates))
    ex = {}
    for col in exog:
        if col not in panel.columns:
            raise ValueError(
                f"exogenous column {col!r} is not in the panel; available: "
                f"{[c for c in panel.columns if c not in (SERIES_ID, DATE, Y, ABSENT)]}."
            )
        arr = np.full((len(ids), len(dates)), np.nan)
        arr[codes, pos] = panel[col].to_numpy(dtype=np.float64)
        ex[col] = arr
    return PanelMatrix(np.asarray(ids, dtype=object), dates, matrix, first, freq, ex)


@dataclass(frozen=True)
class FeatureSpec:
    """Which features to build; :func:`default_spec` picks them from frequency and history length."""

    lags: tuple[int, ...]
    windows: tuple[int, ...]
    calendar: tuple[str, ...]
    season: int
    known: tuple[str, ...] = ()
    past: tuple[str, ...] = ()

    @property
    def lookback(self) -> int:
        return max((*self.lags, *self.windows, 4 * self.season))

    def names(self) -> list[str]:
        names = [f"lag_{k}" for k in self.lags] + [f"mean_{w}" for w in self.windows]
        names += [f"std_{max(self.windows)}", f"seasonal_mean_{self.season}", "age"]
        names += list(self.calendar) + ["series_mean", "series_std", "series_zero_share"]
        names += [f"{c}" for c in self.known] + [f"{c}_lag_1" for c in self.past]
        return names


def default_spec(
    freq: str, n_periods: int, known: tuple[str, ...] = (), past: tuple[str, ...] = ()
) -> FeatureSpec:
    """Features suited to the history: yearly calendar features only with two years or more.

    (On less than two years a month feature stands in for the sales level and over-forecasts.)
    """
    period = frequency.get(freq)
    two_years = n_periods >= 2 * period.year
    calendar: tuple[str, ...] = {"D": ("dayofweek",), "W": (), "M": ()}[freq]
    if two_years:
        calendar += {"D": ("month", "weekofyear"), "W": ("weekofyear",), "M": ("month",)}[freq]
    season = period.season if two_years else period.short_season
    lags = LAGS[freq] + ((period.year,) if two_years else ())
    return FeatureSpec(lags, WINDOWS[freq], calendar, season, tuple(known), tuple(past))


def _whole_numbers(name: str, values: tuple[int, ...] | None, allow_empty: bool) -> tuple[int, ...] | None:
    if values is None:
        return None
    values = tuple(values)
    if not all(isinstance(v, int | np.integer) and v >= 1 for v in values) or not (values or allow_empty):
        raise ValueError(f"{name} must be whole numbers of periods >= 1 (or None: chosen from the frequency), "
                         f"got {values!r}.")
    return tuple(int(v) for v in values)


@dataclass(frozen=True)
class GlobalFeatures:
    """What a global forecaster (LightGBM, ridge regression, the network) learns from: one frozen value,
    equal and hashable by its fields, passed whole as the models' ``features`` setting.

    Parameters
    ----------
    future_known
        Exogenous columns read at the forecast period: their future values must be known (a promo
        calendar). A run passes its settings' ``future_known``.
    use_exog
        Whether the panel's other exogenous columns are used (through their value one period earlier).
    max_rows
        Training rows at most; above it a random sample, drawn with the model's ``random_state``.
    lags, windows
        Lags and rolling-window lengths in periods; ``None``: chosen from the frequency (:data:`LAGS`,
        :data:`WINDOWS`).
    exclude
        Feature names left out (:meth:`FeatureSpec.names`).
    """

    future_known: tuple[str, ...] = ()
    use_exog: bool = True
    max_rows: int = 2_000_000
    lags: tuple[int, ...] | None = None
    windows: tuple[int, ...] | None = None
    exclude: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "future_known", tuple(self.future_known))
        object.__setattr__(self, "exclude", tuple(self.exclude))
        object.__setattr__(self, "lags", _whole_numbers("lags", self.lags, allow_empty=True))
        object.__setattr__(self, "windows", _whole_numbers("windows", self.windows, allow_empty=False))
        if not isinstance(self.max_rows, int | np.integer) or self.max_rows < 1:
            raise ValueError(f"max_rows must be a whole number >= 1, got {self.max_rows!r}.")
        object.__setattr__(self, "max_rows", int(self.max_rows))

    def past_columns(self, extra: list[str]) -> tuple[str, ...]:
        """The exogenous columns used through their past value, of the panel's ``extra`` columns."""
        missing = [c for c in self.future_known if c not in extra]
        if missing:
            raise ValueError(
                f"future_known column(s) {missing} are not in the panel; exogenous columns are "
                f"{extra}. Keep them when building the panel (build_panel(exog=...))."
            )
        return tuple(c for c in extra if c not in self.future_known) if self.use_exog else ()

    def spec(self, freq: str, n_periods: int, past: tuple[str, ...]) -> FeatureSpec:
        """The features to build: :func:`default_spec`'s, with these lags and windows where given."""
        spec = default_spec(freq, n_periods, self.future_known, past)
        if self.lags is not None:
            spec = replace(spec, lags=self.lags)
        if self.windows is not None:
            spec = replace(spec, windows=self.windows)
        return spec


def series_stats(Y: np.ndarray) -> np.ndarray:
    """Per-series level statistics of the training history: mean, std, share of zeros."""
    with np.errstate(invalid="ignore", divide="ignore"):
        observed = (~np.isnan(Y)).sum(axis=1)
        total = np.nansum(Y, axis=1)
        mean = np.where(observed > 0, total / np.maximum(observed, 1), np.nan)
        sq = np.nansum(Y * Y, axis=1) / np.maximum(observed, 1)
        std = np.sqrt(np.maximum(sq - mean * mean, 0.0))
        zero = np.where(observed > 0, np.nansum(Y == 0, axis=1) / np.maximum(observed, 1), np.nan)
    return np.column_stack([mean, std, zero])


def _calendar(dates: pd.DatetimeIndex, names: tuple[str, ...]) -> np.ndarray:
    getters = {
        "dayofweek": lambda d: d.dayofweek,
        "dayofmonth": lambda d: d.day,
        "month": lambda d: d.month,
        "weekofyear": lambda d: d.isocalendar().week.to_numpy(),
    }
    return (
        np.column_stack([np.asarray(getters[n](dates), dtype=np.float64) for n in names])
        if names
        else np.empty((len(dates), 0))
    )


def build_features(
    m: PanelMatrix,
    spec: FeatureSpec,
    rows: np.ndarray,
    cols: np.ndarray,
    stats: np.ndarray,
    dates: pd.DatetimeIndex | None = None,
) -> np.ndarray:
    """Feature rows for pairs (``rows[k]``, ``cols[k]``) of ``m``; period ``t`` reads only ``Y[:, :t]``.

    ``cols`` may equal ``Y.shape[1]`` (the next, unseen period) when ``dates`` covers it.
    Exogenous 'known' columns are read at ``t`` and so must extend that far.
    """
    Y = m.Y
    n, T = Y.shape
    filled = np.nan_to_num(Y)
    S = np.zeros((n, T + 1))
    np.cumsum(filled, axis=1, out=S[:, 1:])
    Q = np.zeros((n, T + 1))
    np.cumsum(filled * filled, axis=1, out=Q[:, 1:])
    N = np.zeros((n, T + 1))
    np.cumsum(~np.isnan(Y), axis=1, out=N[:, 1:])
    out = []
    for k in spec.lags:
        src = cols - k
        vals = Y[rows, np.clip(src, 0, T - 1)]
        out.append(np.where(src >= 0, vals, np.nan))
    with np.errstate(invalid="ignore", divide="ignore"):
        for w in (*spec.windows, max(spec.windows)):
            lo = np.clip(cols - w, 0, None)
            cnt = N[rows, cols] - N[rows, lo]
            mean = (S[rows, cols] - S[rows, lo]) / cnt
            if len(out) == len(spec.lags) + len(spec.windows):  # the last pass is the std
                var = (Q[rows, cols] - Q[rows, lo]) / cnt - mean * mean
                mean = np.sqrt(np.maximum(var, 0.0))
            out.append(np.where(cnt > 0, mean, np.nan))
        seasonal = [
            out[spec.lags.index(k)]
            if k in spec.lags
            else np.where(cols - k >= 0, Y[rows, np.clip(cols - k, 0, T - 1)], np.nan)
            for k in (spec.season * j for j in range(1, 5))
        ]
        stacked = np.column_stack(seasonal)
        counts = (~np.isnan(stacked)).sum(axis=1)
        out.append(np.where(counts > 0, np.nansum(stacked, axis=1) / np.maximum(counts, 1), np.nan))
    out.append((cols - m.first[rows]).astype(np.float64))
    dates = m.dates if dates is None else dates
    columns = [np.column_stack(out), _calendar(dates, spec.calendar)[cols], stats[rows]]
    extra = [m.exog[c][rows, cols] for c in spec.known]
    extra += [np.where(cols >= 1, m.exog[c][rows, np.clip(cols - 1, 0, None)], np.nan) for c in spec.past]
    if extra:
        columns.append(np.column_stack(extra))
    return np.hstack(columns).astype(np.float32)
