"""``python -m retail recommend`` and ``python -m retail evaluate-recs``.

Algorithms, their choices and their setting flags (``--k``, ``--similarity`` ...) come from
:data:`retail.recommend.registry.RECOMMENDERS`; a flag the chosen algorithm does not take
is an error that names the algorithms that do.
"""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING

import pandas as pd

from retail.cli.common import SOURCE_HELP, add_param_flags, add_registry_choice, chosen_params, names
from retail.recommend.registry import DEFAULT, METRIC_LABELS, PROTOCOLS, RECOMMENDERS

if TYPE_CHECKING:
    from retail.recommend.interactions import Interactions

METRIC_KEYS: tuple[str, ...] = tuple(METRIC_LABELS)


def _load(source: str) -> pd.DataFrame:
    from retail.data.ingest import load_data

    return load_data(source, plain_text=False).frame  # ids are factorised: Arrow text, not 1 GB of objects


def _interactions(source: str, frame: pd.DataFrame | None) -> Interactions:
    """The customer x product matrix of a file, dataset or frame. The frame lives only inside this
    call: the model is fitted after it is gone (5.4M lines: 0.5 GB less at the peak)."""
    from retail.recommend.interactions import build_interactions

    return build_interactions(_load(source) if frame is None else frame)


def run_recommend(data: Interactions, args: argparse.Namespace) -> dict:
    """Recommendations for one customer as a JSON-ready dict."""
    spec = RECOMMENDERS.get(args.algorithm)
    model = spec.build(**chosen_params(args, RECOMMENDERS, spec)).fit(data)
    result = model.recommend(args.customer, n=args.n)
    return {
        "customer": str(args.customer), "algorithm": args.algorithm, "n": args.n,
        "rows_without_customer": data.rows_without_customer,
        "recommendations": result.to_dict(orient="records"),
    }


def cmd_recommend(args: argparse.Namespace, frame: pd.DataFrame | None = None) -> int:
    out = run_recommend(_interactions(args.source, frame), args)
    if args.json:
        print(json.dumps(out, default=str))
        return 0
    print(f"top {args.n} for customer {out['customer']} ({RECOMMENDERS.label(out['algorithm'])}):")
    for rec in out["recommendations"]:
        print(f"{rec['rank']:>3}. {rec['product_id']}  {rec['product_name']}  score {rec['score']:.4f}  "
              f"- {rec['reasons']}")
    return 0


def run_evaluation(frame: pd.DataFrame, args: argparse.Namespace) -> dict:
    """Evaluate the requested algorithms; the JSON object of ``evaluate-recs --json``."""
    from retail.recommend.evaluation import SharedFits, SplitSettings, evaluate_names, prepare_evaluation, takes_part

    requested = RECOMMENDERS.check_names(names(args.algorithms))
    chosen = [name for name in requested if takes_part(name, args.protocol)]
    if not chosen:
        raise ValueError(f"{', '.join(map(RECOMMENDERS.label, requested))} only ranks the customer's own products: "
                         "it takes part only with --protocol all. Add another algorithm or change the protocol.")
    data = prepare_evaluation(frame, SplitSettings(test_days=args.test_days, protocol=args.protocol))
    table = evaluate_names(chosen, SharedFits(data), k=args.k)
    algorithms = {
        row["algorithm"]: {**{key: float(row[key]) for key in METRIC_KEYS}, "seconds": float(row["seconds"]),
                           "fit_seconds": float(row["fit_seconds"]), "score_seconds": float(row["score_seconds"])}
        for row in table.to_dict(orient="records")
    }
    return {"customers_evaluated": int(len(data.users)), "k": int(args.k), "protocol": args.protocol,
            "cutoff": str(data.cutoff.date()), "test_days": int(args.test_days), "algorithms": algorithms,
            "left_out": [name for name in requested if name not in chosen]}


def cmd_evaluate(args: argparse.Namespace, frame: pd.DataFrame | None = None) -> int:
    out = run_evaluation(_load(args.source) if frame is None else frame, args)
    if args.json:
        print(json.dumps(out))
        return 0
    print(f"{out['customers_evaluated']:,} customers, protocol {out['protocol']}, test from {out['cutoff']}, "
          f"K = {out['k']}")
    print(f"{'algorithm':<22}" + "".join(f"{m:>10}" for m in METRIC_KEYS) + f"{'seconds':>10}")
    for name, metrics in out["algorithms"].items():
        print(f"{RECOMMENDERS.label(name):<22}" + "".join(f"{metrics[m]:>10.4f}" for m in METRIC_KEYS)
              + f"{metrics['seconds']:>10.2f}")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``recommend`` and ``evaluate-recs`` sub-commands to the main parser."""
    rec = subparsers.add_parser("recommend", help="top-N products for one customer, with reasons")
    rec.add_argument("source", metavar="FILE_OR_DATASET", help=SOURCE_HELP)
    rec.add_argument("--customer", required=True, help="customer id")
    add_registry_choice(rec, "--algorithm", RECOMMENDERS, RECOMMENDERS.first_tagged(DEFAULT), "algorithm")
    rec.add_argument("--n", type=int, default=10, help="number of products")
    rec.add_argument("--json", action="store_true", help="print one JSON object")
    add_param_flags(rec, RECOMMENDERS, per_entry=False)
    rec.set_defaults(handler=cmd_recommend)

    ev = subparsers.add_parser("evaluate-recs", help="offline accuracy of recommenders on a temporal split")
    ev.add_argument("source", metavar="FILE_OR_DATASET", help=SOURCE_HELP)
    ev.add_argument("--test-days", type=int, default=30, help="the last N days are the test window")
    ev.add_argument("--k", type=int, default=10, help="metrics at K")
    ev.add_argument("--algorithms", default=",".join(RECOMMENDERS.names), help="comma-separated algorithm names")
    ev.add_argument("--protocol", default=next(iter(PROTOCOLS)), choices=list(PROTOCOLS),
                    help="; ".join(f"{name}: {text}" for name, text in PROTOCOLS.items()))
    ev.add_argument("--json", action="store_true", help="print one JSON object")
    ev.set_defaults(handler=cmd_evaluate)
