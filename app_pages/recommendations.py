"""Recommendations: per customer with reasons, products bought together, offline accuracy."""

import pandas as pd
import streamlit as st

from retail.data import schema
from retail.recommend.charts import metrics_figure, sweep_figure
from retail.recommend.evaluation import takes_part, with_popularity_ratio
from retail.recommend.interactions import WEIGHTINGS, baskets_only, why_not
from retail.recommend.registry import (
    BASELINE,
    BASKET_RULES,
    MEASURE_LABELS,
    METRIC_LABELS,
    NEIGHBOURHOOD,
    PROTOCOLS,
    RECOMMENDERS,
    SIMILAR_ITEMS,
)
from ui import recommend as cached
from ui import state
from ui.data import current_frame, workspace_location
from ui.widgets import (
    glossary_columns,
    help_link,
    param_widgets,
    progress_bar,
    registry_multiselect,
    registry_select,
)

st.title("Recommendations")
help_link("recommendations")
loaded = current_frame()
if loaded is None:
    st.stop()
info, frame = loaded
home = workspace_location()
key = (home, info.name, info.version)


def basket_rules(weighting: str) -> str:
    """Rules from one product, or from a whole basket, to the products bought in the same baskets; the product."""
    spec = RECOMMENDERS.get(RECOMMENDERS.first_tagged(BASKET_RULES))
    model = cached.fitted_model(*key, weighting, spec.name)
    products = model.products_by_baskets()
    names = dict(zip(products[schema.PRODUCT_ID], products[schema.PRODUCT_NAME], strict=True))
    top = st.columns([3, 1])
    product = top[0].selectbox("Product (type to search)", list(names), key="rec_product",
                               format_func=lambda p: f"{names[p]} ({p})")
    params = param_widgets(spec, spec.name, columns=1, where=top[1], defaults=cached.kept_settings(info.name, spec.name))
    st.subheader(f"Bought in the same basket as {names[product]}")
    rules = model.rules([product], 10, **params)
    if rules.empty:
        st.info(f"No product shared {params['min_support']:,} or more baskets with this one: lower "
                f"'{spec.param('min_support').label}'.")
    st.caption(f"Counted over {model.n_baskets:,} baskets; pairs bought together in fewer than "
               f"{params['min_support']:,} baskets make no rule.")
    shown = rules.drop(columns=["antecedent_id", "antecedent_name"])
    st.dataframe(shown, hide_index=True, width="stretch", key="rec_rules", column_config=glossary_columns(
        shown, rule_lift="%.1f"))
    basket = st.multiselect("A whole basket (what goes with all of it)", list(names), key="rec_basket",
                            format_func=lambda p: f"{names[p]} ({p})")
    if basket:
        together = model.rules(basket, 10, **params)
        st.dataframe(together, hide_index=True, width="stretch", key="rec_basket_rules",
                     column_config=glossary_columns(together, rule_lift="%.1f"))
    return product


if reason := why_not(info.kind, info.has(schema.CUSTOMER_ID)):
    st.info(reason)
    if not baskets_only(info.kind, info.has(schema.CUSTOMER_ID), info.has(schema.ORDER_ID)):
        st.stop()
    st.header("Bought together")
    basket_rules(next(iter(WEIGHTINGS)))
    st.stop()

weighting = st.sidebar.radio("Purchase strength", list(WEIGHTINGS), format_func=WEIGHTINGS.get, key="rec_weighting",
                             help="How a customer's purchases of a product count in the customer x product matrix.")
data = cached.interactions(*key, weighting)
if data.rows_without_customer:
    st.caption(f"{data.rows_without_customer:,} sale lines have no customer id and are left out. "
               f"{data.shape[0]:,} customers x {data.shape[1]:,} products.")

personal, together, evaluation = st.tabs(["For a customer", "Bought together", "Evaluation"])
similar_spec = RECOMMENDERS.get(RECOMMENDERS.first_tagged(SIMILAR_ITEMS))


