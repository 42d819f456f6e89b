"""``python -m retail recommend`` and ``python -m retail evaluate-recs``."""

from __future__ import annotations

import argparse
import json
import logging

import pandas as pd

from retail.recommend.evaluation import PROTOCOLS, SplitSettings, evaluate, prepare_evaluation
from retail.recommend.interactions import build_interactions
from retail.recommend.registry import ALGORITHMS, make_recommender
from retail.recommend.similarity import MEASURES

logger = logging.getLogger(__name__)

METRIC_KEYS: tuple[str, ...] = ("precision", "recall", "ndcg", "map", "hit_rate", "coverage")


def _load(source: str) -> pd.DataFrame:
    from retail.data.ingest import load_frame  # the foundation's loader (file path or dataset name)

    return load_frame(source)


def _algorithm_params(name: str, args: argparse.Namespace) -> dict:
    if name in ("item-knn", "user-knn"):
        params = {"similarity": args.similarity, "k": args.k}
        if args.shrinkage is not None:
            params["shrinkage"] = args.shrinkage
        return params
    return {}


def run_recommend(frame: pd.DataFrame, args: argparse.Namespace) -> dict:
    """Recommendations for one customer as a JSON-ready dict."""
    data = build_interactions(frame)
    model = make_recommender(args.algorithm, **_algorithm_params(args.algorithm, args)).fit(data)
    result = model.recommend(args.customer, n=args.n)
    return {
        "customer": str(args.customer), "algorithm": args.algorithm, "n": args.n,
        "rows_without_customer": data.rows_without_customer,
        "recommendations": result.to_dict(orient="records"),
    }


def cmd_recommend(args: argparse.Namespace, frame: pd.DataFrame | None = None) -> int:
    out = run_recommend(_load(args.source) if frame is None else frame, args)
    if args.json:
        print(json.dumps(out, default=str))
        return 0
    print(f"top {args.n} for customer {out['customer']} ({out['algorithm']}):")
    for rec in out["recommendations"]:
        print(f"{rec['rank']:>3}. {rec['product_id']}  {rec['product_name']}  score {rec['score']:.4f}  "
              f"- {rec['reasons']}")
    return 0


def run_evaluation(frame: pd.DataFrame, args: argparse.Namespace) -> dict:
    """Evaluate the requested algorithms; the JSON object of ``evaluate-recs --json``."""
    names = [a.strip() for a in args.algorithms.split(",") if a.strip()]
    unknown = [a for a in names if a not in ALGORITHMS]
    if unknown or not names:
        raise ValueError(f"Unknown algorithm(s) {unknown}; choose from {', '.join(ALGORITHMS)}.")
    data = prepare_evaluation(frame, SplitSettings(test_days=args.test_days, protocol=args.protocol))
    table = evaluate({name: make_recommender(name) for name in names}, data, k=args.k)
    algorithms = {
        row["algorithm"]: {**{key: float(row[key]) for key in METRIC_KEYS}, "seconds": float(row["seconds"]),
                           "fit_seconds": float(row["fit_seconds"]), "score_seconds": float(row["score_seconds"])}
        for row in table.to_dict(orient="records")
    }
    return {"customers_evaluated": int(len(data.users)), "k": int(args.k), "protocol": args.protocol,
            "cutoff": str(data.cutoff.date()), "test_days": int(args.test_days), "algorithms": algorithms}


def cmd_evaluate(args: argparse.Namespace, frame: pd.DataFrame | None = None) -> int:
    out = run_evaluation(_load(args.source) if frame is None else frame, args)
    if args.json:
        print(json.dumps(out))
        return 0
    print(f"{out['customers_evaluated']:,} customers, protocol {out['protocol']}, test from {out['cutoff']}, "
          f"K = {out['k']}")
    header = f"{'algorithm':<12}" + "".join(f"{m:>10}" for m in METRIC_KEYS) + f"{'seconds':>10}"
    print(header)
    for name, metrics in out["algorithms"].items():
        print(f"{name:<12}" + "".join(f"{metrics[m]:>10.4f}" for m in METRIC_KEYS) + f"{metrics['seconds']:>10.2f}")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``recommend`` and ``evaluate-recs`` sub-commands to the main parser."""
    rec = subparsers.add_parser("recommend", help="top-N products for one customer, with reasons")
    rec.add_argument("source", metavar="FILE_OR_DATASET")
    rec.add_argument("--customer", required=True, help="customer id")
    rec.add_argument("--algorithm", default="item-knn", choices=list(ALGORITHMS))
    rec.add_argument("--similarity", default="cosine", choices=list(MEASURES))
    rec.add_argument("--k", type=int, default=50, help="neighbours (item-knn, user-knn)")
    rec.add_argument("--shrinkage", type=float, default=None, help="similarity shrinkage (kNN)")
    rec.add_argument("--n", type=int, default=10, help="number of products")
    rec.add_argument("--json", action="store_true", help="print one JSON object")
    rec.set_defaults(handler=cmd_recommend)

    ev = subparsers.add_parser("evaluate-recs", help="offline accuracy of recommenders on a temporal split")
    ev.add_argument("source", metavar="FILE_OR_DATASET")
    ev.add_argument("--test-days", type=int, default=30, help="the last N days are the test window")
    ev.add_argument("--k", type=int, default=10, help="metrics at K")
    ev.add_argument("--algorithms", default=",".join(ALGORITHMS), help="comma-separated algorithm names")
    ev.add_argument("--protocol", default="discovery", choices=list(PROTOCOLS))
    ev.add_argument("--json", action="store_true", help="print one JSON object")
    ev.set_defaults(handler=cmd_evaluate)
