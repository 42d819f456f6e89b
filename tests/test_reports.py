"""The stakeholder report is one self-contained, escaped HTML file with live charts."""

import re

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


def _report(frame, kind: str, target: str, level: str) -> str:
    selection = overview.Selection(frame["date"].min(), frame["date"].max())
    figures = reports.figure_renderer()
    result = run_forecast(frame, ForecastSettings(level=level, freq="W", horizon=4, windows=1, target=target,
                                                  models=("snaive", "ma")))
    return reports.stakeholder_html("Shop", [
        reports.overview_section(overview.summarise(frame, selection, kind=kind), selection, "W",
                                 overview.measures(lambda f: f in frame and frame[f].notna().any(), kind)[0], "USD",
                                 figures, kind),
        reports.forecast_section(result, figures, "USD")])


def test_a_store_totals_report_follows_what_a_row_means(tmp_path):
    """No product section, no net sales, no average price per store, no name repeating the store."""
    from retail.data.ingest import ingest
    from tests.rossmann_data import write_store_days

    frame = ingest(write_store_days(tmp_path / "stores.csv", days=200)).result.frame
    text = _report(frame, "store_totals", "revenue", "store")
    assert "Top products" not in text and "Net sales" not in text and "Gross" not in text
    assert "<h2>Sales," in text and "<h3>Top stores</h3>" in text and "Revenue" not in text
    assert "Average price" not in text and "<th>Name</th>" not in text and "store / country" not in text
    board = text.split("Error (WAPE)")[1].split("</table>")[0]
    assert not re.search(r"<td>[-+]?\d+\.\d+</td>", board) and "%</td>" in board  # errors in percent, not 0.579


def test_a_basket_list_report_has_no_money_columns():
    rows = [{"date": pd.Timestamp("2016-10-30") + pd.Timedelta(days=d), "product_id": item, "order_id": f"{d}-{b}"}
            for d in range(120) for b in range(5) for item in ("Coffee", "Bread", "Tea")[: 1 + (d + b) % 3]]
    frame = pd.DataFrame(rows).assign(quantity=1.0, product_name=lambda f: f["product_id"], line_type="sale")
    from retail.data import schema

    frame = frame.reindex(columns=[*schema.CANONICAL_COLUMNS]).assign(line_type="sale", quantity=1.0)
    frame["product_name"] = frame["product_id"]
    text = _report(frame, "basket_list", "units", "product")
    products = text.split("<h3>Top products</h3>")[1].split("</table>")[0]
    assert "Items sold" in products and "Revenue" not in products and "0.00" not in products
