"""The recommend and evaluate-recs sub-commands, driven with a canonical frame."""

from __future__ import annotations

import argparse
import json

import pytest

from retail.cli.recommend import cmd_evaluate, cmd_recommend, register
from tests.recommend_data import random_frame


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    register(parser.add_subparsers(dest="command", required=True))
    return parser.parse_args(argv)


def test_recommend_json(capsys) -> None:
    args = parse(["recommend", "data.csv", "--customer", "c1", "--algorithm", "item-knn", "--similarity",
                  "jaccard", "--k", "5", "--n", "3", "--json"])
    assert cmd_recommend(args, frame=random_frame(seed=9)) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["customer"] == "c1" and len(out["recommendations"]) == 3
    assert {"product_id", "product_name", "score", "reasons"} <= set(out["recommendations"][0])


def test_evaluate_json_keys(capsys) -> None:
    args = parse(["evaluate-recs", "data.csv", "--test-days", "20", "--k", "5", "--algorithms",
                  "popularity,item-knn", "--protocol", "all", "--json"])
    assert cmd_evaluate(args, frame=random_frame(seed=10, n_lines=1500, n_customers=80)) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["k"] == 5 and out["protocol"] == "all" and out["customers_evaluated"] > 0
    assert set(out["algorithms"]) == {"popularity", "item-knn"}
    assert {"precision", "recall", "ndcg", "map", "hit_rate", "coverage", "seconds"} <= set(out["algorithms"]["item-knn"])


def test_evaluate_text_and_unknown_algorithm(capsys) -> None:
    frame = random_frame(seed=10, n_lines=1500, n_customers=80)
    assert cmd_evaluate(parse(["evaluate-recs", "d", "--algorithms", "popularity", "--test-days", "20"]), frame) == 0
    assert "popularity" in capsys.readouterr().out
    with pytest.raises(ValueError, match="Unknown algorithm"):
        cmd_evaluate(parse(["evaluate-recs", "d", "--algorithms", "als"]), frame)
