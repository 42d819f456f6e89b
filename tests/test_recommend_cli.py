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


def _heaviest_customer(frame) -> str:
    return str(frame["customer_id"].value_counts().index[0])


@pytest.mark.parametrize("algorithm", ["popularity", "trending", "buy-again", "item-knn", "user-knn", "content",
                                       "ease", "next-basket", "rules", "hybrid"])
def test_recommend_on_a_file_equals_the_stored_dataset_path(algorithm, small_sample_file, capsys) -> None:
    """The command keeps a file's text Arrow-backed and lets the rows go before fitting (issue 28: memory);
    every algorithm ranks exactly as on the same rows as Python objects (what a stored dataset gives)."""
    from retail.data.ingest import load_data

    plain = load_data(str(small_sample_file)).frame
    argv = ["recommend", str(small_sample_file), "--customer", _heaviest_customer(plain), "--algorithm", algorithm,
            "--n", "10", "--json"]
    assert cmd_recommend(parse(argv)) == 0
    from_file = json.loads(capsys.readouterr().out)
    assert cmd_recommend(parse(argv), frame=plain) == 0
    assert from_file == json.loads(capsys.readouterr().out) and from_file["recommendations"]


def test_evaluate_on_a_file_equals_the_stored_dataset_path(small_sample_file, capsys) -> None:
    from retail.data.ingest import load_data

    argv = ["evaluate-recs", str(small_sample_file), "--algorithms", "popularity,item-knn,next-basket", "--json"]
    outputs = []
    for frame in (None, load_data(str(small_sample_file)).frame):
        assert cmd_evaluate(parse(argv), frame) == 0
        out = json.loads(capsys.readouterr().out)
        for metrics in out["algorithms"].values():
            for timing in ("seconds", "fit_seconds", "score_seconds"):
                metrics.pop(timing)
        outputs.append(out)
    assert outputs[0] == outputs[1] and outputs[0]["customers_evaluated"] > 0


def test_recommend_holds_no_rows_and_no_python_strings_while_fitting(small_sample_file, monkeypatch, capsys) -> None:
    """Issue 28 (5.4M lines: 4.4 GB): the file's ids stay Arrow-backed text, and the rows are gone
    by the time the model is fitted (only the customer x product matrix is needed then)."""
    import gc
    import weakref

    import pandas as pd

    from retail.cli import recommend as command
    from retail.data import schema
    from retail.data.ingest import load_data
    from retail.recommend.knn import ItemKNN

    frames: list[weakref.ref] = []
    alive_while_fitting: list[bool] = []
    load, fit = command._load, ItemKNN.fit

    def loading(source: str) -> pd.DataFrame:
        frame = load(source)
        assert all(isinstance(frame[c].dtype, pd.StringDtype) for c in (schema.CUSTOMER_ID, schema.PRODUCT_ID))
        frames.append(weakref.ref(frame))
        return frame

    def fitting(model, data):
        gc.collect()
        alive_while_fitting.append(frames[0]() is not None)
        return fit(model, data)

    monkeypatch.setattr(command, "_load", loading)
    monkeypatch.setattr(ItemKNN, "fit", fitting)
    customer = _heaviest_customer(load_data(str(small_sample_file)).frame)
    argv = ["recommend", str(small_sample_file), "--customer", customer, "--algorithm", "item-knn", "--json"]
    assert cmd_recommend(parse(argv)) == 0
    assert alive_while_fitting == [False] and json.loads(capsys.readouterr().out)["recommendations"]
