"""In a real browser: a viewer and an admin sign in and see what each may do; product names and
customer ids holding HTML or script show as text (no dialog ever opens); single sign-on against a
real OpenID provider (npm's oidc-provider) started on 127.0.0.1 by the test."""

from __future__ import annotations

import csv
import io
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from retail.access import audit, users
from retail.data.ingest import import_file
from retail.data.workspace import Workspace
from tests.browser import CHROMIUM, CHROMIUM_ARGS, free_port, open_page, streamlit_server, wait_idle, watch_runs
from tests.conftest import ROOT

ARTIFACTS = Path(os.environ.get("RETAIL_ARTIFACTS", "/tmp/retail-artifacts"))
TIMEOUT_MS = 90_000
PASSWORD = "correct horse battery"
HOSTILE_PRODUCT = "<img src=x onerror=alert(1)>"
HOSTILE_CUSTOMER = "<script>alert(2)</script>"

pytestmark = pytest.mark.browser


def hostile_csv() -> bytes:
    """Two weeks of sales where the best seller and the best customer carry HTML in their names."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["Date", "SKU", "Name", "Qty", "Price", "Customer", "Store", "Invoice"])
    for day in range(1, 15):
        writer.writerow([f"2011-03-{day:02d}", "X1", HOSTILE_PRODUCT, 9, 2.5, HOSTILE_CUSTOMER, "London", f"A{day}"])
        writer.writerow([f"2011-03-{day:02d}", "M2", "Plain mug", 2, 3.0, "c2", "Leeds", f"B{day}"])
    return buffer.getvalue().encode()


@pytest.fixture(scope="module")
def team_app(tmp_path_factory, small_sample_file):
    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium is missing: `make test` installs Debian's chromium package.")
    folder = tmp_path_factory.mktemp("team")
    env = {"RETAIL_HOME": str(folder / "home"), "RETAIL_SAMPLE_FILE": str(small_sample_file),
           "RETAIL_ACCESS_FILE": str(folder / "access.toml")}
    users.add_user("vic", "viewer", PASSWORD, Path(env["RETAIL_ACCESS_FILE"]))
    users.add_user("ada", "admin", PASSWORD, Path(env["RETAIL_ACCESS_FILE"]))
    import_file(Workspace(home=env["RETAIL_HOME"]), hostile_csv(), "hostile", file_name="hostile.csv")
    with streamlit_server(ROOT, env) as url:
        yield url, Path(env["RETAIL_HOME"])


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield launched
        launched.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    watch_runs(context)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.dialogs = []  # any alert() a hostile name managed to run
    page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.dismiss()))
    yield page
    context.close()


def sign_in(page, url: str, name: str, password: str = PASSWORD) -> None:
    page.goto(url)
    page.get_by_role("heading", name="Sign in").wait_for()
    page.get_by_label("Name").fill(name)
    page.get_by_role("textbox", name="Password").fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()
    wait_idle(page)


def go(page, title: str) -> None:
    """Open a page from the sidebar (a new address would start a new session, signed out)."""
    open_page(page, title)


def choose_dataset(page, name: str) -> None:
    sidebar = page.locator("[data-testid='stSidebar']")
    sidebar.get_by_role("combobox").first.click()
    page.get_by_role("option", name=name).click()
    wait_idle(page)


def logged(home: Path) -> set[tuple[str, str, str]]:
    """(who, what, dataset) of every audit entry so far, read by the library (each test checks its own)."""
    entries = audit.read(Workspace(home=str(home)))
    return set(zip(entries["actor"], entries["action"], entries["dataset"], strict=True))


def test_a_viewer_reads_and_exports_but_changes_nothing(page, team_app):
    url, home = team_app
    sign_in(page, url, "vic", "a wrong password")
    page.get_by_text("Wrong name or password.").wait_for()
    sign_in(page, url, "vic")
    page.get_by_text("Signed in as vic (viewer)").wait_for()
    assert {("vic", "sign-in failed", ""), ("vic", "sign-in", "")} <= logged(home)
    nav = page.locator("[data-testid='stSidebarNav']").inner_text()
    assert "Admin" not in nav and "Data" in nav
    go(page, "Data")
    page.get_by_text("adding data needs the analyst role").wait_for()
    assert page.locator("input[type='file']").count() == 0
    page.get_by_role("tab", name="Datasets").click()
    page.get_by_text("Trash").first.wait_for()
    assert page.get_by_role("button", name="Delete").count() == 0
    assert page.get_by_role("button", name="Restore").count() == 0
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "viewer-data.png"), full_page=True)
    page.locator("[data-testid='stSidebar']").get_by_role("button", name="Sign out").click()
    page.get_by_role("heading", name="Sign in").wait_for()
    assert page.locator("[data-testid='stSidebarNav']").count() == 0
    assert page.dialogs == []


def test_hostile_names_show_as_text_in_charts_hovers_and_exports(page, team_app, tmp_path):
    url, home = team_app
    sign_in(page, url, "vic")
    choose_dataset(page, "hostile")
    # the top-products chart: its product names are tick labels (the trend chart has dates there)
    chart = page.locator(".js-plotly-plot").filter(has=page.locator(".ytick text", has_text="onerror=")).first
    chart.wait_for()
    page.locator(".js-plotly-plot .ytick text", has_text="alert(2)").first.wait_for()  # the top customers
    ticks = page.locator(".js-plotly-plot .ytick text").evaluate_all("els => els.map(e => e.textContent)")
    assert any(t.startswith("<img src=x onerror=") for t in ticks), ticks
    assert any(t.startswith("<script>alert(2)") for t in ticks), ticks
    bar = chart.locator(".bars path").last  # largest on top: the hostile best seller
    # Plotly's drag layer lies on top of the bars: move the mouse there like a person.
    chart.scroll_into_view_if_needed()
    box = bar.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2 - 5, box["y"] + box["height"] / 2)
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.screenshot(path=str(ARTIFACTS / "hostile-hover.png"))
    hovers = "() => [...document.querySelectorAll('.hoverlayer')].map(h => h.textContent).join(' | ')"
    page.wait_for_function("() => [...document.querySelectorAll('.hoverlayer')].some(h => h.textContent.includes('onerror'))",
                           timeout=20_000)
    assert HOSTILE_PRODUCT in page.evaluate(hovers)
    assert page.locator("img[src='x']").count() == 0 and page.locator("script", has_text="alert(2)").count() == 0
    page.get_by_text("Tables (with CSV downloads)").click()
    for index, hostile in enumerate((HOSTILE_PRODUCT, HOSTILE_CUSTOMER)):  # top products, top customers
        with page.expect_download() as download:
            page.get_by_role("button", name="Download CSV").nth(index).click()
        path = tmp_path / f"export_{index}.csv"
        download.value.save_as(path)
        assert hostile in path.read_text()  # as written, and no spreadsheet formula either
    page.screenshot(path=str(ARTIFACTS / "hostile-overview.png"), full_page=True)
    assert ("vic", "export", "hostile") in logged(home)
    assert page.dialogs == []


def test_an_admin_deletes_restores_and_reads_the_audit_log(page, team_app, tmp_path):
    url, home = team_app
    sign_in(page, url, "ada")
    page.get_by_text("Signed in as ada (admin)").wait_for()
    go(page, "Data")
    page.get_by_role("tab", name="Datasets").click()
    form = page.locator("[data-testid='stForm']").filter(has_text="Delete")
    form.get_by_role("combobox").click()
    page.get_by_role("option", name="hostile").click()
    form.get_by_text("Yes, move it to the trash").click()
    form.get_by_role("button", name="Delete").click()
    wait_idle(page)
    page.get_by_role("tab", name="Datasets").click()
    restore = page.locator("[data-testid='stForm']").filter(has_text="Restore")
    restore.wait_for()
    restore.get_by_role("button", name="Restore").click()
    # wait for the restore's own run to finish: a click in the sidebar now would cut it short
    page.get_by_text("The trash is empty.").wait_for()
    wait_idle(page)
    go(page, "Admin")
    page.get_by_role("heading", name="Admin").wait_for()
    page.screenshot(path=str(ARTIFACTS / "admin.png"), full_page=True)
    with page.expect_download() as download:
        page.get_by_role("button", name="Download the audit log (CSV)").click()
    path = tmp_path / "audit.csv"
    download.value.save_as(path)
    rows = list(csv.DictReader(path.open()))
    seen = {(r["who"], r["what"], r["dataset"]) for r in rows}
    assert {("ada", "sign-in", ""), ("ada", "delete", "hostile"), ("ada", "restore", "hostile")} <= seen
    assert seen <= logged(home)  # the download holds the log
    assert PASSWORD not in path.read_text()
    assert page.dialogs == []


# -- single sign-on: st.login against a real OpenID provider on 127.0.0.1 -------------------------
OIDC = ROOT / "tests" / "oidc"


def _install_provider() -> None:
    """npm's oidc-provider into tests/oidc (what `make test` does); skip only when it truly cannot."""
    if (OIDC / "node_modules" / "oidc-provider").exists():
        return
    if not shutil.which("npm") or not shutil.which("node"):
        pytest.skip("Node.js and npm are not installed: the single sign-on test needs them for oidc-provider")
    done = subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--silent"], cwd=OIDC, capture_output=True,
                          text=True, timeout=300)
    if done.returncode != 0:
        pytest.skip(f"oidc-provider could not be installed: {done.stderr.strip()[-300:]}")


