"""Forecast benchmark on Online Retail (the protocol of issue 3), daily and weekly.

Protocol: lines whose invoice does not start with 'C', quantity > 0, price > 0 and a
StockCode of five digits with an optional letter suffix (a suffixed code is a variant,
kept as its own series: 85123A is not 85123); daily units per StockCode; the 500 codes
with most units before 2011-11-12; zero-filled from first sale; test = 2011-11-12 ..
2011-12-09 (28 days, one origin). Weekly: the same codes, Monday-Sunday weeks, test =
the 8 full weeks ending 2011-10-16 .. 2011-12-04. WAPE pooled; MASE per series against
the in-sample seasonal-naive MAE (season 7 daily, lag 1 weekly), averaged over series.

Each model also forecasts the three windows before the test window (the backtest the app itself
runs at the test origin): their WAPE ("pre-test wape") is what the app chooses by ("app's choice",
among its default models), and they weigh the blend's test-window forecast. The test window's
forecasts of every other model are the same as with one window (each window refits).

Hyper-parameters may be chosen with ``--tune``: it backtests candidates on origins
*before* the test window and prints the winner; nothing here looks at the test window.

``--tune-mlp`` backtests the neural network's candidates beside LightGBM and the linear model on
the same pre-test origins (daily and weekly): that decides its settings and whether it joins the
default model list (it must beat LightGBM at one frequency there).

Usage: python benchmarks/bench_forecast.py [--data PATH] [--tune] [--tune-mlp] [--freq D,W]
(``lightgbm`` is the app default: seasonal lags 7/14/21/28, 127 leaves, Tweedie power 1.5,
chosen by backtests on origins before the test windows; ``lightgbm_l1`` is the l1 variant,
lower WAPE but strongly under-forecasting, so not the default.)
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from online_retail import DATA, protocol_frame  # noqa: E402

from retail.analytics.aggregate import build_panel  # noqa: E402
from retail.data import schema  # noqa: E402
from retail.forecast.backtest import backtest  # noqa: E402
from retail.forecast.combination import Blend  # noqa: E402
from retail.forecast.metrics import leaderboard, pooled  # noqa: E402
from retail.forecast.ml import TREE_FEATURES, LightGBMForecaster, LinearForecaster  # noqa: E402
from retail.forecast.models import ExponentialSmoothing, MovingAverage, SeasonalNaive  # noqa: E402
from retail.forecast.neural import MLPForecaster  # noqa: E402
from retail.forecast.registry import DEFAULT, FORECASTERS  # noqa: E402
from retail.forecast.topdown import ShareOfTotal  # noqa: E402
from retail.threads import one_blas_thread  # noqa: E402

TEST_START = pd.Timestamp("2011-11-12")
PRE_TEST_WINDOWS = 3  # the app's default backtest at the test origin: it picks the model and weighs the blend
REFERENCE = {
    "D": {"snaive": 1.135, "ma": 0.943, "ets": 0.917, "lightgbm": 0.875, "linear": 0.958},
    "W": {"snaive": 0.925, "ma": 0.692, "ets": 0.768, "lightgbm": 0.707, "linear": 0.699},
}
TARGET = {"D": 0.875, "W": 0.692}  # the first issue's bars (the reference run's figures)
BAR = {"D": 0.80, "W": 0.60}  # issue 26: the app's default forecast on this protocol


SEASONAL_LAGS = replace(TREE_FEATURES, lags=(7, 14, 21, 28))
SEASONAL_ONLY = {"features": SEASONAL_LAGS}
TUNED = "seasonal lags, l1"  # what --tune chose on the origins 2011-09-16 and 2011-10-14
CANDIDATES: dict[str, dict] = {
    "default": {},
    "seasonal lags": SEASONAL_ONLY,
    "seasonal lags, poisson": SEASONAL_ONLY | {"objective": "poisson"},
    "seasonal lags, l1": SEASONAL_ONLY | {"objective": "l1"},
    "seasonal lags, no series stats": {"features": replace(SEASONAL_LAGS, exclude=(
        "age", "dayofmonth", "series_mean", "series_std", "series_zero_share"))},
}


def tune_lightgbm(train: pd.DataFrame, horizon: int = 28, windows: int = 2) -> dict:
    """Backtest every candidate on ``windows`` origins inside ``train``; return the best parameters."""
    models = {name: LightGBMForecaster(**params) for name, params in CANDIDATES.items()}
    started = time.perf_counter()
    result = backtest(train, models, horizon=horizon, windows=windows, min_train=1, absence_periods=0)
    board = pooled(result.forecasts, result.seconds).sort_values("wape")
    print(
        f"tuning on origins {[f'{c:%Y-%m-%d}' for c in result.cutoffs]} "
        f"({time.perf_counter() - started:.0f} s)"
    )
    print(
        board[["model", "wape", "mase", "bias", "seconds"]].to_string(
            index=False, float_format="{:.3f}".format
        )
    )
    best = str(board.iloc[0]["model"])
    print(f"chosen: {best}")
    return CANDIDATES[best]


MLP_CANDIDATES: dict[str, dict] = {
    "mlp (default: 64 + 32 neurons)": {},
    "mlp, scaled by series": {"scale_by_series": True},
    "mlp, one layer of 32": {"hidden_units": 32, "layers": 1},
}  # few and small on purpose: the benchmark machine's two cores are shared
PRE_TEST = {"D": (TEST_START, 28), "W": (pd.Timestamp("2011-10-10"), 8)}  # (first test period, horizon)


def tune_mlp(data: dict[str, pd.DataFrame], windows: int = 2) -> None:
    """The network's candidates beside LightGBM and ridge on ``windows`` origins before each test window."""
    for freq, (start, horizon) in PRE_TEST.items():
        train = data[freq][data[freq]["date"] < start]
        models = {"lightgbm": LightGBMForecaster(), "linear": LinearForecaster()}
        models |= {name: MLPForecaster(**params) for name, params in MLP_CANDIDATES.items()}
        started = time.perf_counter()
        result = backtest(train, models, horizon=horizon, windows=windows, min_train=1, absence_periods=0)
        board = pooled(result.forecasts, result.seconds).sort_values("wape")
        print(f"\n{freq}: pre-test origins {[f'{c:%Y-%m-%d}' for c in result.cutoffs]} "
              f"({time.perf_counter() - started:.0f} s)")
        print(board[["model", "wape", "mase", "bias", "seconds"]].to_string(index=False, float_format="{:.3f}".format))


