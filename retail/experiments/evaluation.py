"""Comparing targeting models honestly: each is fitted on one part of the test's customers and
measured on the other (Qini coefficient, uplift among the top 30%), over several random splits,
and the best on the held-out parts is chosen; then the targeting list.

A split keeps every customer whole (all rows of a customer in one part) and is stratified by
contacted x outcome, so both parts hold the same mix. Facts are encoded on the learning part only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from retail.experiments.features import FeatureEncoder
from retail.experiments.metrics import qini_coefficient, qini_curve, uplift_at_k, uplift_by_share
from retail.experiments.registry import BASELINE, UPLIFT_MODELS
from retail.experiments.results import CampaignData
from retail.progress import Progress, quiet

TOP_SHARE = 0.3  # the "uplift among the top 30%"
SHARES = np.round(np.arange(0.05, 1.0001, 0.05), 2)  # the targeting list's sizes
CURVE_SHARES = np.round(np.linspace(0.0, 1.0, 51), 2)
MIN_SPLITS, MAX_SPLITS = 1, 50


NOT_RELIABLE = ("No model ranked the held-out customers reliably better than random order (the best one's targeting "
                "quality is within two standard errors of random order's): the contact's effect does not seem to "
                "depend on what is known about the customers, so a list ranked by a model is close to a random pick.")


@dataclass
class UpliftComparison:
    """Held-out measurements of every model (``scores``: model x split), their mean and spread
    (``summary``, best first), the mean Qini curves (extra outcomes per customer against the share
    ranked, ``curves``) and the measured uplift at each list size (``by_share``; spend too)."""

    outcome: str
    treatment: str
    scores: pd.DataFrame
    summary: pd.DataFrame
    curves: pd.DataFrame
    by_share: pd.DataFrame
    best: str
    customers: int
    test_customers: int
    splits: int
    params: dict[str, dict[str, Any]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    reliable: bool = True  # the best model ranks better than random order beyond the splits' noise

    def summary_dict(self) -> dict[str, Any]:
        """The command line's JSON: per model ``qini``, ``uplift_at_30`` and their ``sd`` over splits."""
        methods = {}
        for row in self.summary.to_dict("records"):
            sd = {"qini": _number(row["qini_sd"]), "uplift_at_30": _number(row["uplift_at_30_sd"])}
            methods[row["model"]] = {"label": UPLIFT_MODELS.label(row["model"]), "qini": _number(row["qini"]),
                                     "uplift_at_30": _number(row["uplift_at_30"]), "sd": sd,
                                     "qini_sd": sd["qini"], "uplift_at_30_sd": sd["uplift_at_30"]}
        return {"outcome": self.outcome, "treatment": self.treatment, "customers": self.customers,
                "test_customers": self.test_customers, "splits": self.splits, "best": self.best,
                "reliable": self.reliable, "methods": methods, "warnings": self.warnings}

    def expected(self, model: str, share: float) -> dict[str, float | None]:
        """Measured extra outcomes (and spend) per customer targeted, for the top ``share`` by ``model``."""
        rows = self.by_share[self.by_share["model"] == model]
        row = rows.iloc[int(np.argmin(np.abs(rows["share"].to_numpy() - share)))]
        spend = row.get("spend_uplift")
        return {"uplift": float(row["uplift"]), "spend_uplift": None if spend is None or pd.isna(spend)
                else float(spend)}


def _number(value: Any) -> float | None:
    value = float(value)
    return None if not np.isfinite(value) else round(value, 6)


def split_customers(frame: pd.DataFrame, customer: str, strata: np.ndarray, test_share: float,
                    seed: int) -> np.ndarray:
    """A boolean mask of the held-out rows: ``test_share`` of the customers of every stratum (the
    stratum of a customer's first row), all rows of a customer on the same side."""
    if not 0.05 <= test_share <= 0.8:
        raise ValueError(f"The held-out share must be between 0.05 and 0.8; got {test_share}.")
    codes, uniques = pd.factorize(frame[customer].astype(str), sort=False)
    first_row = np.unique(codes, return_index=True)[1]  # each customer's first row
    customer_strata = np.asarray(strata)[first_row]
    rng = np.random.default_rng(seed)
    held = np.zeros(len(uniques), dtype=bool)
    for stratum in np.unique(customer_strata):
        members = rng.permutation(np.flatnonzero(customer_strata == stratum))
        held[members[: int(round(len(members) * test_share))]] = True
    return held[codes]


def _models(names: tuple[str, ...], params: dict[str, dict[str, Any]], seed: int) -> dict[str, Any]:
    models = {name: UPLIFT_MODELS.get(name).build(**params.get(name, {})) for name in names}
    for model in models.values():
        if hasattr(model, "seed"):  # random order differs per split, like the splits themselves
            model.seed = seed
    return models


def _measure(name: str, split: int, y: np.ndarray, score: np.ndarray, treated: np.ndarray,
             spend: np.ndarray | None) -> tuple[dict[str, Any], pd.DataFrame, pd.DataFrame]:
    """One model on one held-out part: the scores, the curve on the common grid, uplift per list size."""
    x, curve = qini_curve(y, score, treated)
    row = {"model": name, "split": split, "qini": qini_coefficient(y, score, treated),
           "uplift_at_30": uplift_at_k(y, score, treated, TOP_SHARE)}
    curve_rows = pd.DataFrame({"model": name, "split": split, "share": CURVE_SHARES,
                               "extra": np.interp(CURVE_SHARES, x / len(y), curve) / len(y)})
    share_rows = pd.DataFrame({"model": name, "split": split, "share": SHARES,
                               "uplift": uplift_by_share(y, score, treated, SHARES)})
    if spend is not None:
        share_rows["spend_uplift"] = uplift_by_share(spend, score, treated, SHARES)
    return row, curve_rows, share_rows