@contextmanager
def openid_provider(redirect_uri: str) -> Iterator[str]:
    _install_provider()
    port = free_port()
    # its warnings about development-only keys go to the log, not to stdout
    with tempfile.TemporaryFile("w+") as log, subprocess.Popen(
            ["node", str(OIDC / "provider.mjs"), str(port), "retail-dashboard", "test-secret", redirect_uri],
            cwd=OIDC, stdout=subprocess.PIPE, stderr=log, text=True) as process:
        try:
            if process.stdout.readline().strip() != "ready":  # prints "ready" once listening, else exits
                log.seek(0)
                pytest.skip(f"the OpenID provider did not start: {log.read()[-300:]}")
            yield f"http://127.0.0.1:{port}"
        finally:
            process.terminate()
            process.wait(timeout=20)


@pytest.fixture(scope="module")
def sso_app(tmp_path_factory, small_sample_file):
    folder = tmp_path_factory.mktemp("sso")
    access = folder / "access.toml"
    users.save(users.AccessConfig(sso_default_role="", sso_roles={"ada@example.com": "admin",
                                                                  "vic@example.com": "viewer"}), access)
    port = free_port()
    redirect = f"http://localhost:{port}/oauth2callback"
    with openid_provider(redirect) as issuer:
        secrets = folder / "secrets.toml"
        secrets.write_text(
            f'[auth]\nredirect_uri = "{redirect}"\ncookie_secret = "{"s" * 40}"\nclient_id = "retail-dashboard"\n'
            f'client_secret = "test-secret"\nserver_metadata_url = "{issuer}/.well-known/openid-configuration"\n'
            # oidc-provider knows the prompts login, consent and none (Streamlit asks select_account by default)
            '[auth.client_kwargs]\nprompt = "login"\n')
        env = {"RETAIL_HOME": str(folder / "home"), "RETAIL_SAMPLE_FILE": str(small_sample_file),
               "RETAIL_ACCESS_FILE": str(access)}
        with streamlit_server(ROOT, env, port=port, extra=["--secrets.files", str(secrets)]) as url:
            yield url.replace("127.0.0.1", "localhost"), Path(env["RETAIL_HOME"])


