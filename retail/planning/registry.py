"""What the weekly cycle can flag, and where new sales can come from (declared once).

:data:`EXCEPTIONS` lists the kinds of exception the "This week" page ranks, each with its
thresholds (``Param``: label, default, bounds, help). The page's switches and sliders, the kept
thresholds of a dataset (:mod:`retail.planning.thresholds`), the command line's flags and the
README's table are generated from it; adding a kind is one detector function and one ``Spec``.
A detector is ``detect(context, **thresholds) -> frame`` (:mod:`retail.planning.exceptions`).

:data:`SOURCES` lists where ``refresh`` and the Data page take new sales from.
"""

from __future__ import annotations

from retail.registry import Param, Registry, Spec

FORECAST_PAGE, PLAN_PAGE, OVERVIEW_PAGE = "forecast", "replenishment", "overview"
DEFAULT_URL_ENV = "RETAIL_SALES_DATABASE_URL"  # where a sales query finds the database's address
DEFAULT_RECHECK_DAYS = 3
FILE_SOURCE, QUERY_SOURCE = "file", "postgres-query"

# Both forecast-miss kinds leave out the smallest series, whose everyday noise is all misses.
SMALLEST_SERIES = Param("min_units", "Smallest sales (units or value a week)", 5.0, "Series whose forecast and sales "
                        "are both below this (on average) are left out.", minimum=0.0, ui_range=(0.0, 100.0), step=1.0)

EXCEPTIONS = Registry("exception", [
    Spec("outside-range", "outside the forecast's range",
         "The latest week's sales fell outside the range the last forecast gave for it: a level shift, a "
         "promotion, a stock-out or a data error.", "retail.planning.exceptions:outside_range", params=(
             Param("coverage", "Range", 95, "Which of the forecast's ranges the sales must leave: the 95% range "
                   "(rarer, surer flags) or the 80% range (more, earlier flags).", kind=int, choices=(80, 95),
                   choice_labels={80: "80% range", 95: "95% range"}),
             Param("min_miss", "Smallest miss (share of the forecast)", 0.5, "Only misses at least this share of "
                   "the forecast (0.5: half of it) count, so small products' everyday noise stays off the list.",
                   minimum=0.0, maximum=10.0, ui_range=(0.0, 3.0), step=0.05),
             SMALLEST_SERIES,
         )),
    Spec("bias", "forecast keeps missing one way",
         "The forecast was above (or below) the sales in each of the last weeks: the level has moved and the "
         "model has not caught up yet.", "retail.planning.exceptions:persistent_bias", params=(
             Param("periods", "Weeks in a row", 3, "How many of the latest forecast errors must have the same "
                   "sign.", kind=int, minimum=2, maximum=12),
             Param("min_z", "Smallest total miss (times the usual miss)", 1.0, "The misses together must be at "
                   "least this many times the series' usual miss in its backtest (over as many weeks): higher "
                   "values leave out more of the everyday ups and downs.", minimum=0.0, maximum=20.0,
                   ui_range=(0.0, 6.0), step=0.25),
             Param("min_share", "Smallest total miss (share of sales)", 0.5, "The misses together must also be at "
                   "least this share of the sales (or of the forecast, when sales stopped).", minimum=0.0,
                   maximum=10.0, ui_range=(0.0, 3.0), step=0.05),
             SMALLEST_SERIES,
         )),
    Spec("stock-out", "runs out before the next delivery",
         "The stock on hand (latest order plan and stock file) covers less demand than there is until an order "
         "placed now arrives.", "retail.planning.exceptions:stock_out", params=(
             Param("margin_days", "Safety margin (days)", 0, "Also flag stock that runs out this many days after "
                   "the delivery would arrive.", kind=int, minimum=0, maximum=60, ui_range=(0, 14)),
         )),
    Spec("new-product", "new product",
         "Selling, but with too little history to forecast: watch its stock by hand.",
         "retail.planning.exceptions:new_products", params=(
             Param("max_periods", "First sold within (weeks)", 4, "Products first sold within this many of the "
                   "latest periods.", kind=int, minimum=1, maximum=52),
             Param("min_units", "Smallest sales (units or value a week)", 10.0, "Products selling less than this a "
                   "week on average are left out.", minimum=0.0, ui_range=(0.0, 100.0), step=1.0),
         )),
    Spec("stopped", "stopped selling",
         "Sold regularly, then nothing for several weeks: out of stock, delisted, or missing from the data.",
         "retail.planning.exceptions:stopped_selling", params=(
             Param("quiet_periods", "Weeks without a sale", 3, "How many of the latest periods had no sale.",
                   kind=int, minimum=1, maximum=26),
             Param("before_periods", "Weeks looked back", 12, "The periods before the quiet ones that show it "
                   "used to sell.", kind=int, minimum=2, maximum=104),
             Param("min_share", "Sold in at least (share of those weeks)", 0.75, "It used to sell in at least this "
                   "share of the periods looked back.", minimum=0.05, maximum=1.0, step=0.05),
             Param("min_units", "Smallest sales before (units or value a week)", 10.0, "Products that sold less "
                   "than this a week on average before are left out.", minimum=0.0, ui_range=(0.0, 100.0), step=1.0),
         )),
    Spec("movers", "biggest movers",
         "The largest changes in sales against the period before.", "retail.planning.exceptions:movers", params=(
             Param("periods", "Weeks compared", 4, "The latest periods, compared with as many before them.",
                   kind=int, minimum=1, maximum=26),
             Param("min_change", "Smallest change (share)", 0.5, "Only changes of at least this share (0.5: up by "
                   "half, or down by half) count.", minimum=0.0, maximum=10.0, ui_range=(0.0, 3.0), step=0.05),
             Param("top", "How many", 10, "The largest changes (in sales value where prices are known) listed.",
                   kind=int, minimum=1, maximum=500, ui_range=(1, 50)),
         )),
])

SOURCES = Registry("sales source", [
    Spec(FILE_SOURCE, "a file", "A CSV, Excel or Parquet file with new sales, read with the dataset's own columns.",
         "retail.planning.sources:read_file"),
    Spec(QUERY_SOURCE, "a query on the shop's PostgreSQL database",
         "A SELECT on the shop's own database; its address is read from an environment variable when the query "
         "runs, never saved.", "retail.planning.sources:QuerySource", params=(
             Param("query", "Query", "", "One SELECT statement whose columns are named like the dataset's file "
                   "(the date column at least).", kind=str),
             Param("url_env", "Address in the variable", DEFAULT_URL_ENV, "The environment variable "
                   "that holds postgresql://user:password@host:port/database (its value is never saved or logged).",
                   kind=str),
             Param("recheck_days", "Days to re-check", DEFAULT_RECHECK_DAYS, "The dataset's last days asked for again (late "
                   "corrections replace them).", kind=int, minimum=0, maximum=366, ui_range=(0, 28)),
         )),
])
