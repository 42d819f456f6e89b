import pandas as pd
import pytest

from retail import frequency
from retail.analytics import overview
from retail.data import schema


def lines(rows):
    frame = pd.DataFrame(rows, columns=["date", "product_id", "product_name", "quantity", "unit_price",
                                        "customer_id", "store_id", "order_id", "line_type"])
    frame["date"] = pd.to_datetime(frame["date"])
    frame["revenue"] = frame["quantity"] * frame["unit_price"]
    frame["category"] = None
    return frame


FRAME = lines([
    ("2011-01-01", "A", "Mug", 2, 5.0, "c1", "UK", "1", "sale"),
    ("2011-01-02", "B", "Cup", 1, 10.0, "c2", "FR", "2", "sale"),
    ("2011-01-02", "A", "Mug", 1, 5.0, "c2", "FR", "2", "sale"),
    ("2011-01-03", "A", "Mug", -1, 5.0, "c1", "UK", "C3", "return"),
    ("2011-01-04", "A", "Mug", 4, 5.0, "c1", "UK", "4", "sale"),
    ("2011-01-04", "POST", "Postage", 1, 18.0, "c1", "UK", "4", "non_product"),
])


def test_kpis_with_previous_period():
    kpis = {k.label: k for k in overview.kpis(FRAME, overview.Selection("2011-01-03", "2011-01-04"))}
    assert kpis["Revenue"].value == 20.0 and kpis["Units sold"].value == 4
    assert kpis["Orders"].value == 1 and kpis["Customers"].value == 1
    # previous period 2011-01-01..02: revenue 25, so -20%
    assert kpis["Revenue"].change == pytest.approx(20 / 25 - 1)
    assert kpis["Average order value"].value == 20.0
    first = {k.label: k for k in overview.kpis(FRAME, overview.Selection("2011-01-01", "2011-01-02"))}
    assert first["Revenue"].change is None  # nothing before the data starts


def test_trend_zero_fills_gaps():
    trend = overview.trend(FRAME, "D")
    assert trend["revenue"].tolist() == [10.0, 15.0, 0.0, 20.0]
    assert overview.trend(FRAME, "M")["units"].tolist() == [8]
    with pytest.raises(ValueError, match="Unknown frequency"):
        overview.trend(FRAME, "Y")


def test_trend_matches_brute_force_groupby():
    sales = schema.sales_only(FRAME)
    weekly = overview.trend(FRAME, "W")
    expected = sales.groupby(sales["date"].dt.to_period("W-SUN"))["revenue"].sum()
    assert weekly["revenue"].tolist() == expected.tolist()
    assert weekly["period"].tolist() == [p.start_time for p in expected.index]  # labelled by the Monday


def test_top_lists_and_store_split():
    top = overview.top_products(FRAME, n=5)
    assert top["product_id"].tolist() == ["A", "B"] and top["product"].tolist() == ["Mug", "Cup"]
    assert top["revenue"].tolist() == [35.0, 10.0]
    customers = overview.top_customers(FRAME)
    assert customers["customer_id"].tolist() == ["c1", "c2"]
    stores = overview.by_store(FRAME)
    assert dict(zip(stores["store_id"], stores["revenue"], strict=True)) == {"UK": 30.0, "FR": 15.0}


def test_product_names_pick_most_frequent():
    frame = lines([("2011-01-01", "A", "Mug", 1, 1.0, "c", "s", "1", "sale")] * 2
                  + [("2011-01-01", "A", "MUG?", 1, 1.0, "c", "s", "1", "sale")])
    assert overview.product_names(frame)["A"] == "Mug"


def test_returns_summary_and_filters():
    assert overview.returns_summary(FRAME) == {"lines": 1.0, "units": 1.0, "value": 5.0, "cancelled_lines": 0.0, "cancelled_value": 0.0}
    everything = ("2011-01-01", "2011-01-31")
    assert len(overview.filter_sales(FRAME, overview.Selection(*everything, stores=("FR",)))) == 2
    assert len(overview.filter_sales(FRAME, overview.Selection("2010-12-01", "2011-01-02"))) == 3
    assert len(overview.filter_sales(FRAME, overview.Selection(*everything, products=("B",)))) == 1
    with pytest.raises(ValueError, match="ends .* before it starts"):
        overview.Selection("2011-01-05", "2011-01-01")


def test_comparison_with_the_same_period_last_year():
    this_year = lines([("2012-03-05", "A", "Mug", 3, 5.0, "c1", "UK", "9", "sale")])
    both = pd.concat([FRAME, this_year], ignore_index=True)
    march = overview.Selection("2012-03-05", "2012-03-06", compare="last_year")
    assert march.earlier().start == pd.Timestamp("2011-03-07")  # 52 weeks back: a Monday again
    kpis = {k.label: k for k in overview.kpis(both, march)}
    assert kpis["Revenue"].value == 15.0 and kpis["Revenue"].change is None  # nothing sold a year before
    january = overview.Selection("2012-01-02", "2012-01-03", compare="last_year")
    shifted = pd.concat([FRAME, FRAME.assign(date=FRAME["date"] + pd.Timedelta(weeks=52), quantity=FRAME["quantity"] * 2,
                                              revenue=FRAME["revenue"] * 2)], ignore_index=True)
    units = {k.label: k for k in overview.kpis(shifted, january)}["Units sold"]
    assert units.value == 8 and units.change == pytest.approx(1.0)  # 2x the 4 mugs of 4 Jan 2011, 52 weeks on


