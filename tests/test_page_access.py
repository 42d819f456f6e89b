"""AppTest: with no account the app opens as before (local user, admin); with accounts it opens on a
sign-in page, a viewer's session is refused a delete in the library call itself, an admin gets the
Admin page (audit log, trash, forgetting a customer); downloading the audit log is itself logged."""

from __future__ import annotations

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from retail.access import audit, users
from retail.access.roles import Actor
from retail.data.ingest import SAMPLE_NAME
from retail.data.workspace import Workspace
from tests.conftest import ROOT

TIMEOUT = 120
PASSWORD = "correct horse battery"


@pytest.fixture
def accounts(app_env, tmp_path, monkeypatch):
    monkeypatch.setenv("RETAIL_ACCESS_FILE", str(tmp_path / "access.toml"))
    users.add_user("vic", "viewer", PASSWORD)
    users.add_user("ada", "admin", PASSWORD)
    details = st.get_option("client.showErrorDetails")
    yield app_env
    st.set_option("client.showErrorDetails", details)  # a served app hides them process-wide; this one is a test


def start() -> AppTest:
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    app.run()
    assert not app.exception
    return app


def sign_in(name: str, password: str = PASSWORD) -> AppTest:
    app = start()
    app.text_input(key="sign_in_name").input(name)
    app.text_input(key="sign_in_password").input(password)
    app.button[0].click().run()  # the form's submit button
    assert not app.exception
    return app


def test_no_account_means_no_sign_in_and_the_local_user_is_admin(app_env, tmp_path, monkeypatch):
    monkeypatch.setenv("RETAIL_ACCESS_FILE", str(tmp_path / "none.toml"))
    app = start()
    assert app.title[0].value == "Sales overview" and not any(t.key == "sign_in_name" for t in app.text_input)
    app.switch_page("app_pages/data.py").run()
    assert not app.exception and app.selectbox(key="delete_name").value == SAMPLE_NAME
    app.switch_page("app_pages/admin.py").run()
    assert not app.exception and app.title[0].value == "Admin"


def test_sign_in_page_refuses_a_wrong_password_and_logs_it(accounts):
    app = start()
    assert app.title[0].value == "Sign in" and not app.sidebar.selectbox  # nothing else is drawn
    app = sign_in("vic", "not the password")
    assert [e.value for e in app.error] == ["Wrong name or password."]
    log = audit.read(Workspace())
    assert log[["actor", "action"]].values.tolist() == [["vic", "sign-in failed"]]
    assert PASSWORD not in log.to_string()


def test_repeated_failures_lock_the_name(accounts):
    for _ in range(5):
        sign_in("ada", "not the password")
    app = sign_in("ada")  # the right password, but too late: refused without checking it
    assert "Too many failed sign-ins" in app.error[0].value and app.title[0].value == "Sign in"
    log = audit.read(Workspace())
    assert log["action"].tolist() == ["sign-in refused", *["sign-in failed"] * 5]
    assert "from this machine; the password was not checked" in log["detail"].iloc[0]


def test_a_viewer_sees_the_pages_but_not_the_changes(accounts):
    app = sign_in("vic")
    assert app.title[0].value == "Sales overview"
    assert any("Signed in as **vic** (viewer)" in c.value for c in app.sidebar.caption)
    app.switch_page("app_pages/data.py").run()
    assert not app.exception
    assert any("adding data needs the analyst role" in i.value for i in app.info)
    assert not [s for s in app.selectbox if s.key in ("delete_name", "rename_old")]
    assert audit.read(Workspace())["action"].tolist() == ["sign-in"]


def test_a_viewers_session_is_refused_a_delete_in_the_library_call(accounts):
    def page() -> None:
        import streamlit as st

        from retail.access.roles import Actor
        from ui.access import SIGNED_IN_KEY
        from ui.data import workspace
        from ui.signin import refusals_shown

        st.session_state[SIGNED_IN_KEY] = Actor("vic", "viewer", "password")
        with refusals_shown():
            workspace().delete(workspace().list_datasets()[0].name)  # what a tampered page would call
            st.write("deleted")

    app = AppTest.from_function(page, default_timeout=TIMEOUT)
    app.run()
    assert not app.exception
    assert app.error[0].value.startswith("vic signed in as viewer may not delete datasets")
    assert not [m for m in app.markdown if m.value == "deleted"]
    assert [d.name for d in Workspace().list_datasets()] == [SAMPLE_NAME] and Workspace().list_trash() == []


