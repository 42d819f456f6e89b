"""The corpus of hostile files in tests/data/bad/ and the outcome each must produce."""

import warnings

import numpy as np
import pytest

from retail.data import schema
from retail.data.ingest import ingest
from retail.data.readers import ReadError
from retail.data.validation import ValidationError
from tests.conftest import BAD_FILES

UNUSABLE = {
    "empty.csv": (ReadError, "The file is empty: it contains no bytes at all"),
    "header_only.csv": (ReadError, "has a header but no data rows"),
    "binary_junk.csv": (ReadError, "is not a text file \\(it contains binary data\\)"),
    "corrupted.xlsx": (ReadError, "The Excel file is damaged or is not a real .xlsx workbook"),
    "no_date_column.csv": (ValidationError, "no column is mapped to 'date'"),
    "single_column.csv": (ReadError, "has a single column"),
    "unreadable_dates.csv": (ValidationError, "No value in the date column 'Date' could be read as a date"),
    "two_csvs.zip": (ReadError, "must contain exactly one CSV file; it contains 2"),
    "web_page.csv": (ReadError, "^web_page.csv is a web page \\(HTML\\), not a data file: .* use its export or "
                             "download button"),
    "spark_output.csv": (ReadError, "spark_output.csv is a folder, not a file \\(it holds part-00000.csv\\): give "
                                    "the path of one CSV, Excel or Parquet file"),
    "deflate64.zip": (ReadError, "^sales.csv inside deflate64.zip is compressed with Deflate64 .*: unzip it and "
                                 "upload the CSV itself"),
    "password.zip": (ReadError, "^sales.csv inside password.zip is protected by a password, .* unzip it yourself"),
    "long_header_name.csv": (ReadError, "^The header \\(line 1\\) has a column name of 200,002 characters; column "
                             "names are short"),
    "too_many_columns.csv": (ReadError, "^The header \\(line 1\\) has 20,000 columns; .* at most 16,384 \\(as Excel "
                             "does\\)"),
    "numbers_as_dates.csv": (ValidationError, "The date column 'Date' holds plain numbers \\(from 12 to .*not dates: "
                             "they are neither Excel serial dates .* nor Unix timestamps .* Map the column that holds "
                             "the dates to 'date'"),
}


@pytest.mark.parametrize(("name", "expected"), sorted(UNUSABLE.items()))
def test_unusable_files_get_one_plain_message(name, expected):
    error, message = expected
    with pytest.raises(error, match=message):
        ingest(BAD_FILES / name)


def outcome(name: str):
    return ingest(BAD_FILES / name).result


def count(result, rule: str) -> int:
    found = result.report.rule(rule)
    return found.count if found else 0


def test_cp1252_accents_read_correctly():
    names = outcome("cp1252_accents.csv").frame[schema.PRODUCT_NAME].tolist()
    assert names == ["Crème brûlée mould", "Café au lait bowl", "Ærø candle £5"]


def test_latin1_tab_separated():
    result = outcome("tab_latin1.tsv")
    assert result.frame[schema.PRODUCT_ID].tolist() == ["Jalapeño", "Piñata"]
    assert result.report.read_as.endswith("delimiter tab")


def test_semicolon_decimal_comma_german_headers():
    result = outcome("semicolon_decimal_comma.csv")
    assert result.frame[schema.UNIT_PRICE].tolist() == [2.5, 1234.9, 2.5]
    assert result.report.mapping["quantity"] == "Menge"


def test_ragged_rows_skipped_and_reported():
    result = outcome("ragged_rows.csv")
    assert result.report.rows_kept == 3 and count(result, "broken_rows") == 2
    assert result.report.rows_read == 5


def test_text_in_quantity_and_price_dropped_with_values():
    result = outcome("text_in_quantity.csv")
    rule = result.report.rule("unparseable_number")
    assert rule.count == 2 and rule.examples[0]["Quantity"] == "six" and rule.examples[1]["UnitPrice"] == "abc"


def test_three_date_formats_all_read():
    result = outcome("three_date_formats.csv")
    assert result.frame[schema.DATE].dt.day.tolist() == [13, 14, 15, 16, 17]
    assert count(result, "mixed_date_formats") == 2


def test_formula_cells_kept_verbatim_and_counted():
    result = outcome("formula_cells.csv")
    assert count(result, "formula_like_text") == 3
    assert result.frame[schema.PRODUCT_ID].iloc[0] == '=HYPERLINK("http://x")'


