"""Recommendations: per customer with reasons, products bought together, offline accuracy."""

import pandas as pd
import streamlit as st

from retail.data import schema
from retail.data.workspace import workspace_home
from retail.recommend import ALGORITHMS, DESCRIPTIONS
from retail.recommend.charts import METRIC_LABELS, metrics_figure, sweep_figure
from retail.recommend.evaluation import METRICS, PROTOCOLS, with_popularity_ratio
from retail.recommend.hybrid import DEFAULT_WEIGHTS
from retail.recommend.similarity import MEASURES
from ui import recommend as cached
from ui.data import current_frame

st.title("Recommendations")
loaded = current_frame()
if loaded is None:
    st.stop()
info, frame = loaded
if not info.has(schema.CUSTOMER_ID):
    st.info("This dataset has no customer column, so there is nothing to recommend per customer. "
            "Map a customer column on the Data page.")
    st.stop()

home = str(workspace_home())
key = (home, info.name, info.version)
WEIGHTINGS = {"count": "orders with the product", "binary": "bought or not", "spend": "money spent"}
weighting = st.sidebar.radio("Purchase strength", list(WEIGHTINGS), format_func=WEIGHTINGS.get, key="rec_weighting",
                             help="How a customer's purchases of a product count in the customer x product matrix.")
data = cached.interactions(*key, weighting)
if data.rows_without_customer:
    st.caption(f"{data.rows_without_customer:,} sale lines have no customer id and are left out. "
               f"{data.shape[0]:,} customers x {data.shape[1]:,} products.")

personal, together, evaluation = st.tabs(["For a customer", "Bought together", "Evaluation"])


def knn_params(prefix: str, default_shrinkage: float) -> dict:
    cols = st.columns(4)
    return {
        "similarity": cols[0].selectbox("Similarity", list(MEASURES), key=f"{prefix}_similarity"),
        "k": cols[1].slider("Neighbours k", 1, 200, 50, key=f"{prefix}_k"),
        "shrinkage": cols[2].slider("Shrinkage", 0.0, 100.0, default_shrinkage, step=1.0, key=f"{prefix}_shrinkage",
                                    help="sim x n / (n + shrinkage): distrust similarities built on few co-buyers"),
        "min_overlap": cols[3].slider("Minimum co-buyers", 1, 10, 1, key=f"{prefix}_min_overlap"),
    }


def algorithm_params(algorithm: str) -> dict:
    if algorithm == "item-knn":
        return knn_params("item", 10.0)
    if algorithm == "user-knn":
        return knn_params("user", 0.0)
    if algorithm == "trending":
        return {"window_days": st.slider("Recent window (days)", 7, 120, 30, key="rec_window")}
    if algorithm == "buy-again":
        return {"half_life_days": st.slider("Recency half-life (days)", 7, 365, 60, key="rec_half_life")}
    if algorithm == "content":
        return {"model": st.radio("Text model", ["tfidf", "lda"], horizontal=True, key="rec_text_model",
                                  format_func={"tfidf": "TF-IDF", "lda": "topics (LDA)"}.get)}
    if algorithm == "hybrid":
        cols = st.columns(len(DEFAULT_WEIGHTS))
        weights = {name: col.slider(f"weight: {name}", 0.0, 2.0, float(w), 0.25, key=f"rec_weight_{name}")
                   for col, (name, w) in zip(cols, DEFAULT_WEIGHTS.items(), strict=True)}
        return {"weights": weights}
    return {}


