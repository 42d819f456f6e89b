"""The stakeholder report is one self-contained, escaped HTML file with live charts."""

import pandas as pd

from retail import reports
from retail.analytics import overview
from retail.forecast import ForecastSettings, run_forecast
from tests.forecast_data import canonical_lines

EVIL = "<script>alert('x')</script>"


def test_report_holds_both_sections_escaped_with_one_plotly_script():
    frame = canonical_lines(n=2000, days=200, products=("A", "B", "C"), seed=4)
    frame.loc[frame["product_id"] == "A", "product_name"] = EVIL
    selection = overview.Selection(frame["date"].min(), frame["date"].max())
    figures = reports.figure_renderer()
    result = run_forecast(frame, ForecastSettings(freq="W", horizon=4, windows=1, models=("snaive", "ma")))
    text = reports.stakeholder_html("Shop <1>", [
        reports.overview_section(overview.summarise(frame, selection), selection, "W", "revenue", "EUR", figures),
        reports.forecast_section(result, figures, "EUR")])
    assert text.startswith("<!doctype html>") and "Shop &lt;1&gt;" in text
    assert EVIL not in text and "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in text
    assert text.count("plotly.js v") == 1  # the library once, every chart uses it
    assert text.count("Plotly.newPlot") >= 2 and "was best: in the backtest" in text and "€" in text
    assert pd.Timestamp(selection.start).strftime("%d %b %Y") in text
