"""Exponential smoothing: the app's statsmodels Holt-Winters against statsforecast's AutoETS (issue 28).

Accuracy and speed on the files where the choice matters: the app's sample (the default run's 47
weekly product series), Walmart's 45 weekly stores, a synthetic Rossmann-like chain (200 stores,
weekly and daily; ``stores_synthetic.py``, seed 0) and the bakery's 50 daily items. Each case is
the app's default backtest (3 windows of 8 periods). Candidates, all fitted one series at a time
in this process (one core), each series cut after its last absence as the app does:

* ``statsmodels``: additive damped trend, additive season, initial states estimated (the app's
  before this benchmark) or read off the first seasons (``heuristic``, fewer parameters to fit: the app's now);
* ``AutoETS``: statsforecast's automatic choice of error, trend and season (AICc);
* ``AutoETS, damped additive``: statsforecast with the app's model form (``AAA``, damped).

Reported: WAPE and bias pooled over the windows, CPU seconds of all fits, milliseconds per fit,
and the import cost of each library (CPU seconds in a fresh process, NumPy, pandas and the app's
other libraries already imported). statsforecast is not one of the app's dependencies (it did not
win: README, "Exponential smoothing: statsmodels or statsforecast"); install it to compare
(``pip install statsforecast==2.1.1``), without it the script times statsmodels alone and says so.

Run: .venv/bin/python benchmarks/bench_ets.py [--cases sample,walmart,stores_W,stores_D,bakery]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from customers_protocol import markdown  # noqa: E402
from stores_synthetic import store_days  # noqa: E402

from retail.analytics.aggregate import build_panel  # noqa: E402
from retail.data.ingest import load_data  # noqa: E402
from retail.forecast.backtest import backtest  # noqa: E402
from retail.forecast.ets import recent_history  # noqa: E402
from retail.forecast.features import PanelMatrix  # noqa: E402
from retail.forecast.metrics import pooled  # noqa: E402
from retail.forecast.models import ExponentialSmoothing, ForecastModel, season_of  # noqa: E402
from retail.threads import one_blas_thread  # noqa: E402

DATA = ROOT.parent / "shared" / "data"
HORIZON, WINDOWS = 8, 3


class AutoETSModel(ForecastModel):
    """statsforecast's AutoETS on each series (``model`` and ``damped`` as AutoETS takes them)."""

    per_series = True

    def __init__(self, model: str = "ZZZ", damped: bool | None = None, max_horizon: int = HORIZON):
        self.model = model
        self.damped = damped
        self.max_horizon = max_horizon

    def _fit(self, m: PanelMatrix) -> None:
        from statsforecast.models import AutoETS

        season = season_of(m)
        rows, self.n_fallback_ = [], 0
        for i in range(len(m.ids)):
            y = recent_history(m.Y[i, m.first[i]:], season)
            fallback = np.full(self.max_horizon, np.mean(y[-max(season, 4):]) if len(y) else 0.0)
            seasonal = season > 1 and len(y) >= 2 * season + 2
            form = self.model if seasonal else self.model[:2] + "N"
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    fit = AutoETS(season_length=season if seasonal else 1, model=form, damped=self.damped).fit(y)
                    out = fit.predict(self.max_horizon)["mean"]
                if not np.all(np.isfinite(out)) or len(y) < 10:
                    raise ValueError("too short or not finite")
            except Exception:  # noqa: BLE001 - any failed fit falls back to the recent mean, as the app's model does
                out, self.n_fallback_ = fallback, self.n_fallback_ + 1
            rows.append(out)
        self.forecast_ = np.vstack(rows)

    def _predict(self, horizon: int, future: pd.DataFrame | None) -> np.ndarray:
        return self.forecast_[:, :horizon]


