"""Help: what the numbers mean, in plain words (the same texts as the tooltips), one section per page,
with a search box and a table of contents; a page's help link opens its own section first."""

import streamlit as st

from retail.customers.registry import PROPENSITY_MODELS, VALUE_MODELS, segment_markdown
from retail.experiments.registry import POLICIES, UPLIFT_MODELS
from retail.feedback.registry import TOPIC_MODELS, UNHAPPY_MODELS
from retail.forecast.registry import FORECASTERS
from retail.glossary import GLOSSARY
from retail.helptext import matches, sections
from retail.planning.registry import EXCEPTIONS, REASONS, RECONCILERS
from retail.pricing.registry import ESTIMATORS, GOALS
from retail.recommend.registry import RECOMMENDERS

REGISTRIES = {"forecast": (FORECASTERS, RECONCILERS), "recommendations": (RECOMMENDERS,), "pricing": (ESTIMATORS, GOALS),
              "customers": (VALUE_MODELS, PROPENSITY_MODELS), "experiments": (UPLIFT_MODELS, POLICIES),
              "this_week": (EXCEPTIONS,), "voice": (UNHAPPY_MODELS, TOPIC_MODELS)}
SEGMENTS = ("Recency and frequency scores run from 1 (lowest fifth of customers) to 5 (highest fifth); the first "
            "rule that matches names the customer.\n\n")


def entries(section) -> list[tuple[str, str, list[str]]]:
    """(name, explanation, settings) of a section: its terms, then its models and their settings."""
    found = [(GLOSSARY[term][0], GLOSSARY[term][1], []) for term in section.terms if term in GLOSSARY]
    for registry in REGISTRIES.get(section.key, ()):
        found += [(f"{spec.label} ({registry.noun})", spec.description,
                   [f"{param.label}: {param.help}" for param in spec.params]) for spec in registry]
    return found


st.title("Help: what the numbers mean")
st.caption("Every table header and tooltip in the app uses these words.")
query = st.text_input("Search the help", key="help_search", placeholder="e.g. WAPE, promotion, segment",
                      icon=":material/search:")
chosen = st.query_params.get("section")
ordered = sorted(sections(), key=lambda s: s.key != chosen)  # the page the user came from first
st.markdown("**Contents:** " + " · ".join(f"[{s.title}](#{s.key})" for s in ordered))
shown = 0
for section in ordered:
    found = [entry for entry in entries(section) if matches(query, section.title, entry[0], entry[1], *entry[2])]
    if query and not found:
        continue
    st.header(section.title, anchor=section.key)
    st.caption(section.intro)
    for name, text, settings in found:
        st.markdown(f"**{name}**: {text}")
        for line in settings:
            st.caption(line)
    if section.key == "customers" and matches(query, "segment rule table recency frequency"):
        st.markdown(SEGMENTS + segment_markdown())
    if section.key == "forecast" and matches(query, "reasons for adjusting a forecast adjustment planner"):
        st.markdown("**Reasons for adjusting a forecast**: " + ", ".join(REASONS.values()) + ": each adjustment "
                    "names one, with free text; the Value added tab measures what each reason's changes did to the "
                    "error once the sales arrived.")
    shown += len(found)
if query and not shown:
    st.info(f"Nothing in the help mentions '{query}'. Try a shorter word.")
