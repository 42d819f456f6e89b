"""Ten people at once: N real browser sessions (Playwright + Debian's Chromium) on one app process,
each figure beside its floor.

The app starts on the full sample in a fresh workspace. Each session opens the Overview, then
Recommendations, moves the k slider, then opens Forecast and Data, while one command-line import
of the 541,909-line Online Retail file runs into the same workspace. The floor is the same N
sessions, the same browser and the same steps on a page with nothing to compute (four pages that
look the same to the browser): what Chromium and Streamlit cost alone under that load. Prints page
errors, each step's latency percentiles beside the floor's median, and the targets: no page error,
the import lands, the Overview's median first paint within 1.5x its floor (issue 27).

``--pin`` runs the browsers (this process, Playwright's driver and every Chromium process) on core 0
and the app server and the import on core 1 (``taskset``), and prints the cores each process may
use, read from /proc: on two cores, the figure then measures the server, which a team's users share.

Run: ``.venv/bin/python benchmarks/bench_load.py [--sessions 10] [--pin] [--no-import]``
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from online_retail import DATA  # noqa: E402
from playwright.async_api import TimeoutError as PlaywrightTimeout  # noqa: E402

from tests.browser import CHROMIUM, CHROMIUM_ARGS, streamlit_server  # noqa: E402

TIMEOUT_MS = 300_000


STATUS = "[data-testid='stStatusWidget']"
TEXTS = "[...document.querySelectorAll(\"[data-testid='stText']\")].map(e => e.innerText).join(' | ')"
STEPS = ("overview first paint", "recommendations", "k slider re-rank", "forecast page", "data page")
FIRST_PAINT_TARGET = 1.5  # the Overview's median first paint, at most this many times its floor (issue 27)
BROWSER_CORE, APP_CORE = 0, 1  # --pin
# The floor: the steps' pages with what the sessions wait for (KPI figures, the top picks' heading and
# text that follows the k slider, an alert, a file box) and nothing to compute.
FLOOR_APP = """import streamlit as st


def overview():
    st.metric("Sessions", 10)


def recommendations():
    st.subheader("Top 10 for customer 1")
    k = st.slider("Neighbours k", 1, 200, 50)
    st.text(f"the {k} most similar products")


def forecast():
    st.info("Nothing to forecast")


def data():
    st.file_uploader("A file")


st.navigation([st.Page(overview, default=True), st.Page(recommendations), st.Page(forecast),
               st.Page(data)]).run()