def test_script_tags_are_plain_text():
    result = outcome("script_tags.csv")
    assert result.frame[schema.PRODUCT_NAME].iloc[0] == "<script>alert('x')</script>"


def test_enormous_line_is_one_broken_row():
    result = outcome("enormous_line.csv")
    assert count(result, "broken_rows") == 1 and result.report.rows_kept == 2


def test_returns_zero_price_postage():
    result = outcome("returns_and_negatives.csv")
    assert result.frame[schema.LINE_TYPE].tolist() == ["cancelled", "return", "zero_price", "non_product"]


def test_duplicates():
    result = outcome("duplicates.csv")
    assert count(result, "duplicate_rows") == 2 and result.report.rows_kept == 2


def test_month_first_dates():
    result = outcome("month_first_dates.csv")
    assert result.report.date_format == "%m/%d/%Y %H:%M"
    assert str(result.frame[schema.DATE].iloc[0]) == "2010-12-31 10:00:00"


def test_utf8_bom_header():
    assert outcome("utf8_bom.csv").report.mapping["date"] == "Date"


def test_future_dates():
    result = outcome("future_dates.csv")
    assert count(result, "future_dates") == 1 and result.report.rows_kept == 1


def test_excel_serial_dates():
    result = outcome("excel_serial_dates.csv")
    assert result.report.date_format == "Excel serial"
    assert str(result.frame[schema.DATE].iloc[0].date()) == "2011-01-01"


def test_missing_values():
    result = outcome("missing_values.csv")
    # The row without a code has a name ("NO CODE"), which stands for the code.
    assert count(result, "missing_required") == 2 and result.report.rows_kept == 2
    assert count(result, "product_id_from_name") == 1


def test_formula_payloads_counted_by_the_export_rule():
    result = outcome("formula_payloads.csv")
    rule = result.report.rule("formula_like_text")
    assert rule.count == 2 and [e["row"] for e in rule.examples] == [1, 2]
    assert rule.examples[0]["product_name"] == "-2+3+cmd|' /C calc'!A0"


def test_blank_product_code_falls_back_to_the_name():
    result = outcome("blank_product_code.csv")
    assert result.frame[schema.PRODUCT_ID].tolist() == ["WHITE HANGING HEART", "REGENCY CAKESTAND"]
    fallback = result.report.rule("product_id_from_name")
    assert fallback.count == 2 and fallback.examples[0]["product_name"] == "WHITE HANGING HEART"
    missing = result.report.rule("missing_required")
    assert missing.count == 1 and missing.title == "Missing product code"


def test_huge_quantity_and_price_are_implausible_not_sales():
    result = outcome("huge_quantity.csv")
    assert result.frame[schema.LINE_TYPE].tolist() == ["sale", "implausible", "implausible"]
    rule = result.report.rule("implausible")
    assert rule.count == 2 and rule.examples[0][schema.QUANTITY] == pytest.approx(2.0 ** 70)
    assert result.report.line_types == {"sale": 1, "implausible": 2}


def test_infinite_and_nan_text_never_stored_as_values():
    result = outcome("infinite_values.csv")
    numbers = result.frame[[schema.QUANTITY, schema.UNIT_PRICE, schema.REVENUE]].to_numpy()
    assert not np.isinf(numbers).any()
    assert result.frame[schema.PRODUCT_ID].tolist() == ["85123A", "26"]  # PLATE: price NaN is a missing price
    assert np.isnan(result.frame[schema.UNIT_PRICE].iloc[1])
    bad = result.report.rule("unparseable_number")
    assert bad.count == 3 and [e["row"] for e in bad.examples] == [2, 3, 4]
    assert count(result, "missing_required") == 1  # BOWL: a NaN quantity is a missing quantity


def test_junk_in_quantity_parses_what_parses():
    result = outcome("junk_in_quantity.csv")
    assert result.report.mapping["quantity"] == "Qty"
    assert result.frame[schema.QUANTITY].tolist() == [2.0, 1000.0, 4.0, 5.0]
    assert result.report.rule("unparseable_number").examples == [{"row": 3, "Qty": "inf"}]
    assert result.report.rule("missing_required").examples == [{"row": 4, "Qty": "NaN"}]
    assert result.report.rule("quantity_defaulted") is None


def test_decimal_mark_decided_per_column_from_all_values():
    result = outcome("mixed_decimal_marks.csv")
    assert result.frame[schema.UNIT_PRICE].tolist() == [1234.5, 2.5, 1234.5, 3.75]
    rule = result.report.rule("other_decimal_mark")
    assert rule.count == 1 and rule.examples == [{"row": 3, "Price": "1.234,5", "read as": 1234.5}]


