"""Pricing and promotions: elasticities with honest intervals, promotion lifts, price scenarios, saved runs."""

import pandas as pd
import streamlit as st

from retail.analytics.aggregate import exogenous_candidates
from retail.analytics.overview import promo_column
from retail.data import currency, schema
from retail.formatting import count
from retail.glossary import GLOSSARY, explain
from retail.pricing.charts import (
    elasticity_figure,
    product_figure,
    response_figure,
    scenario_figure,
    store_lift_figure,
)
from retail.pricing.costs import cost_columns
from retail.pricing.export import to_csv_bytes, to_excel_bytes
from retail.pricing.panel import why_not
from retail.pricing.registry import DEFAULT, ESTIMATORS, GOALS, NEEDS_COST
from retail.pricing.result import RUN_KIND
from retail.pricing.settings import PricingSettings
from retail.pricing.tables import verdict_sentence
from ui import pricing as cached
from ui import state
from ui.data import current_frame, workspace, workspace_location
from ui.downloads import download
from ui.widgets import (
    blank_text,
    download_csv,
    gaps_as_text,
    glossary_columns,
    help_link,
    param_widgets,
    registry_select,
    saved_runs,
)

RUN_KEY = "pricing_run_id"
NO_COLUMN = "(none)"
MEASURES = {"revenue": "Sales value", "units": "Units", "margin": "Margin"}
NOT_MEASURED = ["product_id", "product_name", "category", "reason", "price_levels", "price_changes", "sale_days",
                "units", "promo_days", "current_price"]


def settings_form(frame: pd.DataFrame) -> PricingSettings | None:
    """The run's settings; returns them when the user pressed the button."""
    row = st.columns([2, 2, 1])
    model = registry_select(row[0], "Elasticity model", ESTIMATORS, "pr_model", ESTIMATORS.first_tagged(DEFAULT),
                            help="How the price effect is measured; the default won the benchmark (README).")
    columns = [NO_COLUMN, *exogenous_candidates(frame)]
    guess = promo_column(frame)
    promo = row[1].selectbox("Promotion column", columns, index=columns.index(guess) if guess in columns else 0,
                             key="pr_promo", help="A column that is above 0 on promotion days (e.g. Promo).")
    min_days = row[2].number_input("Minimum days with sales", 2, 1000, 30, key="pr_min_days",
                                   help="Products that sold on fewer days get no elasticity.")
    spec = ESTIMATORS.get(model)
    st.caption(spec.description)
    with st.expander("Model settings"):
        params = param_widgets(spec, f"pr_{model}")
    if not st.button("Measure price elasticities", type="primary", key="pr_run"):
        return None
    return PricingSettings(model=model, model_params=params, promo_column=None if promo == NO_COLUMN else promo,
                           min_sale_days=int(min_days))


def show_headline(result, number: int) -> None:
    st.success(f"{result.headline()} Run {number}, {ESTIMATORS.label(result.settings.model)}, "
               f"{result.seconds:.1f} s.")
    for note in result.notes:
        st.caption(note)


