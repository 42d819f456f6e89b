"""Run the real app (`streamlit run app.py`) on a free loopback port and drive it with Chromium."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

CHROMIUM = "/usr/bin/chromium"
# Without these Chromium keeps calling home, which this network refuses.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def streamlit_server(root: Path, env: dict[str, str], startup_seconds: float = 180, port: int | None = None,
                     extra: list[str] | None = None, prefix: list[str] | None = None) -> Iterator[str]:
    """``streamlit run`` of ``root``'s ``serve.py`` (what ``make run`` starts), else of its ``app.py`` (a
    trivial page, an older tree), on a free port; yields the address once the server answers, slowly maybe
    (on a machine loaded beyond two busy loops, two servers had printed their address and still not
    answered 2-second tries within 90 s, while ``serve.py`` warmed the sample). ``prefix``
    runs before the command (e.g. ``["taskset", "-c", "1"]``: the load benchmark keeps the server on its
    own core)."""
    port = port or free_port()
    script = root / "serve.py" if (root / "serve.py").exists() else root / "app.py"
    command = [*(prefix or []), sys.executable, "-m", "streamlit", "run", str(script), "--server.headless", "true",
               "--server.port", str(port), "--server.address", "127.0.0.1",
               "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none", *(extra or [])]
    log = open(env["RETAIL_HOME"] + ".server.log", "w")  # noqa: SIM115 - closed below
    process = subprocess.Popen(command, cwd=root, env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + startup_seconds
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=30) as response:
                    if response.status == 200:
                        break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"streamlit did not start; see {log.name}") from None
                time.sleep(0.5)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


# Counts Streamlit's script runs in the page: after a user's input (a click, a key, a changed value, or
# the page load itself) a run is pending until the app's run state moves (a run started, or the one
# under way ended). The last inputs and moves are kept for the message of a run that never finishes.
RUN_WATCHER = """
(() => {
  const runs = {pending: true, log: []};
  window.__retailRuns = runs;
  const note = (...entry) => { runs.log.push([Math.round(performance.now()), ...entry]); runs.log.splice(0, runs.log.length - 16); };
  for (const type of ['click', 'keydown', 'change', 'input', 'pointerup']) {
    // only a person's input: a download button clicks a hidden link itself, after its run began
    document.addEventListener(type, event => {
      if (event.isTrusted) { runs.pending = true; note(type, event.target.tagName, event.target.textContent.slice(0, 40)); }
    }, true);
  }
  // The whole document is watched from its start, not one element found by polling: no run is missed
  // before the app's root exists, and none if the root were ever drawn anew.
  new MutationObserver(records => {
    records.forEach(r => note('state', r.oldValue, r.target.getAttribute('data-test-script-state')));
    runs.pending = false;  // the run state moved after the input: the server took it up
  }).observe(document, {attributes: true, subtree: true, attributeFilter: ['data-test-script-state'],
                        attributeOldValue: true});
})();
"""
# A page's first view in a session draws its charts in a second run that the page's paint signal
# (``ui.paint``) asks for: the page is not settled while the signal is on it.
# The app is not running a script, whoever started it: for a run already seen drawing (a button's
# st.rerun() after the person's last input, which itself started none).
NOT_RUNNING = """() => document.querySelector("[data-testid='stApp']")?.getAttribute('data-test-script-state')
  === 'notRunning'"""

RUN_FINISHED = """() => {
  const app = document.querySelector("[data-testid='stApp']");
  return window.__retailRuns && !window.__retailRuns.pending && app
    && app.getAttribute('data-test-script-state') === 'notRunning'
    && !document.querySelector("[class*='_paint_signal']");
}"""


def watch_runs(context) -> None:
    """Install :data:`RUN_WATCHER` in every page of a Playwright browser context."""
    context.add_init_script(RUN_WATCHER)


def wait_idle(page, timeout_ms: int = 180_000) -> None:
    """Wait until the run that the last input (or the page load) started has finished. Call it only
    after an action that reruns the app (a widget change, a button, a page load); a download does not
    rerun it (its file is built when clicked, `on_click="ignore"`). A widget inside an ``st.fragment``
    reruns the fragment alone, and the app's state goes to running and back as for a page run, so this
    waits for it too. A fragment's run that ends in ``st.rerun()`` (e.g. a saved campaign redraws the
    page) makes two runs with a moment of "not running" between them: wait for what the page's run
    draws, then call this."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        page.wait_for_function(RUN_FINISHED, timeout=timeout_ms)
    except PlaywrightTimeout:
        raise AssertionError(f"no finished run within {timeout_ms / 1000:.0f} s: {page.evaluate(RUN_STATE)}; "
                             f"screenshot {_screenshot(page)}") from None


def open_page(page, title: str, attempts: int = 3) -> None:
    """Open a page from the sidebar's navigation, as a person does, and wait for its run to finish. The
    app changes the address when the server starts the page, so an address that has not changed after
    a while means the click never reached the server (a run would then stay pending for good; one such
    wait timed out in CI, cause not proven): a person clicks again, and so does this."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    link = page.locator("[data-testid='stSidebarNav']").get_by_role("link", name=title)
    target = link.get_attribute("href")
    for _ in range(attempts):
        link.click()
        try:
            page.wait_for_function("target => location.pathname === new URL(target, location.href).pathname",
                                   arg=target, timeout=30_000)
            break
        except PlaywrightTimeout:
            continue
    wait_idle(page)


RUN_STATE = """() => ({url: location.href, pending: window.__retailRuns && window.__retailRuns.pending,
  state: document.querySelector("[data-testid='stApp']")?.getAttribute('data-test-script-state'),
  now: Math.round(performance.now()), last: window.__retailRuns && window.__retailRuns.log})"""


def _screenshot(page) -> str:
    folder = Path(os.environ.get("RETAIL_ARTIFACTS", "/tmp/retail-artifacts"))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"timeout-{time.strftime('%H%M%S')}-{os.getpid()}.png"
    page.screenshot(path=str(path), full_page=True)
    return str(path)


@contextmanager
def chromium_tab(timeout_ms: int, viewport: tuple[int, int] = (1400, 1000)) -> Iterator[Any]:
    """One tab of Debian's Chromium (downloads allowed) with ``timeout_ms`` as its default timeout."""
    import pytest
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium is missing: `make test` installs Debian's chromium package.")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]}, accept_downloads=True)
        watch_runs(context)
        tab = context.new_page()
        tab.set_default_timeout(timeout_ms)
        yield tab
        browser.close()


@contextmanager
def app_tab(root: Path, home: Path, sample_file: Path, timeout_ms: int,
            viewport: tuple[int, int] = (1400, 1000)) -> Iterator[tuple[Any, str]]:
    """The app on a fresh workspace holding ``sample_file``, and one Chromium tab with its address;
    the tab has not opened a page yet."""
    env = {"RETAIL_HOME": str(home), "RETAIL_SAMPLE_FILE": str(sample_file)}
    with streamlit_server(root, env) as url, chromium_tab(timeout_ms, viewport) as tab:
        yield tab, url
