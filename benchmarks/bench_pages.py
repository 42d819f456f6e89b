"""Pages that answer at once: one person's waits in a real browser (Playwright + Debian's Chromium) on
the full sample (541,909 lines), for this tree and, with ``--before DIR``, for another tree of the app
(e.g. ``git archive <commit> | tar -x -C DIR``) on the same prepared workspace, one after the other.

Each tree is served as its tests serve it (``serve.py`` when it has one: the warm-up starts with the
server; else ``app.py``: at the first session), the browser opening it as soon as it answers. Steps, each
timed from the person's action to the end of the run it started (the app's ``data-test-script-state``,
a fragment's run included) or to the new content on screen:

- first paint of the Overview for the first session of a fresh server, and for a second new session;
- the same two first paints of a trivial page (a title and a figure, nothing to compute) on a server of
  its own: the floor Chromium and Streamlit cost on this machine at this moment;
- Recommendations (item-based kNN): the page, then a move of the "Neighbours k" slider (median of
  three moves) and another customer chosen in the box (median of three), then the Evaluation tab's
  run with its defaults (every algorithm, discovery, 30 days): to its table, and to the end of the
  neighbours sweep drawn below it;
- the Pricing page's run on the sample (``run_elasticity`` with the default settings, what the page's
  button runs, in a process of its own per tree; ``--pricing-only`` measures only this).

Prints a table with one column per tree and the ratio. Targets (issue 27, a quiet machine): slider
re-rank <= 1 s, another customer <= 1.5 s, evaluation <= 30 s, a new session's first paint <= 5 s and
within 1.5x the trivial page's.

Run: ``.venv/bin/python benchmarks/bench_pages.py [--before /tmp/before] [--no-pricing]``
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

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_load import FLOOR_APP, TIMEOUT_MS, move_slider, settled  # noqa: E402
from playwright.async_api import TimeoutError as PlaywrightTimeout  # noqa: E402

from tests.browser import CHROMIUM, CHROMIUM_ARGS, RUN_FINISHED, RUN_WATCHER, streamlit_server  # noqa: E402

FIRST_PAINTS = ("first paint, first session", "first paint, a new session")
FLOOR = ("trivial page, first session", "trivial page, a new session")
STEPS = (*FIRST_PAINTS, *FLOOR, "recommendations page", "k slider re-rank", "another customer",
         "evaluation table, every algorithm", "evaluation with the neighbours sweep", "pricing run on the sample")
PRICING = ("import time; from retail.data.ingest import load_data; from retail.pricing.run import run_elasticity; "
           "frame = load_data('sample_data/online_retail.parquet').frame; start = time.perf_counter(); "
           "run_elasticity(frame); print(time.perf_counter() - start)")


async def changed(page, started: float) -> float | None:
    """Seconds from ``started`` until the run the person's action started has finished (the app's
    ``data-test-script-state``, a fragment's run included, watched by ``tests.browser.RUN_WATCHER``);
    None: not within a minute."""
    try:
        await page.wait_for_function(RUN_FINISHED, timeout=60_000, polling=20)
    except PlaywrightTimeout:
        return None
    finished = time.perf_counter() - started
    await settled(page)  # nothing queued behind it before the next step
    return finished


async def first_paint(browser, url: str) -> float:
    page = await browser.new_page(viewport={"width": 1440, "height": 900})
    page.set_default_timeout(TIMEOUT_MS)
    started = time.perf_counter()
    await page.goto(url)
    await page.locator("[data-testid='stMetricValue']").first.wait_for()
    waited = time.perf_counter() - started
    await settled(page)
    await page.close()
    return waited


async def another_customer(page, moves: int) -> float | None:
    box = page.locator("[data-testid='stSelectbox']", has_text="Customer (type to search)").first
    await box.locator("input").click()
    for _ in range(moves):
        await page.keyboard.press("ArrowDown")
    started = time.perf_counter()
    await page.keyboard.press("Enter")
    return await changed(page, started)


async def evaluation(page, timings: dict[str, list[float]]) -> None:
    """The Evaluation tab's run with its defaults, from the click to the table (its chart drawn, the
    sweep's heading shown) and to the end of the run (the sweep drawn)."""
    await page.get_by_role("tab", name="Evaluation").click()
    button = page.get_by_role("button", name="Evaluate")
    await button.wait_for()
    started = time.perf_counter()
    await button.click()
    await page.get_by_text("Neighbours and similarity").wait_for(timeout=900_000)
    timings["evaluation table, every algorithm"].append(time.perf_counter() - started)
    await page.wait_for_function(RUN_FINISHED, timeout=900_000, polling=50)
    timings["evaluation with the neighbours sweep"].append(time.perf_counter() - started)