"""
CHANGE_SECONDS = 120  # a re-rank not shown within this is a page error, not a slow step


async def settled(page) -> float:
    """When the app last finished running: the status widget hidden and still hidden one second later
    (a rerun queued behind another one shows it again). Returns that moment (perf_counter)."""
    while True:
        await page.locator(STATUS).wait_for(state="hidden", timeout=TIMEOUT_MS)
        finished = time.perf_counter()
        await page.wait_for_timeout(1000)
        if not await page.locator(STATUS).is_visible():
            return finished


async def content(page, selector: str) -> float:
    """Seconds-stamp at which ``selector`` is on the page and the run that drew it has finished."""
    await page.locator(selector).first.wait_for()
    return await settled(page)


async def move_slider(page, label: str, target: int) -> float:
    """Drag a slider's thumb to ``target`` with the mouse, as a user does (one rerun, on release);
    returns the moment of the release (perf_counter): the re-rank a user waits for starts then."""
    slider = page.locator("[data-testid='stSlider']", has_text=label).first
    value = slider.locator("input[type='range']")
    low, high = float(await value.get_attribute("min")), float(await value.get_attribute("max"))
    track = await slider.locator("[data-orientation='horizontal'][style*='touch-action']").first.bounding_box()
    thumb = await slider.locator("[data-testid='stSliderThumbValue']").locator("..").bounding_box()
    await page.mouse.move(thumb["x"] + thumb["width"] / 2, thumb["y"] + thumb["height"] / 2)
    await page.mouse.down()
    await page.mouse.move(track["x"] + track["width"] * (target - low) / (high - low), track["y"] + track["height"] / 2,
                          steps=8)
    await page.mouse.up()
    return time.perf_counter()


async def tracebacks(page, number: int, errors: list) -> None:
    shown = await page.locator("[data-testid='stException']").all_inner_texts()
    errors.extend(f"session {number}: {text[:3000]}" for text in shown)


async def session(browser, url: str, number: int, timings: dict, errors: list, cores: dict) -> None:
    page = await browser.new_page(viewport={"width": 1300, "height": 900})
    page.set_default_timeout(TIMEOUT_MS)
    try:
        start = time.perf_counter()
        await page.goto(url)
        await page.locator("[data-testid='stMetricValue']").first.wait_for()
        timings["overview first paint"].append(time.perf_counter() - start)  # the first figures a user sees
        if number == 0:  # the browser's renderers are up by now
            look_at_cores(cores)
        await tracebacks(page, number, errors)
        start = time.perf_counter()
        await page.goto(f"{url}/recommendations?algorithm=item-knn")  # the k slider is item-kNN's
        await page.get_by_text("Top 10 for customer").wait_for()
        timings["recommendations"].append(await content(page, "[data-testid='stText']") - start)
        await tracebacks(page, number, errors)
        before = await page.evaluate(TEXTS)
        start = await move_slider(page, "Neighbours k", 6 + number % 5)  # from k 50 to 6-10: the top picks change
        try:  # what a user waits for: the new top picks on screen, not the status widget
            await page.wait_for_function(f"before => {TEXTS} !== before", arg=before,
                                         timeout=CHANGE_SECONDS * 1000, polling=100)
        except PlaywrightTimeout:
            errors.append(f"session {number}: the k slider changed nothing within {CHANGE_SECONDS} s")
        else:
            timings["k slider re-rank"].append(await settled(page) - start)
        await tracebacks(page, number, errors)
        for path, label, selector in (("forecast", "forecast page", "[data-testid='stAlert']"),
                                      ("data", "data page", "[data-testid='stFileUploader']")):
            start = time.perf_counter()
            await page.goto(f"{url}/{path}")
            timings[label].append(await content(page, selector) - start)
            await tracebacks(page, number, errors)
    except Exception as exc:  # a timeout or a crash is a failed session, reported below
        errors.append(f"session {number}: {type(exc).__name__}: {str(exc)[:200]}")
    finally:
        await page.close()


def process_tree() -> dict[int, list[int]]:
    """Each process's children, from /proc."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])  # the name in () may hold spaces
        except (OSError, IndexError, ValueError):  # the process ended meanwhile
            continue
        children.setdefault(parent, []).append(int(stat.parent.name))
    return children


def role(command: str, parent_role: str) -> str:
    """What a process is, by its command line; a helper process (a worker, a zygote) is its parent's."""
    for word, name in (("streamlit", "app server"), ("retail import", "import"), ("chromium", "chromium"),
                       ("node", "playwright driver")):
        if word in command:
            return name
    return parent_role


def look_at_cores(seen: dict[str, dict[int, str]]) -> None:
    """Adds the cores each running process this benchmark started may use (Cpus_allowed_list), per role
    and process id, to ``seen``: proof that --pin holds for the server, the import and every browser
    process, their helpers included."""
    children = process_tree()
    queue = [(os.getpid(), "benchmark")]
    while queue:
        pid, parent_role = queue.pop()
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:  # the process ended meanwhile
            continue
        if not command:  # ended, not yet reaped (the import that has landed)
            continue
        name = role(command, parent_role) if pid != os.getpid() else parent_role
        allowed = next(line.split()[1] for line in status.splitlines() if line.startswith("Cpus_allowed_list"))
        seen.setdefault(name, {})[pid] = allowed
        queue.extend((child, name) for child in children.get(pid, []))


async def drive(url: str, sessions: int) -> tuple[dict, list]:
    """The sessions at once in one browser. The processes' cores are read twice: once the browser is up
    (the import is still running) and at the first session's first paint (the tabs' renderers are up)."""
    from playwright.async_api import async_playwright

    timings: dict[str, list[float]] = {step: [] for step in STEPS}
    errors: list[str] = []
    cores: dict[str, dict[int, str]] = {}
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        look_at_cores(cores)
        await asyncio.gather(*(session(browser, url, i, timings, errors, cores) for i in range(sessions)))
        await browser.close()
    print("  cores allowed (processes seen): " + "; ".join(
        f"{name} ({len(pids)}): {' / '.join(sorted(set(pids.values())))}" for name, pids in cores.items()))
    return timings, errors


