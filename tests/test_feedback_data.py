"""Customer messages files: recognised by their text column, validated (empty texts, repeats, ratings off
the scale, dates), stored, forgotten with their customer, and never mistaken for a basket list."""

from __future__ import annotations

import json

import numpy as np
import pytest

from retail.access import privacy
from retail.cli import main
from retail.data import messages, schema
from retail.data.ingest import import_file, ingest
from retail.data.readers import read_table
from retail.data.workspace import Workspace
from tests.conftest import ROOT
from tests.feedback_data import reviews_csv

CLOTHING = ROOT.parent / "shared" / "data" / "clothing_reviews" / "womens_clothing_reviews_1000.csv"


def test_a_review_file_is_customer_messages_with_its_fields_matched(tmp_path):
    ingested = ingest(reviews_csv(tmp_path / "reviews.csv"))
    mapping = ingested.mapping.to_dict()
    assert mapping == {"date": "Date", "product_id": "Product", "customer_id": "Customer", "text": "Review Text",
                       "title": "Title", "rating": "Rating", "message_id": "Review ID"}
    report = ingested.result.report
    assert report.file_kind == "messages"
    rules = {rule.rule: rule for rule in report.rules}
    assert rules["empty_messages"].count == 1 and rules["empty_messages"].examples[0]["row"] == 5
    assert rules["duplicate_messages"].count == 1 and rules["duplicate_messages"].examples[0]["row"] == 7
    assert rules["unparseable_date"].count == 1  # 'someday'
    assert rules["rating_out_of_range"].count == 1 and rules["rating_out_of_range"].examples[0]["Rating"] == "9"
    frame = ingested.result.frame
    assert list(frame["message_id"]) == ["R1", "R2", "R3", "R4", "R6"]
    assert frame.loc[frame["message_id"] == "R6", "rating"].isna().all()  # cleared, message kept
    assert (frame[schema.LINE_TYPE] == messages.MESSAGE).all() and frame[schema.QUANTITY].isna().all()


def test_sales_files_are_not_messages():
    assert ingest(ROOT / "sample_data" / "demo_upload.csv").result.report.file_kind == "line_items"


@pytest.mark.parametrize(("values", "scale"), [([1, 2, 5], 5), ([0, 7, 10], 10), ([3, 55, 99], 100), ([], 5)])
def test_rating_scale(values, scale):
    assert messages.rating_scale(np.array(values, dtype=float)) == scale


def test_a_file_without_a_text_column_mapped_is_refused(tmp_path):
    raw = read_table(reviews_csv(tmp_path / "r.csv"))
    with pytest.raises(ValueError, match="needs its text column mapped to 'text'"):
        messages.validate_messages(raw, schema.ColumnMapping({"date": "Date"}))


@pytest.mark.skipif(not CLOTHING.exists(), reason="shared data not present")
def test_the_clothing_reviews_are_messages_not_a_basket_list():
    ingested = ingest(CLOTHING)
    assert ingested.result.report.file_kind == "messages"
    assert ingested.mapping.get("product_id") == "Clothing ID" and ingested.mapping.get("rating") == "Rating"
    assert ingested.result.report.rows_kept == 958  # 42 reviews without text or title


def test_validate_json_reports_the_kind(tmp_path, capsys):
    assert main(["validate", reviews_csv(tmp_path / "r.csv"), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["file_kind"] == "messages"


def test_forgetting_a_customer_removes_their_messages(workspace_home, tmp_path):
    workspace = Workspace()
    info, _ = import_file(workspace, reviews_csv(tmp_path / "r.csv"), "reviews")
    assert info.rows == 5 and info.kind == "messages"
    erasure = privacy.forget_customer(workspace, "C1")
    assert erasure.datasets == {"reviews": 2}
    assert "C1" not in set(workspace.load("reviews")["customer_id"])