def test_mixed_currencies_read_alike_and_reported():
    result = outcome("mixed_currencies.csv")
    assert result.frame[schema.UNIT_PRICE].tolist() == [3.5, 3.5, 4.0]
    rule = result.report.rule("mixed_currencies")
    assert rule.count == 2 and "£, €" in rule.title


def test_missing_markers_are_missing_customers():
    result = outcome("missing_markers.csv")
    assert result.frame[schema.CUSTOMER_ID].isna().sum() == 5 and count(result, "missing_customer") == 5
    rule = result.report.rule("missing_placeholders")
    assert rule.count == 5 and [e["CustomerID"] for e in rule.examples] == ["NULL", "N/A", "-", "None", "nan"]


def test_float_customer_ids_are_one_customer():
    result = outcome("float_customer_ids.csv")
    assert result.frame[schema.CUSTOMER_ID].tolist() == ["17850", "17850"]
    assert count(result, "decimal_ids") == 1


def test_invisible_characters_do_not_make_a_second_product():
    result = outcome("invisible_characters.csv")
    assert result.frame[schema.PRODUCT_ID].nunique() == 1 and result.frame[schema.PRODUCT_NAME].nunique() == 1
    rule = result.report.rule("invisible_characters")
    assert rule.count == 2 and rule.examples[0]["StockCode"] == "85123A[invisible]"


def test_subtotal_lines_are_not_sales():
    result = outcome("subtotal_lines.csv")
    types = result.frame[schema.LINE_TYPE].tolist()
    assert types == ["sale", "sale", "subtotal", "sale", "subtotal", "subtotal", "sale"]
    assert count(result, "subtotals") == 3
    sales = result.frame[result.frame[schema.LINE_TYPE] == "sale"]
    assert sales.groupby(sales[schema.DATE].dt.day)[schema.QUANTITY].sum().tolist() == [5.0, 1.0, 1.0]


def test_placeholder_and_far_early_dates_dropped():
    result = outcome("placeholder_dates.csv")
    rule = result.report.rule("early_dates")
    assert rule.count == 3 and [e["date"][:10] for e in rule.examples] == ["1900-01-01", "1970-01-01", "1985-06-01"]
    assert result.report.date_range == ("2011-03-01", "2011-03-21") and result.report.rows_kept == 21


def test_scan_log_duplicates_are_separate_units():
    result = outcome("scan_log.csv")
    assert result.report.rows_kept == 5 and result.frame[schema.QUANTITY].sum() == 5
    rule = result.report.rule("duplicate_rows")
    assert rule.count == 2 and rule.action.startswith("kept: the file has no quantity column")
    assert "double export" in outcome("duplicates.csv").report.rule("duplicate_rows").action


@pytest.mark.parametrize(("name", "unit"), [("unix_seconds.csv", "seconds"), ("unix_milliseconds.csv", "milliseconds")])
def test_unix_time_recognised(name, unit):
    result = outcome(name)
    assert result.report.date_format == f"Unix {unit}" and result.report.mapping["date"] == "Timestamp"
    assert [str(d) for d in result.frame[schema.DATE]] == ["2010-12-01 08:26:00", "2010-12-01 10:40:00",
                                                           "2011-12-09 10:00:00"]


def test_utc_offsets_keep_local_time_in_csv_and_parquet():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no pandas warning may leak to the user's terminal
        csv, parquet = outcome("utc_offsets.csv"), outcome("utc_offsets.parquet")
    local = ["2011-01-05 23:30:00", "2011-07-05 00:30:00", "2011-01-06 10:00:00"]
    assert [str(d) for d in csv.frame[schema.DATE]] == local
    assert [str(d) for d in parquet.frame[schema.DATE]] == local
    assert count(csv, "time_zones") == 3 and count(parquet, "time_zones") == 3
    assert "Europe/Athens" in parquet.report.rule("time_zones").title


def test_nested_parquet_columns_left_out_and_reported():
    result = outcome("nested_columns.parquet")
    assert result.report.rows_kept == 2 and "Tags" not in result.frame and "Dims" not in result.frame
    rule = result.report.rule("columns_left_out")
    assert rule.title == "Columns of lists or records left out: Tags, Dims" and rule.count == 2


