"""Customers benchmark (issue 10): Online Retail, as-of 2011-09-10, 90 days held out.

Protocol (``customers_protocol.py``): customers with a purchase before the as-of date (3,370);
purchases are distinct purchase days per customer, summed (4,450 in the held-out days); the
propensity label is "bought at least once in the held-out days". Everything is computed by
:func:`retail.customers.analysis.analyse` with ``evaluate=True`` (RFM, segments, every model, the
evaluation) and timed. Reference figures are the issue's (BG/NBD fitted by maximum likelihood,
plain frequency, logistic regression on RFM trained on the previous window, recency alone).

Run: .venv/bin/python benchmarks/bench_customers.py
"""

from __future__ import annotations

import time

import pandas as pd
from customers_protocol import AS_OF, DATA, HORIZON, customer_frame, markdown
from scipy import stats

from retail.customers.analysis import CustomerSettings, analyse
from retail.customers.history import build_history, outcome, summary
from retail.customers.registry import PROPENSITY_MODELS, VALUE_MODELS

REFERENCE_AUC = {"logistic": 0.739, "recency": 0.683}
REFERENCE_VALUE = {"bgnbd": (3347, 0.496, 0.365)}
OTHER_WINDOWS = pd.date_range("2011-04-28", "2011-06-12", freq="15D")  # the defaults' validation windows


def frequency_baseline(history, as_of: pd.Timestamp) -> dict[str, float]:
    """Plain frequency (purchase days so far) as the prediction: the issue's Spearman reference."""
    known = summary(history, as_of)
    happened = outcome(history, known.index, as_of, HORIZON)
    return {"spearman": float(stats.spearmanr(known["purchase_days"], happened["purchases"])[0])}


def propensity_rows(result) -> pd.DataFrame:
    table = result.propensity_evaluation.copy()
    table["reference AUC"] = table["model"].map(REFERENCE_AUC).astype(object).where(
        table["model"].isin(REFERENCE_AUC), "")
    table["model"] = table["model"].map(PROPENSITY_MODELS.label)
    return table[["model", "auc", "top_decile_lift", "brier", "predicted_rate", "actual_rate", "reference AUC"]]


def value_rows(result, frequency: dict[str, float]) -> pd.DataFrame:
    table = result.value_evaluation.copy()
    reference = table["model"].map(lambda m: "{:,} / {:.3f} / {:.3f}".format(*REFERENCE_VALUE[m])
                                   if m in REFERENCE_VALUE else "")
    table["model"] = table["model"].map(VALUE_MODELS.label)
    table["reference predicted / Spearman / capture"] = reference
    table["purchases_predicted"] = table["purchases_predicted"].map("{:,.0f}".format)
    table["purchases_actual"] = table["purchases_actual"].map("{:,.0f}".format)
    table["purchases_error"] = table["purchases_error"].map("{:+.1%}".format)
    table["top_capture"] = table["top_capture"].map("{:.3f}".format)
    plain = {"model": "plain frequency (purchase days so far)", "spearman": frequency["spearman"],
             "reference predicted / Spearman / capture": "- / 0.503 / -"}
    table = pd.concat([table, pd.DataFrame([plain])], ignore_index=True)
    columns = ["model", "purchases_predicted", "purchases_actual", "purchases_error", "spearman", "top_capture",
               "reference predicted / Spearman / capture"]
    return table[columns].fillna("")


def ceilings(history) -> pd.DataFrame:
    """Upper bounds, not models: the same learners fitted on the held-out outcome itself (5-fold
    cross-validation over the test customers), i.e. with the autumn's own labels. What the customer
    facts can carry at best; a model trained on an earlier window cannot do better than this."""
    from lightgbm import LGBMRegressor
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import cross_val_predict
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from retail.customers.evaluation import roc_auc
    from retail.customers.history import features
    from retail.customers.propensity import ACTIVITY_COLUMNS, model_inputs

    facts = features(history.before(AS_OF), AS_OF)
    happened = outcome(history, facts.index, AS_OF, HORIZON)
    inputs = model_inputs(facts, ACTIVITY_COLUMNS)
    scores = cross_val_predict(make_pipeline(StandardScaler(), LogisticRegression(C=10.0, max_iter=2000)), inputs,
                               happened["bought"], cv=5, method="predict_proba")[:, 1]
    counts = cross_val_predict(LGBMRegressor(objective="poisson", n_estimators=300, learning_rate=0.03, num_leaves=4,
                                             min_child_samples=40, verbose=-1, n_jobs=1), facts,
                               happened["purchases"], cv=5)
    return pd.DataFrame([
        {"fitted on the held-out outcome itself (5-fold)": "logistic regression, activity facts",
         "measure": "AUC", "value": roc_auc(scores, happened["bought"].to_numpy()), "target": ">= 0.75"},
        {"fitted on the held-out outcome itself (5-fold)": "LightGBM (Poisson), all facts",
         "measure": "Spearman", "value": float(stats.spearmanr(counts, happened["purchases"])[0]), "target": ">= 0.52"},
    ])


