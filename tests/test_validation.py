import numpy as np
import pandas as pd
import pytest

from retail.data import schema
from retail.data.readers import RawTable
from retail.data.validation import ValidationError, ValidationSettings, validate

HEADER = ["Date", "SKU", "Name", "Qty", "Price", "Customer", "Store", "Invoice"]
MAPPING = schema.ColumnMapping({
    "date": "Date", "product_id": "SKU", "product_name": "Name", "quantity": "Qty", "unit_price": "Price",
    "customer_id": "Customer", "store_id": "Store", "order_id": "Invoice"})


def run(rows, mapping=MAPPING, **settings):
    raw = RawTable(frame=pd.DataFrame(rows, columns=HEADER[: len(rows[0])]), source_name="t.csv", file_format="csv")
    return validate(raw, mapping, ValidationSettings(**settings))


def good(day=1, sku="A", qty="2", price="1.50", customer="c1", invoice="100"):
    return [f"2011-01-{day:02d}", sku, f"Item {sku}", qty, price, customer, "London", invoice]


def test_clean_file_keeps_everything_and_types_columns():
    result = run([good(1), good(2, "B", "3", "2.00", "c2", "101")])
    frame = result.frame
    assert result.report.rows_kept == 2 and result.report.usable
    assert frame[schema.QUANTITY].tolist() == [2.0, 3.0]
    assert frame[schema.REVENUE].tolist() == [3.0, 6.0]
    assert frame[schema.DATE].dtype == "datetime64[ns]"
    assert (frame[schema.LINE_TYPE] == schema.SALE).all()
    assert result.report.date_range == ("2011-01-01", "2011-01-02")


def test_missing_required_values_are_dropped_and_shown():
    rows = [good(1), [None, "A", "x", "1", "1", "c", "s", "1"], good(2, sku=None), good(3, qty=None)]
    rows[2][2] = None  # neither a code nor a name
    report = run(rows).report
    rule = report.rule("missing_required")
    assert rule.count == 3 and rule.action == "row dropped" and rule.title == "Missing date / product code / units"
    assert [e["row"] for e in rule.examples] == [2, 3, 4]
    assert report.rows_kept == 1


def test_unparseable_dates_and_numbers_name_the_values():
    report = run([good(1), ["yesterday", *good(2)[1:]], good(3, qty="six"), good(4, price="abc")]).report
    assert report.rule("unparseable_date").count == 1
    assert report.rule("unparseable_date").examples[0]["Date"] == "yesterday"
    numbers = report.rule("unparseable_number")
    assert numbers.count == 2
    assert {e["row"] for e in numbers.examples} == {3, 4}
    assert numbers.examples[0]["Qty"] == "six"


def test_returns_cancellations_zero_price_and_non_product_are_kept_and_marked():
    rows = [good(1), good(2, qty="-2"), good(3, invoice="C200"), good(4, price="0"),
            good(5, sku="POST"), good(6, sku="M"), good(7, sku="gift_0001_20")]
    rows[5][2] = "Manual"
    result = run(rows)
    types = result.frame[schema.LINE_TYPE].tolist()
    # the first sale is undone by the return of the same units the next day: net sales leave it out
    assert types == ["cancelled", "return", "return", "zero_price", "non_product", "non_product", "non_product"]
    report = result.report
    assert report.rule("returns").count == 2
    assert report.rule("zero_or_negative_price").count == 1
    assert report.rule("non_product").count == 3
    assert report.line_types == {"cancelled": 1, "return": 2, "zero_price": 1, "non_product": 3}


def test_one_letter_code_is_a_product_unless_named_like_a_fee():
    assert run([good(1, sku="M")]).frame[schema.LINE_TYPE].tolist() == ["sale"]


def test_configurable_non_product_codes():
    result = run([good(1, sku="WRAP"), good(2)], non_product_codes=("WRAP",))
    assert result.frame[schema.LINE_TYPE].tolist() == ["non_product", "sale"]
    with pytest.raises(ValueError, match="not a valid regular expression"):
        ValidationSettings(non_product_patterns=("([",))


def test_order_ids_that_all_start_with_c_are_not_cancellations():
    result = run([good(1, invoice="C1"), good(2, invoice="C2"), good(3, invoice="3")])
    assert (result.frame[schema.LINE_TYPE] == schema.SALE).all()


def test_exact_duplicates_dropped_once():
    report = run([good(1), good(1), good(1), good(2)]).report
    assert report.rule("duplicate_rows").count == 2 and report.rows_kept == 2
    kept = run([good(1), good(1)], drop_duplicates=False).report
    assert kept.rows_kept == 2 and kept.rule("duplicate_rows").action == "kept"