def test_partly_covered_periods_are_flagged():
    weekly = overview.trend(FRAME, "W", pd.Timestamp("2010-12-29"), pd.Timestamp("2011-01-04"))
    # the week of Monday 27 Dec starts before the period; the week of 3 Jan ends after it
    assert weekly["complete"].tolist() == [False, False]
    daily = overview.trend(FRAME, "D", pd.Timestamp("2011-01-01"), pd.Timestamp("2011-01-04"))
    assert daily["complete"].all()
    note = overview.incomplete_note(weekly, "W")
    assert note.startswith("The first week (27 Dec 2010) and the last week (03 Jan 2011) are only partly")


def test_customer_history_newest_first_sales_only():
    history = overview.customer_history(FRAME, "c1")
    assert history["date"].dt.day.tolist() == [4, 1]  # the return and the postage line are left out
    assert history["product_name"].tolist() == ["Mug", "Mug"]
    assert len(overview.top_customers(FRAME, n=None)) == 2


def test_kpi_formatting():
    assert overview.Kpi("Revenue", 3_981_974.9, None, "money").formatted() == "3.98M"
    assert overview.Kpi("Revenue", 12_345.678, None, "money").formatted() == "12.3k"
    assert overview.Kpi("Revenue", 12_345.678, None, "money").exact("GBP") == "£12,345.68"
    assert overview.Kpi("Units", 8_909, 0.1).formatted() == "8,909"
    assert overview.Kpi("Units", 8_909, 0.1).formatted_change() == "+10.0%"
    assert overview.Kpi("Stores", 45, 0.0).formatted_change() == "no change" and overview.Kpi("Stores", 45, 0.0).unchanged
    assert overview.Kpi("Units", 10, -0.0004).unchanged and not overview.Kpi("Units", 10, -0.0006).unchanged
    assert overview.Kpi("AOV", float("nan"), None).formatted() == "n/a"


@pytest.mark.parametrize("value", [79_234.56, 353_412.0, 1_120_000.0, 9_999.99, 123_456_789.0, 4_372.0])
def test_kpi_tiles_fit_their_tile(value):
    """A tile holds about nine characters before it cuts the value ("£79,23..."): every value fits."""
    for unit in ("money", ""):
        text = overview.Kpi("Sales", value, None, unit).formatted("GBP")
        assert len(text) <= 9, text


def test_a_share_moves_in_points_and_a_missing_year_is_said():
    share = overview.Kpi("Promotion share", 0.48, 0.042, "share")
    assert share.formatted() == "48%" and share.formatted_change() == "+4.2 points"
    selection = overview.Selection("2011-01-03", "2011-01-09", compare="last_year")
    note = overview.comparison_note(pd.Timestamp("2010-12-01"), selection)
    assert "nothing to compare with for the same period last year" in note
    assert overview.comparison_note(pd.Timestamp("2009-01-01"), selection) == ""


def test_summarise_bundles_the_page_figures():
    start, end = pd.Timestamp("2011-01-03"), pd.Timestamp("2011-01-04")
    result = overview.summarise(FRAME, overview.Selection(start, end, stores=("UK",)), "D", "units", top=1)
    kpis = {k.label: (k.value, k.change) for k in result.kpis}
    # UK on 3-4 Jan: one sale of 4 mugs at 5.00 (the return and the postage line do not count);
    # the two days before: 2 mugs at 5.00 on 1 Jan.
    assert kpis["Revenue"] == (20.0, pytest.approx(1.0)) and kpis["Units sold"] == (4.0, pytest.approx(1.0))
    assert kpis["Orders"][0] == 1 and kpis["Customers"][0] == 1 and kpis["Average order value"][0] == 20.0
    assert result.products["product_id"].tolist() == ["A"] and result.products["units"].tolist() == [4]
    assert result.trend["units"].tolist() == [4]
    assert result.returns == {"lines": 1.0, "units": 1.0, "value": 5.0, "cancelled_lines": 0.0, "cancelled_value": 0.0}


def test_weekly_and_monthly_totals_cover_their_whole_period():
    fridays = pd.Series(pd.date_range("2012-08-03", "2012-10-26", freq="W-FRI"))
    assert frequency.covered_days(fridays) == (pd.Timestamp("2012-07-28"), pd.Timestamp("2012-11-01"))
    firsts = pd.Series(pd.date_range("2012-01-01", "2012-06-01", freq="MS"))
    assert frequency.covered_days(firsts) == (pd.Timestamp("2012-01-01"), pd.Timestamp("2012-06-30"))
    days = pd.Series(pd.to_datetime(["2012-10-01 00:00", "2012-10-03 00:00", "2012-10-26 14:30"]))
    assert frequency.covered_days(days) == (pd.Timestamp("2012-10-01"), pd.Timestamp("2012-10-26"))
    totals = FRAME.iloc[[0, 1, 2]].assign(date=fridays.iloc[-3:].to_numpy())  # three Friday rows
    weekly = overview.trend(totals, "W", pd.Timestamp("2012-10-12"), pd.Timestamp("2012-10-26"))
    assert weekly["complete"].all() and overview.incomplete_note(weekly, "W") == ""
    before = totals[totals["date"] <= "2012-10-24"]  # a period ending on Wednesday 24 Oct leaves Friday 26 out
    assert overview.trend(before, "W", pd.Timestamp("2012-10-12"), pd.Timestamp("2012-10-24"))["complete"].all()
