"""Replenishment: what to order at the next review, proven by replaying history against the spreadsheet rule."""

import pandas as pd
import streamlit as st

from retail.analytics.aggregate import available_levels, level_label
from retail.data import currency, schema
from retail.formatting import percent
from retail.glossary import explain
from retail.inventory.charts import item_figure, tradeoff_figure
from retail.inventory.demand import INVENTORY_LEVELS, why_not
from retail.inventory.export import item_summary, plan_table, to_csv_bytes, to_excel_bytes
from retail.inventory.registry import POLICIES, TERMS_SPEC, baseline, ours, own_settings
from retail.inventory.result import RUN_KIND, headline
from retail.inventory.settings import ReplenishmentSettings
from retail.inventory.stock import FIELD_LABELS, editable_table, table_from_editor
from ui import inventory as cached
from ui import state
from ui.data import current_frame, workspace, workspace_location
from ui.downloads import download
from ui.widgets import help_link, param_widgets, saved_runs

RUN_KEY = "replenishment_run_id"


def scope_inputs(key: tuple, levels: list[str]) -> dict:
    row = st.columns(4)
    level = row[0].selectbox("Plan per", levels, format_func=lambda name: level_label(name, store), key="rp_level")
    top_n = row[1].number_input("Largest N items (0 = all)", 0, 100_000, 100, key="rp_top",
                                help="The items with most units sold before the replayed weeks.")
    weeks = row[2].number_input("Weeks replayed", 1, 52, 12, key="rp_weeks",
                                help="The policies are replayed on this many weeks of real demand.")
    start = row[3].date_input("First replayed review", value=None, key="rp_start", format="YYYY-MM-DD",
                              help="Empty: the last weeks of the data.")
    start = pd.Timestamp(start) if start else cached.default_start(*key, int(weeks))
    return {"level": level, "top_n": int(top_n) or None, "simulate_weeks": int(weeks), "start": start}


def stock_inputs(key: tuple, scope: dict):
    """The optional stock file and the per-item table editor; returns the per-item values (or None)."""
    args = (*key, scope["level"], scope["top_n"], f"{scope['start']:%Y-%m-%d}")
    upload = st.file_uploader("Stock file (optional): on hand, on order, unit cost, lead time, pack size... "
                              "per product", type=["csv", "xlsx", "parquet", "zip", "gz"], key="rp_stock")
    stock = None
    if upload is not None:
        try:
            stock = cached.stock_file(upload.getvalue(), upload.name, *args)
            st.caption(f"Stock file: {stock.summary()}")
        except ValueError as exc:
            st.error(str(exc))
    with st.expander("Per-item terms and stock (empty cells: the values above)"):
        demand = cached.history(*args)
        edited = st.data_editor(editable_table(demand.ids, demand.names(), stock), key="rp_table",
                                width="stretch", disabled=["name"],
                                column_config={"_index": st.column_config.TextColumn(level_label(scope["level"], store))}
                                | {name: st.column_config.NumberColumn(label, format="localized")
                                   for name, label in FIELD_LABELS.items()})
    return table_from_editor(edited, stock.mapping if stock else None)


def policy_inputs() -> dict:
    with st.expander("How each policy sets its order-up-to level"):
        return {spec.name: param_widgets(own_settings(spec.name), f"rp_{spec.name}", columns=3)
                for spec in POLICIES if own_settings(spec.name).params}


def money_inputs() -> dict:
    row = st.columns(2)
    share = row[0].number_input("Unit cost as a share of the selling price (0: unknown)", 0.0, 5.0, 0.0, 0.05,
                                key="rp_cost_share", help="For stock values in money when the stock file has no "
                                "unit cost column: 0.6 means an item costs 60% of its average selling price.")
    rate = row[1].number_input("Yearly holding cost (share of stock value)", 0.0, 2.0, 0.25, 0.05, key="rp_holding")
    return {"cost_share": share or None, "holding_rate": rate}


def kpis(result, code: str | None) -> None:
    mine, base = result.simulation[ours()], result.simulation[baseline()]
    cells = st.columns(4)
    cells[0].metric("Cycle service achieved", f"{mine['achieved_csl']:.1%}",
                    f"{(mine['achieved_csl'] - base['achieved_csl']) * 100:+.1f} points vs spreadsheet",
                    help=explain("achieved_csl"))
    cells[1].metric("Fill rate achieved", f"{mine['fill_rate']:.1%}",
                    f"{(mine['fill_rate'] - base['fill_rate']) * 100:+.1f} points vs spreadsheet",
                    help=explain("fill_rate"))
    cells[2].metric("Stock held (days of demand)", f"{mine['days_of_cover']:.1f}", help=explain("days_of_cover"),
                    delta=f"{mine['days_of_cover'] - base['days_of_cover']:+.1f} days vs spreadsheet",
                    delta_color="inverse")
    if mine["average_stock_value"] is not None:
        cells[3].metric("Average stock value", currency.money(mine["average_stock_value"], code),
                        f"{currency.money(mine['average_stock_value'] - base['average_stock_value'], code)} vs "
                        "spreadsheet", delta_color="inverse")
    else:
        cells[3].metric("Order cycles that ran out", f"{mine['stockout_cycles']:,} of {mine['cycles']:,}",
                        f"{mine['stockout_cycles'] - base['stockout_cycles']:+,} vs spreadsheet", delta_color="inverse")


