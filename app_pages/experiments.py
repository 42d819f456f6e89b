"""Experiments: read out a randomised test campaign honestly, target the next campaign by uplift, and
allocate the next wave across offers with bandit policies proven by replay."""

import json

import streamlit as st

from retail.data import currency
from retail.experiments import charts
from retail.experiments.evaluation import MAX_SPLITS, NOT_RELIABLE, TOP_SHARE
from retail.experiments.registry import POLICIES, UPLIFT_MODELS
from retail.experiments.results import CampaignColumns, guess_columns, yes_no_columns
from retail.experiments.store import demo_file
from retail.experiments.targeting import to_csv, to_excel
from retail.formatting import p_value
from retail.glossary import explain
from ui import experiments as cached
from ui.data import current_dataset, workspace, workspace_location
from ui.downloads import download
from ui.widgets import blank_text, gaps_as_text, glossary_columns, help_link, param_widgets, registry_multiselect

NONE = "(none)"
ROLES = ("arm", "control", "outcome", "treatment", "spend", "send_date", "customer", "segment")
ANY_OFFER = "any offer"
SOURCES = {"demo": "the demo campaign", "file": "a file", "kept": "kept in the workspace"}


def choose_source() -> tuple[str, str, bytes | None] | None:
    """Where the campaign results come from: (cache key, name, bytes; None for kept results)."""
    kept = cached.kept_campaigns()
    choices = list(SOURCES) if kept else ["demo", "file"]
    where = st.radio("Campaign results from", choices, format_func=SOURCES.get, horizontal=True, key="exp_from",
                     index=choices.index("kept") if kept else 0)
    if where == "demo":
        st.caption("A synthetic randomised test sent to the sample's customers on 1 Nov 2011: a 10% voucher, free "
                   "shipping or no mail, assigned at random; a purchase within 14 days and its amount.")
        return "demo", demo_file().name, demo_file().read_bytes()
    if where == "file":
        upload = st.file_uploader("Campaign results (one row per customer: the offer or control group, the "
                                  "outcome; optional spend, send date, customer id and facts)",
                                  type=["csv", "txt", "tsv", "gz", "zip", "xlsx", "parquet"], key="exp_upload")
        return None if upload is None else (f"upload:{upload.file_id}", upload.name, upload.getvalue())
    labels = {run.id: f"{run.settings.get('name')} · {run.summary.get('rows', 0):,} customers · "
                      f"{run.created_at:%d %b %Y}" for run in kept}
    run_id = st.selectbox("Kept campaign results", list(labels), format_func=labels.get, key="exp_kept")
    return f"stored:{run_id}", next(str(run.settings.get("name")) for run in kept if run.id == run_id), None


def _index(options: list, value, default: int = 0) -> int:
    return options.index(value) if value in options else default


def forget_columns_of_another_file(source_key: str) -> None:
    """A new file starts from its own guesses, not from the last file's choices."""
    if st.session_state.get("exp_source_key") != source_key:
        for role in (*ROLES, "facts"):
            st.session_state.pop(f"exp_{role}", None)
        st.session_state["exp_source_key"] = source_key
        st.session_state.pop("exp_compared", None)
        st.session_state.pop("exp_replayed", None)


def choose_columns(frame) -> CampaignColumns:
    """Which column is what: guessed from the file, every choice editable."""
    guess, columns = guess_columns(frame), list(map(str, frame.columns))
    optional = [NONE, *columns]
    row = st.columns(4)
    arm = row[0].selectbox("Offer or group", columns, index=_index(columns, guess.arm), key="exp_arm",
                           help="Which offer each customer got, or the control group (not contacted).")
    values = sorted(frame[arm].dropna().astype(str).unique())[:50]
    control = row[1].selectbox("Control group", values, index=_index(values, guess.control if arm == guess.arm
                                                                      else None), key="exp_control")
    outcomes = yes_no_columns(frame) or columns
    outcome = row[2].selectbox("Outcome (yes / no)", outcomes, index=_index(outcomes, guess.outcome),
                               key="exp_outcome", help="What the campaign wanted: a visit, a purchase.")
    treatments = [ANY_OFFER, *[v for v in values if v != control]]
    treatment = row[3].selectbox("Targeting compares", treatments, key="exp_treatment",
                                 help="Any offer against the control group, or one offer against it.")
    row = st.columns(4)
    picks = {role: row[i].selectbox(label, optional, index=_index(optional, getattr(guess, role)),
                                    key=f"exp_{role}")
             for i, (role, label) in enumerate([("spend", "Spend"), ("send_date", "Send date"),
                                                ("customer", "Customer id"), ("segment", "Segment")])}
    return CampaignColumns(arm=arm, control=control, outcome=outcome,
                           treatment=None if treatment == ANY_OFFER else treatment,
                           **{role: None if value == NONE else value for role, value in picks.items()})


