import numpy as np
import pandas as pd
import pytest

from retail.data.parsing import parse_dates, parse_numbers


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