def bar_rows(result, seconds: float) -> pd.DataFrame:
    """Issue 26's goals (set on another year of this shop) for the default models on this test window."""
    e = result.evaluation_dict()
    error = e["purchases_predicted"] / e["purchases_actual"] - 1
    spend = result.value_evaluation.set_index("model").loc[result.settings.value_model]
    value_rank = float(stats.spearmanr(result.customers["expected_spend"], result.customers["actual_spend"])[0])
    rows = [
        (f"propensity AUC (default: {PROPENSITY_MODELS.label(result.settings.propensity_model)})",
         f"{e['propensity_auc']:.3f}", ">= 0.75", e["propensity_auc"] >= 0.75),
        (f"predicted total purchases vs actual (default: {VALUE_MODELS.label(result.settings.value_model)})",
         f"{e['purchases_predicted']:,.0f} vs {e['purchases_actual']:,} ({error:+.1%})", "within 10%",
         abs(error) <= 0.10),
        ("Spearman, predicted vs actual purchases (default)", f"{e['spearman']:.3f}", ">= 0.52", e["spearman"] >= 0.52),
        ("Spearman, predicted vs actual spend (default)", f"{value_rank:.3f} (spend total {spend['spend_error']:+.1%})",
         ">= 0.52", value_rank >= 0.52),
        (f"everything for {len(result.customers):,} customers", f"{seconds:.1f} s", "< 20 s", seconds < 20),
    ]
    return pd.DataFrame(rows, columns=["check", "measured", "target", "hit"]).assign(
        hit=lambda t: t["hit"].map({True: "yes", False: "**miss**"}))


def other_windows(history) -> pd.DataFrame:
    """The default models on the earlier windows (the ones the defaults were chosen on) and the test window."""
    rows = []
    for as_of in [*OTHER_WINDOWS, AS_OF]:
        result = analyse(history, CustomerSettings(as_of=as_of, horizon_days=HORIZON, evaluate=True))
        e = result.evaluation_dict()
        rows.append({"as of": f"{as_of:%Y-%m-%d}", "customers": len(result.customers), "AUC": e["propensity_auc"],
                     "recency AUC": result.propensity_evaluation.set_index("model").loc["recency", "auc"],
                     "predicted": round(e["purchases_predicted"]), "actual": e["purchases_actual"],
                     "total error": f"{e['purchases_predicted'] / e['purchases_actual'] - 1:+.1%}",
                     "Spearman": e["spearman"]})
    return pd.DataFrame(rows)


def main() -> None:
    frame = customer_frame()
    start = time.perf_counter()
    result = analyse(frame, CustomerSettings(as_of=AS_OF, horizon_days=HORIZON, evaluate=True, clusters=True))
    seconds = time.perf_counter() - start
    history = build_history(frame)
    print(f"Online Retail ({DATA.name}), as of {AS_OF:%Y-%m-%d}, next {HORIZON} days; "
          f"{len(result.customers):,} customers; {seconds:.1f} s for RFM, segments, k-means, {len(VALUE_MODELS) + len(PROPENSITY_MODELS)} models and the "
          "evaluation\n")
    print(markdown(propensity_rows(result)), end="\n\n")
    print(markdown(value_rows(result, frequency_baseline(history, AS_OF))), end="\n\n")
    print(markdown(bar_rows(result, seconds)), end="\n\n")
    print("How far the customer facts can go at best on this window:\n")
    print(markdown(ceilings(history)), end="\n\n")
    print("The default models on the earlier validation windows and on the test window:\n")
    print(markdown(other_windows(history)))
    app = pd.Timestamp.now()
    from retail.data.ingest import load_data

    imported = load_data(str(DATA)).frame
    on_import = analyse(imported, CustomerSettings(as_of=AS_OF, horizon_days=HORIZON, evaluate=True))
    e = on_import.evaluation_dict()
    print(f"\nThe file imported as the app imports it (returns matched, postage and fees left out): "
          f"{len(on_import.customers):,} customers, AUC {e['propensity_auc']:.3f}, purchases "
          f"{e['purchases_predicted']:,.0f} vs {e['purchases_actual']:,}, Spearman {e['spearman']:.3f} "
          f"({(pd.Timestamp.now() - app).total_seconds():.1f} s with the import)")


if __name__ == "__main__":
    main()
