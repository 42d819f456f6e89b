"""``python -m retail feedback``: what customers say (topics, unhappy customers, products) in a customer
messages file or dataset.

``feedback --json`` prints one object::

    {"messages", "unhappy": {"model", "label", "auc", "auc_how", "rated", "rated_unhappy", "flagged"},
     "topics": [{"topic", "name", "words", "messages", "unhappy_share"}], "topic_count", "stability",
     "rising_topics", "products", "classes", "act_first", "answers": {"intent_accuracy",
     "right_answer_in_3", "test_messages", "answered", "intents"}, "complaints_up_sales_down", "seconds",
     "out"}

``--out F.csv`` (or .xlsx) writes one row per message in the file's order: the file's own message id
column when it has one (else the row), date, product, customer (by pseudonym when an admin chose
so), rating, topic and the probability that the customer is unhappy. Models and their flags come
from :mod:`retail.feedback.registry`.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from retail.cli.common import (
    SOURCE_HELP,
    add_mapping_arguments,
    add_param_flags,
    entry_params,
    mapping_overrides,
    progress,
    table_out_path,
)
from retail.feedback.registry import TOPIC_MODELS, UNHAPPY_MODELS


def register(commands: argparse._SubParsersAction) -> None:
    """Add ``feedback``."""
    p = commands.add_parser("feedback", help="customer messages: topics, unhappy customers, products, answers")
    p.add_argument("source", metavar="FILE_OR_DATASET", help=SOURCE_HELP.replace("data file", "customer messages file"))
    add_mapping_arguments(p)
    p.add_argument("--unhappy-model", default=None, choices=list(UNHAPPY_MODELS.names), metavar="MODEL",
                   help="unhappy-customer model (" + "; ".join(f"{s.name}: {s.label}" for s in UNHAPPY_MODELS)
                   + "); default: learned from the ratings when the file has enough, else the taught word list")
    p.add_argument("--topic-model", default=TOPIC_MODELS.names[0], choices=list(TOPIC_MODELS.names), metavar="MODEL",
                   help="topic model (" + "; ".join(f"{s.name}: {s.label}" for s in TOPIC_MODELS) + ")")
    p.add_argument("--unhappy-rating", type=float, default=2.0,
                   help="a rating at or below this (on a 5-star scale) is an unhappy customer (default 2)")
    p.add_argument("--sales", default=None, metavar="FILE_OR_DATASET",
                   help="sales data with the same product codes: flag products whose complaints rise while sales fall")
    p.add_argument("--seed", type=int, default=0, help="random seed")
    p.add_argument("--out", default=None, help="one row per message (topic, unhappy probability): .csv or .xlsx")
    p.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    add_param_flags(p, UNHAPPY_MODELS, per_entry=True)
    add_param_flags(p, TOPIC_MODELS, per_entry=True)
    p.set_defaults(handler=cmd_feedback)


def _settings(args: argparse.Namespace):
    from retail.feedback.settings import FeedbackSettings

    unhappy = entry_params(args, UNHAPPY_MODELS.get(args.unhappy_model)) if args.unhappy_model else {}
    return FeedbackSettings(unhappy_model=args.unhappy_model, unhappy_params=unhappy, topic_model=args.topic_model,
                            topic_params=entry_params(args, TOPIC_MODELS.get(args.topic_model)),
                            unhappy_rating=args.unhappy_rating, seed=args.seed)


def cmd_feedback(args: argparse.Namespace) -> int:
    from retail.data.ingest import load_data
    from retail.data.schema import MESSAGE_ID
    from retail.feedback.analysis import analyse

    out = table_out_path(args.out)
    settings = _settings(args)  # a wrong flag is refused before the long work
    loaded = load_data(args.source, mapping_overrides(args))
    if loaded.kind != "messages":
        raise ValueError(f"{args.source} is not a customer messages file (it reads as "
                         f"{loaded.kind.replace('_', ' ')}): map its text column with --map text=COLUMN.")
    sales = load_data(args.sales).frame if args.sales else None
    result = analyse(loaded.frame, settings, sales=sales, progress=progress)
    info = result.summary_dict() | {"out": None}
    if out is not None:
        info["out"] = _write_scores(result, loaded.mapping.get(MESSAGE_ID), args.source, out)
    if args.json:
        print(json.dumps(info))
        return 0
    _print(info)
    return 0


def _write_scores(result, id_column: str | None, source: str, out: Path) -> str:
    from retail.cli.access import write_export
    from retail.feedback.export import scores_table, to_csv_bytes, to_excel_bytes

    def build(workspace) -> bytes:  # customers by pseudonym when an admin chose so; the export is logged
        table = workspace.export(scores_table(result, id_column))
        return to_excel_bytes(table) if out.suffix.lower() == ".xlsx" else to_csv_bytes(table)

    write_export(out, source, build)
    return str(out)


def _print(info: dict[str, Any]) -> None:
    unhappy = info["unhappy"]
    auc = "" if unhappy["auc"] is None else f"; AUC {unhappy['auc']:.3f} ({unhappy['auc_how']})"
    print(f"{info['messages']:,} messages; unhappy customers by {unhappy['label']}{auc}; "
          f"{unhappy['flagged']:,} messages likely unhappy")
    print(f"{info['topic_count']} topics (the most stable number):")
    for topic in info["topics"]:
        share = "" if topic["unhappy_share"] is None else f", {topic['unhappy_share']:.0%} unhappy"
        print(f"  {topic['name']:<40} {topic['messages']:>7,} messages{share}")
    if info["rising_topics"]:
        print("rising: " + ", ".join(info["rising_topics"]))
    answers = info["answers"]
    if answers["intent_accuracy"] is not None:
        print(f"intent accuracy {answers['intent_accuracy']:.0%} on {answers['test_messages']:,} held-out messages; "
              f"right kind of answer among the 3 suggested {answers['right_answer_in_3']:.0%}")
    if info["complaints_up_sales_down"]:
        print("complaints up, sales down: " + ", ".join(info["complaints_up_sales_down"][:20]))
    if info["out"]:
        print(f"written to {info['out']}")
