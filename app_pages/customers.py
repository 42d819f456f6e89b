"""Customers: segments and how they moved, each customer's card, the models' check on held-out days,
and the campaign builder (audience, expected revenue, products to offer, downloads, saved campaigns)."""

import datetime as dt
from dataclasses import replace

import streamlit as st

from retail.customers import export
from retail.customers.analysis import CustomerSettings
from retail.customers.campaign import (
    RUN_KIND,
    SPEND_HELP,
    SPEND_LABEL,
    CampaignSettings,
    audience,
    default_name,
    headline,
)
from retail.customers.charts import (
    calibration_figure,
    lift_figure,
    movement_figure,
    purchases_figure,
    segment_figure,
)
from retail.customers.history import default_as_of, why_not
from retail.customers.registry import DEFAULT as DEFAULT_MODEL
from retail.customers.registry import (
    PROPENSITY_MODELS,
    SEGMENT_LABELS,
    VALUE_MODELS,
    segment_markdown,
)
from retail.data import currency, schema
from retail.formatting import compact, count, probability
from retail.glossary import explain
from retail.recommend.registry import DEFAULT as DEFAULT_RECOMMENDER
from retail.recommend.registry import RECOMMENDERS
from ui import customers as cached
from ui.data import current_dataset, current_frame, workspace, workspace_location
from ui.downloads import download
from ui.widgets import delete_run_and_redraw, glossary_columns, help_link, param_widgets, registry_select, start_values

CAMPAIGN_KEY = "campaign_run_id"


MONEY_COLUMNS = {"monetary": "Money spent", "average_order_value": "Average order value",
                 "expected_spend": "Expected spend", "actual_spend": "Actual spend", "revenue": "Revenue"}
WHOLE_NUMBERS = {c: "%d" for c in ("recency_days", "orders", "purchase_days", "tenure_days", "actual_purchases",
                                   "cluster")}


def compact_money(value: float, code: str | None) -> str:
    """Money for a tile: "£1.12M", "£9,876"."""
    return compact(value, currency.CURRENCIES[code].symbol if code in currency.CURRENCIES else "")


def money_column(title: str, code: str | None):
    return st.column_config.NumberColumn(f"{title}{currency.label(code)}", format="accounting")


def columns_of(table, code: str | None) -> dict:
    """Headers, tooltips and number formats for a customer or campaign table (money with the currency)."""
    config = glossary_columns(table, "%.2f", **{c: f for c, f in WHOLE_NUMBERS.items() if c in table})
    config |= {c: money_column(title, code) for c, title in MONEY_COLUMNS.items() if c in table}
    for column in table.columns:
        if column.startswith(("product", "why")):
            config[column] = st.column_config.TextColumn(export.header(column))
    if "customer_id" in table:
        config["customer_id"] = st.column_config.TextColumn("Customer")
    if "propensity" in table:
        config["propensity"] = st.column_config.ProgressColumn("Probability of buying", min_value=0.0, max_value=1.0,
                                                               format="percent")
    return config


def choose_settings(key: tuple) -> CustomerSettings:
    """As-of date, horizon and models (their settings in an expander)."""
    history = cached.history(*key)
    latest = default_as_of(history).date()
    row = st.columns([1.1, 1.3, 2.0, 1.6])
    as_of = row[0].date_input("As of", value=latest, min_value=history.first_day.date() + dt.timedelta(days=1),
                              max_value=latest, key="cust_as_of",
                              help="Scores use only purchases before this day.")
    horizon = row[1].slider("Next days", 7, 365, 90, key="cust_horizon", help="How far ahead purchases are predicted.")
    value_model = registry_select(row[2], "Repeat-purchase model", VALUE_MODELS, "cust_value_model",
                                  VALUE_MODELS.first_tagged(DEFAULT_MODEL))
    propensity_model = registry_select(row[3], "Propensity model", PROPENSITY_MODELS, "cust_propensity_model",
                                       PROPENSITY_MODELS.first_tagged(DEFAULT_MODEL))
    with st.expander("Model settings"):
        value_params = param_widgets(VALUE_MODELS.get(value_model), f"cust_{value_model}")
        propensity_params = param_widgets(PROPENSITY_MODELS.get(propensity_model), f"cust_{propensity_model}")
    return CustomerSettings(as_of=as_of, horizon_days=horizon, value_model=value_model,
                            propensity_model=propensity_model, value_params=value_params,
                            propensity_params=propensity_params)


