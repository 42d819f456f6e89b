import numpy as np
import pandas as pd
import pytest

from retail.data.parsing import parse_dates, parse_numbers, read_numbers


@pytest.mark.parametrize(
    ("values", "expected_format", "first"),
    [
        (["2011-01-05", "2011-12-31"], "ISO8601", "2011-01-05"),
        (["2011-01-05 08:26:00", "2011-12-31 17:00:00"], "ISO8601", "2011-01-05 08:26"),
        (["05-01-2011", "31-12-2011"], "%d-%m-%Y", "2011-01-05"),
        (["01/05/2011 08:26", "12/31/2011 17:00"], "%m/%d/%Y %H:%M", "2011-01-05 08:26"),
        (["05.01.2011", "31.12.2011"], "%d.%m.%Y", "2011-01-05"),
        (["20110105", "20111231"], "ISO8601", "2011-01-05"),
    ],
)
def test_date_formats(values, expected_format, first):
    parsed = parse_dates(pd.Series(values))
    assert parsed.date_format == expected_format
    assert parsed.values.iloc[0] == pd.Timestamp(first)
    assert not parsed.failed.any()


def test_day_first_decided_from_data_and_overridable():
    ambiguous = pd.Series(["03/04/2011", "05/06/2011"])
    assert parse_dates(ambiguous).values.iloc[0] == pd.Timestamp("2011-04-03")  # day first by default
    assert parse_dates(ambiguous, dayfirst=False).values.iloc[0] == pd.Timestamp("2011-03-04")
    month_first = pd.Series(["03/04/2011", "03/25/2011"])
    assert parse_dates(month_first).dayfirst is False


def test_excel_serial_dates_numeric_and_text():
    assert parse_dates(pd.Series([40544, 40545])).values.iloc[0] == pd.Timestamp("2011-01-01")
    assert parse_dates(pd.Series(["40544", "40545.5"])).values.iloc[1] == pd.Timestamp("2011-01-02 12:00")


def test_unparseable_dates_are_flagged_not_guessed():
    parsed = parse_dates(pd.Series(["2011-01-05", "not a date", None]))
    assert parsed.failed.tolist() == [False, True, False]
    assert parsed.values.isna().tolist() == [False, True, True]


def test_datetime_columns_pass_through_without_timezone():
    values = pd.Series(pd.to_datetime(["2011-01-05 10:00"]).tz_localize("Europe/London"))
    assert parse_dates(values).values.iloc[0] == pd.Timestamp("2011-01-05 10:00")


@pytest.mark.parametrize(
    ("text", "decimal_comma", "expected"),
    [
        ("12.50", False, 12.5), ("1,234.50", False, 1234.5), ("£3.20", False, 3.2),
        ("(4.00)", False, -4.0), ("12,5", False, 12.5), ("1.234,50", True, 1234.5), ("-3", False, -3.0),
        (" 7 ", False, 7.0),
    ],
)
def test_numbers(text, decimal_comma, expected):
    numbers, failed = parse_numbers(pd.Series([text, text]), decimal_comma)
    assert numbers.iloc[0] == pytest.approx(expected)
    assert not failed.any()


def test_text_in_number_column_is_flagged_blank_is_not():
    numbers, failed = parse_numbers(pd.Series(["3", "six", "", None]))
    assert failed.tolist() == [False, True, False, False]
    assert np.isnan(numbers.iloc[1])


def test_parse_numbers_matches_float_on_random_values():
    rng = np.random.default_rng(0)
    values = rng.normal(0, 1000, 500).round(2)
    numbers, failed = parse_numbers(pd.Series([f"{v:.2f}" for v in values]))
    assert not failed.any()
    np.testing.assert_allclose(numbers.to_numpy(), values)


def test_missing_placeholders_infinity_and_trailing_minus():
    numbers, failed = parse_numbers(pd.Series(["NULL", "N/A", "-", "nan", "inf", "-Infinity", "1e400", "5,00-", "1e3"]))
    assert failed.tolist() == [False, False, False, False, True, True, True, False, False]
    assert numbers.iloc[:7].isna().all() and numbers.iloc[7:].tolist() == [-5.0, 1000.0]
    numbers, failed = parse_numbers(pd.Series([np.inf, 2.0]))
    assert failed.tolist() == [True, False] and np.isnan(numbers.iloc[0])


def test_decimal_mark_per_column_and_ambiguous_values():
    parsed = read_numbers(pd.Series(["1,234.5", "2.50", "1.234,5", "12"]))
    assert parsed.values.tolist() == [1234.5, 2.5, 1234.5, 12.0] and not parsed.decimal_comma
    assert parsed.other_mark.tolist() == [False, False, True, False] and not parsed.ambiguous.any()
    comma = read_numbers(pd.Series(["2,50", "1.234", "3,75"]))  # 1.234 is a thousands group here
    assert comma.values.tolist() == [2.5, 1234.0, 3.75] and comma.decimal_comma and not comma.ambiguous.any()
    undecided = read_numbers(pd.Series(["1,234", "2,345"]), decimal_comma=True)
    assert undecided.values.tolist() == [1.234, 2.345] and undecided.ambiguous.all()
