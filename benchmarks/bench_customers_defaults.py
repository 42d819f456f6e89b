"""How the customer models' defaults were chosen: development windows of two kinds of data, never the test window.

* Online Retail: four as-of dates, 15 days apart, from 2011-04-28 to 2011-06-12, each with a 90-day
  holdout that ends on or before 2011-09-10, where the test window of ``bench_customers.py`` starts
  (2011-09-10 .. 2011-12-09); nothing here looks at it.
* A synthetic shop from another process (``customers_synthetic.py``: Pareto/NBD buyers, a growing
  base, a yearly season), seeds 0 and 1, as of days 230, 270, 310 and 350 of 450.

Rules, fixed before running (each source's mean over its windows counts equally):

* propensity: the setting with the best mean AUC is the default;
* repeat purchases: the smallest mean absolute error of the predicted total, in whole percent (an
  audience's expected revenue must be right); among those tied, the better mean Spearman (who is
  worth more) wins.

A last table measures the issue's idea of calibrating the total on the period before the as-of date.

Run: .venv/bin/python benchmarks/bench_customers_defaults.py
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
from customers_protocol import HORIZON, customer_frame, markdown
from customers_synthetic import START, shop

from retail.customers.evaluation import propensity_metrics, purchase_metrics
from retail.customers.history import History, build_history, outcome
from retail.customers.registry import PROPENSITY_MODELS, VALUE_MODELS
from retail.customers.value import BGNBDValue

RETAIL_WINDOWS = tuple(pd.date_range("2011-04-28", "2011-06-12", freq="15D"))
SYNTHETIC_WINDOWS = tuple(START + pd.Timedelta(days=d) for d in (230, 270, 310, 350))
SYNTHETIC_SEEDS = (0, 1)
PROPENSITY_GRID = [("logistic", {"features": f, "C": c}) for f in ("rfm", "activity") for c in (0.1, 1.0, 10.0)]
PROPENSITY_GRID += [("lightgbm-propensity", {"num_leaves": leaves}) for leaves in (4, 7)]
PROPENSITY_GRID += [("purchase-count", {"num_leaves": leaves}) for leaves in (4, 7)]
PROPENSITY_GRID += [("recency", {})]
VALUE_GRID = [("bgnbd", {"penalizer": p}) for p in (0.0, 0.01)]
VALUE_GRID += [("lightgbm-value", {"num_leaves": leaves}) for leaves in (4, 7)]
VALUE_GRID += [("anchored", {"num_leaves": leaves}) for leaves in (4, 7)]
VALUE_GRID += [("last-period", {})]


def _label(registry, name: str, params: dict) -> str:
    return registry.label(name) + (" (" + ", ".join(f"{k} {v}" for k, v in params.items()) + ")" if params else "")


def sources() -> dict[str, list[tuple[History, pd.Timestamp]]]:
    """Source name -> (history, as-of date) of each development window."""
    retail = build_history(customer_frame())
    synthetic = [build_history(shop(seed)) for seed in SYNTHETIC_SEEDS]
    return {"Online Retail": [(retail, as_of) for as_of in RETAIL_WINDOWS],
            "synthetic": [(history, as_of) for history in synthetic for as_of in SYNTHETIC_WINDOWS]}


def propensity_table(windows: dict[str, list]) -> pd.DataFrame:
    rows = []
    for name, params in PROPENSITY_GRID:
        row = {"setting": _label(PROPENSITY_MODELS, name, params)}
        for source, pairs in windows.items():
            aucs = []
            for history, as_of in pairs:
                model = PROPENSITY_MODELS.get(name).build(**params).fit(history, as_of, HORIZON)
                scores = model.predict_proba(history, as_of)
                aucs.append(propensity_metrics(scores, outcome(history, scores.index, as_of, HORIZON)["bought"])["auc"])
            row[f"{source} AUC per window"] = " / ".join(f"{a:.3f}" for a in aucs)
            row[f"{source} mean"] = float(np.mean(aucs))
        row["mean of both"] = float(np.mean([row[f"{s} mean"] for s in windows]))
        rows.append(row)
    return pd.DataFrame(rows).sort_values("mean of both", ascending=False)


def value_table(windows: dict[str, list]) -> pd.DataFrame:
    rows = []
    for name, params in VALUE_GRID:
        row: dict = {"setting": _label(VALUE_MODELS, name, params)}
        for source, pairs in windows.items():
            errors, ranks = [], []
            for history, as_of in pairs:
                model = VALUE_MODELS.get(name).build(**params).fit(history, as_of, HORIZON)
                predicted = model.predict(history, as_of, HORIZON)
                metrics = purchase_metrics(predicted, outcome(history, predicted.index, as_of, HORIZON))
                errors.append(metrics["purchases_error"])
                ranks.append(metrics["spearman"])
            row[f"{source} total error per window"] = " / ".join(f"{e:+.0%}" for e in errors)
            row[f"{source} abs. error"] = float(np.mean(np.abs(errors)))
            row[f"{source} Spearman"] = float(np.mean(ranks))
        row["abs. total error"] = float(np.mean([row[f"{s} abs. error"] for s in windows]))
        row["Spearman"] = float(np.mean([row[f"{s} Spearman"] for s in windows]))
        rows.append(row)
    table = pd.DataFrame(rows)
    table["_rounded"] = table["abs. total error"].round(2)
    return table.sort_values(["_rounded", "Spearman"], ascending=[True, False]).drop(columns="_rounded")


def calibration_table(windows: dict[str, list]) -> pd.DataFrame:
    """Would calibrating the total on the previous period help? BG/NBD fitted one horizon earlier,
    its total against what happened up to the as-of date; that ratio applied to the as-of prediction."""
    rows = []
    for source, pairs in windows.items():
        raw, calibrated = [], []
        for history, as_of in pairs:
            previous = as_of - pd.Timedelta(days=HORIZON)
            before = BGNBDValue().fit(history, previous, HORIZON).predict(history, previous, HORIZON)
            ratio = outcome(history, before.index, previous, HORIZON)["purchases"].sum() / before[
                "expected_purchases"].sum()
            now = BGNBDValue().fit(history, as_of, HORIZON).predict(history, as_of, HORIZON)
            actual = outcome(history, now.index, as_of, HORIZON)["purchases"].sum()
            raw.append(now["expected_purchases"].sum() / actual - 1)
            calibrated.append(now["expected_purchases"].sum() * ratio / actual - 1)
        rows.append({"source": source, "BG/NBD total error per window": " / ".join(f"{e:+.0%}" for e in raw),
                     "calibrated on the previous period": " / ".join(f"{e:+.0%}" for e in calibrated),
                     "mean abs. error": float(np.mean(np.abs(raw))),
                     "mean abs. error, calibrated": float(np.mean(np.abs(calibrated)))})
    return pd.DataFrame(rows)


def main() -> None:
    start = time.perf_counter()
    windows = sources()
    print(f"Online Retail as of {', '.join(f'{d:%Y-%m-%d}' for d in RETAIL_WINDOWS)}; synthetic seeds "
          f"{SYNTHETIC_SEEDS} as of {', '.join(f'{d:%Y-%m-%d}' for d in SYNTHETIC_WINDOWS)}; horizon {HORIZON} days\n")
    print(markdown(propensity_table(windows), digits=4), end="\n\n")
    print(markdown(value_table(windows)), end="\n\n")
    print(markdown(calibration_table(windows)))
    print(f"\n{time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