def show_headline(result, code: str | None) -> None:
    summary = result.headline()
    tiles = st.columns(4)
    tiles[0].metric("Customers", f"{summary['customers']:,}")
    tiles[1].metric(f"Expected buyers, next {result.horizon} days", f"{summary['expected_buyers']:,.0f}")
    tiles[2].metric("Expected purchases", f"{summary['expected_purchases']:,.0f}")
    if summary["expected_spend"] is not None:
        tiles[3].metric(f"Expected spend, next {result.horizon} days", compact_money(summary["expected_spend"], code),
                        help="What all customers are expected to spend in the period (the repeat-buying model).")
    for warning in result.warnings:
        st.caption(warning)


def show_clusters(result, key: tuple, settings: CustomerSettings, code: str | None) -> None:
    if not st.toggle("Also group customers with k-means", key="cust_kmeans",
                     help="Groups from recency, orders and money (scaled); the number of groups is the one with "
                          "the best silhouette."):
        return
    try:
        _, described = cached.clusters(cached.analysis_key(*key, settings), result)
    except ValueError as exc:
        st.info(str(exc))
        return
    st.caption(f"{len(described)} groups (silhouette {described['silhouette'].iat[0]:.2f}: 1 is perfectly "
               "separated, 0 overlapping).")
    st.dataframe(described.drop(columns=["silhouette"]), hide_index=True, width="stretch", key="cust_clusters",
                 column_config={"cluster": st.column_config.NumberColumn("Group"),
                                "customers": st.column_config.NumberColumn("Customers", format="localized"),
                                "median_recency_days": st.column_config.NumberColumn("Median days since purchase",
                                                                                     format="%d"),
                                "median_orders": st.column_config.NumberColumn("Median orders", format="%.0f"),
                                "median_monetary": money_column("Median money spent", code),
                                "description": st.column_config.TextColumn("In words", width="large")})


def show_segments(result, code: str | None, key: tuple, settings: CustomerSettings) -> None:
    st.plotly_chart(segment_figure(result.segments, code), key="cust_treemap")
    table = result.segments.drop(columns=["segment"])
    st.dataframe(table, hide_index=True, width="stretch", key="cust_segments", column_config=glossary_columns(
        table, "%.2f", average_recency_days="%.0f", previous_customers="localized", change="%+d") | {
        "label": st.column_config.TextColumn("Segment"), "customers": st.column_config.NumberColumn(
            "Customers", format="localized"), "revenue": money_column("Revenue", code),
        "revenue_share": st.column_config.NumberColumn("Share of revenue", format="percent"),
        "customer_share": st.column_config.NumberColumn("Share of customers", format="percent")})
    if result.movement is not None:
        st.plotly_chart(movement_figure(result.movement, f"{result.previous_as_of:%d %b %Y}", f"{result.as_of:%d %b %Y}"),
                        key="cust_movement")
    show_clusters(result, key, settings, code)
    with st.expander("How segments are named (the rule table)"):
        st.markdown("Scores run from 1 (lowest fifth of customers) to 5 (highest fifth); the first rule that "
                    "matches names the customer.\n\n" + segment_markdown())


@st.fragment
def show_customers(result, key: tuple, code: str | None) -> None:
    """Search, table and card: another customer, search or segment reruns this tab alone (the analysis and
    the fitted recommender are shared; the card only reads and ranks)."""
    row = st.columns([2, 3])
    text = row[0].text_input("Search customer id", key="cust_search")
    chosen = row[1].multiselect("Segments", list(SEGMENT_LABELS), format_func=SEGMENT_LABELS.get, key="cust_filter")
    table = result.find(text, chosen)
    st.dataframe(table, hide_index=True, width="stretch", key="cust_table", column_config=columns_of(table, code))
    if table.empty:
        st.info("No customer matches the search.")
        return
    customer = st.selectbox("Customer card", table["customer_id"].tolist(), key="cust_card")
    show_card(result.card(customer), key, code, result.as_of)


def show_card(card: dict, key: tuple, code: str | None, as_of) -> None:
    st.subheader(f"Customer {card['customer_id']}: {card['segment_label']}")
    st.caption(f"{card['segment_rule'].description} {card['segment_rule'].action}")
    tiles = st.columns(6)
    tiles[0].metric("Scores (recency, frequency, money)", "-".join(str(card["rfm_score"])),
                    help=explain("rfm_score"))
    tiles[1].metric("Days since last purchase", f"{card['recency_days']:,}")
    tiles[2].metric("Orders", f"{card['orders']:,}")
    tiles[3].metric("Money spent", currency.money(card["monetary"], code) if card["monetary"] == card["monetary"]
                    else "n/a")
    tiles[4].metric("Probability of buying", probability(card["propensity"]), help=explain("propensity"))
    spend = card["expected_spend"]
    tiles[5].metric("Expected spend", currency.money(spend, code) if spend == spend else "n/a",
                    help=f"{card['expected_purchases']:.1f} purchases expected")
    left, right = st.columns([3, 2])
    history = cached.purchase_history(*key, card["customer_id"])
    left.markdown(f"**Purchase history** ({len(history):,} lines)")
    left.dataframe(history, hide_index=True, width="stretch", key="cust_history",
                   column_config=glossary_columns(history) | {schema.REVENUE: money_column("Amount", code)})
    algorithm = RECOMMENDERS.first_tagged(DEFAULT_RECOMMENDER)
    picks = cached.recommender(*key, algorithm, as_of).recommend(card["customer_id"], n=5)
    right.markdown(f"**Products to offer** ({RECOMMENDERS.label(algorithm)})")
    right.dataframe(picks[[schema.PRODUCT_NAME, "reasons"]], hide_index=True, width="stretch", key="cust_picks",
                    column_config=glossary_columns(picks))