@st.fragment
def for_a_customer() -> None:
    """A customer's suggestions: choosing another customer or moving a slider reruns this alone (the
    fitted model is shared; only the ranking is computed again)."""
    customers = cached.customer_choices(*key)
    customers = customers[customers[schema.CUSTOMER_ID].isin(set(data.customer_ids))]
    labels = dict(zip(customers[schema.CUSTOMER_ID], customers["orders"], strict=True))
    top = st.columns([2, 2, 1, 1])
    choices = list(labels)
    linked = state.from_url("customer", lambda c: c if c in labels else None)
    customer = top[0].selectbox("Customer (type to search)", choices, key="rec_customer",
                                index=choices.index(linked) if linked else 0,
                                format_func=lambda c: f"{c} · {labels[c]} orders")
    algorithm = registry_select(top[1], "Algorithm", RECOMMENDERS, "rec_algorithm", state.from_url(
        "algorithm", lambda a: a if a in RECOMMENDERS else None, cached.shown_first(info.name)))
    n = top[2].number_input("How many", 1, 50, 10, key="rec_n")
    spec = RECOMMENDERS.get(algorithm)
    state.publish("customer", customer)
    state.publish("algorithm", algorithm)
    exclude = top[3].toggle("Hide bought", value=spec.resolve().default_exclude_purchased, key=f"rec_exclude_{algorithm}",
                            help="Leave out products the customer already bought")
    st.caption(spec.description)
    params = param_widgets(spec, f"rec_{algorithm}", entry_label=RECOMMENDERS.label,
                           defaults=cached.kept_settings(info.name, algorithm))
    model = cached.fitted_model(*key, weighting, algorithm)
    ranking = model.recommend(customer, n=int(n), exclude_purchased=exclude, **params)
    left, right = st.columns([3, 2])
    left.subheader(f"Top {len(ranking)} for customer {customer}")
    if ranking.empty:
        left.info("Nothing left to suggest: this customer has bought every product. Turn off 'Hide bought'.")
    for row in ranking.head(3).itertuples():
        left.text(f"{row.rank}. {row.product_name}: {row.reasons}")
    top_score = float(ranking["score"].max()) if len(ranking) else 0.0
    left.dataframe(ranking, hide_index=True, width="stretch", key="rec_ranking",
                   column_config=glossary_columns(ranking) | {"rank": st.column_config.NumberColumn("#"),
                       "score": st.column_config.ProgressColumn(
                       "score", min_value=0.0, max_value=top_score if top_score > 0 else 1.0, format="%.3f"),
                       "reasons": st.column_config.TextColumn("why", width="large")})
    history = cached.purchase_history(*key, customer)
    right.subheader(f"Purchase history ({len(history):,} lines)")
    right.dataframe(history, hide_index=True, width="stretch", key="rec_history",
                    column_config=glossary_columns(history) | {
                        schema.REVENUE: st.column_config.NumberColumn("amount", format="%.2f")})


@st.fragment
def bought_together() -> None:
    """Basket rules and similar products for a product: their sliders rerun this alone."""
    product = basket_rules(weighting)
    names = dict(zip(data.catalogue[schema.PRODUCT_ID], data.catalogue[schema.PRODUCT_NAME], strict=True))
    item_params = param_widgets(similar_spec, "together", defaults=cached.kept_settings(info.name, similar_spec.name))
    item_model = cached.fitted_model(*key, weighting, similar_spec.name)
    st.subheader(f"Customers who bought {names[product]} also bought")
    similar = item_model.similar_items(product, 10, **item_params)
    st.dataframe(similar, hide_index=True, width="stretch", key="rec_similar",
                 column_config=glossary_columns(similar, co_buyers="%d"))


with personal:
    for_a_customer()

with together:
    bought_together()

def neighbours_sweep(test_days: int, protocol: str, k: int, metric: str) -> None:
    """Every similarity x k of a kNN algorithm on the evaluation's split (its fitted model, scored again)."""
    st.subheader("Neighbours and similarity")
    sweep_cols = st.columns(3)
    sweep_algorithm = sweep_cols[0].radio("Algorithm", list(RECOMMENDERS.tagged(NEIGHBOURHOOD)),
                                          format_func=RECOMMENDERS.label, key="sweep_algorithm")
    similarities = sweep_cols[1].multiselect("Similarities", list(MEASURE_LABELS), default=list(MEASURE_LABELS),
                                             format_func=MEASURE_LABELS.get, key="sweep_similarities")
    neighbours = sweep_cols[2].multiselect("k values", [5, 10, 20, 50, 100, 200], default=[5, 10, 20, 50, 100],
                                           key="sweep_k")
    if similarities and neighbours:
        result = cached.similarity_sweep(*key, test_days, protocol, k, sweep_algorithm, tuple(similarities),
                                         tuple(sorted(neighbours)))
        st.plotly_chart(sweep_figure(result, metric), key="sweep_chart")
        best = result.loc[result[metric].idxmax()]
        chosen = {"similarity": str(best["similarity"]), "k": int(best["k"])}
        prefixes = (f"rec_{sweep_algorithm}",) + (("together",) if sweep_algorithm == similar_spec.name else ())
        st.button(f"Use {MEASURE_LABELS[chosen['similarity']]}, k = {chosen['k']} for {info.name} "
                  f"(the best {METRIC_LABELS[metric]} here)", key="sweep_apply", on_click=keep_and_redraw,
                  args=(cached.keep_settings, info.name, sweep_algorithm, chosen, prefixes),
                  help="Kept with the dataset: the sliders start there next time, for everyone.")