def app_core(pin: bool) -> list[str]:
    """The prefix that keeps a command on the app's core."""
    return ["taskset", "-c", str(APP_CORE)] if pin else []


def run_floor(sessions: int, pin: bool) -> tuple[dict, list]:
    """The same browsers and steps on pages with nothing to compute: what Chromium and Streamlit cost alone."""
    with tempfile.TemporaryDirectory() as home:
        (Path(home) / "app.py").write_text(FLOOR_APP)
        with streamlit_server(Path(home), {"RETAIL_HOME": home}, prefix=app_core(pin)) as url:
            started = time.perf_counter()
            print("floor: a trivial page")
            result = asyncio.run(drive(url, sessions))
            print(f"  {sessions} sessions in {time.perf_counter() - started:.0f} s")
            return result


def run_app(sessions: int, with_import: bool, pin: bool) -> tuple[dict, list]:
    with tempfile.TemporaryDirectory() as home:
        csv = Path(home) / "online_retail.csv"
        pd.read_parquet(DATA).to_csv(csv, index=False)
        with streamlit_server(ROOT, {"RETAIL_HOME": home}, startup_seconds=300, prefix=app_core(pin)) as url:
            command = [sys.executable, "-m", "retail", "import", str(csv), "--name", "CLI import"]
            importer = subprocess.Popen([*app_core(pin), *command] if with_import else ["true"], cwd=ROOT,
                                        env={"RETAIL_HOME": home, "PATH": "/usr/bin:/bin"},
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            started = time.perf_counter()
            print("app: the sample" + (", the import beside" if with_import else ""))
            timings, errors = asyncio.run(drive(url, sessions))
            _, stderr = importer.communicate(timeout=600)
            landed = importer.returncode == 0
            print(f"  {sessions} sessions in {time.perf_counter() - started:.0f} s; the CLI import "
                  f"{'was not run' if not with_import else 'landed' if landed else 'FAILED: ' + stderr.strip()[-200:]}")
    if not landed:
        errors.append("the CLI import failed")
    return timings, errors


def report(app: dict, floor: dict, errors: list) -> None:
    """Each step's percentiles beside its floor, then the targets, met or missed."""
    print(f"\npage errors: {len(errors)}")
    for error in errors:
        print("  " + error)
    print("\n| step | median s | p90 s | max s | floor median s | x floor |\n|---|---:|---:|---:|---:|---:|")
    for step in STEPS:
        values, base = sorted(app[step]), floor[step] and statistics.median(floor[step])
        if not values:
            continue
        p90 = values[min(len(values) - 1, int(0.9 * len(values)))]
        against = f"{base:.1f} | {statistics.median(values) / base:.1f}" if base else "- | -"
        print(f"| {step} | {statistics.median(values):.1f} | {p90:.1f} | {values[-1]:.1f} | {against} |")
    paint, base = app["overview first paint"], floor["overview first paint"]
    ratio = statistics.median(paint) / statistics.median(base) if paint and base else float("nan")
    print(f"\ntargets: no page error and the import lands: {'met' if not errors else 'missed'}; Overview first paint "
          f"<= {FIRST_PAINT_TARGET}x floor: {ratio:.2f}x, {'met' if ratio <= FIRST_PAINT_TARGET else 'missed'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sessions", type=int, default=10)
    parser.add_argument("--no-import", action="store_true", help="without the command-line import beside")
    parser.add_argument("--pin", action="store_true",
                        help=f"browsers on core {BROWSER_CORE}, the app server and the import on core {APP_CORE}")
    args = parser.parse_args()
    if args.pin:
        if not {BROWSER_CORE, APP_CORE} <= os.sched_getaffinity(0):
            parser.error(f"--pin needs cores {BROWSER_CORE} and {APP_CORE}")
        os.sched_setaffinity(0, {BROWSER_CORE})  # Playwright's driver and Chromium inherit it
    floor, floor_errors = run_floor(args.sessions, args.pin)
    app, errors = run_app(args.sessions, not args.no_import, args.pin)
    report(app, floor, [f"floor {error}" for error in floor_errors] + errors)


if __name__ == "__main__":
    main()
