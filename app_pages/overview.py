"""Overview: KPIs against an earlier period, the trend, top products, customers and stores."""

import datetime as dt

import streamlit as st

from retail import frequency
from retail.analytics import charts, overview
from retail.data import currency, schema
from retail.formatting import count, plural
from ui import overview as cached
from ui import state
from ui.data import current_frame, workspace, workspace_location
from ui.paint import drawn_in_full
from ui.reports import report_button
from ui.widgets import download_csv, glossary_columns, help_link

PRODUCTS_KEY, PRODUCTS_CHART = "overview_products", "overview_products_chart"
SCOPE_KEYS = ("overview_stores", "overview_categorys", PRODUCTS_KEY)
# a period, store, category or product belongs to its dataset; the rest of the view carries over
PER_DATASET, PER_DATASET_URL = ("overview_period", *SCOPE_KEYS), ("period", "store", "category", "product")
VIEW_KEYS = (*PER_DATASET, "overview_compare", "overview_freq", "overview_measure", "overview_measure_units",
             "overview_gross")


def drill_down() -> None:
    """A click on a product bar narrows every figure to that product (and back with the filter)."""
    points = st.session_state[PRODUCTS_CHART].selection.points
    picked = [point["customdata"][1] for point in points if point.get("customdata")]
    if picked:
        st.session_state[PRODUCTS_KEY] = list(dict.fromkeys([*st.session_state.get(PRODUCTS_KEY, []), *picked]))


def period_filters(info, key: tuple) -> tuple[overview.Selection, str, str]:
    kept = state.recall("overview", info.name, PER_DATASET, PER_DATASET_URL)
    first, last = info.date_min.date(), info.date_max.date()
    default_start = overview.default_period(info.date_min, info.date_max)[0].date()

    def within_data(text: str) -> tuple[dt.date, dt.date]:
        start_text, _, end_text = text.partition("..")
        return tuple(min(max(dt.date.fromisoformat(t), first), last) for t in (start_text, end_text or start_text))

    gross_applies = cached.has_cancellations(*key)  # without sales undone later, gross and net are the same
    row = st.columns([2.5, 1.7, 2.0, 2.0, 1.4] if gross_applies else [2.5, 1.7, 2.0, 2.0])
    period = kept.get("overview_period") or state.from_url("period", within_data, (default_start, last))
    picked = row[0].date_input("Period", value=tuple(min(max(day, first), last) for day in period),
                               min_value=first, max_value=last, key="overview_period")
    start, end = (picked[0], picked[-1]) if isinstance(picked, tuple) and picked else (first, last)
    compare_start = kept.get("overview_compare") or state.from_url(
        "compare", lambda c: c if c in overview.COMPARISONS else None, "previous")
    compare = row[1].selectbox("Compare with", list(overview.COMPARISONS), format_func=overview.COMPARISONS.get,
                               index=list(overview.COMPARISONS).index(compare_start), key="overview_compare")
    freq = row[2].segmented_control("Trend by", list(frequency.CODES), key="overview_freq",
                                    default=kept.get("overview_freq") or state.from_url(
                                        "by", lambda code: frequency.get(code).code, "W"),
                                    format_func=lambda code: frequency.get(code).period) or "W"
    # A basket list has no prices: units only (its own widget, so a choice made on another dataset does not stick).
    measures = overview.measures(info.has, info.kind)
    measure_key = "overview_measure" if len(measures) > 1 else "overview_measure_units"
    measure = row[3].segmented_control("Measure", measures, default=kept.get(measure_key) or measures[0],
                                       key=measure_key, format_func=lambda m: overview.measure_label(m, info.kind)) \
        or measures[0]
    gross = gross_applies and row[4].toggle(
        "Gross sales", key="overview_gross",
        value=kept.get("overview_gross", state.from_url("gross", lambda v: v == "1", False)),
        help="Off (net): sales cancelled or returned in full later are left out. On (gross): they count.")
    stores, categories, products = scope_filters(info, key, kept)
    state.remember("overview", info.name, VIEW_KEYS)
    for param, value in (("period", f"{start}..{end}"), ("compare", compare), ("by", freq), ("store", stores),
                         ("category", categories), ("product", products), ("gross", "1" if gross else None)):
        state.publish(param, value)
    selection = overview.Selection(start, end, tuple(stores), tuple(categories), tuple(products), compare, gross)
    return selection, freq, measure


def scope_filters(info, key: tuple, kept: dict) -> tuple[list[str], list[str], list[str]]:
    """Stores, categories and products to look at (empty: all); a product bar click adds to products;
    ``kept``: the choices when the page last showed this dataset (:func:`ui.state.recall`)."""
    stores = cached.store_names(*key)
    store = schema.store_word(info.mapping)
    categories = cached.categories(*key) if info.has(schema.CATEGORY) else []
    products = cached.product_choices(*key) if info.has(schema.PRODUCT_ID) else None
    names = dict(zip(products[schema.PRODUCT_ID], products["product"], strict=True)) if products is not None else {}
    chosen = {"store": [], "category": [], "product": []}
    with st.expander("Stores, categories and products", expanded=bool(st.session_state.get(PRODUCTS_KEY))):
        row = st.columns(3)
        for column, (param, label, options, fmt) in zip(row, [
            ("store", plural(store).capitalize(), stores, str), ("category", "Categories", categories, str),
            ("product", "Products (or click a product bar)", list(names), lambda p: f"{names[p]} ({p})")], strict=True):
            widget_key = f"overview_{param}s"
            default = None if widget_key in st.session_state else [
                v for v in kept.get(widget_key, []) if v in options] or state.from_url(
                param, lambda v, options=options: v if v in options else None, [], many=True)
            chosen[param] = column.multiselect(label, options, default=default, key=widget_key,
                                               placeholder="All" if options else "None in this dataset",
                                               format_func=fmt, disabled=not options,
                                               help=None if options else f"This dataset has no {param} column mapped.")
    return chosen["store"], chosen["category"], chosen["product"]