def test_future_dates_dropped():
    report = run([good(1), ["2099-01-01", *good(1)[1:]]], latest_allowed_date=pd.Timestamp("2012-01-01")).report
    assert report.rule("future_dates").count == 1 and report.rows_kept == 1


def test_missing_customers_counted_not_dropped():
    report = run([good(1), good(2, customer=None)]).report
    assert report.rule("missing_customer").count == 1 and report.rows_kept == 2


def test_formula_like_text_is_counted_and_kept_verbatim():
    result = run([good(1, sku="=HYPERLINK(\"x\")"), good(2, sku="-A"), good(3, sku="-5")])
    assert result.report.rule("formula_like_text").count == 2
    assert result.frame[schema.PRODUCT_ID].iloc[0] == "=HYPERLINK(\"x\")"


def test_quantity_defaults_to_one_and_revenue_without_price():
    mapping = schema.ColumnMapping({"date": "Date", "product_id": "SKU"})
    result = run([good(1)[:2], good(2)[:2]], mapping=mapping)
    assert result.frame[schema.QUANTITY].tolist() == [1.0, 1.0]
    assert result.report.rule("quantity_defaulted").count == 2
    assert result.frame[schema.REVENUE].isna().all()


def test_store_level_file_with_revenue_and_extra_columns():
    frame = pd.DataFrame({"Store": ["1", "2"], "Date": ["2015-07-31", "2015-07-31"], "Sales": ["5263", "6064"],
                          "Promo": ["1", "0"]})
    raw = RawTable(frame=frame, source_name="rossmann.csv", file_format="csv")
    result = validate(raw, schema.infer_mapping(frame))
    assert result.frame[schema.REVENUE].tolist() == [5263.0, 6064.0]
    assert result.frame[schema.PRODUCT_ID].isna().all()
    assert result.frame["Promo"].tolist() == [1.0, 0.0]  # extra column typed as number


def test_unusable_inputs_raise_plain_errors():
    with pytest.raises(ValidationError, match="no column is mapped to 'date'"):
        run([good(1)], mapping=schema.ColumnMapping({"product_id": "SKU"}))
    with pytest.raises(ValidationError, match="not in the file"):
        run([good(1)], mapping=schema.ColumnMapping({"date": "Day", "product_id": "SKU"}))
    with pytest.raises(ValidationError, match="No value in the date column 'Date'"):
        run([["soon", *good(1)[1:]]])
    with pytest.raises(ValidationError, match="No usable rows remain"):
        run([good(1, qty="x"), good(2, qty="y")])


def test_report_round_trips_through_dict():
    report = run([good(1), good(2, qty="-1")]).report
    again = type(report).from_dict(report.to_dict())
    assert again.to_dict() == report.to_dict()


@pytest.mark.parametrize("seed", range(5))
def test_row_accounting_property(seed):
    """Property: kept rows = read rows - dropped rows, and every kept row has a line type."""
    rng = np.random.default_rng(seed)
    rows = []
    for _ in range(200):
        row = good(int(rng.integers(1, 28)), sku=str(rng.choice(["A", "B", "POST", None])),
                   qty=str(rng.choice(["1", "-1", "x", "3"])), invoice=str(rng.choice(["1", "C2"])))
        row[1] = None if row[1] == "None" else row[1]
        rows.append(row)
    report = run(rows).report
    dropped = sum(r.count for r in report.rules if r.action.startswith(("row dropped", "dropped")))
    assert report.rows_kept == report.rows_read - dropped
    assert sum(report.line_types.values()) == report.rows_kept


def test_per_product_implausible_quantity_and_price_kept_and_marked():
    rows = [good(day % 28 + 1, qty=str(2 + day % 10), invoice=str(day)) for day in range(30)]
    rows.append(good(28, qty="50000", invoice="900"))
    rows.append(good(27, qty="3", price="2500", invoice="901"))
    rows.append(good(26, sku="B", qty="50000", invoice="902"))  # too few lines of B to judge
    result = run(rows)
    types = result.frame[schema.LINE_TYPE].tolist()
    assert types[-3:] == ["implausible", "implausible", "sale"] and types.count("implausible") == 2
    rule = result.report.rule("implausible")
    assert rule.examples[0]["quantity"] == 50000 and rule.examples[0]["usual quantity"] == pytest.approx(6.48, rel=1e-3)
    assert rule.examples[1]["usual price"] == pytest.approx(1.5)
    assert run(rows, outlier_min_ratio=100_000).report.rule("implausible").count == 0