def add_facts(data, key: str):
    """Customer facts from the sidebar's sales dataset (when the campaign's customers are its customers)."""
    info = current_dataset()
    if info is None or not data.columns.customer:
        return data, None
    overlap = cached.customer_overlap(key, workspace_location(), info.name, info.version,
                                      data.frame[data.columns.customer])
    label = (f"Add customer facts from the sales dataset '{info.name}' (RFM, segment, categories, as of the send "
             f"date; {overlap:.0%} of the campaign's customers are its customers)")
    if not st.toggle(label, value=overlap > 0, key="exp_facts", disabled=overlap == 0):
        return data, None
    try:
        return cached.with_facts(key, workspace_location(), info.name, info.version, data), info
    except ValueError as exc:
        st.info(str(exc))
        return data, None


def keep_results(data, dataset: str) -> None:
    row = st.columns([3, 1])
    name = row[0].text_input("Keep these campaign results as", value=data.source.rsplit(".", 1)[0],
                             key="exp_keep_name")
    if row[1].button("Keep in the workspace", key="exp_keep"):
        try:
            run = cached.keep_campaign(name, data, dataset)
        except ValueError as exc:
            st.error(str(exc))
            return
        st.success(f"Kept as '{run.settings['name']}'.")


def show_checks(result, data) -> None:
    (st.warning if result.srm["mismatch"] else st.caption)(result.srm["sentence"])
    for warning in result.warnings:
        if warning != result.srm["sentence"]:
            st.warning(warning)
    for note in data.notes:
        st.caption(note)
    with st.expander("Were the offers assigned at random? (balance of every customer fact)"):
        balance = gaps_as_text(readable_p(result.balance))
        st.dataframe(balance, hide_index=True, width="stretch", key="exp_balance",
                     column_config=glossary_columns(balance, "%.3f") | {
                         "fact": st.column_config.TextColumn("Customer fact"),
                         "flagged": st.column_config.CheckboxColumn("Differs strongly"),
                         "example": st.column_config.TextColumn("Largest difference", width="large")})


DIFFERENCES = ("difference", "difference_low", "difference_high")  # rate minus rate: percentage points


def readable_p(table):
    """p-values a reader can read ("< 0.001", not 3.2e-44)."""
    return table.assign(p_value=[p_value(v) if v == v else "" for v in table["p_value"]]) if "p_value" in table else table


def arm_columns(table, code: str | None) -> dict:
    """Headers, tooltips and formats of a read-out table (rates as percentages, money with the currency)."""
    money = {c: st.column_config.NumberColumn(f"{title}{currency.label(code)}", format="accounting")
             for c, title in (("spend_per_customer", "Spend per customer"), ("spend_difference", "Spend difference"),
                              ("spend_low", "Low (95%)"), ("spend_high", "High (95%)"),
                              ("extra_revenue", "Extra revenue"), ("extra_revenue_low", "Extra revenue, low"),
                              ("extra_revenue_high", "Extra revenue, high")) if c in table}
    return glossary_columns(table, "percent", responses="localized", extra_responses="%.0f") | money | {
        "arm": st.column_config.TextColumn("Offer"), "segment": st.column_config.TextColumn("Segment"),
        "customers": st.column_config.NumberColumn("Customers", format="localized"),
        "response_rate": st.column_config.NumberColumn("Response rate", format="percent"),
        "finding": st.column_config.TextColumn("What it did", width="large")}


def show_readout(result, code: str | None) -> None:
    offers = result.arms[result.arms["arm"] != result.control]
    tiles = st.columns(len(result.arms))
    for tile, row in zip(tiles, result.arms.to_dict("records"), strict=True):
        delta = None if row["arm"] == result.control else f"{row['difference'] * 100:+.1f} points"
        tile.metric(f"{row['arm']}: {result.outcome}", f"{row['response_rate']:.1%}", delta,
                    help=f"{row['customers']:,} customers")
    for sentence in offers["finding"]:
        st.markdown(f"- {sentence}")
    st.plotly_chart(charts.effect_figure(offers, result.outcome), key="exp_effects")
    arms = gaps_as_text(readable_p(result.arms), DIFFERENCES)
    st.dataframe(arms, hide_index=True, width="stretch", key="exp_arms", column_config=arm_columns(arms, code))
    st.subheader("Per segment")
    st.caption("Every segment's own comparison: with many segments, about one interval in twenty misses the true "
               "effect by chance, so read a single surprising segment with care.")
    st.plotly_chart(charts.effect_figure(result.segments, result.outcome, by_segment=True), key="exp_segment_effects")
    per_segment = gaps_as_text(readable_p(result.segments), DIFFERENCES)
    st.dataframe(per_segment, hide_index=True, width="stretch", key="exp_segments",
                 column_config=arm_columns(per_segment, code))