def show_plan(result, number: int, code: str | None) -> None:
    plan = result.plan
    ordered = plan[plan["order_quantity"] > 0]
    st.subheader(f"Orders for the review of {pd.Timestamp(plan['review_date'].iat[0]):%d %b %Y}: "
                 f"{ordered['order_quantity'].sum():,.0f} units of {len(ordered):,} items")
    table = plan_table(result)
    money_label = currency.label(code)
    config = {column: st.column_config.NumberColumn(column + (money_label if column in ("unit cost", "order value")
                                                              else ""), format="localized")
              for column in table.columns if table[column].dtype.kind in "fi"}
    config["review date"] = st.column_config.DateColumn("review date", format="YYYY-MM-DD")
    st.dataframe(table, hide_index=True, width="stretch", key="rp_plan", column_config=config)
    downloads = st.columns(2)
    download(downloads[0], "Download Excel (orders, simulation, items, curve, settings)",
             lambda: to_excel_bytes(result), f"order_plan_{number}.xlsx", "rp_download_xlsx")
    download(downloads[1], "Download CSV (orders)", lambda: to_csv_bytes(result), f"order_plan_{number}.csv",
             "rp_download_csv")


def show_item(result, run_id: int) -> None:
    st.subheader("One item, replayed")
    names = dict(zip(result.items["series_id"], result.items["name"], strict=True))
    choices = list(result.plan["series_id"])
    item = st.selectbox("Item, biggest order first (type to search)", choices, key=f"rp_item_{run_id}",
                        format_func=lambda s: names[s] if names[s] == s else f"{names[s]} ({s})")
    st.plotly_chart(item_figure(result.item_view(item), f"{names[item]}: demand, stock and order-up-to levels"),
                    key="rp_item_chart")
    summary = item_summary(result, item)
    st.dataframe(summary, hide_index=True, width="stretch", key="rp_item_metrics", column_config={
        column: st.column_config.NumberColumn(column, format="percent" if "achieved" in column else "localized")
        for column in summary.columns[1:]})


def show_run(home: str, run, code: str | None) -> None:
    run_id = run.id
    result = cached.load_run(home, run_id)
    st.success(headline(result), icon=":material/inventory_2:")
    st.caption(explain("replay"))
    for note in result.warnings:
        st.caption(note)
    kpis(result, code)
    st.plotly_chart(tradeoff_figure(result.curve, result.settings.terms["service_measure"], result.service_points()),
                    key="rp_tradeoff")
    show_plan(result, run.number, code)
    show_item(result, run_id)


def show_saved_runs(runs: list) -> None:
    table = pd.DataFrame([{"run": r.number, "saved": r.created_at, "per": level_label(r.settings["level"], store),
                           "items": r.summary.get("items"), "target": percent(r.settings["terms"]["service_level"], 1),
                           "cycle service (ours)": percent(r.summary["ours"]["achieved_csl"], 1),
                           "cycle service (spreadsheet)": percent(r.summary["baseline"]["achieved_csl"], 1),
                           "days of stock (ours)": r.summary["ours"]["days_of_cover"],
                           "days of stock (spreadsheet)": r.summary["baseline"]["days_of_cover"]} for r in runs])
    saved_runs(runs, table, RUN_KEY, "rp_", "No saved replenishment run for this dataset yet.")


st.title("Replenishment")
help_link("replenishment")
loaded = current_frame()
if loaded is None:
    st.stop()
info, frame = loaded
if reason := why_not(info.kind, info.has(schema.QUANTITY)):
    st.info(reason)
    st.stop()
home = workspace_location()
key = (home, info.name, info.version)
store = schema.store_word(info.mapping)  # "country" for the sample: the tables and choices say so
code = workspace().currency_of(info)
levels = [level for level in INVENTORY_LEVELS if level in available_levels(info.has)]
if RUN_KEY not in st.session_state:
    st.session_state[RUN_KEY] = state.from_url("plan", int)
new_tab, runs_tab = st.tabs(["Plan and proof", "Saved runs"])

with new_tab:
    scope = scope_inputs(key, levels)
    st.markdown("**Ordering terms** (every item; the table below changes them per item)")
    terms = param_widgets(TERMS_SPEC, "rp", columns=4)
    table = stock_inputs(key, scope)
    own = policy_inputs()
    money = money_inputs()
    follow = cached.follow_choice(info.name, scope["level"])
    if st.button("Plan orders and replay both policies", type="primary", key="rp_run"):
        try:
            settings = ReplenishmentSettings(level=scope["level"], top_n=scope["top_n"], terms=terms,
                                             policy_params=own, simulate_from=f"{scope['start']:%Y-%m-%d}",
                                             simulate_weeks=scope["simulate_weeks"], **money)
            st.session_state[RUN_KEY] = cached.run_and_save(*key, settings, table, code, follow).id
        except ValueError as exc:
            st.error(str(exc))

runs = workspace().list_runs(RUN_KIND, info.name)  # after a new run was saved above
with new_tab:
    run = next((r for r in runs if r.id == st.session_state.get(RUN_KEY)), None)
    if run is not None:
        state.publish("plan", run.id)
        show_run(home, run, code)
    else:
        st.info("Set the terms and plan the orders: both policies are replayed on the last weeks first.")

with runs_tab:
    show_saved_runs(runs)
