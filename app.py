"""Retail analytics dashboard: navigation and the sidebar shared by every page."""

from retail.threads import passive_openmp

passive_openmp()  # before streamlit and the models load an OpenMP runtime: sleep, don't spin

import streamlit as st  # noqa: E402

from ui.data import dataset_picker  # noqa: E402
from ui.signin import refusals_shown, sign_in_gate  # noqa: E402

st.set_page_config(page_title="Retail analytics", page_icon=":material/storefront:", layout="wide",
                   menu_items={"About": "Retail analytics: sales overview, demand forecasts and recommendations."})

actor = sign_in_gate()  # with sign-in configured, nothing below runs until someone has signed in
pages = [
    st.Page("pages/this_week.py", title="This week", icon=":material/notifications_active:"),
    st.Page("pages/overview.py", title="Overview", icon=":material/insights:", default=True),
    st.Page("pages/forecast.py", title="Forecast", icon=":material/trending_up:"),
    st.Page("pages/recommendations.py", title="Recommendations", icon=":material/recommend:"),
    st.Page("pages/replenishment.py", title="Replenishment", icon=":material/inventory_2:"),
    st.Page("pages/pricing.py", title="Pricing", icon=":material/sell:"),
    st.Page("pages/customers.py", title="Customers", icon=":material/groups:"),
    st.Page("pages/experiments.py", title="Experiments", icon=":material/science:"),
    *[st.Page("pages/admin.py", title="Admin", icon=":material/admin_panel_settings:")] * actor.may("audit"),
    st.Page("pages/data.py", title="Data", icon=":material/upload_file:"),
    st.Page("pages/help.py", title="Help", icon=":material/help:"),
]
navigation = st.navigation(pages)
st.sidebar.title("Retail analytics")
with refusals_shown():  # a role's limit is a message, not a traceback
    dataset_picker()
    navigation.run()