def uplift_settings() -> tuple[list[str], dict, int, float] | None:
    row = st.columns([3, 1, 1])
    models = registry_multiselect(row[0], "Targeting models", UPLIFT_MODELS, "exp_models",
                                  help="Each is learned on part of the customers and measured on the rest.")
    splits = row[1].slider("Splits", 2, MAX_SPLITS // 5, 5, key="exp_splits",
                           help="Random learning / held-out splits; the spread over them shows how sure we are.")
    share = row[2].slider("Held out", 0.1, 0.5, 0.3, 0.05, key="exp_test_share", format="percent",
                          help="Share of the customers each model is measured on (never learned from).")
    with st.expander("Model settings"):
        params = {name: param_widgets(UPLIFT_MODELS.get(name), f"exp_{name}") for name in models}
    if not models:
        st.info("Choose at least one targeting model.")
        return None
    clicked = st.button("Compare targeting models", type="primary", key="exp_compare")
    if not (clicked or st.session_state.get("exp_compared")):
        return None
    st.session_state["exp_compared"] = True
    return models, params, splits, share


def show_uplift(key: str, data, code: str | None, dataset: str | None) -> None:
    chosen = uplift_settings()
    if chosen is None:
        return
    try:
        result = cached.uplift(key, data, *chosen)
    except ValueError as exc:
        st.error(str(exc))
        return
    best = result.summary[result.summary["model"] == result.best].iloc[0]
    measured = (f"targeting quality {best['qini']:.2f} (± {best['qini_sd']:.2f} over {result.splits} splits; 0 is "
                f"random order), {best['uplift_at_30'] * 100:+.1f} points of {result.outcome} among the top 30% "
                f"({result.treatment} against the control group)")
    if result.reliable:
        st.success(f"{UPLIFT_MODELS.label(result.best)} ranked the held-out customers best: {measured}.")
    else:
        st.info(f"No targeting model ranked the held-out customers reliably better than random order. The best, "
                f"{UPLIFT_MODELS.label(result.best)}: {measured}. A list ranked by it is close to a random pick.")
    st.caption(explain("qini"))
    for warning in (w for w in result.warnings if w != NOT_RELIABLE):  # the sentence above says it
        st.warning(warning)
    st.dataframe(blank_text(result.summary), hide_index=True, width="stretch", key="exp_uplift_table",
                 column_config=glossary_columns(result.summary, "%.3f") | {
                     "model": None, "label": st.column_config.TextColumn("Targeting model")})
    st.plotly_chart(charts.qini_figure(result.curves, result.customers, result.outcome), key="exp_qini")
    show_targets(key, data, result, code, dataset)


def show_targets(key: str, data, result, code: str | None, dataset: str | None) -> None:
    st.subheader("Targeting list")
    row = st.columns([2, 2])
    candidates = list(result.summary["model"])
    model = row[0].selectbox("Rank by", candidates, index=candidates.index(result.best), key="exp_target_model",
                             format_func=UPLIFT_MODELS.label)
    share = row[1].slider("Share of the customers", 0.05, 1.0, TOP_SHARE, 0.05, key="exp_target_share", format="percent")
    table, headline = cached.targets(json.dumps([key, result.params, result.splits]), model, share, data, result)
    tiles = st.columns(3)
    tiles[0].metric("Customers on the list", f"{headline['customers']:,}")
    tiles[1].metric(f"Expected extra responses ({result.outcome})", f"{headline['expected_extra_outcomes']:,.0f}",
                    help="The uplift measured on the held-out customers ranked this high, times the list's size.")
    if headline["expected_extra_revenue"] is not None:
        tiles[2].metric("Expected extra revenue", currency.money(headline["expected_extra_revenue"], code, 0))
    st.dataframe(blank_text(table.head(500)), hide_index=True, width="stretch", key="exp_targets",
                 column_config=glossary_columns(table, "%.3f") | {"customer_id": st.column_config.TextColumn("customer"),
                                                                  "segment": st.column_config.TextColumn("segment")})
    files, guarded = st.columns(3), workspace()  # customers by pseudonym when an admin chose so, on click
    download(files[0], "Download CSV", lambda: to_csv(guarded.export(table)), "targeting_list.csv", "exp_targets_csv",
             campaign=True)
    download(files[1], "Download Excel", lambda: to_excel(guarded.export(table), headline, code),
             "targeting_list.xlsx", "exp_targets_xlsx", campaign=True)
    if dataset is None:
        files[2].caption("Add customer facts from a sales dataset to use the list in the Customers page's campaigns.")
    elif files[2].button("Save for the Customers page", key="exp_targets_save"):
        run = cached.keep_targeting(dataset, f"{data.source} · {UPLIFT_MODELS.label(model)} · top {share:.0%}",
                             table, headline)
        st.success(f"Saved as targeting list {run.number}: the Customers page's campaign builder can keep only these "
                   "customers.")