def keep_and_redraw(keep, *args) -> None:
    """A "keep" button's callback: keep, then rerun the whole page (the customer sections show it)."""
    keep(*args)
    st.session_state[REDRAW] = True


REDRAW = "rec_redraw_page"


@st.fragment
def evaluation_section() -> None:
    """The offline evaluation: its settings, the sweep's and the keep buttons rerun this tab alone (the
    split and the fitted algorithms are shared, so another list length or chart metric only scores)."""
    if st.session_state.pop(REDRAW, False):
        st.rerun()  # the whole page, after a callback changed the customer sections' widgets
    st.caption("Train on purchases before the cutoff, test on the last days: does the list contain what the "
               "customer bought next? Popularity is the baseline every algorithm must beat.")
    cols = st.columns(4)
    protocol = cols[0].radio("Protocol", list(PROTOCOLS), key="eval_protocol", horizontal=True,
                             help="; ".join(f"{name}: {text}" for name, text in PROTOCOLS.items()))
    test_days = cols[1].slider("Test window (days)", 7, 90, 30, key="eval_days")
    k = cols[2].slider("K (list length)", 1, 50, 10, key="eval_k")
    metric = cols[3].selectbox("Chart metric", list(METRIC_LABELS), index=list(METRIC_LABELS).index("ndcg"),
                               format_func=METRIC_LABELS.get, key="eval_metric")
    eligible = [name for name in RECOMMENDERS.names if takes_part(name, protocol)]
    chosen = registry_multiselect(st, "Algorithms", RECOMMENDERS, "eval_algorithms", names=eligible, help=(
        "Buy again ranks only the customer's own products: it takes part when repeat purchases count."
        if len(eligible) < len(RECOMMENDERS.names) else None))
    if not (st.button("Evaluate", type="primary", key="eval_run") or st.session_state.get("eval_done")):
        return
    st.session_state["eval_done"] = True
    rows = []
    try:
        with progress_bar("Evaluating...") as progress:
            baseline = RECOMMENDERS.first_tagged(BASELINE)
            for index, name in enumerate([baseline, *[a for a in chosen if a != baseline]]):
                progress(index / (len(chosen) + 1), f"Evaluating {RECOMMENDERS.label(name)}...")
                rows.append(cached.evaluate_algorithm(*key, test_days, protocol, k, name))
    except ValueError as exc:  # e.g. nobody to evaluate in this test window
        st.error(str(exc))
        return
    table = with_popularity_ratio(pd.concat(rows, ignore_index=True))
    shown = table.assign(algorithm=table["algorithm"].map(RECOMMENDERS.label))
    st.dataframe(shown, hide_index=True, width="stretch", key="eval_table",
                 column_config=glossary_columns(shown, fit_seconds="%.2f", score_seconds="%.2f",
                                                seconds="%.2f", customers="%d"))
    st.plotly_chart(metrics_figure(table, metric), key="eval_chart")
    best = str(table.loc[table[metric].idxmax(), "algorithm"])
    if best != cached.shown_first(info.name):
        st.button(f"Open this page on {RECOMMENDERS.label(best)} for {info.name} (the best "
                  f"{METRIC_LABELS[metric]} on these {test_days} days)", key="eval_keep_first",
                  on_click=keep_and_redraw, args=(cached.keep_shown_first, info.name, best),
                  help="Kept with the dataset: the page opens on this list next time, for everyone.")
    neighbours_sweep(test_days, protocol, k, metric)


with evaluation:
    evaluation_section()
