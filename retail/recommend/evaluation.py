"""Offline evaluation: temporal split, ranking metrics at K, algorithm comparison, sweeps.

Protocols
---------
discovery
    Relevant = products bought after the cutoff that the customer had not bought before;
    purchased products are excluded from the recommendations.
all
    Relevant = every product bought after the cutoff (repurchases count); nothing excluded.

In both, relevant products are limited to those in the training catalogue, and customers
are evaluated when they have at least one training purchase and at least one relevant
product. Ties in a ranking go to the more popular product (training buyers).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from retail.data import schema
from retail.recommend.base import Recommender
from retail.recommend.interactions import Interactions, InteractionSettings, build_interactions
from retail.recommend.registry import BASELINE, METRIC_LABELS, PROTOCOLS, RECOMMENDERS

logger = logging.getLogger(__name__)

METRICS: tuple[str, ...] = tuple(METRIC_LABELS)


@dataclass(frozen=True)
class SplitSettings:
    """Where to split: ``cutoff`` (test = on or after it) or the last ``test_days`` days (default 30)."""

    test_days: int | None = None
    cutoff: pd.Timestamp | None = None
    protocol: str = "discovery"
    weighting: str = "count"

    def __post_init__(self) -> None:
        if self.test_days is None and self.cutoff is None:
            object.__setattr__(self, "test_days", 30)
        if self.test_days is not None and self.cutoff is not None:
            raise ValueError("Give either test_days (the last N days are the test window) or a cutoff date, not both.")
        if self.test_days is not None and (int(self.test_days) != self.test_days or self.test_days < 1):
            raise ValueError(f"test_days must be a whole number >= 1; got {self.test_days!r}.")
        if self.protocol not in PROTOCOLS:
            raise ValueError(f"Unknown protocol {self.protocol!r}; use 'discovery' or 'all'.")
        if self.cutoff is not None:
            object.__setattr__(self, "cutoff", pd.Timestamp(self.cutoff))

    def cutoff_for(self, frame: pd.DataFrame) -> pd.Timestamp:
        """The cutoff timestamp: given, or the start of the last ``test_days`` calendar days."""
        if self.cutoff is not None:
            return self.cutoff
        last = frame.loc[schema.sales_mask(frame), schema.DATE].max()
        if pd.isna(last):
            raise ValueError("The data has no dated sale lines to split; check the date column.")
        return last.normalize() - pd.Timedelta(days=int(self.test_days) - 1)


@dataclass
class EvaluationData:
    """Training interactions and the relevant test products of the evaluated customers."""

    train: Interactions
    users: np.ndarray
    relevant: sp.csr_matrix
    cutoff: pd.Timestamp
    protocol: str

    @property
    def exclude_purchased(self) -> bool:
        return self.protocol == "discovery"


def prepare_evaluation(frame: pd.DataFrame, settings: SplitSettings | None = None) -> EvaluationData:
    """Split ``frame`` in time and build the relevant sets of the evaluated customers."""
    settings = settings or SplitSettings()
    cutoff = settings.cutoff_for(frame)
    train = build_interactions(frame, InteractionSettings(weighting=settings.weighting, cutoff=cutoff))
    test = schema.sales_mask(frame) & (frame[schema.DATE] >= cutoff) & frame[schema.CUSTOMER_ID].notna()
    rows = pd.Index(train.customer_ids).get_indexer(frame.loc[test, schema.CUSTOMER_ID].astype(str))
    cols = pd.Index(train.product_ids).get_indexer(frame.loc[test, schema.PRODUCT_ID].astype(str))
    ok = (rows >= 0) & (cols >= 0)
    truth = sp.csr_matrix((np.ones(ok.sum()), (rows[ok], cols[ok])), shape=train.shape)
    truth.data[:] = 1.0
    if settings.protocol == "discovery":
        truth = truth - truth.multiply(train.binary)
        truth.eliminate_zeros()
    has_train = np.diff(train.matrix.indptr) > 0
    users = np.flatnonzero(has_train & (np.diff(truth.indptr) > 0))
    if len(users) == 0:
        raise ValueError(
            f"No customer can be evaluated with the cutoff {cutoff:%Y-%m-%d}: nobody with a purchase before it "
            "bought a known product after it. Use a longer test window or an earlier cutoff."
        )
    logger.info("evaluation at %s (%s): %d customers", cutoff, settings.protocol, len(users))
    return EvaluationData(train=train, users=users, relevant=sp.csr_matrix(truth[users]), cutoff=cutoff,
                          protocol=settings.protocol)


def hit_matrix(recommended: np.ndarray, relevant: sp.csr_matrix) -> np.ndarray:
    """Boolean (customers x K): is the product at each rank relevant (-1 padding never is)."""
    relevant = sp.csr_matrix(relevant)
    n_items = relevant.shape[1]
    rel_rows = np.repeat(np.arange(relevant.shape[0]), np.diff(relevant.indptr))
    rel_keys = np.sort(rel_rows.astype(np.int64) * n_items + relevant.indices)
    keys = np.arange(len(recommended))[:, None].astype(np.int64) * n_items + recommended
    position = np.clip(np.searchsorted(rel_keys, keys), 0, max(len(rel_keys) - 1, 0))
    found = rel_keys[position] == keys if len(rel_keys) else np.zeros(keys.shape, dtype=bool)
    return found & (recommended >= 0)


def ranking_metrics(recommended: np.ndarray, relevant: sp.csr_matrix, k: int) -> dict[str, float]:
    """Mean precision, recall, NDCG, MAP and hit rate at ``k``, and catalogue coverage.

    Recall divides by the number of relevant products, MAP by ``min(relevant, k)``;
    coverage = distinct recommended products / catalogue size.
    """
    recommended = np.asarray(recommended)[:, :k]
    n_relevant = np.diff(sp.csr_matrix(relevant).indptr).astype(np.float64)
    if (n_relevant == 0).any():
        raise ValueError("Every evaluated customer needs at least one relevant product; drop the others first.")
    hits = hit_matrix(recommended, relevant).astype(np.float64)
    ranks = np.arange(1, hits.shape[1] + 1)
    discount = 1.0 / np.log2(ranks + 1)
    ideal = np.cumsum(discount)[np.minimum(n_relevant, hits.shape[1]).astype(int) - 1]
    precision_at = np.cumsum(hits, axis=1) / ranks
    shown = recommended[recommended >= 0]
    return {
        "precision": float(np.mean(hits.sum(axis=1) / k)),
        "recall": float(np.mean(hits.sum(axis=1) / n_relevant)),
        "ndcg": float(np.mean((hits * discount).sum(axis=1) / ideal)),
        "map": float(np.mean((precision_at * hits).sum(axis=1) / np.minimum(n_relevant, k))),
        "hit_rate": float(np.mean(hits.any(axis=1))),
        "coverage": float(len(np.unique(shown)) / relevant.shape[1]) if relevant.shape[1] else 0.0,
    }


def score_model(model: Recommender, data: EvaluationData, k: int = 10, /, **settings: Any) -> dict[str, float]:
    """Metrics at ``k`` of a fitted model on ``data`` plus the scoring time in seconds.

    ``settings`` are the model's call settings (they may include its own ``k``, the neighbours).
    """
    start = time.perf_counter()
    recommended = model.recommend_indices(data.users, k, exclude_purchased=data.exclude_purchased, **settings)
    seconds = time.perf_counter() - start
    return {**ranking_metrics(recommended, data.relevant, k), "score_seconds": seconds}


def takes_part(name: str, protocol: str) -> bool:
    """Whether registry algorithm ``name`` can take part in ``protocol``: an algorithm that only ranks the
    customer's own products (buy again) has nothing of its own to offer in discovery."""
    return protocol != "discovery" or RECOMMENDERS.get(name).resolve().discovers