async def recommendations(browser, url: str, timings: dict[str, list[float]]) -> None:
    page = await browser.new_page(viewport={"width": 1440, "height": 900})
    page.set_default_timeout(TIMEOUT_MS)
    await page.add_init_script(RUN_WATCHER)
    started = time.perf_counter()
    await page.goto(f"{url}/recommendations?algorithm=item-knn")
    await page.get_by_text("Top 10 for customer").wait_for()
    timings["recommendations page"].append(await settled(page) - started)
    for target in (10, 20, 8):
        released = await move_slider(page, "Neighbours k", target)
        timings["k slider re-rank"].append(await changed(page, released))
    for moves in (1, 2, 3):
        timings["another customer"].append(await another_customer(page, moves))
    await evaluation(page, timings)
    for step in ("k slider re-rank", "another customer"):
        unseen = timings[step].count(None)
        timings[step] = [t for t in timings[step] if t is not None]
        if unseen:
            print(f"{step}: {unseen} of 3 not seen to finish within a minute")
    await page.close()


async def drive(url: str, steps: tuple[str, str] = FIRST_PAINTS, floor: bool = False) -> dict[str, list[float]]:
    from playwright.async_api import async_playwright

    timings: dict[str, list] = {step: [] for step in STEPS}
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for step in steps:
            timings[step].append(await first_paint(browser, url))
        if not floor:
            await recommendations(browser, url, timings)
        await browser.close()
    return timings


def floor_timings(folder: Path) -> dict[str, list[float]]:
    """First paints of a trivial page on a server of its own (what Chromium and Streamlit cost alone)."""
    (folder / "app.py").write_text(FLOOR_APP)
    with streamlit_server(folder, {"RETAIL_HOME": str(folder / "home")}) as url:
        return asyncio.run(drive(url, FLOOR, floor=True))


def prepared_home(folder: Path) -> Path:
    """A workspace holding the full sample, imported once for every tree measured."""
    home = folder / "home"
    subprocess.run([sys.executable, "-c", "from retail.data.ingest import ensure_sample; "
                    "from retail.data.workspace import Workspace; ensure_sample(Workspace())"],
                   cwd=ROOT, env={**os.environ, "RETAIL_HOME": str(home)}, check=True)
    return home


def pricing_seconds(tree: Path) -> float:
    done = subprocess.run([sys.executable, "-c", PRICING], cwd=tree, capture_output=True, text=True, check=True)
    return float(done.stdout.strip().splitlines()[-1])


def measure(tree: Path, home: Path, browser: bool, pricing: bool) -> dict[str, float]:
    medians = {}
    if browser:
        with streamlit_server(tree, {"RETAIL_HOME": str(home), "RETAIL_WARM": "1"}, startup_seconds=300) as url:
            timings = asyncio.run(drive(url))
        with tempfile.TemporaryDirectory() as folder:
            timings |= {step: values for step, values in floor_timings(Path(folder)).items() if values}
        medians = {step: statistics.median(values) for step, values in timings.items() if values}
    return medians | ({STEPS[-1]: pricing_seconds(tree)} if pricing else {})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--before", type=Path, help="another tree of the app to measure first")
    parser.add_argument("--pricing-only", action="store_true", help="only the pricing run (no browser)")
    parser.add_argument("--no-pricing", action="store_true", help="leave the pricing run out")
    parser.add_argument("--after-first", action="store_true", help="measure this tree first (the order's effect)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        home = prepared_home(Path(folder)) if not args.pricing_only else Path(folder)
        browser, pricing = not args.pricing_only, not args.no_pricing
        after = measure(ROOT, home, browser, pricing) if args.after_first else {}
        before = measure(args.before, home, browser, pricing) if args.before else {}
        after = after or measure(ROOT, home, browser, pricing)
    print(f"machine load (1 min) at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print("\n| step (median s) | before | after | after / before |\n|---|---:|---:|---:|")
    for step in STEPS:
        old, new = before.get(step), after.get(step)
        ratio = f"{new / old:.2f}" if old and new else ""
        print(f"| {step} | {'' if old is None else f'{old:.2f}'} | {'' if new is None else f'{new:.2f}'} | {ratio} |")
    for name, medians in (("before", before), ("after", after)):
        if medians.get(FIRST_PAINTS[1]) and medians.get(FLOOR[1]):
            print(f"{name}: a new session's Overview / trivial page = {medians[FIRST_PAINTS[1]] / medians[FLOOR[1]]:.2f}")
    print("\ntargets (quiet machine): k re-rank <= 1 s; another customer <= 1.5 s; evaluation <= 30 s; first paint "
          "of a new session <= 5 s and <= 1.5x the trivial page's; pricing run on the sample <= 30 s")


if __name__ == "__main__":
    main()
