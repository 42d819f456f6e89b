"""In a real browser, on a fresh server each time (the first request of a server is the one Streamlit
used to serve straight from a ``pages/`` folder): every page's address shows the refusal on an app open
to the network without sign-in, and the sign-in form on an app with sign-in, never a page, a
traceback or a source path."""

from __future__ import annotations

from pathlib import Path

import pytest

from retail.access import users
from tests.browser import chromium_tab, streamlit_server, wait_idle
from tests.conftest import ROOT

pytestmark = pytest.mark.browser
TIMEOUT_MS = 90_000
PASSWORD = "correct horse battery"
REFUSAL = "This dashboard is open to the network without sign-in."
# Every page file's address (the admin page first: on a fresh server it used to run as the local admin),
# the main address, and one that never existed.
ADDRESSES = ["admin", *sorted(p.stem for p in (ROOT / "app_pages").glob("*.py") if p.stem != "admin"),
             "", "no_such_page"]
PAGE_TEXT = ("Audit log", "Forget a customer", "Add a dataset", "Sales overview", "Choose or add a dataset")
LEAKS = ("Traceback", "PermissionError", "Sign in first", ".py", "/work/", "File \"")


def _env(tmp_path: Path, small_sample_file: Path) -> dict[str, str]:
    return {"RETAIL_HOME": str(tmp_path / "home"), "RETAIL_SAMPLE_FILE": str(small_sample_file),
            "RETAIL_ACCESS_FILE": str(tmp_path / "access.toml")}


def _open_every_address(url: str, expected: str, log: Path) -> None:
    """Each address in a new tab (a new session): ``expected`` shows, nothing of a page, no traceback."""
    with chromium_tab(TIMEOUT_MS) as tab:
        for address in ADDRESSES:
            tab.goto(f"{url}/{address}")
            tab.get_by_text(expected).first.wait_for()
            wait_idle(tab)
            shown = tab.locator("[data-testid='stApp']").inner_text()
            assert not [t for t in PAGE_TEXT if t in shown], (address, shown[:300])
            assert not [t for t in LEAKS if t in shown], (address, shown[:300])
            assert tab.locator("[data-testid='stSidebarNav']").count() == 0, address
            assert tab.locator("[data-testid='stException']").count() == 0, address
            tab.evaluate("() => window.localStorage.clear()")
            tab.context.clear_cookies()
    assert "Uncaught app execution" not in log.read_text()


@pytest.mark.parametrize("address", ["0.0.0.0", ""], ids=["every-interface", "empty-address"])
def test_every_address_refuses_on_an_app_open_to_the_network_without_sign_in(address, tmp_path, small_sample_file):
    env = _env(tmp_path, small_sample_file)
    with streamlit_server(ROOT, env, extra=["--server.address", address]) as url:
        _open_every_address(url, REFUSAL, Path(env["RETAIL_HOME"] + ".server.log"))


def test_every_address_shows_the_sign_in_form_before_sign_in(tmp_path, small_sample_file):
    env = _env(tmp_path, small_sample_file)
    users.add_user("ada", "admin", PASSWORD, Path(env["RETAIL_ACCESS_FILE"]))
    with streamlit_server(ROOT, env) as url:
        _open_every_address(url, "Sign in", Path(env["RETAIL_HOME"] + ".server.log"))
        with chromium_tab(TIMEOUT_MS) as tab:  # the right password opens the page whose address was asked
            tab.goto(f"{url}/admin")
            tab.get_by_label("Name").fill("ada")
            tab.get_by_role("textbox", name="Password").fill(PASSWORD)
            tab.get_by_role("button", name="Sign in", exact=True).click()
            tab.get_by_text("Signed in as ada (admin)").wait_for()
            tab.get_by_role("heading", name="Admin").wait_for()
            wait_idle(tab)
            assert "/admin?" in tab.url and "Audit log" in tab.locator("[data-testid='stMain']").inner_text()


def test_a_served_app_keeps_tracebacks_in_the_server_log(tmp_path, small_sample_file):
    """A workspace file that is not a database fails the sign-in: the browser is told that something went
    wrong, without the error, a traceback or a source path; the server log has all of them."""
    env = _env(tmp_path, small_sample_file)
    users.add_user("ada", "admin", PASSWORD, Path(env["RETAIL_ACCESS_FILE"]))
    Path(env["RETAIL_HOME"]).mkdir()
    (Path(env["RETAIL_HOME"]) / "workspace.duckdb").write_bytes(b"not a database " * 1000)
    with streamlit_server(ROOT, env) as url, chromium_tab(TIMEOUT_MS) as tab:
        tab.goto(url)
        tab.get_by_label("Name").fill("ada")
        tab.get_by_role("textbox", name="Password").fill(PASSWORD)
        tab.get_by_role("button", name="Sign in", exact=True).click()
        error = tab.locator("[data-testid='stException']")
        error.wait_for()
        shown = error.inner_text()
        assert not [t for t in (*LEAKS, "duckdb", "workspace.duckdb", str(tmp_path)) if t in shown], shown
    log = Path(env["RETAIL_HOME"] + ".server.log").read_text()
    assert "Traceback" in log and "workspace.duckdb" in log