def evaluate(models: Mapping[str, Recommender], data: EvaluationData, k: int = 10) -> pd.DataFrame:
    """Fit each model on the training data and measure it; one row per algorithm.

    Models that cannot take part in the protocol (:func:`takes_part`) are left out, with a log line:
    in discovery, buy-again would only repeat popularity's list. Columns: ``algorithm``, the metrics,
    ``customers``, ``fit_seconds``, ``score_seconds``, ``seconds`` (fit + scoring) and
    ``vs_popularity`` (NDCG ratio, when popularity is present).
    """
    rows = []
    for name, model in models.items():
        if _left_out(name, model.discovers, data):
            continue
        start = time.perf_counter()
        model.fit(data.train)
        rows.append(_row(name, model, time.perf_counter() - start, data, k))
    return with_popularity_ratio(pd.DataFrame(rows))


def evaluate_names(names: Iterable[str], fits: SharedFits, k: int = 10) -> pd.DataFrame:
    """:func:`evaluate` of registry algorithms with their default settings on ``fits.data``, each fitted
    once in ``fits`` (a blend reuses the rows' fitted algorithms); ``fit_seconds`` is what fitting the
    algorithm alone costs, its blended algorithms included."""
    rows = [_row(name, fits.model(name), fits.fit_seconds[name], fits.data, k) for name in names
            if not _left_out(name, RECOMMENDERS.get(name).resolve().discovers, fits.data)]
    return with_popularity_ratio(pd.DataFrame(rows))


