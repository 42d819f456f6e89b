"""RFM figures, scores and segments on a small case computed by hand."""

from __future__ import annotations

import pandas as pd
import pytest

from retail.customers import history as history_module
from retail.customers import segments
from retail.customers.history import build_history, summary
from retail.customers.registry import SEGMENT_LABELS, SEGMENTS, segment_markdown
from retail.data import schema

AS_OF = pd.Timestamp("2024-03-01")


def hand_case() -> pd.DataFrame:
    """A: two orders on 20 Feb and one on 1 Jan, then returns 5 of it; B: one order two days ago;
    C: four monthly orders, the last on 20 Jan; D: one old order and a sale it returned in full
    (cancelled); E and a later order of A fall after the as-of date; one line has no customer."""
    rows = [
        ("2024-01-01 10:00", "A", "A1", 10.0, schema.SALE), ("2024-01-01 10:00", "A", "A1", 5.0, schema.SALE),
        ("2024-02-20 09:00", "A", "A2", 20.0, schema.SALE), ("2024-02-20 17:00", "A", "A3", 8.0, schema.SALE),
        ("2024-02-25 12:00", "A", "CA2", -5.0, schema.RETURN),
        ("2024-02-28 08:00", "B", "B1", 50.0, schema.SALE),
        *[(day, "C", f"C{i}", 7.0, schema.SALE)
          for i, day in enumerate(["2023-12-01", "2023-12-15", "2024-01-10", "2024-01-20"])],
        ("2023-11-01 11:00", "D", "D1", 100.0, schema.SALE), ("2024-01-05 11:00", "D", "D2", 30.0, schema.CANCELLED),
        ("2024-01-06 11:00", "D", "CD2", -30.0, schema.RETURN),
        ("2024-03-02 11:00", "A", "A4", 99.0, schema.SALE), ("2024-03-05 11:00", "E", "E1", 40.0, schema.SALE),
        ("2024-02-10 11:00", None, "X1", 12.0, schema.SALE),
    ]
    frame = pd.DataFrame(rows, columns=["date", "customer", "order", "revenue", "line_type"])
    return pd.DataFrame({
        schema.DATE: pd.to_datetime(frame["date"], format="ISO8601").astype("datetime64[ns]"), schema.PRODUCT_ID: "P1",
        schema.PRODUCT_NAME: "product", schema.CATEGORY: None, schema.QUANTITY: frame["revenue"].clip(lower=-1) / 1,
        schema.UNIT_PRICE: 1.0, schema.REVENUE: frame["revenue"], schema.CUSTOMER_ID: frame["customer"],
        schema.STORE_ID: "s1", schema.ORDER_ID: frame["order"], schema.LINE_TYPE: frame["line_type"],
    })


def test_rfm_by_hand():
    table = summary(build_history(hand_case()), AS_OF)
    assert list(table.index) == ["A", "B", "C", "D"]  # E and the anonymous line are not customers on 1 March
    expected = {
        "recency_days": [10, 2, 41, 121], "orders": [3, 1, 4, 1], "purchase_days": [2, 1, 4, 1],
        "monetary": [38.0, 50.0, 28.0, 100.0], "tenure_days": [60, 2, 91, 121],
        "repeat_purchases": [1, 0, 3, 0], "active_span_days": [50, 0, 50, 0],
    }
    for column, values in expected.items():
        assert table[column].tolist() == values, column
    assert table.loc["A", "average_order_value"] == pytest.approx(38 / 3)


def test_scores_and_segments_by_hand():
    table = segments.rfm(build_history(hand_case()), AS_OF)
    # recency 10, 2, 41, 121 days; orders 3, 1, 4, 1 (B and D tie: the same score); money 38, 50, 28, 100
    assert table["r_score"].tolist() == [3, 4, 2, 1]
    assert table["f_score"].tolist() == [3, 1, 4, 1]
    assert table["m_score"].tolist() == [2, 3, 1, 4]
    assert table["rfm_score"].tolist() == ["332", "413", "241", "114"]
    assert table["segment"].tolist() == ["loyal", "promising", "at_risk", "lost"]


def test_quantile_scores_are_fifths_and_ties_share_a_score():
    assert segments.quantile_scores(pd.Series(range(10))).tolist() == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    assert segments.quantile_scores(pd.Series([1, 1, 1, 1, 9])).tolist() == [1, 1, 1, 1, 5]
    assert segments.quantile_scores(pd.Series([5, 1]), higher_is_better=False).tolist() == [1, 3]


def test_the_rule_table_names_every_score_pair_once_and_every_segment_is_reachable():
    named = {}
    for r in range(1, 6):
        for f in range(1, 6):
            matching = [rule.name for rule in SEGMENTS if rule.matches(r, f)]
            assert matching, (r, f)
            named[(r, f)] = matching[0]
    assert set(named.values()) == set(SEGMENT_LABELS)
    assert all(rule.label in segment_markdown() for rule in SEGMENTS)


def test_overview_and_movement_against_the_previous_period():
    history = build_history(hand_case())
    now = segments.rfm(history, AS_OF)
    before = segments.rfm(history, AS_OF - pd.Timedelta(days=30))
    table = segments.overview(now, before)
    assert table["segment"].tolist() == [rule.name for rule in SEGMENTS]
    assert table["customers"].sum() == 4 and table["previous_customers"].sum() == 3
    assert table["revenue"].sum() == pytest.approx(216.0)
    assert table["revenue_share"].sum() == pytest.approx(1.0)
    moved = segments.movement(now, before)
    assert moved.to_numpy().sum() == 4
    assert moved.loc[segments.NEW_SINCE].sum() == 1  # B arrived after 31 January


def test_no_customers_says_what_is_needed():
    frame = hand_case().assign(**{schema.CUSTOMER_ID: None})
    with pytest.raises(ValueError, match="needs a customer column"):
        build_history(frame)
    assert "customer column" in history_module.why_not("line_items", has_customers=False)
    assert "sales totals per store" in history_module.why_not("store_totals", has_customers=False)
    assert history_module.why_not("line_items", has_customers=True) is None
    with pytest.raises(ValueError, match="No customer bought anything before"):
        summary(build_history(hand_case()), pd.Timestamp("2023-10-01"))
