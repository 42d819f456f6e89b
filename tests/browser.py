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
def streamlit_server(root: Path, env: dict[str, str], startup_seconds: float = 90, port: int | None = None,
                     extra: list[str] | None = None) -> Iterator[str]:
    port = port or free_port()
    command = [sys.executable, "-m", "streamlit", "run", str(root / "app.py"), "--server.headless", "true",
               "--server.port", str(port), "--server.address", "127.0.0.1",
               "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none", *(extra or [])]
    log = open(env["RETAIL_HOME"] + ".server.log", "w")  # noqa: SIM115 - closed below
    process = subprocess.Popen(command, cwd=root, env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + startup_seconds
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
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


def wait_idle(page, timeout_ms: int = 180_000) -> None:
    """Wait until Streamlit has finished the current run."""
    page.wait_for_timeout(300)
    page.locator("[data-testid='stStatusWidget']").wait_for(state="hidden", timeout=timeout_ms)


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
