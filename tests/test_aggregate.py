from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from retail.analytics.aggregate import absence_mask, build_panel
from retail.data import schema
from tests.forecast_data import canonical_lines


def brute_force(
    frame: pd.DataFrame, keys: list[str], freq: str, value: str, end: pd.Timestamp
) -> pd.DataFrame:
    """Reference: groupby per series and loop over the calendar to zero-fill."""
    sales = frame[frame[schema.LINE_TYPE] == schema.SALE].copy()
    day = sales[schema.DATE].dt.normalize()
    sales["period"] = {"D": day, "W": day - pd.to_timedelta(day.dt.weekday, unit="D"),
                       "M": day - pd.to_timedelta(day.dt.day - 1, unit="D")}[freq]
    sales["sid"] = sales[keys].astype(str).agg(" | ".join, axis=1)
    sums = sales.groupby(["sid", "period"])[value].sum()
    step = {"D": pd.DateOffset(days=1), "W": pd.DateOffset(weeks=1), "M": pd.DateOffset(months=1)}[freq]
    rows = []
    for sid in sorted(sales["sid"].unique()):
        date = sums[sid].index.min()
        while date <= end:
            rows.append((sid, date, float(sums.get((sid, date), 0.0))))
            date = date + step
    return pd.DataFrame(rows, columns=["series_id", "date", "y"])


