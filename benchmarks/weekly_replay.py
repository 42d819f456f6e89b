"""A season replayed week by week through ``python -m retail refresh`` (the issue's evidence protocol).

A data set is cut at a Monday T: the lines before T are imported as the dataset, and a forecast and an
order plan are saved (their settings are what every refresh reuses). The lines of the following weeks
are written as weekly files, the way a till exports them, with known level shifts injected into some
series from a given week on (+80% or -60%). Each week's file then goes through the real command, as
cron would run it, and everything it saved is read back from the workspace.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from retail.access.guard import GuardedWorkspace  # noqa: E402
from retail.access.roles import local_actor  # noqa: E402
from retail.data.ingest import import_file  # noqa: E402
from retail.data.workspace import Workspace  # noqa: E402
from retail.forecast.pipeline import run_forecast  # noqa: E402
from retail.forecast.result import save_run  # noqa: E402
from retail.forecast.settings import ForecastSettings  # noqa: E402
from retail.inventory.pipeline import run_replenishment  # noqa: E402
from retail.inventory.result import save_run as save_plan  # noqa: E402
from retail.inventory.settings import ReplenishmentSettings  # noqa: E402

SHARED = ROOT.parent / "shared" / "data"
DATASET = "shop"
UP, DOWN = 1.8, 0.4


@dataclass(frozen=True)
class Scenario:
    """A data set as its file has it: which column is the series, the date, the amount shifted."""

    name: str
    path: Path
    key: str
    date: str
    amount: str
    forecast: ForecastSettings
    plan: ReplenishmentSettings | None
    date_format: str | None = None  # how the weekly files write dates (None: ISO)

    def read(self) -> pd.DataFrame:
        if self.path.suffix == ".parquet":
            return pd.read_parquet(self.path)
        frame = pd.read_csv(self.path)
        frame[self.date] = pd.to_datetime(frame[self.date], format=self.date_format)
        return frame


SCENARIOS = {
    "online-retail": Scenario("Online Retail, weekly units of the 200 biggest products", SHARED / "online_retail" /
                              "online_retail.parquet", "StockCode", "InvoiceDate", "Quantity",
                              ForecastSettings(level="product", freq="W", horizon=4, windows=3, top_n=200),
                              ReplenishmentSettings(top_n=100)),
    "walmart": Scenario("Walmart, weekly sales of 45 stores", SHARED / "walmart_store_sales" /
                        "walmart_store_sales.csv", "Store", "Date", "Weekly_Sales",
                        ForecastSettings(level="store", freq="W", target="revenue", horizon=4, windows=3),
                        None, date_format="%d-%m-%Y"),
}


@dataclass
class Prepared:
    scenario: Scenario
    start: pd.Timestamp
    base: Path
    weeks: list[Path]
    shifts: pd.DataFrame  # series_id, week (index of the first shifted week), factor


def _series(values: pd.Series) -> pd.Series:
    return values.astype(str).str.strip().str.upper()


def _inject(lines: pd.DataFrame, scenario: Scenario, shifts: pd.DataFrame, start: pd.Timestamp,
            rng: np.random.Generator) -> pd.DataFrame:
    """Raise (stochastic rounding of whole units) or thin (drop lines) the shifted series' sales."""
    week = ((lines[scenario.date] - start).dt.days // 7).to_numpy()
    key = _series(lines[scenario.key]).to_numpy()
    factor = np.ones(len(lines))
    for row in shifts.itertuples():
        factor[(key == row.series_id) & (week >= row.week)] = row.factor
    amount = lines[scenario.amount].to_numpy(dtype=float)
    out = lines.copy()
    if scenario.amount == "Quantity":  # units: whole numbers; a drop is lines that never happened
        raised = np.floor(amount * factor + rng.random(len(amount)))
        out[scenario.amount] = np.where((factor > 1) & (amount > 0), raised, amount).astype(int)
        keep = ~((factor < 1) & (amount > 0) & (rng.random(len(amount)) > factor))
        return out[keep]
    out[scenario.amount] = np.round(amount * factor, 2)
    return out


def prepare(scenario: Scenario, start: str, weeks: int, n_shifts: int, seed: int, folder: Path,
            inject: bool = True) -> Prepared:
    """The base file, the weekly files (with shifts injected) and the table of injected shifts."""
    raw = scenario.read()
    start_day = pd.Timestamp(start)
    before = raw[raw[scenario.date] < start_day]
    rng = np.random.default_rng(seed)
    units = before.groupby(_series(before[scenario.key]))[scenario.amount].sum().sort_values(ascending=False)
    pool = list(units.index[:scenario.forecast.top_n] if scenario.forecast.top_n else units.index)
    chosen = rng.choice(pool, size=min(n_shifts, len(pool)), replace=False) if inject else []
    shifts = pd.DataFrame({"series_id": chosen, "week": rng.integers(0, max(weeks - 2, 1), len(chosen)),
                           "factor": np.where(np.arange(len(chosen)) % 2 == 0, UP, DOWN)})
    folder.mkdir(parents=True, exist_ok=True)
    base = folder / "base.parquet"
    before.to_parquet(base, index=False)
    after = _inject(raw[(raw[scenario.date] >= start_day) & (raw[scenario.date] < start_day + pd.Timedelta(weeks=weeks))],
                    scenario, shifts, start_day, rng)
    paths = []
    for k in range(weeks):
        part = after[(after[scenario.date] >= start_day + pd.Timedelta(weeks=k))
                     & (after[scenario.date] < start_day + pd.Timedelta(weeks=k + 1))].copy()
        if scenario.date_format:
            part[scenario.date] = part[scenario.date].dt.strftime(scenario.date_format)
        path = folder / f"week {k + 1:02d}.csv"
        part.to_csv(path, index=False)
        paths.append(path)
    return Prepared(scenario, start_day, base, paths, shifts)


def setup_workspace(prepared: Prepared, home: Path) -> None:
    """The dataset as it stood at T, and the forecast and order plan whose settings the refreshes reuse."""
    workspace = GuardedWorkspace(Workspace(home=home), local_actor())
    import_file(workspace.workspace, prepared.base, DATASET)
    frame = workspace.load(DATASET)
    save_run(workspace, DATASET, run_forecast(frame, prepared.scenario.forecast))
    if prepared.scenario.plan is not None:
        save_plan(workspace, DATASET, run_replenishment(frame, prepared.scenario.plan))


def _command(home: Path, *args: str) -> tuple[list[str], dict[str, str]]:
    env = {**os.environ, "RETAIL_HOME": str(home), "PYTHONPATH": str(ROOT)}
    env.pop("RETAIL_DATABASE_URL", None)
    return [sys.executable, "-m", "retail", "refresh", DATASET, *args, "--json"], env


def refresh(home: Path, week: Path, pack: Path | None = None) -> tuple[dict, float, float]:
    """One refresh as cron runs it: the JSON document, wall seconds and the process's CPU seconds."""
    command, env = _command(home, str(week), *(["--pack", str(pack)] if pack else []))
    started = time.perf_counter()
    before = os.times()
    done = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True)
    after = os.times()
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"refresh of {week.name} failed ({done.returncode}): {done.stderr[-2000:]}")
    cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    return json.loads(done.stdout), seconds, cpu