def held_out_scores(data: CampaignData, frame: pd.DataFrame, held: np.ndarray,
                    models: dict[str, Any]) -> dict[str, np.ndarray]:
    """Each model fitted on the learning rows (``~held``) and scored on the held-out rows: facts are
    encoded from the learning rows alone, so nothing about the held-out customers reaches a model."""
    encoder = FeatureEncoder(data.features).fit(frame[~held])
    X_learn, X_test = encoder.transform(frame[~held]), encoder.transform(frame[held])
    treated = data.treated(frame)[~held]
    y = frame[data.columns.outcome].to_numpy(dtype=float)[~held]
    return {name: model.fit(X_learn, treated, y).predict(X_test) for name, model in models.items()}


def _one_split(data: CampaignData, frame: pd.DataFrame, held: np.ndarray, models: dict[str, Any],
               split: int) -> tuple[list[dict[str, Any]], list[pd.DataFrame], list[pd.DataFrame]]:
    scores = held_out_scores(data, frame, held, models)
    treated = data.treated(frame)[held]
    y = frame[data.columns.outcome].to_numpy(dtype=float)[held]
    spend = None if data.columns.spend is None else frame[data.columns.spend].to_numpy(dtype=float)[held]
    measured = [_measure(name, split, y, score, treated, spend) for name, score in scores.items()]
    return [m[0] for m in measured], [m[1] for m in measured], [m[2] for m in measured]


def compare_uplift(data: CampaignData, models: tuple[str, ...] | list[str] | None = None,
                   params: dict[str, dict[str, Any]] | None = None, splits: int = 5, test_share: float = 0.3,
                   seed: int = 0, progress: Progress = quiet) -> UpliftComparison:
    """Every model of ``models`` (default: all registered) fitted and measured over ``splits`` random
    splits; the best is the highest mean Qini coefficient on the held-out parts.

    Raises
    ------
    ValueError
        Unknown models or settings, a split count outside 1..50, a part without both groups.
    """
    names = UPLIFT_MODELS.check_names(list(models) if models else list(UPLIFT_MODELS.names))
    params = {name: UPLIFT_MODELS.get(name).check(values) for name, values in (params or {}).items() if name in names}
    if not MIN_SPLITS <= int(splits) <= MAX_SPLITS:
        raise ValueError(f"Splits must be {MIN_SPLITS} to {MAX_SPLITS}; got {splits}.")
    if not data.features:
        raise ValueError("Targeting needs customer facts, and this campaign has none besides the offer and the outcome: "
                         "add facts from the sales data (the file needs customer ids) or columns such as recency, "
                         "past spend or channel.")
    frame = data.compared()
    treated = data.treated(frame)
    strata = treated * 2 + frame[data.columns.outcome].to_numpy(dtype=int)
    rows, curves, shares = [], [], []
    for split in range(int(splits)):
        progress(split / splits, f"Split {split + 1} of {splits}: fitting {len(names)} targeting models")
        held = split_customers(frame, data.customer, strata, test_share, seed + split)
        r, c, s = _one_split(data, frame, held, _models(names, params, seed + split), split)
        rows, curves, shares = rows + r, curves + c, shares + s
    progress(1.0, "Targeting models compared")
    return _comparison(data, pd.DataFrame(rows), pd.concat(curves), pd.concat(shares), int(held.sum()), params,
                       len(frame))


def _comparison(data: CampaignData, scores: pd.DataFrame, curves: pd.DataFrame, shares: pd.DataFrame,
                test_rows: int, params: dict[str, dict[str, Any]], rows: int) -> UpliftComparison:
    grouped = scores.groupby("model", sort=False)
    summary = pd.DataFrame({"qini": grouped["qini"].mean(), "qini_sd": grouped["qini"].std(ddof=1),
                            "uplift_at_30": grouped["uplift_at_30"].mean(),
                            "uplift_at_30_sd": grouped["uplift_at_30"].std(ddof=1)}).reset_index()
    summary = summary.sort_values("qini", ascending=False, ignore_index=True)
    summary.insert(1, "label", summary["model"].map(UPLIFT_MODELS.label))
    candidates = summary[~summary["model"].isin(UPLIFT_MODELS.tagged(BASELINE))]
    best = candidates["model"].iloc[0] if len(candidates) else summary["model"].iloc[0]
    reliable = _beats_random(scores, best)
    warnings = [] if reliable else [NOT_RELIABLE]
    by_share = shares.groupby(["model", "share"], sort=False).mean(numeric_only=True).reset_index()
    curve = curves.groupby(["model", "share"], sort=False)["extra"].mean().reset_index()
    treatment = data.columns.treatment or "any offer"
    return UpliftComparison(data.columns.outcome, treatment, scores, summary, curve,
                            by_share.drop(columns=["split"]), best, rows, test_rows, int(scores["split"].nunique()),
                            params, warnings, reliable)


def _beats_random(scores: pd.DataFrame, best: str) -> bool:
    """Whether ``best``'s Qini beats random order's by more than two standard errors over the splits (paired,
    split by split, when random order was measured too; else against 0, random order's expected Qini)."""
    by_split = scores.pivot_table(index="split", columns="model", values="qini")
    baselines = [m for m in UPLIFT_MODELS.tagged(BASELINE) if m in by_split and m != best]
    gain = by_split[best] - (by_split[baselines].max(axis=1) if baselines else 0.0)
    if len(gain) < 2:
        return bool(gain.mean() > 0)
    return bool(gain.mean() > 2 * gain.std(ddof=1) / np.sqrt(len(gain)))