@pytest.mark.parametrize(
    ("level", "keys", "freq", "target", "value"),
    [
        ("product", ["product_id"], "D", "units", "quantity"),
        ("product_store", ["product_id", "store_id"], "W", "revenue", "revenue"),
        ("store", ["store_id"], "M", "units", "quantity"),
    ],
)
def test_zero_fill_and_aggregation_match_brute_force(level, keys, freq, target, value):
    frame = canonical_lines(n=800, days=150, products=("A", "B", "C", "D"), start="2023-01-02")
    frame.loc[frame.index[:40], schema.LINE_TYPE] = schema.RETURN  # not demand
    frame = frame[~((frame.product_id == "D") & (frame.date < "2023-03-01"))]  # a late starter
    panel, report = build_panel(frame, level, freq, target, absence_periods=0, complete_periods_only=False)
    expected = brute_force(frame, keys, freq, value, panel["date"].max())
    got = panel[["series_id", "date", "y"]].sort_values(["series_id", "date"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(got, expected, check_dtype=False)
    assert report.n_series == expected["series_id"].nunique()


def test_weeks_run_monday_to_sunday_labelled_by_monday_and_partial_week_dropped():
    frame = canonical_lines(n=300, days=30, start="2023-01-02")  # Mon 2 Jan .. Tue 31 Jan
    panel, report = build_panel(frame, "total", "W", "units")
    assert set(panel["date"].dt.dayofweek) == {0}
    assert report.incomplete_period_dropped == pd.Timestamp("2023-01-30")
    assert panel["date"].max() == pd.Timestamp("2023-01-23")
    jan_2_to_8 = frame[(frame.date >= "2023-01-02") & (frame.date <= "2023-01-08")]["quantity"].sum()
    assert panel.loc[panel.date == "2023-01-02", "y"].item() == jan_2_to_8


def test_top_n_keeps_largest_and_reports_dropped():
    frame = canonical_lines(n=1000, products=("A", "B", "C", "D"))
    frame.loc[frame.product_id == "C", "quantity"] *= 100
    panel, report = build_panel(frame, "product", "D", "units", top_n=2)
    volumes = frame.groupby("product_id")["quantity"].sum().nlargest(2).index
    assert set(panel.series_id) == set(volumes)
    assert report.dropped_top_n == 2


def test_long_absence_is_missing_but_trailing_zeros_are_demand():
    panel = pd.DataFrame(
        {
            "series_id": ["a"] * 12 + ["b"] * 6,
            "date": list(range(12)) + list(range(6)),
            "y": [1, 0, 0, 0, 0, 2, 0, 0, 3, 0, 0, 0, 1, 0, 0, 0, 0, 0],
        }
    )
    mask = absence_mask(panel, min_run=3)
    assert mask.tolist() == [False, True, True, True, True] + [False] * 13


def test_absences_reported_and_short_series_dropped():
    frame = canonical_lines(n=2000, days=200, products=("A", "B"))
    gap = (frame.product_id == "A") & frame.date.between("2023-02-01", "2023-05-01")
    late = canonical_lines(n=5, days=3, products=("NEW",), start="2023-07-18")
    frame = pd.concat([frame[~gap], late], ignore_index=True)
    panel, report = build_panel(frame, "product", "D", "units", min_periods=10)
    assert report.too_short == ["NEW"]
    assert list(report.absences) == ["A"] and report.absences["A"] >= 80
    assert panel.loc[panel.series_id == "A", "absent"].sum() == report.absences["A"]
    assert "long breaks in sales" in report.summary()


def test_exogenous_columns_are_averaged_and_carried():
    frame = canonical_lines(n=500, days=60, Promo=np.tile([0.0, 1.0], 250))
    panel, report = build_panel(frame, "product", "D", "units")
    assert report.exogenous == ["Promo"]
    assert panel["Promo"].between(0, 1).all() and panel["Promo"].notna().all()


def test_total_level_is_cheap_and_named():
    frame = canonical_lines(n=500, days=60)
    panel, report = build_panel(frame, level="total", freq="D", target="revenue")
    assert panel["series_id"].unique().tolist() == ["total"]
    assert np.isclose(panel["y"].sum(), frame["revenue"].sum())
    assert report.series_info["name"].tolist() == ["all sales"]


def test_documented_errors():
    frame = canonical_lines(n=50)
    with pytest.raises(ValueError, match="level must be one of"):
        build_panel(frame, "region", "D", "units")
    with pytest.raises(ValueError, match="Unknown frequency"):
        build_panel(frame, "total", "Q", "units")
    with pytest.raises(ValueError, match="target must be"):
        build_panel(frame, "total", "D", "profit")
    store_file = frame.assign(product_id=None)
    with pytest.raises(ValueError, match="use level='store'"):
        build_panel(store_file, "product", "D", "revenue")
    with pytest.raises(ValueError, match="top_n must be a positive"):
        build_panel(frame, "product", "D", "units", top_n=0)
    with pytest.raises(ValueError, match="not in the dataset"):
        build_panel(frame, "product", "D", "units", exog=["Promo"])


def test_less_than_one_complete_period_says_so():
    from tests.forecast_data import canonical_lines

    one_day = canonical_lines(n=5, days=1)
    with pytest.raises(ValueError, match="less than one complete week"):
        build_panel(one_day, "total", "W", "units")


def test_the_summary_counts_in_words():
    """"1 store had long breaks", never "1 stores"; the plural where there are several."""
    from retail.analytics.aggregate import PanelReport

    one = PanelReport(level="store", freq="W", target="revenue", n_series=1, n_periods=1, absences={"7": 3},
                      too_short=["8"], dropped_top_n=1)
    assert one.summary() == ("1 store x 1 week of sales value; 1 smaller store left out (only the biggest are "
                             "forecast); 1 store with too little history to forecast; 1 store had long breaks in "
                             "sales, treated as missing rather than zero demand.")
    many = PanelReport(level="product_store", freq="D", target="units", n_series=1200, n_periods=90,
                       absences={"a": 1, "b": 2})
    assert many.summary().startswith("1,200 product-store pairs x 90 days of units sold; 2 product-store pairs had")


def weekly_store_totals(last: str = "2012-10-26", weeks: int = 12) -> pd.DataFrame:
    """Walmart's shape: one row per store and week, dated on the week's Friday."""
    fridays = pd.date_range(end=last, periods=weeks, freq="W-FRI")
    lines = canonical_lines(n=2 * weeks, days=1, start="2012-01-02")
    return lines.assign(date=np.repeat(fridays, 2), store_id=["1", "2"] * weeks, quantity=100.0)


def test_a_week_holding_a_weekly_total_is_complete_though_the_data_ends_on_its_friday():
    frame = weekly_store_totals()
    panel, report = build_panel(frame, "store", "W", "units")
    assert report.incomplete_period_dropped is None
    assert panel["date"].max() == pd.Timestamp("2012-10-22")  # the Monday of Friday 26 Oct's week
    assert (panel["y"] == 100).all()  # every week one full week's total, none cut
    lines = canonical_lines(n=300, days=30, start="2023-01-02")  # lines ending on a Tuesday: still cut
    assert build_panel(lines, "total", "W", "units")[1].incomplete_period_dropped == pd.Timestamp("2023-01-30")
