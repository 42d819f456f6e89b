"""Customer voice: what customers say in reviews and service messages (topics and their trend, products,
unhappy customers to act on first) and an answer helper for the service team."""

import json

import streamlit as st

from retail.data import schema
from retail.feedback import charts
from retail.feedback.export import scores_table, to_csv_bytes
from retail.feedback.registry import TOPIC_MODELS, UNHAPPY_MODELS
from retail.feedback.settings import FeedbackSettings
from ui import feedback as cached
from ui.data import current_dataset, dataset_frame, list_datasets, workspace, workspace_location
from ui.downloads import download
from ui.widgets import glossary_columns, help_link, param_widgets, registry_select

AUTO = "auto"
NO_SALES = "(none)"


def choose_settings() -> FeedbackSettings:
    """The models and their settings (the registries' widgets)."""
    with st.expander("Models and settings"):
        left, middle, right = st.columns(3)
        names = [AUTO, *UNHAPPY_MODELS.names]
        unhappy = left.selectbox("Finding unhappy customers", names, key="fb_unhappy_model",
                                 format_func=lambda n: "Best for the file (from ratings when it has them)"
                                 if n == AUTO else UNHAPPY_MODELS.label(n),
                                 help="Learned from the ratings when the file has enough of them; else a word list "
                                      "taught by the file's own messages.")
        topic = registry_select(middle, "Topic model", TOPIC_MODELS, "fb_topic_model")
        rating = right.slider("Unhappy at or below (stars of 5)", 1.0, 4.0, 2.0, 0.5, key="fb_unhappy_rating")
        unhappy_params = {} if unhappy == AUTO else param_widgets(UNHAPPY_MODELS.get(unhappy), "fb_u")
        topic_params = param_widgets(TOPIC_MODELS.get(topic), "fb_t")
    return FeedbackSettings(unhappy_model=None if unhappy == AUTO else unhappy, unhappy_params=unhappy_params,
                            topic_model=topic, topic_params=topic_params, unhappy_rating=rating)


def sales_choice():
    """A sales dataset to join on product codes (None: no join)."""
    sales = [d for d in list_datasets() if d.kind != "messages"]
    names = [NO_SALES, *(d.name for d in sales)]
    chosen = st.selectbox("Compare with the sales of", names, key="fb_sales",
                          help="Flags products whose complaints rise while their sales fall (product codes must match).")
    info = next((d for d in sales if d.name == chosen), None)
    return (None, "") if info is None else (dataset_frame(workspace_location(), info.name, info.version),
                                            f"{info.name}:{info.version}")


def show_topics(result) -> None:
    st.plotly_chart(charts.topic_size_figure(result.topics), key="fb_topic_chart")
    for row in result.topics.itertuples():
        with st.expander(f"{row.topic_name} · {row.messages:,} messages · {row.unhappy_share:.0%} unhappy"):
            st.caption(f"Top words: {row.words}")
            for example in row.examples:
                st.markdown(f"> {example[:400]}")
    if result.stability["stability"].notna().any():
        st.plotly_chart(charts.stability_figure(result.stability, len(result.topics)), key="fb_stability_chart")


def show_trend(result) -> None:
    if result.volume.empty:
        st.info("The messages have no dates: topics cannot be followed over time.")
        return
    st.plotly_chart(charts.topic_volume_figure(result.volume), key="fb_trend_chart")
    rising = result.rising
    if len(rising) and rising["rising"].any():
        st.warning("Rising: " + ", ".join(rising.loc[rising["rising"], "topic_name"]))
    else:
        st.success("No topic rose by more than chance allows in the latest complete period.")
    st.dataframe(rising, hide_index=True, width="stretch", column_config=glossary_columns(rising), key="fb_rising")


def show_products(result) -> None:
    for title, table, key in (("Products", result.by_product, "fb_products"), ("Product classes", result.by_class,
                                                                             "fb_classes")):
        st.subheader(title)
        st.dataframe(table, hide_index=True, width="stretch", key=key,
                     column_config=glossary_columns(table))
    if result.complaints_vs_sales is not None:
        st.subheader("Complaints against sales")
        table = result.complaints_vs_sales
        if table.empty:
            st.info("No product code appears in both the messages and the sales (or the dates do not overlap).")
        else:
            st.dataframe(table, hide_index=True, width="stretch", column_config=glossary_columns(table),
                         key="fb_complaints")