def models_for(freq: str, lgb_params: dict | None = None) -> dict:
    """The benchmark models: the app's defaults (``lightgbm`` is its LightGBM, Tweedie; ``blend`` weighs
    LightGBM, the share of the total and exponential smoothing by the earlier windows) and two options:
    the daily ``lightgbm_l1`` variant with the settings ``--tune`` chose (weekly: defaults with l1) and
    the neural network."""
    horizon = 28 if freq == "D" else 8
    variant = (lgb_params or CANDIDATES[TUNED]) if freq == "D" else {"objective": "l1"}
    return {
        "snaive": SeasonalNaive(),
        "ma": MovingAverage(),
        "ets": ExponentialSmoothing(max_horizon=horizon, n_jobs=2),
        "linear": LinearForecaster(),
        "lightgbm": LightGBMForecaster(),
        "topdown": ShareOfTotal(max_horizon=horizon),
        "blend": Blend(),
        "lightgbm_l1": LightGBMForecaster(**variant),
        "mlp": MLPForecaster(),
    }


def panels(frame: pd.DataFrame) -> dict[str, pd.DataFrame]:
    daily, _ = build_panel(
        frame, "product", "D", "units", top_n=500, rank_until=TEST_START, exog=[], absence_periods=0
    )
    weekly, report = build_panel(
        frame[frame[schema.PRODUCT_ID].isin(daily["series_id"].unique())],
        "product",
        "W",
        "units",
        exog=[],
        absence_periods=0,
    )
    assert report.incomplete_period_dropped == pd.Timestamp("2011-12-05"), report.incomplete_period_dropped
    return {"D": daily, "W": weekly}


