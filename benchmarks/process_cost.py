"""What one command costs as its own process: wall-clock and processor seconds, peak memory."""

from __future__ import annotations

import os
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Cost:
    seconds: float  # wall clock
    cpu_seconds: float  # user + system, every thread
    peak_gb: float  # the process's peak resident memory


def user_environment(home: Path) -> dict[str, str]:
    """This environment with a fresh workspace, and Python's byte-code cache allowed as on a user's
    machine (a sandbox that forbids it would charge compiling the project to every run)."""
    env = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}
    return env | {"RETAIL_HOME": str(home)}


def run(command: list[str], env: dict[str, str], folder: Path = ROOT) -> Cost:
    """Run ``command`` from ``folder`` (the project; output discarded); exit with its name when it fails."""
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=folder, env=env, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status):
        raise SystemExit(f"{' '.join(command)} failed")
    return Cost(seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024**2)  # Linux: KiB
