"""Retail analytics dashboard: the gate, the navigation and the sidebar shared by every page.

The pages live in ``app_pages/``, not ``pages/``: Streamlit serves every file of a ``pages/`` folder
by its own address until some session has called ``st.navigation`` (the first request of a fresh
server, or every request while the gate stops runs early), and such a page runs without this file,
so without the gate. Here the navigation holds the gate's page alone until someone is admitted.
"""

from retail.memory import ordinary_pages
from retail.threads import passive_openmp

passive_openmp()  # before streamlit and the models load an OpenMP runtime: sleep, don't spin
ordinary_pages()  # see retail.memory: clearing huge pages cost more than they saved

import streamlit as st  # noqa: E402

from retail.data.workspace import workspace_location  # noqa: E402
from ui.data import dataset_picker  # noqa: E402
from ui.signin import admitted, gate_page, hide_error_details_when_served, refusals_shown  # noqa: E402
from ui.warm import warm_up  # noqa: E402

st.set_page_config(page_title="Retail analytics", page_icon=":material/storefront:", layout="wide",
                   menu_items={"About": "Retail analytics: sales overview, demand forecasts and recommendations."})
# (file in app_pages/, title, icon, what the role must be allowed to see it); This week first in the menu for
# a returning user, the Overview at the app's own address (the page a first visit and a demo open on)
HOME = "overview"
PAGES = (
    ("this_week", "This week", ":material/notifications_active:", "view"),
    ("overview", "Overview", ":material/insights:", "view"),
    ("forecast", "Forecast", ":material/trending_up:", "view"),
    ("recommendations", "Recommendations", ":material/recommend:", "view"),
    ("replenishment", "Replenishment", ":material/inventory_2:", "view"),
    ("pricing", "Pricing", ":material/sell:", "view"),
    ("customers", "Customers", ":material/groups:", "view"),
    ("experiments", "Experiments", ":material/science:", "view"),
    ("voice", "Customer voice", ":material/reviews:", "view"),
    ("admin", "Admin", ":material/admin_panel_settings:", "audit"),
    ("data", "Data", ":material/upload_file:", "view"),
    ("help", "Help", ":material/help:", "view"),
)

hide_error_details_when_served()
warm_up(workspace_location())  # a background thread, once per process: the sample's pages answer at once
actor = admitted()  # None until someone has signed in (or nobody may, on a server open without sign-in)
if actor is None:
    # Every page's address runs the gate (a bookmarked page opens on the sign-in form, and on that page
    # once signed in); no page file is in the navigation, so none can run.
    st.navigation([st.Page(gate_page, title="Sign in", icon=":material/login:", url_path=name, default=name == HOME)
                   for name, *_ in PAGES], position="hidden").run()
    st.stop()
navigation = st.navigation([st.Page(f"app_pages/{name}.py", title=title, icon=icon, default=name == HOME)
                            for name, title, icon, action in PAGES if actor.may(action)])
st.sidebar.title("Retail analytics")
with refusals_shown():  # a role's limit is a message, not a traceback
    dataset_picker()
    navigation.run()
