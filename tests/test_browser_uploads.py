"""In a real browser: one session uploads an Excel bomb, a CSV of 400,000 columns and a CSV whose header
holds a 200 KB name, while another session keeps using the app. Each upload is refused in a sentence
within seconds, the server's memory stays bounded, nothing is stored, and the other session's pages
keep answering meanwhile."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest

from retail.data.workspace import Workspace
from tests.browser import chromium_tab, streamlit_server, wait_idle
from tests.conftest import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
from hostile_files import long_name_csv, wide_csv, xlsx_bomb  # noqa: E402

pytestmark = pytest.mark.browser
TIMEOUT_MS = 180_000  # a fresh server's first page took over 90 s with two busy loops beside the suite
LIMIT_MB = 256
REFUSED_WITHIN_S = 30  # generous for a busy 2-core machine; each takes about a second when quiet


def _server_peak_mb(url: str) -> float:
    """The Streamlit server's peak resident memory so far (VmHWM), found by its port."""
    port = str(urlparse(url).port)
    for process in Path("/proc").iterdir():
        try:
            arguments = (process / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"streamlit" in b" ".join(arguments) and port.encode() in arguments:
            status = (process / "status").read_text()
            return int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM"))) / 1024
    raise AssertionError(f"no streamlit process listens on port {port}")


def _hostile_files(folder: Path) -> dict[Path, str]:
    """Each file and the start of the sentence that refuses it."""
    return {xlsx_bomb(folder / "bomb.xlsx", 4 * LIMIT_MB): f"bomb.xlsx unpacks to something larger than {LIMIT_MB} MB",
            wide_csv(folder / "wide.csv", 400_000): "has 400,000 columns",
            long_name_csv(folder / "long_name.csv"): "has a column name of 200,002 characters"}


def _keeps_working(tab) -> float:
    """Seconds for the other session to open Help and come back to a drawn Overview."""
    started = time.monotonic()
    for title, shown in (("Help", "Help"), ("Overview", "Sales overview")):
        tab.locator("[data-testid='stSidebarNav']").get_by_role("link", name=title).click()
        tab.get_by_role("heading", name=shown).first.wait_for()
        wait_idle(tab)
    tab.locator(".js-plotly-plot").first.wait_for()
    return time.monotonic() - started


def test_hostile_uploads_are_refused_while_another_session_works(tmp_path, small_sample_file):
    home = tmp_path / "home"
    env = {"RETAIL_HOME": str(home), "RETAIL_SAMPLE_FILE": str(small_sample_file), "RETAIL_MAX_FILE_MB": str(LIMIT_MB),
           "RETAIL_ACCESS_FILE": str(tmp_path / "access.toml")}
    files = _hostile_files(tmp_path)
    with streamlit_server(ROOT, env) as url, chromium_tab(TIMEOUT_MS) as other:
        other.goto(url)
        other.locator(".js-plotly-plot").first.wait_for()
        wait_idle(other)
        uploader = other.context.new_page()  # a second tab: a second session of the app
        uploader.set_default_timeout(TIMEOUT_MS)
        uploader.goto(f"{url}/data")
        uploader.get_by_text("Choose a file").first.wait_for()
        wait_idle(uploader)
        before = _server_peak_mb(url)
        # the same round trip with no upload, measured now: on a loaded machine (two busy loops beside the
        # suite) it alone can take ten seconds and more, so the bound grows with it
        within = max(REFUSED_WITHIN_S, 3 * _keeps_working(other))
        for path, refusal in files.items():
            started = time.monotonic()
            uploader.locator("input[type='file']").set_input_files(str(path))
            assert _keeps_working(other) < within  # answered while the upload is refused
            uploader.get_by_text(refusal).wait_for(timeout=within * 1000)
            assert time.monotonic() - started < within, path.name
            shown = uploader.locator("[data-testid='stMain']").inner_text()
            assert "Traceback" not in shown and "Error:" not in shown and "_csv" not in shown
        grown = _server_peak_mb(url) - before
    assert grown < 400, f"the server's peak memory grew by {grown:.0f} MB"
    assert [d.name for d in Workspace(home=home).list_datasets()] == ["Online Retail (UCI sample)"]
    assert "Uncaught app execution" not in Path(str(home) + ".server.log").read_text()