def show_check(key: tuple, settings) -> None:
    """The models scored on the last days of the data, beside the baselines."""
    st.caption(f"Every model is fitted as if it were {settings.horizon_days} days before the end of the data and "
               "scored on what the customers then did. The baselines (recency alone; the last period again) show "
               "what the models add.")
    if not (st.button("Check the models", type="primary", key="cust_check") or st.session_state.get("cust_checked")):
        return
    st.session_state["cust_checked"] = True
    try:
        checked = cached.analysis(*key, replace(settings, as_of=None, evaluate=True))
    except ValueError as exc:
        st.error(str(exc))
        return
    st.markdown(f"**As of {checked.as_of:%d %b %Y}, checked on the next {checked.horizon} days**")
    propensity = checked.propensity_evaluation.assign(model=checked.propensity_evaluation["model"].map(
        PROPENSITY_MODELS.label))
    st.dataframe(propensity, hide_index=True, width="stretch", key="cust_eval_propensity",
                 column_config=glossary_columns(propensity, "%.3f"))
    value = checked.value_evaluation.assign(model=checked.value_evaluation["model"].map(VALUE_MODELS.label),
                                            purchases_predicted=checked.value_evaluation["purchases_predicted"].round())
    st.dataframe(value, hide_index=True, width="stretch", key="cust_eval_value",
                 column_config=glossary_columns(value, "%.3f", purchases_predicted="localized",
                                                purchases_actual="localized", spend_predicted="accounting",
                                                spend_actual="accounting"))
    charts = st.columns(2)
    charts[0].plotly_chart(lift_figure(checked.lift), key="cust_lift")
    charts[1].plotly_chart(calibration_figure(checked.reliability), key="cust_calibration")
    st.plotly_chart(purchases_figure(checked.value_evaluation), key="cust_purchases")
    if checked.model_details:
        with st.expander("For experts: the models' fitted parameters"):
            for name, params in checked.model_details.items():
                st.caption(f"{VALUE_MODELS.label(name)}: " + ", ".join(f"{k} = {v:.3g}" for k, v in params.items()))


def campaign_settings(result, code: str | None) -> CampaignSettings:
    start_values(str(result.as_of.date()), {"camp_name": default_name(result.as_of)})
    row = st.columns([2, 3, 2])
    name = row[0].text_input("Campaign name", key="camp_name")
    segments = row[1].multiselect("Segments (none: all)", list(SEGMENT_LABELS), format_func=SEGMENT_LABELS.get,
                                  key="camp_segments")
    band = row[2].slider("Probability of buying", 0.0, 1.0, (0.0, 1.0), 0.05, key="camp_band", format="percent")
    row = st.columns(4)
    min_value = row[0].number_input(f"Least expected spend{currency.label(code)}", 0.0, value=0.0, step=10.0,
                                    key="camp_min_value", disabled=not result.has_money)
    top = row[1].number_input("At most (0 = everyone)", 0, 1_000_000, 500, step=50, key="camp_top",
                              help="Keep the most valuable customers first. Choosing products takes about "
                                   "a second per 40 customers.")
    products = row[2].slider("Products per customer", 0, 10, 3, key="camp_products")
    algorithm = registry_select(row[3], "Products from", RECOMMENDERS, "camp_algorithm",
                                RECOMMENDERS.first_tagged(DEFAULT_RECOMMENDER))
    listed, source = targeting_filter()
    return CampaignSettings(name=name or "campaign", segments=tuple(segments), min_propensity=band[0],
                            max_propensity=band[1], min_value=min_value, max_customers=int(top) or None,
                            products=products, algorithm=algorithm, customers=listed, customers_from=source)