def run(panel: pd.DataFrame, freq: str, models: dict) -> pd.DataFrame:
    """The test window's leaderboard, with each model's WAPE on the three windows before it (the
    app's own backtest at the test origin) and the app's choice among its default models."""
    horizon = 28 if freq == "D" else 8
    result = backtest(panel, models, horizon=horizon, windows=PRE_TEST_WINDOWS + 1, min_train=1,
                      absence_periods=0)
    frame = result.forecasts
    test = frame["window"] == PRE_TEST_WINDOWS
    expected_start = TEST_START if freq == "D" else pd.Timestamp("2011-10-10")
    assert frame.loc[test, "date"].min() == expected_start, frame.loc[test, "date"].min()
    seconds = {name: value / (PRE_TEST_WINDOWS + 1) for name, value in result.seconds.items()}
    board = leaderboard(pooled(frame[test], seconds))
    before = pooled(frame[~test]).set_index("model")["wape"]
    board["pre-test wape"] = board["model"].map(before)
    board["reference"] = board["model"].map(REFERENCE[freq])
    defaults = board[board["model"].isin(FORECASTERS.tagged(DEFAULT))]
    board["app's choice"] = board["model"] == defaults.loc[defaults["pre-test wape"].idxmin(), "model"]
    return board


def speed_check(panel: pd.DataFrame) -> float:
    train = panel[panel["date"] < TEST_START]
    started = time.perf_counter()
    LightGBMForecaster().fit(train).predict(28)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument(
        "--tune", action="store_true", help="choose LightGBM settings on pre-test origins first"
    )
    parser.add_argument("--tune-mlp", action="store_true", help="compare the neural network's candidates on "
                        "pre-test origins, then stop")
    parser.add_argument("--freq", default="D,W", help="the frequencies to run: D (daily), W (weekly) or both")
    args = parser.parse_args()
    with one_blas_thread():  # as in the app's forecast runs (retail/threads.py): the network's matrices are small
        return benchmark(args)


def benchmark(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    data = panels(protocol_frame(args.data))
    if args.tune_mlp:
        tune_mlp(data)
        return 0
    print(
        f"series: {data['D']['series_id'].nunique()}, daily periods: {data['D']['date'].nunique()}, "
        f"weekly periods: {data['W']['date'].nunique()} (prepared in {time.perf_counter() - started:.1f} s)"
    )
    lgb_params = CANDIDATES[TUNED]
    if args.tune:
        lgb_params = tune_lightgbm(data["D"][data["D"]["date"] < TEST_START])
    names = {"D": "daily, horizon 28", "W": "weekly, horizon 8"}
    for freq in args.freq.split(","):
        name, t0 = names[freq], time.perf_counter()
        board = run(data[freq], freq, models_for(freq, lgb_params))
        elapsed = time.perf_counter() - t0
        print(f"\n## Online Retail {name} (all models {elapsed:.1f} s; target best WAPE <= {TARGET[freq]}, "
              f"the app's choice <= {BAR[freq]})")
        print(
            board[["model", "wape", "mase", "rmse", "bias", "seconds", "pre-test wape", "app's choice",
                   "reference"]].to_string(index=False, float_format=lambda v: f"{v:.3f}")
        )
        if freq == "D":
            daily_total = time.perf_counter() - started
            wapes = board.set_index("model")["wape"]
            print(
                f"LightGBM vs seasonal naive: {wapes['lightgbm'] / wapes['snaive'] - 1:+.1%} (target <= -22%)"
            )
            print(f"whole daily benchmark incl. data preparation: {daily_total:.1f} s (target < 120 s)")
    if "D" in args.freq:
        print(f"\nLightGBM fit + 28-day forecast, 500 series: {speed_check(data['D']):.1f} s (target < 10 s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
