"""Overview: KPIs against the previous period, trend, top products, customers and stores."""

import datetime as dt

import streamlit as st

from retail import frequency
from retail.analytics import charts, overview
from retail.data import schema
from retail.data.workspace import workspace_home
from ui import overview as cached
from ui import state
from ui.data import current_frame

UNIT_TITLES = {"revenue": "Revenue (the file's currency)", "units": "Units sold"}

st.title("Sales overview")
loaded = current_frame()
if loaded is None:
    st.stop()
info, _ = loaded
key = (str(workspace_home()), info.name, info.version)
if info.date_min is None:
    st.warning("This dataset has no rows.")
    st.stop()

first, last = info.date_min.date(), info.date_max.date()
default_start = overview.default_period(info.date_min, info.date_max)[0].date()
stores = cached.store_names(*key)


def within_data(text: str) -> tuple[dt.date, dt.date]:
    start_text, _, end_text = text.partition("..")
    start, end = (min(max(dt.date.fromisoformat(t), first), last) for t in (start_text, end_text or start_text))
    return start, end


filters = st.columns([2, 2, 1.4, 1.2])
picked = filters[0].date_input("Period", value=state.from_url("period", within_data, (default_start, last)),
                               min_value=first, max_value=last, key="overview_period",
                               help="KPIs compare with the period of equal length before it.")
start, end = (picked[0], picked[-1]) if isinstance(picked, tuple) and picked else (first, last)
chosen_stores = filters[1].multiselect("Stores / countries", stores, key="overview_stores", placeholder="All",
                                       default=state.from_url("store", lambda s: s if s in stores else None, [],
                                                              many=True), disabled=not stores)
freq = filters[2].segmented_control("Trend by", list(frequency.CODES), key="overview_freq",
                                    default=state.from_url("by", lambda code: frequency.get(code).code, "W"),
                                    format_func=lambda code: frequency.get(code).period) or "W"
# A basket list has no prices: units only (its own widget, so a choice made on another dataset does not stick).
measures = overview.measures(info.has)
measure_key = "overview_measure" if len(measures) > 1 else "overview_measure_units"
measure = filters[3].segmented_control("Measure", measures, default=measures[0], key=measure_key) or measures[0]
state.publish("period", f"{start}..{end}")
state.publish("store", chosen_stores)
state.publish("by", freq)

result = cached.summary(*key, start, end, tuple(chosen_stores), freq, measure)
metric_columns = st.columns(5)
for column, kpi in zip(metric_columns, result.kpis, strict=True):
    column.metric(kpi.label, kpi.formatted(), kpi.formatted_change(), border=True,
                  help="Change against the previous period of the same length" if kpi.change is not None
                  else "No earlier data to compare with")

returns = result.returns
if returns["lines"]:
    st.caption(f"Returns and cancellations in the period: {returns['lines']:,.0f} lines, "
               f"{returns['units']:,.0f} units, {returns['value']:,.2f} in value (not in the figures above).")

st.plotly_chart(charts.trend_figure(result.trend, freq, measure), key="overview_trend")

left, right = st.columns(2)
products = result.products
if info.has(schema.PRODUCT_ID):
    left.plotly_chart(charts.bar_figure(products, "product", measure, f"Top 10 products by {measure}",
                                        UNIT_TITLES[measure], "product"), key="overview_products")
else:
    left.info("This dataset has no product column (store-level sales), so there is no product ranking.")
if info.has(schema.CUSTOMER_ID):
    right.plotly_chart(charts.bar_figure(result.customers, schema.CUSTOMER_ID, measure,
                                         f"Top 10 customers by {measure}", UNIT_TITLES[measure], "customer id",
                                         color=charts.SECOND),
                       key="overview_customers")
else:
    right.info("This dataset has no customer column, so there is no customer ranking.")

if stores:
    st.plotly_chart(charts.bar_figure(result.stores.head(15), schema.STORE_ID, measure,
                                      f"{measure.capitalize()} by store / country (top 15)", UNIT_TITLES[measure],
                                      "store / country"),
                    key="overview_stores_chart")

with st.expander("Top products table"):
    st.dataframe(products, hide_index=True, width="stretch",
                 column_config={"revenue": st.column_config.NumberColumn(format="%.2f")})
