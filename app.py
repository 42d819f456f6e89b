"""Retail analytics dashboard: navigation and the sidebar shared by every page."""

from retail.threads import passive_openmp

passive_openmp()  # before streamlit and the models load an OpenMP runtime: sleep, don't spin

import streamlit as st  # noqa: E402

from ui.data import dataset_picker  # noqa: E402

st.set_page_config(page_title="Retail analytics", page_icon=":material/storefront:", layout="wide")

pages = [
    st.Page("pages/overview.py", title="Overview", icon=":material/insights:", default=True),
    st.Page("pages/forecast.py", title="Forecast", icon=":material/trending_up:"),
    st.Page("pages/recommendations.py", title="Recommendations", icon=":material/recommend:"),
    st.Page("pages/data.py", title="Data", icon=":material/upload_file:"),
]
navigation = st.navigation(pages)
st.sidebar.title("Retail analytics")
dataset_picker()
navigation.run()
