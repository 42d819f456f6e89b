"""The global forecasters' feature settings (:class:`retail.forecast.features.GlobalFeatures`).

``tests/data/global_forecasts.json`` holds the forecasts of LightGBM, ridge and the network on a small
seeded panel (a known promotion column and a past-only price column), recorded with the keyword
arguments the classes took before their seven feature settings became one object (issue 28): the
refactor must not change a single forecast. A deliberate change of a model regenerates the record:
``.venv/bin/python tests/test_forecast_features.py --write``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from retail.forecast.ml import LightGBMForecaster, LinearForecaster  # noqa: E402
from retail.forecast.neural import MLPForecaster  # noqa: E402
from tests.forecast_data import sine_panel  # noqa: E402

RECORD = ROOT / "tests" / "data" / "global_forecasts.json"
HORIZON = 7
CLASSES = {"lightgbm": LightGBMForecaster, "linear": LinearForecaster, "mlp": MLPForecaster}
QUICK = {"lightgbm": {"n_estimators": 30, "n_jobs": 1}, "linear": {}, "mlp": {"hidden_units": 8, "layers": 1}}
# per case: the model, its feature settings (the class's defaults changed by these) and its seed
CASES: dict[str, tuple[str, dict, int]] = {
    "lightgbm, defaults": ("lightgbm", {}, 0),
    "lightgbm, promo known, short lags, sampled rows": (
        "lightgbm", {"future_known": ("Promo",), "lags": (1, 7), "windows": (7,), "max_rows": 250,
                     "exclude": ("age", "dayofweek")}, 3),
    "linear, defaults": ("linear", {}, 0),
    "linear, no exogenous, sampled rows": ("linear", {"use_exog": False, "max_rows": 200, "exclude": ("age",)}, 5),
    "mlp, defaults": ("mlp", {}, 0),
    "mlp, promo known, short windows, sampled rows": (
        "mlp", {"future_known": ("Promo",), "windows": (7, 14), "max_rows": 300}, 2),
}


def panel() -> pd.DataFrame:
    """Four weekly-seasonal series over 97 days, a promotion that lifts sales and a price column."""
    frame = sine_panel(n_series=4, periods=97, noise=0.5, seed=4)
    rng = np.random.default_rng(11)
    frame["Promo"] = rng.integers(0, 2, len(frame)).astype(float)
    frame["Price"] = np.round(rng.uniform(2.0, 3.0, len(frame)), 2)
    frame["y"] = frame["y"] + 8 * frame["Promo"]
    return frame


def build(case: str):
    name, features, seed = CASES[case]
    return CLASSES[name](**QUICK[name], **features, random_state=seed)


def forecast(case: str) -> list[float]:
    frame = panel()
    last = frame["date"].max() - pd.Timedelta(days=HORIZON)
    train, future = frame[frame["date"] <= last], frame[frame["date"] > last].drop(columns="y")
    return build(case).fit(train).predict(HORIZON, future=future)["yhat"].tolist()


@pytest.mark.parametrize("case", list(CASES))
def test_forecasts_are_the_recorded_ones(case: str) -> None:
    recorded = json.loads(RECORD.read_text())
    assert case in recorded, f"no record for {case!r}: run this module with --write"
    np.testing.assert_allclose(forecast(case), recorded[case], rtol=1e-9, atol=1e-9)


if __name__ == "__main__" and "--write" in sys.argv:
    RECORD.write_text(json.dumps({case: forecast(case) for case in CASES}, indent=1) + "\n")
    print(f"wrote {RECORD}")