def targeting_filter() -> tuple[tuple[str, ...], str]:
    """Only the customers of a targeting list saved on the Experiments page (shown when there is one)."""
    info = current_dataset()
    lists = cached.targeting_lists(info.name)
    if not lists:
        return (), ""
    chosen = st.selectbox("Only customers of a targeting list", [None, *lists], key="camp_targeting",
                          format_func=lambda run: "(no list: every customer)" if run is None else lists[run],
                          help="Lists saved on the Experiments page: the customers a test campaign moved most.")
    return ((), "") if chosen is None else (cached.targeted(chosen), lists[chosen])


@st.fragment
def show_campaign(result, key: tuple, code: str | None) -> None:
    """The audience's filters rerun this tab alone; a saved list reruns the page (the saved tab lists it)."""
    try:
        settings = campaign_settings(result, code)
    except ValueError as exc:
        st.error(str(exc))
        return
    chosen = audience(result, settings)
    matching = len(audience(result, replace(settings, max_customers=None)))
    summary = headline(chosen, result)
    tiles = st.columns(3)
    tiles[0].metric("Audience", f"{summary['customers']:,}", help=f"{summary['share']:.0%} of all customers; "
                    f"{matching:,} match the filters, the most valuable first.")
    tiles[1].metric("Expected buyers", f"{summary['expected_buyers']:,.0f}")
    if summary["expected_revenue"] is not None:
        tiles[2].metric(f"{SPEND_LABEL}, next {result.horizon} days", compact_money(summary["expected_revenue"], code),
                        help=SPEND_HELP)
    st.dataframe(chosen.head(500), hide_index=True, width="stretch", key="camp_preview",
                 column_config=columns_of(chosen, code))
    if st.button("Build and save the campaign list", type="primary", key="camp_build", disabled=chosen.empty):
        st.session_state[CAMPAIGN_KEY] = cached.build_and_save(*key, result, settings).id
        st.rerun()  # the whole page: the saved campaigns tab lists the new one
    run_id = st.session_state.get(CAMPAIGN_KEY)
    if run_id is not None:
        show_saved(run_id, code, "camp")


def show_saved(run_id: int, code: str | None, prefix: str) -> None:
    info, table = cached.saved_campaign(run_id)
    revenue = info.summary.get("expected_revenue")
    st.success(f"Campaign '{info.summary.get('name')}' (saved as campaign {info.number}): {count(len(table), 'customer')}"
               + (f"; they are expected to spend {currency.money(revenue, code, 0)} in the period, with or without "
                  "the campaign" if revenue is not None else "") + ".")
    st.dataframe(table, hide_index=True, width="stretch", key=f"{prefix}_list", column_config=columns_of(table, code))
    settings = {k: v for k, v in info.settings.items() if k != "analysis"}
    files, guarded = st.columns(2), workspace()  # customers by pseudonym when an admin chose so, on click
    download(files[0], "Download Excel", lambda: export.campaign_workbook(guarded.export(table), settings, info.summary,
                                                                          code), f"campaign_{info.number}.xlsx",
             f"{prefix}_xlsx", campaign=True)
    download(files[1], "Download CSV", lambda: export.to_csv_bytes(guarded.export(table)), f"campaign_{info.number}.csv",
             f"{prefix}_csv", campaign=True)


def show_saved_campaigns(dataset: str, code: str | None) -> None:
    runs = workspace().list_runs(RUN_KIND, dataset)
    if not runs:
        st.info("No saved campaign for this dataset yet: build one in the Campaign tab.")
        return
    labels = {r.id: f"{r.summary.get('name')} · {r.summary.get('customers', 0):,} customers · {r.created_at:%d %b %Y %H:%M}"
              for r in runs}
    run_id = st.selectbox("Saved campaign", list(labels), format_func=labels.get, key="saved_campaign")
    show_saved(run_id, code, "saved")
    if st.button("Delete this campaign", key="saved_delete"):
        delete_run_and_redraw(run_id, CAMPAIGN_KEY)


st.title("Customers")
help_link("customers")
loaded = current_frame()
if loaded is None:
    st.stop()
info, frame = loaded
if reason := why_not(info.kind, info.has(schema.CUSTOMER_ID)):
    st.info(reason)
    st.stop()
key = (workspace_location(), info.name, info.version)
code = workspace().currency_of(info)
try:
    settings = choose_settings(key)
    result = cached.analysis(*key, settings)
except ValueError as exc:
    st.error(str(exc))
    st.stop()
show_headline(result, code)
segments_tab, customers_tab, check_tab, campaign_tab, saved_tab = st.tabs(
    ["Segments", "Customers", "Model check", "Campaign", "Saved campaigns"])
with segments_tab:
    show_segments(result, code, key, settings)
with customers_tab:
    show_customers(result, key, code)
with check_tab:
    show_check(key, settings)
with campaign_tab:
    show_campaign(result, key, code)
with saved_tab:
    show_saved_campaigns(info.name, code)
