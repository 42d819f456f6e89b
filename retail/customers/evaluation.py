"""How good the scores were on a held-out period: the customers' purchases in [as_of, as_of + horizon).

Propensity: ROC AUC (how often a buyer is ranked above a non-buyer), top-decile lift (buy rate of
the 10% highest scores over the overall rate), calibration (the reliability curve: predicted
against actual buy rate per tenth of the scores) and the Brier score. Purchases: predicted against
actual totals (purchase days, summed over customers), Spearman correlation per customer and the
share of all purchases made by the top 10% of predictions ("top-10% capture").
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats
from sklearn.calibration import calibration_curve
from sklearn.metrics import brier_score_loss, roc_auc_score

TOP_SHARE = 0.10


def _top(scores: np.ndarray, share: float = TOP_SHARE) -> np.ndarray:
    """Positions of the ``share`` highest scores (ties broken by position, stable)."""
    count = max(1, int(round(share * len(scores))))
    return np.argsort(-np.asarray(scores, dtype=np.float64), kind="stable")[:count]


def roc_auc(scores: np.ndarray, labels: np.ndarray) -> float:
    """scikit-learn's ROC AUC (ties counted half), NaN instead of an error when one class is absent."""
    labels = np.asarray(labels, dtype=bool)
    return float(roc_auc_score(labels, scores)) if 0 < labels.sum() < len(labels) else float("nan")


def top_decile_lift(scores: np.ndarray, labels: np.ndarray) -> float:
    labels = np.asarray(labels, dtype=np.float64)
    overall = labels.mean() if len(labels) else float("nan")
    return float(labels[_top(scores)].mean() / overall) if overall > 0 else float("nan")


def propensity_metrics(scores: pd.Series, bought: pd.Series) -> dict[str, float]:
    """AUC, top-decile lift, Brier score, mean predicted probability and actual buy rate."""
    s = scores.to_numpy(dtype=np.float64)
    y = bought.reindex(scores.index).fillna(False).to_numpy(dtype=bool)
    return {"auc": roc_auc(s, y), "top_decile_lift": top_decile_lift(s, y),
            "brier": float(brier_score_loss(y, s)) if len(s) else float("nan"),
            "predicted_rate": float(s.mean()) if len(s) else float("nan"),
            "actual_rate": float(y.mean()) if len(y) else float("nan")}


def reliability(scores: pd.Series, bought: pd.Series, bins: int = 10) -> pd.DataFrame:
    """Per tenth of the scores (scikit-learn's quantile bins): mean predicted probability and actual buy rate."""
    y = bought.reindex(scores.index).fillna(False).to_numpy(dtype=bool)
    if not len(y):
        return pd.DataFrame({"predicted": [], "actual": []})
    actual, predicted = calibration_curve(y, scores.to_numpy(dtype=np.float64), n_bins=bins, strategy="quantile")
    return pd.DataFrame({"predicted": predicted, "actual": actual})


def lift_table(scores: pd.Series, bought: pd.Series, bins: int = 10) -> pd.DataFrame:
    """Per tenth of the customers, highest scores first: buy rate, lift and the cumulative share of
    all buyers reached (the gains curve)."""
    y = bought.reindex(scores.index).fillna(False).to_numpy(dtype=np.float64)
    order = np.argsort(-scores.to_numpy(dtype=np.float64), kind="stable")
    decile = np.arange(len(order)) * bins // max(len(order), 1)
    frame = pd.DataFrame({"decile": decile + 1, "bought": y[order]})
    table = frame.groupby("decile").agg(customers=("bought", "size"), buyers=("bought", "sum"))
    overall = y.mean() if len(y) else float("nan")
    table["buy_rate"] = table["buyers"] / table["customers"]
    table["lift"] = table["buy_rate"] / overall if overall > 0 else np.nan
    table["buyers_reached"] = table["buyers"].cumsum() / max(y.sum(), 1.0)
    return table.reset_index()


def purchase_metrics(predicted: pd.DataFrame, actual: pd.DataFrame) -> dict[str, float]:
    """Predicted against actual purchases (and spend) over the same customers."""
    actual = actual.reindex(predicted.index).fillna(0)
    p = predicted["expected_purchases"].to_numpy(dtype=np.float64)
    a = actual["purchases"].to_numpy(dtype=np.float64)
    spend_p = float(predicted["expected_spend"].sum(min_count=1))
    spend_a = float(actual["spend"].sum())
    return {
        "purchases_predicted": float(p.sum()), "purchases_actual": int(a.sum()),
        "purchases_error": float(p.sum() / a.sum() - 1) if a.sum() else float("nan"),
        "spearman": float(stats.spearmanr(p, a)[0]) if len(p) > 1 and np.ptp(a) > 0 and np.ptp(p) > 0 else float("nan"),
        "top_capture": float(a[_top(p)].sum() / a.sum()) if a.sum() else float("nan"),
        "spend_predicted": spend_p, "spend_actual": spend_a,
        "spend_error": spend_p / spend_a - 1 if spend_a and not np.isnan(spend_p) else float("nan"),
    }