def test_unclosed_quote_loses_only_its_line():
    result = outcome("unclosed_quote.csv")
    assert result.report.rows_read == 40 and result.report.rows_kept == 39
    assert result.frame[schema.PRODUCT_ID].tolist() == [f"A{i}" for i in range(1, 41) if i != 7]
    rule = result.report.rule("unclosed_quote")
    assert rule.count == 1 and rule.examples == [{"line": 8, "text": '2011-01-08,A7,"Mug 7 large,1,2.00'}]
    assert count(result, "broken_rows") == 0


@pytest.mark.parametrize("name", ["title_rows.xlsx", "preamble.csv"])
def test_header_found_below_title_rows(name):
    result = outcome(name)
    assert result.report.mapping["date"] == "Date" and result.report.rows_kept == 3
    assert result.frame[schema.PRODUCT_ID].tolist() == ["A1", "A2", "A1"] if name.endswith("xlsx") else ["A", "B", "A"]
    assert result.report.rule("lines_above_header").title.startswith("The header is on ")
    assert "header on line" in result.report.read_as if name.endswith("csv") else True


def test_trailing_delimiter_on_every_row():
    result = outcome("trailing_delimiter.csv")
    assert result.report.rows_kept == 3 and list(result.frame.columns[len(schema.CANONICAL_COLUMNS):]) == []
    assert count(result, "trailing_delimiter") == 3 and count(result, "broken_rows") == 0


def test_ten_thousand_columns():
    result = outcome("wide_10000_columns.csv")
    assert result.report.rows_kept == 3 and result.frame.shape[1] == len(schema.CANONICAL_COLUMNS) + 9_997
    assert result.frame[schema.QUANTITY].tolist() == [1.0, 2.0, 3.0]


def test_excel_sep_line():
    result = outcome("excel_sep_line.csv")
    assert result.report.read_as == "CSV, encoding utf-8, delimiter semicolon, decimal comma, header on line 2"
    assert result.frame[schema.UNIT_PRICE].tolist() == [2.5, 1.25]


@pytest.mark.parametrize(("name", "first", "encoding"), [("gbk_names.csv", "绿茶饮料", "gb18030"),
                                                         ("shift_jis_names.csv", "緑茶ペットボトル", "cp932")])
def test_east_asian_encodings_detected(name, first, encoding):
    result = outcome(name)
    assert result.frame[schema.PRODUCT_NAME].iloc[0] == first
    assert result.report.rule("encoding_guessed").title.startswith(f"The encoding was guessed: {encoding}")


def test_corpus_is_complete():
    files = {p.name for p in BAD_FILES.iterdir() if p.suffix != ".py"}
    assert len(files) >= 15
    tested = set(UNUSABLE) | {"cp1252_accents.csv", "tab_latin1.tsv", "semicolon_decimal_comma.csv",
                              "ragged_rows.csv", "text_in_quantity.csv", "three_date_formats.csv",
                              "formula_cells.csv", "script_tags.csv", "enormous_line.csv",
                              "returns_and_negatives.csv", "duplicates.csv", "month_first_dates.csv",
                              "utf8_bom.csv", "future_dates.csv", "excel_serial_dates.csv", "missing_values.csv",
                              "formula_payloads.csv", "blank_product_code.csv", "huge_quantity.csv",
                              "infinite_values.csv", "junk_in_quantity.csv", "mixed_decimal_marks.csv",
                              "mixed_currencies.csv", "missing_markers.csv", "float_customer_ids.csv",
                              "invisible_characters.csv", "subtotal_lines.csv", "placeholder_dates.csv",
                              "scan_log.csv", "unix_seconds.csv", "unix_milliseconds.csv", "utc_offsets.csv",
                              "utc_offsets.parquet", "nested_columns.parquet", "unclosed_quote.csv",
                              "title_rows.xlsx", "preamble.csv", "trailing_delimiter.csv", "wide_10000_columns.csv",
                              "excel_sep_line.csv", "gbk_names.csv", "shift_jis_names.csv"}
    assert files == tested


def test_real_basket_list_keeps_repeated_items():
    """The bakery basket list (no quantity): a repeated row in a transaction is a second item bought
    (/work/shared/data/README.md), and NONE marks an empty line."""
    path = BAD_FILES.parents[2].parent / "shared" / "data" / "bakery_baskets" / "bread_basket.csv"
    if not path.exists():
        pytest.skip("../shared/data is not present")
    result = ingest(path).result
    assert count(result, "duplicate_rows") == 1_620 and result.report.rule("duplicate_rows").action.startswith("kept")
    assert count(result, "missing_placeholders") == 786 and result.report.rows_kept == 21_293 - 786