def sso_sign_in(page, url: str, login: str) -> None:
    page.goto(url)
    page.get_by_role("button", name="Sign in with your company account").click()
    page.locator("input[name='login']").fill(login)  # the provider's own sign-in form
    page.locator("input[name='password']").fill("anything")
    page.locator("button[type='submit']").click()
    consent = page.locator("button[type='submit']", has_text="Continue")
    consent.or_(page.locator("[data-testid='stSidebar']")).first.wait_for()
    if consent.count():
        consent.click()
    wait_idle(page)


def sso_sign_out(page, where) -> None:
    """st.logout(): the app's cookie goes, then the provider's own sign-out page, then back to the app."""
    where.get_by_role("button", name="Sign out").click()
    page.get_by_role("button", name="Yes, sign me out").click()
    page.get_by_role("button", name="Sign in with your company account").wait_for()


def test_single_sign_on_gives_each_person_their_role(page, sso_app):
    url, home = sso_app
    sso_sign_in(page, url, "ada")
    page.get_by_text("Signed in as ada@example.com (admin)").wait_for()
    assert "Admin" in page.locator("[data-testid='stSidebarNav']").inner_text()
    page.locator(".js-plotly-plot").first.wait_for()  # the Overview drawn for her
    wait_idle(page)
    page.screenshot(path=str(ARTIFACTS / "sso-admin.png"), full_page=True)
    sso_sign_out(page, page.locator("[data-testid='stSidebar']"))
    sso_sign_in(page, url, "eve")  # the provider knows her; the access file does not let her in
    page.get_by_text("Your account is not allowed here").wait_for()
    assert page.locator("[data-testid='stSidebarNav']").count() == 0
    sso_sign_out(page, page)
    sso_sign_in(page, url, "unverified-ada")  # ada's address, not checked by the provider: not ada
    page.get_by_text("Your account is not allowed here").wait_for()
    assert page.locator("[data-testid='stSidebarNav']").count() == 0
    log = audit.read(Workspace(home=home))
    seen = list(zip(log["actor"], log["action"], strict=True))
    assert ("ada@example.com", "sign-in") in seen and ("eve@example.com", "sign-in failed") in seen
    assert page.dialogs == []
