"""Help: what the numbers mean, in plain words (the same texts as the tooltips)."""

import streamlit as st

from retail.customers.registry import PROPENSITY_MODELS, VALUE_MODELS, segment_markdown
from retail.experiments.registry import POLICIES, UPLIFT_MODELS
from retail.feedback.registry import TOPIC_MODELS, UNHAPPY_MODELS
from retail.forecast.registry import FORECASTERS
from retail.glossary import GLOSSARY
from retail.planning.registry import EXCEPTIONS
from retail.pricing.registry import ESTIMATORS, GOALS
from retail.recommend.registry import RECOMMENDERS

st.title("Help: what the numbers mean")
st.caption("Every table header and tooltip in the app uses these words.")

st.subheader("Accuracy and ranges")
for label, text in GLOSSARY.values():
    st.markdown(f"**{label}**: {text}")

for registry in (FORECASTERS, RECOMMENDERS, ESTIMATORS, GOALS, VALUE_MODELS, PROPENSITY_MODELS, UPLIFT_MODELS, POLICIES,
                 UNHAPPY_MODELS, TOPIC_MODELS, EXCEPTIONS):
    st.subheader(f"The {registry.noun}s")
    for spec in registry:
        st.markdown(f"**{spec.label}**: {spec.description}")
        for param in spec.params:
            st.caption(f"{param.label}: {param.help}")

st.subheader("Customer segments")
st.markdown("Recency and frequency scores run from 1 (lowest fifth of customers) to 5 (highest fifth); the first "
            "rule that matches names the customer.\n\n" + segment_markdown())
