"""How the forecast defaults were chosen (issue 26): development data of four kinds, windows before any test.

Development panels (3 backtest windows each, as the app runs them; nothing here reads a benchmark's
test window):

* Online Retail's 500 products, daily (horizon 28, windows ending before 2011-11-12, the daily test
  window of ``bench_forecast.py``) and weekly (horizon 8, before 2011-10-10, the weekly test window);
* Walmart's 45 stores, weekly (horizon 8, its last 8 weeks left out);
* a synthetic Rossmann-like chain (``stores_synthetic.py``, seed 1: 200 stores with promotions,
  holidays, closures and refits), weekly (horizon 8) and daily (horizon 14);
* the bakery's 50 items, daily (horizon 8).

Tables: (1) each model's WAPE and bias over the three windows; (2) ways of combining models,
scored on windows 2 and 3 (each has an earlier window to learn from): the app's blend (weights from
the earlier windows), fixed equal-weight means, and picking the best model per series on the earlier
windows; (3) the daily floor: the WAPE of spreading each product's *actual* weekly sales over the
days by its weekday shares (no forecast of daily sales is likely to beat it by much).

Run: .venv/bin/python benchmarks/bench_forecast_defaults.py [--data a,b] [--cache DIR]
(``--cache`` keeps each backtest as Parquet, so a second run only prints the tables.)
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from customers_protocol import markdown  # noqa: E402
from forecast_candidates import TRANSFORMS, intermittent_models  # noqa: E402
from online_retail import protocol_frame  # noqa: E402
from stores_synthetic import store_days  # noqa: E402

from retail.analytics.aggregate import build_panel  # noqa: E402
from retail.data.ingest import load_data  # noqa: E402
from retail.forecast.backtest import backtest  # noqa: E402
from retail.forecast.combination import Blend  # noqa: E402
from retail.forecast.features import WINDOWS  # noqa: E402
from retail.forecast.metrics import bias, wape  # noqa: E402
from retail.forecast.ml import TREE_FEATURES, LightGBMForecaster, LinearForecaster  # noqa: E402
from retail.forecast.models import ExponentialSmoothing, MovingAverage, SeasonalNaive  # noqa: E402
from retail.forecast.registry import BLEND_MEMBERS  # noqa: E402
from retail.forecast.topdown import ShareOfTotal  # noqa: E402
from retail.threads import one_blas_thread  # noqa: E402

DATA = ROOT.parent / "shared" / "data"
RETAIL_DAILY_TEST, RETAIL_WEEKLY_TEST = pd.Timestamp("2011-11-12"), pd.Timestamp("2011-10-10")
MEMBERS = BLEND_MEMBERS


def _retail(tmp: Path) -> dict[str, Callable[[], pd.DataFrame]]:
    def daily(cut: bool = True) -> pd.DataFrame:
        panel = build_panel(protocol_frame(), "product", "D", "units", top_n=500, rank_until=RETAIL_DAILY_TEST,
                            exog=[], absence_periods=0)[0]
        return panel[panel["date"] < RETAIL_DAILY_TEST] if cut else panel

    def weekly() -> pd.DataFrame:
        frame = protocol_frame()
        codes = daily(cut=False)["series_id"].unique()
        panel = build_panel(frame[frame["product_id"].isin(codes)], "product", "W", "units", exog=[],
                            absence_periods=0)[0]
        return panel[panel["date"] < RETAIL_WEEKLY_TEST]

    return {"retail_D": daily, "retail_W": weekly}


def _stores(path: Path, freq: str, drop_weeks: int = 0) -> pd.DataFrame:
    panel = build_panel(load_data(str(path)).frame, "store", freq, "revenue")[0]
    return panel[panel["date"] <= panel["date"].max() - pd.Timedelta(weeks=drop_weeks)] if drop_weeks else panel


def development_data(tmp: Path) -> dict[str, tuple[Callable[[], pd.DataFrame], int]]:
    """name -> (panel builder, horizon)."""
    chain = tmp / "stores_synthetic_seed1.csv"
    if not chain.exists():
        store_days(1).to_csv(chain, index=False)
    walmart = DATA / "walmart_store_sales" / "walmart_store_sales.csv"
    bakery = DATA / "bakery_baskets" / "bread_basket.csv"
    retail = _retail(tmp)
    return {
        "retail_D": (retail["retail_D"], 28),
        "retail_W": (retail["retail_W"], 8),
        "walmart_W": (lambda: _stores(walmart, "W", drop_weeks=8), 8),
        "chain_W": (lambda: _stores(chain, "W"), 8),
        "chain_D": (lambda: _stores(chain, "D"), 14),
        "bakery_D": (lambda: build_panel(load_data(str(bakery)).frame, "product", "D", "units", top_n=50)[0], 8),
    }


def candidates(name: str, horizon: int) -> dict:
    """The models compared on every development panel."""
    weekly = name.endswith("_W")
    longer = replace(TREE_FEATURES, windows=WINDOWS["W"][:-1] + (39,) if weekly else WINDOWS["D"] + (112,))
    models = {"snaive": SeasonalNaive(), "ma": MovingAverage(), "linear": LinearForecaster(),
              "ets": ExponentialSmoothing(max_horizon=horizon), "topdown": ShareOfTotal(max_horizon=horizon),
              "ets, initial states estimated (before)": ExponentialSmoothing(max_horizon=horizon,
                                                                             initialization="estimated"),
              "lightgbm": LightGBMForecaster(),
              f"lightgbm, {'39-week' if weekly else '112-day'} mean instead": LightGBMForecaster(features=longer)}
    if weekly:  # before this change: (4, 8, 13, 26)
        models["lightgbm, without the 52-week mean"] = LightGBMForecaster(features=replace(TREE_FEATURES, windows=WINDOWS["W"][:-1]))
    models |= {label: make(LightGBMForecaster()) for label, make in TRANSFORMS.items()}
    return models | intermittent_models(horizon)


def backtests(name: str, panel: pd.DataFrame, horizon: int, cache: Path | None) -> pd.DataFrame:
    """Every candidate's backtest forecasts on ``panel`` (3 windows), from ``cache`` when there."""
    parts = []
    retail = name.startswith("retail")
    for label, model in candidates(name, horizon).items():
        path = cache / f"{name}__{label.replace(' ', '_').replace(',', '')}.parquet" if cache else None
        if path is not None and path.exists():
            parts.append(pd.read_parquet(path))
            continue
        started = time.perf_counter()
        frame = backtest(panel, {label: model}, horizon, 3, min_train=1 if retail else None,
                         absence_periods=0 if retail else None).forecasts
        print(f"  {name}: {label} {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)
        if path is not None:
            frame.to_parquet(path)
        parts.append(frame)
    return pd.concat(parts, ignore_index=True)


def single_models(frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
    rows = []
    for name, frame in frames.items():
        for model, group in frame.groupby("model", sort=False):
            rows.append({"data": name, "model": model, "wape": wape(group["y"], group["yhat"]),
                         "bias": bias(group["y"], group["yhat"])})
    table = pd.DataFrame(rows)
    wide = table.pivot(index="model", columns="data", values="wape")
    lead = (wide / wide.loc["lightgbm"] - 1).mean(axis=1).rename("mean change vs lightgbm")
    return wide.join(lead).sort_values("mean change vs lightgbm").reset_index()


def _wide(frame: pd.DataFrame) -> pd.DataFrame:
    keys = ["window", "series_id", "date"]
    wide = frame.pivot_table(index=keys, columns="model", values="yhat")
    return wide.join(frame.drop_duplicates(keys).set_index(keys)["y"])


def combinations(frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Ways to combine, on windows 1 and 2 (each learns from the windows before it)."""
    rows = []
    for name, frame in frames.items():
        wide = _wide(frame[frame["model"].isin(["lightgbm", "topdown", "ets", "ma"])])
        later = wide.index.get_level_values("window") >= 1
        blend = Blend(members=MEMBERS)
        blended = []
        for window in (1, 2):
            past = frame[(frame["window"] < window) & frame["model"].isin(MEMBERS)]
            weights = blend.weights(past, MEMBERS)
            now = wide.xs(window, level="window", drop_level=False)
            blended.append(now[list(MEMBERS)].to_numpy() @ weights.to_numpy())
        y = wide.loc[later, "y"].to_numpy()
        options = {"blend of models (weights from earlier windows, the app's)": np.concatenate(blended),
                   "lightgbm alone": wide.loc[later, "lightgbm"].to_numpy(),
                   "per series: the model best on earlier windows": _per_series_pick(wide)}
        for members in (("lightgbm", "topdown"), ("lightgbm", "ets"), MEMBERS, MEMBERS + ("ma",)):
            options[" + ".join(members) + ", equal weights"] = wide.loc[later, list(members)].mean(axis=1).to_numpy()
        rows += [{"data": name, "combination": label, "wape": wape(y, yhat)} for label, yhat in options.items()]
    return pd.DataFrame(rows).pivot(index="combination", columns="data", values="wape").reset_index()


def _per_series_pick(wide: pd.DataFrame) -> np.ndarray:
    models = ["lightgbm", "topdown", "ets", "ma"]
    picked = []
    for window in (1, 2):
        past = wide[wide.index.get_level_values("window") < window]
        errors = pd.DataFrame({m: (past[m] - past["y"]).abs().groupby(level="series_id").sum() for m in models})
        choice = errors.idxmin(axis=1)
        now = wide.xs(window, level="window", drop_level=False)
        which = now.index.get_level_values("series_id").map(choice).fillna("lightgbm")
        picked.append(now[models].to_numpy()[np.arange(len(now)), [models.index(m) for m in which]])
    return np.concatenate(picked)


def daily_floor(frame: pd.DataFrame, panel: pd.DataFrame) -> pd.DataFrame:
    """Per window: the WAPE of each product's actual 7-day sales spread by its weekday shares of the
    16 weeks before the cutoff, against LightGBM's."""
    rows = []
    lgb = frame[frame["model"] == "lightgbm"]
    for _, group in lgb.groupby("window"):
        cutoff = group["cutoff"].iloc[0]
        history = panel[(panel["date"] <= cutoff) & (panel["date"] > cutoff - pd.Timedelta(weeks=16))]
        weekday = history.assign(dow=history["date"].dt.dayofweek).pivot_table(
            index="series_id", columns="dow", values="y", aggfunc="sum").reindex(columns=range(7), fill_value=0)
        shares = weekday.div(weekday.sum(axis=1).where(lambda s: s > 0, 1.0), axis=0).stack()
        block = (group["date"] - cutoff).dt.days.sub(1) // 7
        weekly_actual = group.groupby(["series_id", block])["y"].transform("sum")
        share = pd.MultiIndex.from_arrays([group["series_id"], group["date"].dt.dayofweek]).map(shares.to_dict().get)
        floor = weekly_actual.to_numpy() * np.asarray(share, dtype=float)
        rows.append({"window": f"{cutoff:%Y-%m-%d}", "actual week spread by weekday": wape(group["y"], floor),
                     "lightgbm": wape(group["y"], group["yhat"])})
    return pd.DataFrame(rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=None, help="comma-separated subset of the development panels")
    parser.add_argument("--cache", type=Path, default=None)
    parser.add_argument("--tmp", type=Path, default=Path("/tmp"))
    args = parser.parse_args()
    data = development_data(args.tmp)
    names = args.data.split(",") if args.data else list(data)
    if args.cache:
        args.cache.mkdir(parents=True, exist_ok=True)
    frames, panels = {}, {}
    with one_blas_thread():
        for name in names:
            build, horizon = data[name]
            panels[name] = build()
            frames[name] = backtests(name, panels[name], horizon, args.cache)
    print("## WAPE over the three development windows (lower is better)\n")
    print(markdown(single_models(frames)))
    print("\n## Combinations, windows 2 and 3 (each learns from the windows before it)\n")
    print(markdown(combinations(frames)))
    if "retail_D" in frames:
        print("\n## Online Retail daily: the floor of spreading the actual week over its days\n")
        print(markdown(daily_floor(frames["retail_D"], panels["retail_D"])))
    return 0


if __name__ == "__main__":
    sys.exit(main())