def show_elasticities(result) -> None:
    level = st.radio("Per", ["product", "category"], horizontal=True, key="pr_level",
                     format_func={"product": "product", "category": "category (pooled)"}.get)
    table = blank_text(result.products if level == "product" else result.categories)
    st.subheader("Price elasticity per " + level, help=explain("elasticity"))
    measured = table["identifiable"].astype(bool)
    config = glossary_columns(table, number_format="%.2f", units="localized", revenue="localized",
                              baseline_units="%.0f", p_elastic="percent", own_weight="percent") | {
        "reason": None, "elasticity_used": None, "elasticity_used_sd": None, "elasticity_source": None,
        "baseline_log_sd": None, "revenue": None, "stores": None, "identifiable": None}
    unsettled = measured & ~table["settled"].astype(bool) if "settled" in table else measured & False
    if unsettled.any():  # shown only when it says something: which estimates to read with care
        st.warning(f"The estimate did not settle for {count(int(unsettled.sum()), 'product')}: the fit stopped at "
                   "its step limit while the numbers were still moving. They are unticked under Estimate settled; "
                   "read them with care.")
    else:
        config["settled"] = None
    st.dataframe(table[measured], hide_index=True, width="stretch", key=f"pr_table_{level}", column_config=config)
    if (~measured).any():  # no number to show for them: why not, and what the estimate would rest on
        st.markdown(f"**Not measurable** ({count(int((~measured).sum()), level)})", help=explain("verdict"))
        rest = table.loc[~measured, [c for c in NOT_MEASURED if c in table]]
        st.dataframe(rest, hide_index=True, width="stretch", key=f"pr_unmeasured_{level}",
                     column_config=glossary_columns(rest) | {"reason": st.column_config.TextColumn("why not")})
    label = "product_name" if level == "product" else "category"
    st.plotly_chart(elasticity_figure(table, label), key=f"pr_forest_{level}")


def show_product(result, code: str | None) -> None:
    st.subheader("One product")
    choices = result.product_choices()
    linked = state.from_url("product", lambda p: p if p in choices else None)
    product = st.selectbox("Product, best sellers first (type to search)", list(choices), key="pr_product",
                           index=list(choices).index(linked) if linked else 0, format_func=choices.get)
    state.publish("product", product)
    view = result.product_view(product)
    row = view["row"]
    (st.info if row["identifiable"] else st.warning)(verdict_sentence(row))
    left, right = st.columns(2)
    left.plotly_chart(product_figure(view["daily"], str(row["product_name"]), code), key="pr_product_chart")
    if pd.notna(row["elasticity_used"]) and pd.notna(row["baseline_units"]):
        right.plotly_chart(response_figure(row, view["points"], code), key="pr_response_chart")
    else:
        right.info("No price response to draw: neither the product nor its category has one.")


def show_promotions(result) -> None:
    if result.lifts.empty:
        st.info("No promotion lifts: the data has no promotion column (choose one above), or the model is not a "
                "count model." if result.promo_column is None or result.events.empty else "No promotions found.")
        return
    st.subheader("Promotion lift per product", help=explain("promotion_lift"))
    percent = {c: "percent" for c in ("lift", "lift_low", "lift_high", "promotion_lift", "promotion_lift_low",
                                      "promotion_lift_high", "discount")}
    lifts = gaps_as_text(result.lifts_view())
    st.dataframe(lifts, hide_index=True, width="stretch", key="pr_lifts",
                 column_config=glossary_columns(lifts, number_format="%.0f", **percent))
    st.subheader("Each promotion")
    events = gaps_as_text(result.events_view())
    dates = {c: st.column_config.DateColumn(c, format="YYYY-MM-DD") for c in ("start", "end")}
    st.dataframe(events, hide_index=True, width="stretch", key="pr_events",
                 column_config=glossary_columns(events, number_format="%.0f", **percent) | dates | {"event": None})


def cost_source(info, frame) -> pd.Series | None:
    """Unit costs from a column of the dataset or an uploaded table (None: no costs)."""
    columns = cost_columns(frame) + [c for c in exogenous_candidates(frame) if c not in cost_columns(frame)]
    choice = st.selectbox("Unit costs", [NO_COLUMN, "upload a table", *columns], key="pr_cost_source",
                          help="Needed for margins: a column of the dataset, or a table with product code and cost.")
    try:
        if choice == "upload a table":
            upload = st.file_uploader("Cost table (CSV or Excel: product code, unit cost)", key="pr_cost_file")
            return cached.uploaded_costs(upload) if upload is not None else None
        if choice != NO_COLUMN:
            return cached.column_costs(workspace_location(), info.name, info.version, choice)
    except ValueError as exc:
        st.error(str(exc))
    return None