def test_the_admin_page_forgets_a_customer(accounts):
    workspace = Workspace()
    app = sign_in("ada")
    customer = str(workspace.load(SAMPLE_NAME)["customer_id"].dropna().iloc[0])
    app.switch_page("app_pages/admin.py").run()
    assert not app.exception and app.title[0].value == "Admin"
    app.text_input(key="forget_id").input(customer)
    app.checkbox(key="forget_sure").check()
    next(b for b in app.get("form_submit_button") if b.label == "Forget this customer").click().run()
    assert not app.exception
    assert "rows removed from" in app.success[0].value and customer not in app.success[0].value
    assert customer not in set(workspace.load(SAMPLE_NAME)["customer_id"].dropna())
    entry = audit.read(workspace, "forget customer").iloc[0]
    assert entry["actor"] == "ada" and customer not in entry.to_string()


def test_an_analyst_is_not_shown_the_admin_page(accounts):
    users.add_user("ann", "analyst", PASSWORD)
    app = sign_in("ann")
    with pytest.raises(ValueError, match="Could not find a navigation page"):  # not in the navigation
        app.switch_page("app_pages/admin.py")
    assert Actor("ann", "analyst").may("upload") and not Actor("ann", "analyst").may("audit")


def test_a_served_app_hides_error_details(accounts):
    """With sign-in (a team's app) a page error shows a plain sentence, no traceback (the browser test proves it)."""
    start()
    assert st.get_option("client.showErrorDetails") == "none"


DEFERRED: list = []  # the callables a page handed to its download buttons


def test_a_deferred_download_works_outside_the_session_and_is_logged_once_built(accounts):
    """Streamlit builds a deferred download in a server thread, without the session (the report failed
    with "Sign in first."): bound to the signed-in person when drawn, logged only when the file was built."""
    def page() -> None:
        import streamlit as st

        import tests.test_page_access as here
        from retail.access.roles import Actor
        from ui.access import SIGNED_IN_KEY
        from ui.downloads import deferred_export

        st.session_state[SIGNED_IN_KEY] = Actor("vic", "viewer", "password")

        def broken(workspace) -> bytes:
            raise RuntimeError("the chart renderer broke")

        here.DEFERRED[:] = [deferred_export(broken, "broken.html", "shop"),
                            deferred_export(lambda workspace: workspace.list_datasets()[0].name.encode(), "ok.html", "shop")]

    AppTest.from_function(page, default_timeout=TIMEOUT).run()
    broken, working = DEFERRED
    with pytest.raises(RuntimeError, match="renderer broke"):
        broken()  # here, in the test's thread: no session, as when Streamlit runs it
    assert working() == SAMPLE_NAME.encode()
    assert audit.read(Workspace(), "export")[["actor", "detail"]].values.tolist() == [["vic", "ok.html"]]


def test_downloading_the_audit_log_is_itself_in_the_audit_log(accounts, monkeypatch):
    """The Admin page's download of the audit log is an export like any other: logged with who took it,
    once the file was built (the button's deferred callable, run here as Streamlit runs it: outside the session)."""
    drawn = {}
    button = st.download_button

    def spy(label, data, *args, **kwargs):
        drawn[kwargs["key"]] = data
        return button(label, data, *args, **kwargs)

    monkeypatch.setattr(st, "download_button", spy)
    app = sign_in("ada")
    app.switch_page("app_pages/admin.py").run()
    assert not app.exception and audit.read(Workspace(), "export").empty  # drawn, not yet downloaded
    csv = drawn["audit_download"]().decode()
    assert "sign-in" in csv and PASSWORD not in csv
    entry = audit.read(Workspace(), "export").iloc[0]
    assert (entry["actor"], entry["detail"]) == ("ada", "audit_log.csv")


def test_the_people_tab_says_an_old_default_role_is_not_honoured(accounts, tmp_path):
    access = tmp_path / "access.toml"
    access.write_text(access.read_text().replace('unlisted_role = ""', 'default_role = "viewer"'))
    app = sign_in("ada")
    app.switch_page("app_pages/admin.py").run()
    assert not app.exception
    [warning] = [w.value for w in app.warning if "default_role" in w.value]
    assert "not honoured" in warning and 'unlisted_role = "viewer"' in warning