CANDIDATES = {
    "statsmodels Holt-Winters, initial states estimated (before)": lambda: ExponentialSmoothing(
        max_horizon=HORIZON, n_jobs=1, initialization="estimated"),
    "statsmodels Holt-Winters, heuristic initial states (app)": lambda: ExponentialSmoothing(
        max_horizon=HORIZON, n_jobs=1),
    "statsforecast AutoETS": lambda: AutoETSModel("ZZZ"),
    "statsforecast AutoETS, damped additive": lambda: AutoETSModel("AAA", damped=True),
}


def _store_file(path: Path, freq: str) -> pd.DataFrame:
    return build_panel(load_data(str(path)).frame, "store", freq, "revenue")[0]


def cases(names: list[str], tmp: Path) -> dict[str, pd.DataFrame]:
    """The panels of the cases asked for, built as the app's default run builds them."""
    chain = tmp / "stores_seed0.csv"
    if any(name.startswith("stores") for name in names) and not chain.exists():
        store_days(0).to_csv(chain, index=False)
    build = {
        "sample": lambda: build_panel(load_data(str(ROOT / "sample_data" / "online_retail.parquet")).frame,
                                      "product", "W", "units", top_n=50, min_periods=HORIZON * (WINDOWS + 1))[0],
        "walmart": lambda: _store_file(DATA / "walmart_store_sales" / "walmart_store_sales.csv", "W"),
        "stores_W": lambda: _store_file(chain, "W"),
        "stores_D": lambda: _store_file(chain, "D"),
        "bakery": lambda: build_panel(load_data(str(DATA / "bakery_baskets" / "bread_basket.csv")).frame,
                                      "product", "D", "units", top_n=50, min_periods=HORIZON * (WINDOWS + 1))[0],
    }
    return {name: build[name]() for name in names}


def statsforecast_installed() -> bool:
    try:
        import statsforecast.models  # noqa: F401
    except ImportError:
        return False
    return True


def import_seconds(module: str) -> float:
    """CPU seconds to import ``module`` in a fresh process that has the app's usual libraries loaded."""
    code = ("import time, numpy, pandas, sklearn, lightgbm; t = time.process_time(); "
            f"import {module}; print(time.process_time() - t)")
    return float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)


def measure(panel: pd.DataFrame, make) -> dict[str, float]:
    started = time.process_time()
    result = backtest(panel, {"ets": make()}, HORIZON, WINDOWS)
    cpu = time.process_time() - started
    board = pooled(result.forecasts).iloc[0]
    fits = WINDOWS * panel["series_id"].nunique()
    return {"wape": board["wape"], "bias": board["bias"], "cpu s": cpu, "ms per fit": 1000 * cpu / fits}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", default="sample,walmart,stores_W,stores_D,bakery")
    parser.add_argument("--tmp", type=Path, default=Path("/tmp"))
    args = parser.parse_args()
    panels = cases(args.cases.split(","), args.tmp)
    import statsmodels.tsa.holtwinters  # noqa: F401 - imports are not fitting time (their cost is printed below)

    candidates = CANDIDATES if statsforecast_installed() else {
        label: make for label, make in CANDIDATES.items() if not label.startswith("statsforecast")}
    rows = []
    with one_blas_thread():
        for case, panel in panels.items():
            for label, make in candidates.items():
                rows.append({"case": case, "series": panel["series_id"].nunique(), "model": label,
                             **measure(panel, make)})
                print(pd.DataFrame(rows[-1:]).to_string(index=False, header=len(rows) == 1,
                                                        float_format="{:.3f}".format), flush=True)
    table = pd.DataFrame(rows)
    print("\n" + markdown(table))
    imports = f"\nimport, CPU s: statsmodels Holt-Winters {import_seconds('statsmodels.tsa.holtwinters'):.2f}"
    print(imports + (f", statsforecast {import_seconds('statsforecast.models'):.2f}" if len(candidates) > 2 else
                     "; statsforecast is not installed (pip install statsforecast==2.1.1 to compare)"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
