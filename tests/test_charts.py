"""Every figure the app shows has a title and titled axes."""

import pandas as pd
import pytest

from retail.analytics import charts
from retail.forecast import charts as forecast_charts
from retail.recommend import charts as recommend_charts

DATES = pd.date_range("2011-01-03", periods=4, freq="W-MON")


def figures():
    trend = pd.DataFrame({"period": DATES, "revenue": [1.0, 2, 3, 4], "units": [1, 2, 3, 4]})
    table = pd.DataFrame({"product": ["A", "B"], "revenue": [2.0, 1.0]})
    history = pd.DataFrame({"date": DATES, "y": [1.0, 2, 3, 4]})
    backtest = pd.DataFrame({"date": DATES[2:], "yhat": [2.5, 3.5], "window": [0, 0]})
    forecast = pd.DataFrame({"date": DATES + pd.Timedelta(weeks=4), "yhat": [4.0] * 4, "lo_80": [3.0] * 4,
                             "hi_80": [5.0] * 4, "lo_95": [2.0] * 4, "hi_95": [6.0] * 4})
    metrics = pd.DataFrame({"model": ["snaive", "lightgbm"], "wape": [1.1, 0.8]})
    importance = pd.DataFrame({"model": ["lightgbm"] * 2 + ["blend"] * 2, "importance": [0.7, 0.3, 0.75, 0.25],
                               "feature": ["lag_7", "dayofweek", "weight of LightGBM", "weight of share of total"]})
    sweep = pd.DataFrame({"similarity": ["cosine", "cosine"], "k": [10, 50], "ndcg": [0.08, 0.09]})
    evaluation = pd.DataFrame({"algorithm": ["popularity", "item-knn"], "ndcg": [0.03, 0.09]})
    return {
        "trend": charts.trend_figure(trend, "W", "revenue"),
        "bars": charts.bar_figure(table, "product", "revenue", "Top products", "Revenue", "product"),
        "series": forecast_charts.series_figure({"history": history, "backtest": backtest, "forecast": forecast},
                                                "A: LightGBM", "units per week", "W"),
        "leaderboard": forecast_charts.leaderboard_figure(metrics),
        "importance": forecast_charts.importance_figure(importance, "lightgbm"),
        "blend weights": forecast_charts.importance_figure(importance, "blend"),
        "sweep": recommend_charts.sweep_figure(sweep),
        "algorithms": recommend_charts.metrics_figure(evaluation),
    }


@pytest.mark.parametrize("name", list(figures()))
def test_figure_has_title_and_axis_titles(name):
    layout = figures()[name].layout
    assert layout.title.text
    assert layout.xaxis.title.text and layout.yaxis.title.text


def test_partly_covered_periods_are_drawn_dashed_only_there():
    trend = pd.DataFrame({"period": pd.date_range("2011-01-03", periods=5, freq="W-MON"),
                          "revenue": [1.0, 2, 3, 4, 1], "units": [1, 2, 3, 4, 1],
                          "complete": [True, True, True, True, False]})
    solid, dashed = charts.trend_figure(trend, "W").data
    assert list(solid.y[:4]) == [1.0, 2, 3, 4] and pd.isna(solid.y[4])
    assert [not pd.isna(y) for y in dashed.y] == [False, False, False, True, True]  # the last week and its neighbour


def test_titles_and_offer_names_from_a_file_are_shown_as_written():
    import plotly.graph_objects as go

    from retail.analytics.charts import titled_layout
    from retail.experiments.charts import effect_figure

    hostile = "<img src=x onerror=alert(1)>"
    fig = titled_layout(go.Figure(), f"Units of {hostile}", "week", hostile)
    assert fig.layout.title.text == "Units of &lt;img src=x onerror=alert(1)&gt;"
    assert "<" not in fig.layout.yaxis.title.text
    rows = pd.DataFrame({"arm": [hostile], "segment": ["all"], "difference": [0.02], "difference_low": [0.01],
                         "difference_high": [0.03]})
    trace = effect_figure(rows, "visit").data[0]
    assert "<" not in trace.name and "<" not in "".join(trace.y) and "<img" not in trace.hovertemplate
