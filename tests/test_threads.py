"""Native thread pools: one BLAS thread inside a forecast run, LightGBM threads by data size,
OpenMP told to sleep rather than spin before LightGBM loads (checked in fresh interpreters)."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from threadpoolctl import threadpool_info, threadpool_limits

from retail import threads
from retail.forecast.ml import LightGBMForecaster
from retail.forecast.models import ForecastModel, SeasonalNaive
from retail.threads import available_cpus, one_blas_thread, threads_for
from tests.conftest import ROOT
from tests.forecast_data import canonical_lines, sine_panel


def blas_threads() -> set[int]:
    return {lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"}


class ThreadProbe(ForecastModel):
    """Records the BLAS thread counts while it fits; forecasts the last value."""

    seen: list[set[int]] = []

    def _fit(self, m):
        ThreadProbe.seen.append(blas_threads())
        self.last_ = np.nan_to_num(m.Y[:, -1])

    def _predict(self, horizon, future):
        return np.repeat(self.last_[:, None], horizon, axis=1)


def test_a_forecast_run_holds_blas_to_one_thread_and_restores_the_limit():
    from retail.forecast.pipeline import run_forecast
    from retail.forecast.settings import ForecastSettings

    ThreadProbe.seen = []
    with threadpool_limits(limits=min(2, available_cpus()), user_api="blas"):
        before = blas_threads()
        run_forecast(canonical_lines(), ForecastSettings(freq="D", horizon=7, windows=2, models=("snaive",)),
                     models={"probe": ThreadProbe(), "snaive": SeasonalNaive()})
        assert blas_threads() == before
    assert len(ThreadProbe.seen) == 3  # two backtest windows and the fit on all history
    assert all(seen == {1} for seen in ThreadProbe.seen)


def test_the_shared_limit_is_restored_when_the_last_caller_leaves():
    with threadpool_limits(limits=min(2, available_cpus()), user_api="blas"):
        original = blas_threads()
        first, second = one_blas_thread(), one_blas_thread()
        first.__enter__()
        second.__enter__()  # a second session starts while the first runs
        first.__exit__(None, None, None)
        assert blas_threads() == {1}  # the second session still runs on one thread
        second.__exit__(None, None, None)
        assert blas_threads() == original


def test_lightgbm_threads_follow_the_training_rows():
    assert threads_for(2_400, 2, 50_000) == 1
    assert threads_for(120_000, 2, 50_000) == min(2, available_cpus())
    assert threads_for(120_000, 1, 50_000) == 1
    assert threads_for(10**7, None, 50_000) == available_cpus()
    model = LightGBMForecaster(n_estimators=20, n_jobs=2).fit(sine_panel(n_series=5, periods=120))
    assert model.n_threads_ == 1 and model.regressor_.get_params()["n_jobs"] == 1


@pytest.mark.skipif(available_cpus() < 2, reason="needs two CPUs to compare thread counts")
def test_lightgbm_forecasts_do_not_depend_on_the_thread_count(monkeypatch):
    panel = sine_panel(n_series=8, periods=150)
    one = LightGBMForecaster(n_estimators=50).fit(panel)
    monkeypatch.setattr("retail.forecast.ml.ROWS_PER_THREAD", 1)
    two = LightGBMForecaster(n_estimators=50).fit(panel)
    assert (one.n_threads_, two.n_threads_) == (1, 2)
    np.testing.assert_allclose(two.predict(14)["yhat"], one.predict(14)["yhat"], rtol=1e-12)


def fresh_python(code: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in threads.WAIT_POLICY} | env
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=clean, capture_output=True, text=True,
                          check=True, timeout=120)


def test_lightgbm_loads_its_openmp_runtime_with_a_passive_wait_policy():
    code = ("import os\nfrom retail.forecast.ml import LightGBMForecaster\nfrom tests.forecast_data import sine_panel\n"
            "LightGBMForecaster(n_estimators=5).fit(sine_panel(n_series=2, periods=60))\n"
            "print(os.environ['OMP_WAIT_POLICY'])")
    done = fresh_python(code, OMP_DISPLAY_ENV="VERBOSE")  # libgomp prints its settings when it loads
    spin_counts = [line.split("=")[1].strip() for line in done.stderr.splitlines() if "GOMP_SPINCOUNT" in line]
    assert done.stdout.strip() == "PASSIVE"
    assert spin_counts and set(spin_counts) == {"'0'"}  # every OpenMP runtime loaded sleeps at once


def test_the_entry_points_set_the_wait_policy_first_and_keep_a_users_choice():
    assert fresh_python("import os, retail.__main__; print(os.environ['OMP_WAIT_POLICY'])").stdout.strip() == "PASSIVE"
    kept = fresh_python("import os, retail.__main__; print(os.environ['OMP_WAIT_POLICY'])", OMP_WAIT_POLICY="ACTIVE")
    assert kept.stdout.strip() == "ACTIVE"
    body = ast.parse((ROOT / "app.py").read_text()).body
    calls = [i for i, node in enumerate(body) if isinstance(node, ast.Expr) and ast.unparse(node) == "passive_openmp()"]
    imports = [i for i, node in enumerate(body) if isinstance(node, ast.Import | ast.ImportFrom)
               and "streamlit" in ast.unparse(node)]
    assert calls and imports and calls[0] < imports[0]


def huge_pages_of(code: str, **env: str) -> str:
    """The ``THP_enabled`` line of a fresh process's status after ``code`` ran (1: huge pages allowed)."""
    status = fresh_python(f"{code}\nprint(open('/proc/self/status').read())", **env).stdout
    return next(line.split(":")[1].strip() for line in status.splitlines() if line.startswith("THP_enabled"))


STATUS = Path("/proc/self/status")


@pytest.mark.skipif(not STATUS.exists() or "THP_enabled" not in STATUS.read_text(),
                    reason="the kernel does not report transparent huge pages per process")
def test_the_entry_points_turn_huge_pages_off_unless_numpy_is_told_to_use_them():
    ours = huge_pages_of("pass")  # a process inherits its parent's setting: the test runner's
    assert huge_pages_of("import retail") == ours  # a library user's process is left as it is
    assert huge_pages_of("import retail.__main__") == "0"
    assert huge_pages_of("import retail.__main__", NUMPY_MADVISE_HUGEPAGE="1") == ours
    child = "import retail.__main__, subprocess\nprint(subprocess.run(['cat', '/proc/self/status'], capture_output=True).stdout.decode())"
    assert "THP_enabled:\t0" in fresh_python(child).stdout  # worker processes inherit it
    for entry in ("app.py", "serve.py"):
        body = [ast.unparse(node) for node in ast.parse((ROOT / entry).read_text()).body]
        assert "ordinary_pages()" in body, entry