def test_implausible_settings_checked():
    with pytest.raises(ValueError, match="outlier_min_ratio must be above 1"):
        ValidationSettings(outlier_min_ratio=0.5)
    with pytest.raises(ValueError, match="max_quantity must be a positive number"):
        ValidationSettings(max_quantity=0)


def test_duplicates_without_quantity_kept_unless_asked():
    mapping = schema.ColumnMapping({"date": "Date", "product_id": "SKU"})
    rows = [good(1)[:2], good(1)[:2], good(2)[:2]]
    assert run(rows, mapping=mapping).report.rows_kept == 3
    forced = run(rows, mapping=mapping, drop_duplicates=True).report
    assert forced.rows_kept == 2 and forced.rule("duplicate_rows").action == "dropped (the first copy is kept), as asked"


def test_text_repairs_in_every_id_field():
    rows = [good(1, sku="A\u200b", customer="17850.0"), good(2, sku="A", customer="17850"),
            good(3, customer="NULL"), good(4, customer="(null)")]
    rows[0][6] = "London\u00a0West"
    rows[1][6] = "London West"
    rows[2][7] = "N/A"
    frame = run(rows).frame
    assert frame[schema.PRODUCT_ID].unique().tolist() == ["A"]
    assert frame[schema.CUSTOMER_ID].tolist()[:2] == ["17850", "17850"] and frame[schema.CUSTOMER_ID].isna().sum() == 2
    assert frame[schema.STORE_ID].tolist()[:2] == ["London West", "London West"]
    assert frame[schema.ORDER_ID].isna().tolist() == [False, False, True, False]


def test_new_settings_are_checked():
    with pytest.raises(ValueError, match="Placeholder date 'someday' is not a date"):
        ValidationSettings(placeholder_dates=("someday",))
    with pytest.raises(ValueError, match="not a valid regular expression"):
        ValidationSettings(subtotal_labels=("(",))


def test_quantity_column_not_used_is_named_in_the_report():
    frame = pd.DataFrame({"Date": ["2011-01-01", "2011-01-02", "2011-01-03"], "SKU": ["A", "B", "C"],
                          "Qty": ["a few", "some", "1"]})
    raw = RawTable(frame=frame, source_name="t.csv", file_format="csv")
    mapping = schema.infer_mapping(frame)
    assert "quantity" not in mapping.columns
    note = validate(raw, mapping).report.rule("quantity_defaulted")
    assert "column 'Qty' looks like a quantity" in note.action and "quantity=Qty" in note.action


def test_returns_undo_their_own_sale_only():
    """A full return undoes the latest matching sale (customer, product, units, 90 days before);
    partial returns, other customers and old sales stay sales."""
    rows = [good(1, qty="3"), good(2, qty="3"), good(3, qty="-3", invoice="C1"),  # undoes day 2's sale
            good(4, qty="5"), good(5, qty="-2", invoice="C2"),  # partial: no match
            good(6, qty="4", customer="c2"), good(7, qty="-4", customer="c3", invoice="C3"),  # another customer
            good(8, sku="B", qty="1"), good(9, sku="B", qty="-1", invoice="C4"), good(10, sku="B", qty="-1",
                                                                                       invoice="C5")]
    result = run(rows)
    types = result.frame[schema.LINE_TYPE].tolist()
    assert types == ["sale", "cancelled", "return", "sale", "return", "sale", "return", "cancelled", "return",
                     "return"]
    assert "2 of the 5 returns matched" in result.report.rule("cancelled_sales").title
    late = run([["2011-01-01", "A", "Item A", "2", "1.5", "c1", "London", "1"],
                ["2011-06-01", "A", "Item A", "-2", "1.5", "c1", "London", "C9"]])
    assert late.frame[schema.LINE_TYPE].tolist() == ["sale", "return"]  # five months later: not the same sale


def test_sales_totals_without_units_are_not_said_to_count_a_unit_a_row():
    frame = pd.DataFrame({"Store": ["1", "2"], "Date": ["2012-10-26", "2012-10-26"], "Weekly_Sales": ["1000.5", "2000"]})
    raw = RawTable(frame=frame, source_name="stores.csv", file_format="csv")
    note = validate(raw, schema.infer_mapping(frame)).report.rule("quantity_defaulted")
    assert note.title == "No units column: the rows carry sales values" and "sales values" in note.action