def show_unhappy(result) -> None:
    unhappy = result.unhappy
    st.caption(f"Told from the words by: {unhappy['label']}.")  # a long name: a sentence, not a tile
    left, middle, right = st.columns(3)
    left.metric("Rated unhappy", f"{unhappy['rated_unhappy']:,}" if unhappy["rated"] else "no ratings",
                help="Messages whose rating is at or below the unhappy rating (settings).")
    middle.metric("Likely unhappy from their words", f"{unhappy['flagged']:,}",
                  help="Messages whose words give an unhappy probability of 0.5 or more, rated or not.")
    right.metric("AUC on unseen messages", "n/a" if unhappy["auc"] is None else f"{unhappy['auc']:.3f}",
                 help=f"{unhappy['auc_how']}; 1 = every unhappy message above every other, 0.5 = chance.")
    st.subheader("Act on these first")
    columns = [c for c in (schema.DATE, schema.PRODUCT_ID, schema.PRODUCT_NAME, schema.RATING, "unhappy_probability",
                           "topic_name", schema.TEXT) if c in result.act_first and result.act_first[c].notna().any()]
    table = result.act_first[columns]
    st.dataframe(table, hide_index=True, width="stretch", column_config=glossary_columns(table), key="fb_act_first")


def show_answers(result) -> None:
    helper = result.helper
    if helper is None:
        st.info("The file has no intents or answers: the answer helper learns from past messages that got one.")
        return
    answers = result.answers
    if answers["intent_accuracy"] is not None:
        st.caption(f"On {answers['test_messages']:,} held-out messages: intent right {answers['intent_accuracy']:.0%}; "
                   f"the right kind of answer among the three suggested {answers['right_answer_in_3']:.0%}.")
    text = st.text_area("A new customer message", key="fb_new_message", placeholder="Paste the message here")
    if not text.strip():
        return
    intents = helper.intent_probabilities(text)
    if len(intents):
        st.metric("Most likely intent", str(intents.index[0]), f"{intents.iloc[0]:.0%} likely", delta_color="off")
    for number, suggestion in enumerate(helper.similar([text], 3)[0], start=1):
        st.markdown(f"**{number}. Similar past message** ({suggestion.similarity:.0%} alike"
                    + (f", intent {suggestion.intent}" if suggestion.intent else "") + f"): {suggestion.message[:300]}")
        st.code(suggestion.answer, language=None, wrap_lines=True)


st.title("Customer voice")
help_link("voice")
st.caption("What customers say in reviews and service messages, which products they are unhappy with, and help to "
           "answer them faster.")
info = current_dataset()
if info is None or info.kind != "messages":
    st.info("Choose a customer messages dataset in the sidebar (one row = one review or message, with its text), "
            "or add one on the Data page.")
    st.stop()
settings = choose_settings()
sales, sales_key = sales_choice()
try:
    result = cached.analysis(workspace_location(), info.name, info.version, json.dumps(settings.to_dict()), sales_key,
                             sales)
except ValueError as exc:  # too few messages for topics, too few ratings for the chosen model
    st.error(str(exc))
    st.stop()
rated = (f" · {result.unhappy['rated_unhappy']:,} rated unhappy ({settings.unhappy_rating:g} stars or fewer of 5)"
         if result.unhappy["rated"] else "")
st.caption(f"{len(result.messages):,} messages · {len(result.topics)} topics{rated} · "
           f"{result.unhappy['flagged']:,} likely unhappy from their words")
tabs = st.tabs(["Topics", "Trend", "Products", "Unhappy customers", "Answer helper"])
for tab, show in zip(tabs, (show_topics, show_trend, show_products, show_unhappy, show_answers), strict=True):
    with tab:
        show(result)
scores = scores_table(result, info.mapping.get(schema.MESSAGE_ID))
guarded = workspace()  # taken now: the download is built off the session's thread
download(st, "Download the scores (CSV)", lambda: to_csv_bytes(guarded.export(scores)), "customer_voice_scores.csv",
         "fb_download")