def kpi_tiles(result: overview.Summary, selection: overview.Selection, code: str | None, first_day) -> None:
    compared = overview.COMPARISONS[selection.compare]
    # Short values (79.2k) in tiles that wrap: five in a row on a laptop, two per row on a phone.
    with st.container(horizontal=True, gap="small"):
        for kpi in result.kpis:
            exact = kpi.exact(code)
            flat = "off" if kpi.unchanged else None  # no arrow, no colour for "no change"
            st.metric(kpi.label, kpi.formatted(code), kpi.formatted_change(), border=True, width=180,
                      delta_color=flat or "normal", delta_arrow=flat or "auto",
                      help=f"{kpi.label}: {exact}; change against {compared}" if kpi.change is not None
                      else f"{kpi.label}: {exact}; nothing to compare with in {compared}")
    if note := overview.comparison_note(first_day, selection):
        st.info(note, icon=":material/calendar_month:")
    returns = result.returns
    if returns["lines"]:
        was, are = ("was", "is") if returns["cancelled_lines"] == 1 else ("were", "are")
        undone = (f" {count(returns['cancelled_lines'], 'sale')} worth {currency.money(returns['cancelled_value'], code)}"
                  f" {was} undone in full by them and {are} {'counted (gross)' if selection.gross else 'left out (net)'}."
                  if returns["cancelled_lines"] else "")
        st.caption(f"{'Gross' if selection.gross else 'Net'} sales. Returns and cancellations in the period: "
                   f"{count(returns['lines'], 'line')}, {count(returns['units'], 'unit')}, "
                   f"{currency.money(returns['value'], code)} in value.{undone}")


def rankings(info, result: overview.Summary, measure: str, has_stores: bool, code: str | None) -> None:
    word = overview.measure_label(measure, info.kind)
    title = f"{word}{currency.label(code) if measure == 'revenue' else ''}"
    store = schema.store_word(info.mapping)
    left, right = st.columns(2)
    if info.has(schema.PRODUCT_ID):
        figure = charts.bar_figure(result.products, "product", measure, f"Top 10 products by {word.lower()}",
                                   title, "product", id_column=schema.PRODUCT_ID)
        left.plotly_chart(figure, key=PRODUCTS_CHART, on_select=drill_down, selection_mode="points")
    else:
        left.info(f"This dataset holds sales per {store}, without products, so there is no product ranking.")
    if info.has(schema.CUSTOMER_ID):
        right.plotly_chart(charts.bar_figure(result.customers, schema.CUSTOMER_ID, measure,
                                             f"Top 10 customers by {word.lower()}", title, "customer",
                                             color=charts.SECOND), key="overview_customers")
    elif info.kind not in overview.TOTALS:  # totals never have customers: nothing to say
        right.info("This dataset has no customer column, so there is no customer ranking.")
    if has_stores:
        st.plotly_chart(charts.bar_figure(result.stores.head(15), schema.STORE_ID, measure,
                                          f"{word} by {store} (top 15)", title, store),
                        key="overview_stores_chart")


def tables(info, result: overview.Summary, code: str | None) -> None:
    store = schema.store_word(info.mapping)
    money = overview.measure_label("revenue", info.kind)
    with st.expander("Tables (with CSV downloads)"):
        for name, table in overview.tables_of(result, info.kind).items():
            short = name.split()[-1]
            st.markdown(f"**{plural(store).capitalize() if short == 'stores' else name.capitalize()}**")
            st.dataframe(table, hide_index=True, width="stretch", key=f"overview_table_{short}",
                         column_config=glossary_columns(table, store=store) | {
                             "revenue": st.column_config.NumberColumn(f"{money.lower()}{currency.label(code)}",
                                                                      format="accounting")})
            download_csv(table, f"overview_{short}.csv", key=f"overview_download_{short}", money=["revenue"],
                         headers={"revenue": money, schema.STORE_ID: store})


st.title("Sales overview")
help_link("overview")
loaded = current_frame()
if loaded is None:
    st.stop()
info, _ = loaded
key = (workspace_location(), info.name, info.version)
if info.date_min is None:
    st.warning("This dataset has no rows.")
    st.stop()

code = workspace().currency_of(info)
selection, freq, measure = period_filters(info, key)
result = cached.summary(*key, selection, freq, measure, info.kind)
kpi_tiles(result, selection, code, info.date_min)
if drawn_in_full("overview"):
    st.plotly_chart(charts.trend_figure(result.trend, freq, measure, currency.label(code).strip(" ()"),
                                        overview.measure_label(measure, info.kind)), key="overview_trend")
    if note := overview.incomplete_note(result.trend, freq):
        st.caption(note)
    rankings(info, result, measure, bool(cached.store_names(*key)), code)
    tables(info, result, code)
report_button(key, info, selection, freq, measure, code)