def show_scenarios(result, run_id: int, info, frame, code: str | None) -> None:
    st.subheader("What if the price changed?")
    row = st.columns([1, 2, 2])
    scope = row[0].radio("For", ["product", "category"], key="pr_scope", horizontal=True)
    if scope == "product":
        choices = result.product_choices()
        item = row[1].selectbox("Product", list(choices), key="pr_scenario_product", format_func=choices.get)
    else:
        item = row[1].selectbox("Category", list(result.categories["category"]), key="pr_scenario_category")
    with row[2]:
        costs = cost_source(info, frame)
    goal = registry_select(st, "Recommend the price with", GOALS, "pr_goal", GOALS.first_tagged(DEFAULT))
    if NEEDS_COST in GOALS.get(goal).tags and costs is None:
        st.info("Margins need unit costs: choose a cost column or upload a cost table above.")
        return
    params = param_widgets(GOALS.get(goal), "pr_goal")
    change = st.slider("Price change (%)", -30, 30, 0, step=1, key="pr_change") / 100
    changes = tuple(sorted({round(c / 100, 4) for c in range(-30, 31, 5)} | {change}))
    try:
        table, recommendation = cached.scenario(workspace_location(), run_id, item if scope == "product" else None,
                                                item if scope == "category" else None, costs, changes, goal, params)
    except ValueError as exc:
        st.warning(str(exc))
        return
    show_scenario_result(table, recommendation, change, costs is not None, code)
    show_scenario_table(table, costs is not None)


def show_scenario_table(table: pd.DataFrame, with_margin: bool) -> None:
    with st.expander("Every price change (table)"):
        shown = table if with_margin else table.drop(columns=[c for c in table.columns if c.startswith("margin")])
        st.dataframe(shown, hide_index=True, width="stretch", key="pr_scenario_table",
                     column_config={c: st.column_config.NumberColumn(c.replace("_", " "), format="localized")
                                    for c in shown.columns} | {"change": st.column_config.NumberColumn(
                                        "price change", format="percent")})
        download_csv(shown, "price_scenario.csv", "pr_scenario_csv")


def show_scenario_result(table: pd.DataFrame, recommendation, change: float, with_margin: bool,
                         code: str | None) -> None:
    from retail.pricing.scenario import describe_outcome

    chosen = table[table["change"].round(4) == round(change, 4)].iloc[0]
    tiles = st.columns(3 if with_margin else 2)
    for tile, measure in zip(tiles, ["units", "revenue", "margin"], strict=False):
        value, low, high, delta = describe_outcome(chosen, measure, code)
        tile.metric(f"{MEASURES[measure]} in a typical week", value, delta, help=f"95% interval: {low} to {high}")
    # a clean answer is green; one on a guard rail, or a sales-value answer without costs, is only information
    answer = st.success if recommendation.margin_known and not recommendation.rail else st.info
    answer(recommendation.describe(code))
    for warning in recommendation.warnings:
        st.warning(warning)
    measure = st.radio("Chart", [m for m in MEASURES if with_margin or m != "margin"], horizontal=True,
                       key="pr_scenario_measure", format_func=MEASURES.get)
    st.plotly_chart(scenario_figure(table, measure, MEASURES[measure], code, change, recommendation.change),
                    key="pr_scenario_chart")


def show_downloads(result, number: int, code: str | None) -> None:
    st.subheader("Take it away")
    left, middle, right = st.columns(3)
    download(left, "Download Excel (elasticities, categories, promotions, settings)",
             lambda: to_excel_bytes(result, code), f"pricing_run_{number}.xlsx", "pr_download_xlsx")
    download(middle, "Download CSV (products)", lambda: to_csv_bytes(result, "product"),
             f"elasticity_products_{number}.csv", "pr_download_csv")
    download(right, "Download CSV (categories)", lambda: to_csv_bytes(result, "category"),
             f"elasticity_categories_{number}.csv", "pr_download_cat")