def state(home: Path) -> tuple:
    """What a refresh may change: the datasets (id, rows), the runs, the tables, the trash."""
    workspace = Workspace(home=home)
    with workspace.connection() as con:
        tables = sorted(r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall())
    return (tuple((d.name, d.id, d.rows) for d in workspace.list_datasets()), tuple(r.id for r in workspace.list_runs()),
            tuple(tables), tuple(t.id for t in workspace.list_trash()))


def killed_refreshes(home: Path, week: Path, after_seconds: list[float]) -> list[dict]:
    """Start the refresh and kill it (SIGKILL) after each delay: the workspace must be as it was, or refreshed
    in full (the kill came after the commit); a later refresh must not be blocked by the killed one's lock."""
    outcomes = []
    for delay in after_seconds:
        before = state(home)
        command, env = _command(home, str(week))
        process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        finished = process.poll() is not None
        if not finished:
            process.send_signal(signal.SIGKILL)
        process.wait()
        now = state(home)
        runs = Workspace(home=home).list_runs("refresh", DATASET)
        complete = bool(runs) and runs[0].summary.get("dataset_id") == Workspace(home=home).get(DATASET).id
        outcome = "as it was" if now == before else ("refreshed in full" if complete else "HALF-WRITTEN")
        outcomes.append({"killed after (s)": delay, "finished first": finished, "workspace": outcome})
    return outcomes


@dataclass
class Replay:
    prepared: Prepared
    home: Path
    summaries: list[dict] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    idempotent: list[dict] = field(default_factory=list)
    kills: list[dict] = field(default_factory=list)


def replay(prepared: Prepared, home: Path, idempotency_weeks: tuple[int, ...] = (), kill_week: int | None = None,
           kill_after: tuple[float, ...] = (), pack: Path | None = None, say=print) -> Replay:
    """Every weekly file through ``refresh``; some weeks twice (nothing may change); one week killed first."""
    setup_workspace(prepared, home)
    result = Replay(prepared, home)
    for k, week in enumerate(prepared.weeks, start=1):
        if k == kill_week:
            result.kills = killed_refreshes(home, week, list(kill_after))
        summary, seconds, cpu = refresh(home, week, pack if k == len(prepared.weeks) else None)
        result.summaries.append(summary)
        result.seconds.append(seconds)
        result.cpu.append(cpu)
        say(f"week {k:2d}: {seconds:5.1f} s (CPU {cpu:4.1f} s), {summary['exceptions']['headline']}")
        if k in idempotency_weeks:
            before = state(home)
            again, _, _ = refresh(home, week)
            result.idempotent.append({"week": k, "changed": again["changed"], "same workspace": state(home) == before})
    return result