def replay_settings() -> tuple[list[str], dict, int] | None:
    row = st.columns([3, 1])
    policies = registry_multiselect(row[0], "Allocation policies", POLICIES, "exp_policies",
                                    help="Each is replayed on the test's customers in random orders.")
    orders = row[1].slider("Stream orders", 1, 50, 10, key="exp_orders",
                           help="Each policy meets the customers in this many random orders; the spread over them "
                                "shows how sure we are.")
    with st.expander("Policy settings"):
        params = {name: param_widgets(POLICIES.get(name), f"exp_{name}") for name in policies}
    if not policies:
        st.info("Choose at least one allocation policy.")
        return None
    if not (st.button("Replay the policies", type="primary", key="exp_replay")
            or st.session_state.get("exp_replayed")):
        return None
    st.session_state["exp_replayed"] = True
    return policies, params, orders


def show_next_wave(key: str, data) -> None:
    chosen = replay_settings()
    if chosen is None:
        return
    result = cached.replay(key, data, data.columns.outcome, *chosen)
    best = result.summary.sort_values("mean_reward", ascending=False).iloc[0]
    st.success(f"{best['label']} replayed best: {best['mean_reward']:.1%} {result.outcome} (± "
               f"{best['reward_sd']:.1%} over {result.orders} orders); always sending {result.best_arm} gives "
               f"{result.arm_rates[result.best_arm]:.1%}, offers at random {result.uniform_value:.1%}, the best offer "
               f"per segment chosen in hindsight {result.best_per_segment:.1%}.")
    st.markdown(result.verdict())
    for warning in result.warnings:
        st.caption(warning)
    st.dataframe(result.summary, hide_index=True, width="stretch", key="exp_replay_table",
                 column_config=glossary_columns(result.summary, "%.4f", kept_rounds="localized", regret="%.1f",
                                                mean_reward="percent", reward_sd="percent") | {
                     "policy": None, "label": st.column_config.TextColumn("Allocation policy")})
    st.plotly_chart(charts.regret_figure(result.curves), key="exp_regret")
    st.subheader("Recommended allocation of the next wave")
    st.caption("Each offer goes to the share of a segment equal to its chance of being that segment's best, given "
               "everything the test showed (Thompson's rule): a clear winner takes nearly all, a close call is split.")
    table = cached.next_wave(key, data.columns.outcome, data)
    st.plotly_chart(charts.allocation_figure(table), key="exp_allocation")
    st.dataframe(table, hide_index=True, width="stretch", key="exp_allocation_table",
                 column_config=glossary_columns(table, "percent") | {
                     "segment": st.column_config.TextColumn("Segment"), "arm": st.column_config.TextColumn("Offer"),
                     "customers": st.column_config.NumberColumn("Customers", format="localized"),
                     "response_rate": st.column_config.NumberColumn("Response rate", format="percent"),
                     "next_wave_share": st.column_config.ProgressColumn("Share of the next wave", min_value=0.0,
                                                                        max_value=1.0, format="percent")})


st.title("Experiments")
help_link("experiments")
st.caption("Measure a randomised test campaign honestly, target the next one at the customers it moves, and "
           "allocate the next wave across offers.")
source = choose_source()
if source is None:
    st.stop()
source_key, source_name, payload = source
try:
    frame, decimal_comma = cached.raw_frame(source_key, source_name, payload)
    forget_columns_of_another_file(source_key)
    columns = choose_columns(frame)
    campaign = cached.campaign(source_key, source_name, json.dumps(columns.to_dict()), frame, decimal_comma)
except ValueError as exc:
    st.error(str(exc))
    st.stop()
campaign_key = json.dumps([source_key, columns.to_dict()])
campaign_with_facts, sales = add_facts(campaign, campaign_key)
if sales is not None:
    campaign_key = json.dumps([campaign_key, sales.name, sales.version])
code = workspace().currency_of(sales) if sales is not None else None
if source_key != "stored" and not source_key.startswith("stored:"):
    keep_results(campaign, "" if sales is None else sales.name)
readout_result = cached.readout(campaign_key, campaign_with_facts.columns.outcome, campaign_with_facts)
show_checks(readout_result, campaign_with_facts)
readout_tab, uplift_tab, wave_tab = st.tabs(["Read-out", "Uplift targeting", "Next wave"])
with readout_tab:
    show_readout(readout_result, code)
with uplift_tab:
    show_uplift(campaign_key, campaign_with_facts, code, None if sales is None else sales.name)
with wave_tab:
    show_next_wave(campaign_key, campaign_with_facts)