with personal:
    customers = cached.customer_choices(*key)
    customers = customers[customers[schema.CUSTOMER_ID].isin(set(data.customer_ids))]
    labels = dict(zip(customers[schema.CUSTOMER_ID], customers["orders"], strict=True))
    top = st.columns([2, 2, 1, 1])
    customer = top[0].selectbox("Customer (type to search)", list(labels), key="rec_customer",
                                format_func=lambda c: f"{c} · {labels[c]} orders")
    algorithm = top[1].selectbox("Algorithm", list(ALGORITHMS), index=list(ALGORITHMS).index("item-knn"),
                                 key="rec_algorithm")
    n = top[2].number_input("How many", 1, 50, 10, key="rec_n")
    exclude = top[3].toggle("Hide bought", value=algorithm != "buy-again", key=f"rec_exclude_{algorithm}",
                            help="Leave out products the customer already bought")
    st.caption(DESCRIPTIONS[algorithm] + " For new products, use item-kNN or the hybrid; when repeat "
               "purchases matter (consumables), buy-again or the hybrid with buy-again weight.")
    params = algorithm_params(algorithm)
    model = cached.fitted_model(*key, weighting, algorithm)
    ranking = cached.recommend(model, customer, int(n), exclude, params)
    left, right = st.columns([3, 2])
    left.subheader(f"Top {len(ranking)} for customer {customer}")
    if ranking.empty:
        left.info("Nothing left to suggest: this customer has bought every product. Turn off 'Hide bought'.")
    for row in ranking.head(3).itertuples():
        left.text(f"{row.rank}. {row.product_name}: {row.reasons}")
    top_score = float(ranking["score"].max()) if len(ranking) else 0.0
    left.dataframe(ranking, hide_index=True, width="stretch", key="rec_ranking",
                   column_config={"score": st.column_config.ProgressColumn(
                       "score", min_value=0.0, max_value=top_score if top_score > 0 else 1.0, format="%.3f"),
                       "reasons": st.column_config.TextColumn("why", width="large")})
    history = cached.purchase_history(*key, customer)
    right.subheader(f"Purchase history ({len(history):,} lines)")
    right.dataframe(history, hide_index=True, width="stretch", key="rec_history",
                    column_config={schema.DATE: st.column_config.DatetimeColumn("date", format="YYYY-MM-DD"),
                                   schema.REVENUE: st.column_config.NumberColumn("amount", format="%.2f")})

with together:
    catalogue = data.catalogue.sort_values("buyers", ascending=False)
    names = dict(zip(catalogue[schema.PRODUCT_ID], catalogue[schema.PRODUCT_NAME], strict=True))
    product = st.selectbox("Product (type to search)", list(names), key="rec_product",
                           format_func=lambda p: f"{names[p]} ({p})")
    item_params = knn_params("together", 10.0)
    item_model = cached.fitted_model(*key, weighting, "item-knn")
    st.subheader(f"Customers who bought {names[product]} also bought")
    st.dataframe(cached.similar_items(item_model, product, 10, item_params), hide_index=True, width="stretch",
                 key="rec_similar")

with evaluation:
    st.caption("Train on purchases before the cutoff, test on the last days: does the list contain what the "
               "customer bought next? Popularity is the baseline every algorithm must beat.")
    cols = st.columns(4)
    protocol = cols[0].radio("Protocol", list(PROTOCOLS), key="eval_protocol", horizontal=True,
                             help="discovery: only products new to the customer count; all: repeat purchases count")
    test_days = cols[1].slider("Test window (days)", 7, 90, 30, key="eval_days")
    k = cols[2].slider("K (list length)", 1, 50, 10, key="eval_k")
    metric = cols[3].selectbox("Chart metric", list(METRICS), index=list(METRICS).index("ndcg"),
                               format_func=METRIC_LABELS.get, key="eval_metric")
    chosen = st.multiselect("Algorithms", list(ALGORITHMS), default=list(ALGORITHMS), key="eval_algorithms")
    if st.button("Evaluate", type="primary", key="eval_run") or st.session_state.get("eval_done"):
        st.session_state["eval_done"] = True
        progress = st.progress(0.0, text="Evaluating...")
        rows = []
        try:
            for index, name in enumerate(["popularity", *[a for a in chosen if a != "popularity"]]):
                progress.progress(index / (len(chosen) + 1), text=f"Evaluating {name}...")
                rows.append(cached.evaluate_algorithm(*key, test_days, protocol, k, name))
        except ValueError as exc:  # e.g. nobody to evaluate in this test window
            progress.empty()
            st.error(str(exc))
            st.stop()
        progress.empty()
        table = with_popularity_ratio(pd.concat(rows, ignore_index=True))
        st.dataframe(table, hide_index=True, width="stretch", key="eval_table",
                     column_config={c: st.column_config.NumberColumn(format="%.3f") for c in [*METRICS, "vs_popularity"]})
        st.plotly_chart(metrics_figure(table, metric), key="eval_chart")
        st.subheader("Neighbours and similarity")
        sweep_cols = st.columns(3)
        sweep_algorithm = sweep_cols[0].radio("Algorithm", ["item-knn", "user-knn"], key="sweep_algorithm")
        similarities = sweep_cols[1].multiselect("Similarities", list(MEASURES), default=list(MEASURES),
                                                 key="sweep_similarities")
        neighbours = sweep_cols[2].multiselect("k values", [5, 10, 20, 50, 100, 200], default=[5, 10, 20, 50, 100],
                                               key="sweep_k")
        if similarities and neighbours:
            result = cached.similarity_sweep(*key, test_days, protocol, k, sweep_algorithm, tuple(similarities),
                                             tuple(sorted(neighbours)))
            st.plotly_chart(sweep_figure(result, metric), key="sweep_chart")
