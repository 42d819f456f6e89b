"""Forecast candidates that were tried and not taken (``bench_forecast_defaults.py`` compares them).

* target transforms around any model: each series divided by its mean before fitting and the
  forecast multiplied back (a global model then pools the shapes of big and small series), or each
  series' spikes capped at the 99th percentile of its selling periods (large one-off orders);
* intermittent-demand methods from statsforecast (TSB, ADIDA, IMAPA), one series at a time; they
  need statsforecast (not an app dependency: ``pip install statsforecast==2.1.1``) and are left out
  without it.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable

import numpy as np
import pandas as pd
from sklearn.base import clone

from retail.analytics.aggregate import ABSENT, SERIES_ID, Y
from retail.forecast.features import PanelMatrix
from retail.forecast.models import ForecastModel


class Transformed(ForecastModel):
    """``model`` fitted on a transformed target: divided by each series' mean (``scale``) and/or
    capped at a quantile of each series' selling periods (``cap``); forecasts multiplied back."""

    def __init__(self, model: ForecastModel | None = None, scale: bool = False, cap: float | None = None):
        self.model = model
        self.scale = scale
        self.cap = cap

    def fit(self, panel: pd.DataFrame, future: pd.DataFrame | None = None) -> Transformed:
        observed = panel[~panel[ABSENT].astype(bool)] if ABSENT in panel else panel
        work = panel.copy()
        if self.cap is not None:
            limit = observed[observed[Y] > 0].groupby(SERIES_ID)[Y].quantile(self.cap)
            work[Y] = np.minimum(work[Y], work[SERIES_ID].map(limit).fillna(np.inf))
        means = observed.groupby(SERIES_ID)[Y].mean() if self.scale else pd.Series(dtype=float)
        self.scale_ = means.where(means > 0, 1.0)
        if self.scale:
            work[Y] = work[Y] / work[SERIES_ID].map(self.scale_)
        self.model_ = clone(self.model).fit(work, future)
        self.matrix_ = self.model_.matrix_
        return self

    def predict(self, horizon: int, future: pd.DataFrame | None = None) -> pd.DataFrame:
        out = self.model_.predict(horizon, future)
        if self.scale:
            out[Y + "hat"] = out[Y + "hat"] * out[SERIES_ID].map(self.scale_).to_numpy()
        return out


TRANSFORMS: dict[str, Callable[[ForecastModel], ForecastModel]] = {
    "lightgbm on series divided by their mean": lambda model: Transformed(model, scale=True),
    "lightgbm, spikes capped at the 99th percentile": lambda model: Transformed(model, cap=0.99),
}


class Intermittent(ForecastModel):
    """A statsforecast intermittent-demand method (``kind``: TSB, ADIDA or IMAPA) on each series."""

    per_series = True

    def __init__(self, kind: str = "TSB", max_horizon: int = 60):
        self.kind = kind
        self.max_horizon = max_horizon

    def _fit(self, m: PanelMatrix) -> None:
        import statsforecast.models as sf

        make = {"TSB": lambda: sf.TSB(alpha_d=0.1, alpha_p=0.1), "ADIDA": sf.ADIDA, "IMAPA": sf.IMAPA}[self.kind]
        rows = []
        for i in range(len(m.ids)):
            y = np.nan_to_num(m.Y[i, m.first[i]:])
            rows.append(make().forecast(y=y, h=self.max_horizon)["mean"] if y.sum() > 0
                        else np.zeros(self.max_horizon))
        self.forecast_ = np.vstack(rows)

    def _predict(self, horizon: int, future: pd.DataFrame | None) -> np.ndarray:
        return self.forecast_[:, :horizon]


def intermittent_models(horizon: int) -> dict[str, ForecastModel]:
    """TSB, ADIDA and IMAPA when statsforecast is installed, else none."""
    if importlib.util.find_spec("statsforecast") is None:
        return {}
    return {f"{kind} (intermittent demand)": Intermittent(kind, horizon) for kind in ("TSB", "ADIDA", "IMAPA")}
