"""How the customer models' defaults were chosen: validation windows that end before the test window.

The benchmark's test window is 2011-09-10 .. 2011-12-09 (``bench_customers.py``); nothing here looks
at it. Four as-of dates, 15 days apart, from 2011-04-28 to 2011-06-12, each with a 90-day holdout
that ends on or before 2011-09-10. Rules, fixed before running:

* propensity: the setting with the best mean AUC over the four windows is the default;
* repeat purchases: the model with the smallest mean absolute error of the predicted total is the
  default (an audience's expected revenue must be right); Spearman is reported beside it, and a
  model that ranks customers better is kept and shown on the page.

Run: .venv/bin/python benchmarks/bench_customers_defaults.py
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
from customers_protocol import HORIZON, customer_frame, markdown

from retail.customers.evaluation import propensity_metrics, purchase_metrics
from retail.customers.history import build_history, outcome
from retail.customers.registry import PROPENSITY_MODELS, VALUE_MODELS

WINDOWS = pd.date_range("2011-04-28", "2011-06-12", freq="15D")
PROPENSITY_GRID = [("logistic", {"features": f, "C": c}) for f in ("rfm", "activity") for c in (0.1, 1.0, 10.0)]
PROPENSITY_GRID += [("lightgbm-propensity", {"num_leaves": leaves}) for leaves in (4, 7, 15)]
PROPENSITY_GRID += [("recency", {})]
VALUE_GRID = [("bgnbd", {"penalizer": p}) for p in (0.0, 0.01, 0.1)]
VALUE_GRID += [("lightgbm-value", {"num_leaves": leaves}) for leaves in (4, 7, 15)]
VALUE_GRID += [("last-period", {})]


def _label(registry, name: str, params: dict) -> str:
    return registry.label(name) + (" (" + ", ".join(f"{k} {v}" for k, v in params.items()) + ")" if params else "")


def propensity_table(history) -> pd.DataFrame:
    rows = []
    for name, params in PROPENSITY_GRID:
        aucs = []
        for as_of in WINDOWS:
            scores = PROPENSITY_MODELS.get(name).build(**params).fit(history, as_of, HORIZON).predict_proba(history, as_of)
            aucs.append(propensity_metrics(scores, outcome(history, scores.index, as_of, HORIZON)["bought"])["auc"])
        rows.append({"setting": _label(PROPENSITY_MODELS, name, params), **{f"{d:%d %b}": a for d, a in
                                                                             zip(WINDOWS, aucs, strict=True)},
                     "mean AUC": float(np.mean(aucs))})
    return pd.DataFrame(rows).sort_values("mean AUC", ascending=False)


def value_table(history) -> pd.DataFrame:
    rows = []
    for name, params in VALUE_GRID:
        errors, ranks = [], []
        for as_of in WINDOWS:
            model = VALUE_MODELS.get(name).build(**params).fit(history, as_of, HORIZON)
            predicted = model.predict(history, as_of, HORIZON)
            metrics = purchase_metrics(predicted, outcome(history, predicted.index, as_of, HORIZON))
            errors.append(metrics["purchases_error"])
            ranks.append(metrics["spearman"])
        rows.append({"setting": _label(VALUE_MODELS, name, params),
                     "total error per window": " / ".join(f"{e:+.0%}" for e in errors),
                     "mean abs. total error": float(np.mean(np.abs(errors))), "mean Spearman": float(np.mean(ranks))})
    return pd.DataFrame(rows).sort_values("mean abs. total error")


def main() -> None:
    start = time.perf_counter()
    history = build_history(customer_frame())
    print(f"Validation as-of dates: {', '.join(f'{d:%Y-%m-%d}' for d in WINDOWS)}; horizon {HORIZON} days\n")
    print(markdown(propensity_table(history), digits=4), end="\n\n")
    print(markdown(value_table(history)))
    print(f"\n{time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
