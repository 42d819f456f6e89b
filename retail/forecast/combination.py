"""A blend of the run's models: a weighted mean of their forecasts, the weights chosen on earlier windows.

A blend is not fitted on sales: it weighs the forecasts of other models in the same run. In the
backtest, window ``k``'s weights are the ones that would have been best on windows ``0..k-1``
(the first window averages its members equally), so its score is as out-of-sample as every other
model's; the forecast of the future uses the weights that were best on all backtest windows.
Weights are points of a grid on the simplex (steps of ``step``): a coarse grid cannot chase the
noise of two or three windows. It costs no fit of its own, only its members' (its seconds in the
leaderboard include theirs).

Why these members: on development data of four kinds (Online Retail's products daily and weekly
on windows before the benchmark's test windows, Walmart's and a synthetic chain's stores, the
bakery's items; ``benchmarks/bench_forecast_defaults.py``) LightGBM, the share of the total and
exponential smoothing were each best somewhere and the learned blend was never clearly worse
than the best of them; picking a model per series on earlier windows was worse everywhere.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator

from retail.analytics.aggregate import DATE, SERIES_ID, Y
from retail.forecast.metrics import MODEL, WINDOW, YHAT
from retail.forecast.registry import BLEND_MEMBERS, FORECASTERS

MEMBER_WEIGHT = "model:"  # a blend's "features" (retail.forecast.pipeline's importance) are its members


def members_in(names: Sequence[str], members: Sequence[str] = BLEND_MEMBERS) -> tuple[str, ...]:
    """The ``members`` of a blend among a run's model ``names``; a ``ValueError`` when fewer than two are."""
    present = tuple(name for name in members if name in names)
    if len(present) < 2:
        labels = ", ".join(FORECASTERS.label(name) for name in members)
        raise ValueError(f"The blend of models combines {labels}: choose at least two of them too.")
    return present


def simplex_grid(k: int, step: float) -> np.ndarray:
    """All weight vectors of length ``k`` with entries in multiples of ``step`` summing to 1 (rows)."""
    parts = round(1 / step)
    if parts < 1 or not np.isclose(parts * step, 1.0):
        raise ValueError(f"step must divide 1 into whole parts (0.5, 0.25, 0.1), got {step}.")
    return np.array([c for c in itertools.product(range(parts + 1), repeat=k) if sum(c) == parts]) / parts


class Blend(BaseEstimator):
    """Weighted mean of the forecasts of ``members`` (those in the run; at least two).

    Parameters
    ----------
    members : model names, in order of preference (ties in error go to the earlier grid point).
    step : the weights' grid step.
    """

    def __init__(self, members: tuple[str, ...] = BLEND_MEMBERS, step: float = 0.25):
        self.members = members
        self.step = step

    @classmethod
    def from_context(cls, context: object, **params) -> Blend:
        """Registry factory: a blend takes nothing from the run's context."""
        return cls(**params)

    def members_in(self, names: Sequence[str]) -> tuple[str, ...]:
        """The members among a run's model ``names``; a ``ValueError`` when fewer than two are."""
        return members_in(names, self.members)

    def weights(self, past: pd.DataFrame | None, members: tuple[str, ...]) -> pd.Series:
        """The grid point with the lowest total absolute error on ``past`` (a backtest frame: model,
        window, series_id, date, y, yhat); equal weights when there is no past."""
        grid = simplex_grid(len(members), self.step)
        if past is None or past.empty:
            return pd.Series(np.full(len(members), 1 / len(members)), index=list(members))
        wide = _wide(past, members, [WINDOW, SERIES_ID, DATE])
        predicted = wide[list(members)].to_numpy() @ grid.T
        error = np.abs(predicted - wide[[Y]].to_numpy()).sum(axis=0)
        return pd.Series(grid[int(np.argmin(error))], index=list(members))

    def combine(self, forecasts: Mapping[str, pd.DataFrame], weights: pd.Series, keys: list[str]) -> pd.DataFrame:
        """The members' forecast frames (one per member, the same rows) as one frame: the first
        member's columns with ``yhat`` the weighted mean."""
        first = forecasts[weights.index[0]]
        index = pd.MultiIndex.from_frame(first[keys])
        yhat = sum(weight * forecasts[name].set_index(keys)[YHAT].reindex(index).to_numpy()
                   for name, weight in weights.items())
        return first.assign(**{YHAT: yhat})


def _wide(frame: pd.DataFrame, members: tuple[str, ...], keys: list[str]) -> pd.DataFrame:
    """One row per ``keys`` with each member's ``yhat`` as a column and the actual ``y``; rows that
    some member lacks are left out."""
    rows = frame[frame[MODEL].isin(members)]
    wide = rows.pivot_table(index=keys, columns=MODEL, values=YHAT, aggfunc="first").dropna()
    actual = rows.drop_duplicates(keys).set_index(keys)[Y]
    return wide.join(actual, how="inner")