def _left_out(name: str, discovers: bool, data: EvaluationData) -> bool:
    if data.protocol == "discovery" and not discovers:
        logger.info("%s left out of the discovery protocol: it only ranks the customer's own products", name)
        return True
    return False


def _row(name: str, model: Recommender, fit_seconds: float, data: EvaluationData, k: int) -> dict[str, Any]:
    result = score_model(model, data, k)
    return {"algorithm": name, **result, "customers": len(data.users), "fit_seconds": fit_seconds,
            "seconds": fit_seconds + result["score_seconds"]}


class SharedFits:
    """Registry algorithms fitted on one split's training data, each once, by name: the hybrid blends the very
    models of the other rows (EASE and customer kNN are not fitted again for it), a sweep scores the
    row's model with other settings. Fitting is serialised (one lock), so sessions sharing the object
    wait for one fit instead of repeating it."""

    def __init__(self, data: EvaluationData) -> None:
        self.data = data
        self.fit_seconds: dict[str, float] = {}
        self._models: dict[str, Recommender] = {}
        self._lock = threading.RLock()

    def model(self, name: str) -> Recommender:
        """Algorithm ``name`` with the registry's default settings, fitted on the training data."""
        with self._lock:
            if name not in self._models:
                self._models[name] = self._fit(name)
            return self._models[name]

    def _fit(self, name: str) -> Recommender:
        model = RECOMMENDERS.get(name).build()
        shared = {member: self.model(member) for member in model.blended()}
        if shared:
            model = model.sharing(shared)
        start = time.perf_counter()
        model.fit(self.data.train)
        self.fit_seconds[name] = time.perf_counter() - start + sum(self.fit_seconds[m] for m in shared)
        return model


def with_popularity_ratio(table: pd.DataFrame) -> pd.DataFrame:
    """Add ``vs_popularity`` (NDCG / the baseline's NDCG) when the table has the baseline's row."""
    is_base = table["algorithm"] == RECOMMENDERS.first_tagged(BASELINE) if len(table) else pd.Series(dtype=bool)
    if not is_base.any():
        return table
    base = table.loc[is_base, "ndcg"].iat[0]
    return table.assign(vs_popularity=table["ndcg"] / base if base > 0 else np.nan)


def sweep(model: Recommender, data: EvaluationData, grid: Mapping[str, Iterable], k: int = 10,
          progress: Callable[[dict], None] | None = None) -> pd.DataFrame:
    """Measure ``model`` over a grid of settings, fitting once (the settings are per call).

    Parameters
    ----------
    model
        A recommender (fitted on ``data.train`` or not; it is fitted once here if needed).
    grid
        Setting name -> values, e.g. ``{"similarity": ["cosine", "jaccard"], "k": [10, 20, 50]}``.
    k
        Cut-off of the metrics.

    Returns
    -------
    pandas.DataFrame
        One row per combination: the settings, then the metrics.
    """
    if getattr(model, "interactions_", None) is not data.train:
        model.fit(data.train)
    names = list(grid)
    combos = pd.MultiIndex.from_product([list(grid[n]) for n in names], names=names) if names else [()]
    rows = []
    for combo in combos:
        settings = dict(zip(names, combo if isinstance(combo, tuple) else (combo,), strict=True))
        row = {**settings, **score_model(model, data, k, **settings)}
        rows.append(row)
        if progress is not None:
            progress(row)
    return pd.DataFrame(rows)