def show_store_promotions(info, frame) -> None:
    """Sales totals per store with a promotion column: what promotions added, per store, with intervals."""
    st.subheader("Promotion lift per store", help=explain("store_lift"))
    st.caption("This file has sales per store without prices, so no price elasticity can be measured; what the "
               "promotions added can.")
    columns = exogenous_candidates(frame)
    guess = promo_column(frame)
    column = st.selectbox("Promotion column", columns, index=columns.index(guess) if guess in columns else 0,
                          key="pr_store_promo", help="A column that is above 0 on promotion days (e.g. Promo).")
    try:
        result = cached.store_promotions(workspace_location(), info.name, info.version, column)
    except ValueError as exc:
        st.error(str(exc))
        return
    st.success(result.headline())
    for note in result.notes:
        st.caption(note)
    store = schema.store_word(info.mapping)
    period = result.period
    table = blank_text(result.stores)
    money = {c: st.column_config.NumberColumn(f"{GLOSSARY[c][0]}{currency.label(workspace().currency_of(info))}"
                                              .replace("day", period), help=explain(c), format="localized")
             for c in ("sales_per_promo_day", "extra_per_promo_day")}
    st.dataframe(table, hide_index=True, width="stretch", key="pr_store_lifts", column_config=glossary_columns(
        table, store=store) | money | {"store_id": st.column_config.TextColumn(store), "promo_days": st.column_config.
        NumberColumn(f"promotion {period}s", format="localized"), "other_days": st.column_config.NumberColumn(
            f"other {period}s", format="localized")})
    st.plotly_chart(store_lift_figure(result.stores), key="pr_store_lift_chart")
    download_csv(table, "promotion_lift_per_store.csv", "pr_store_lifts_csv",
                 money=["sales_per_promo_day", "extra_per_promo_day"], headers={"store_id": store})


def show_runs(runs) -> None:
    table = pd.DataFrame([{"run": r.number, "saved": r.created_at, "model": ESTIMATORS.label(r.summary.get("model", "")),
                           "products": r.summary.get("products"), "measurable": r.summary.get("identifiable"),
                           "median elasticity": r.summary.get("median_elasticity")} for r in runs])
    saved_runs(runs, table, RUN_KEY, "pr_", "No saved pricing run for this dataset yet.")


st.title("Pricing and promotions")
help_link("pricing")
loaded = current_frame()
if loaded is None:
    st.stop()
info, frame = loaded
if reason := why_not(info.has):
    if info.kind == "store_totals" and exogenous_candidates(frame):  # no prices, but promotions to measure
        show_store_promotions(info, frame)
    else:
        st.info(reason)
    st.stop()
home, code = workspace_location(), workspace().currency_of(info)
if RUN_KEY not in st.session_state:
    st.session_state[RUN_KEY] = state.from_url("run", int)
new_tab, promo_tab, scenario_tab, runs_tab = st.tabs(["Elasticity", "Promotions", "Scenarios", "Saved runs"])
with new_tab:
    settings = settings_form(frame)
    if settings is not None:
        try:
            st.session_state[RUN_KEY] = cached.run_and_save(home, info.name, info.version, settings).id
        except ValueError as exc:
            st.error(str(exc))
runs = workspace().list_runs(RUN_KIND, info.name)  # after a new run was saved above
run = next((r for r in runs if r.id == st.session_state.get(RUN_KEY)), None)
if run is not None:
    run_id = run.id
    state.publish("run", run_id)
    result = cached.load_run(home, run_id)
    with new_tab:
        show_headline(result, run.number)
        show_elasticities(result)
        show_product(result, code)
        show_downloads(result, run.number, code)
    with promo_tab:
        show_promotions(result)
    with scenario_tab:
        show_scenarios(result, run_id, info, frame, code)
else:
    for tab in (new_tab, promo_tab, scenario_tab):
        tab.info("Measure the price elasticities first (Elasticity tab), or open a saved run.")
with runs_tab:
    show_runs(runs)
