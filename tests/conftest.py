"""Shared fixtures: small deterministic data, an isolated workspace, the real data when present."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"
SHARED_DATA = SHARED / "online_retail" / "online_retail.parquet"
BAD_FILES = ROOT / "tests" / "data" / "bad"
SAMPLE_SLICE_CODES = 60
# No background warm-up of the sample in tests (ui/warm.py): each page test computes what it shows, and
# a warm-up thread per test workspace would only compete for the CPU. tests/test_warm.py turns it on.
os.environ.setdefault("RETAIL_WARM", "0")


@pytest.fixture
def workspace_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "retail_home"
    monkeypatch.setenv("RETAIL_HOME", str(home))
    return home


@pytest.fixture
def loose_umask() -> Iterator[None]:
    """The usual umask (022: files readable by everyone), whatever the test runner's, so that a test of
    owner-only files fails when the code leaves the mode to the umask."""
    saved = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(saved)


def owner_only(*paths: Path) -> bool:
    """Whether every one of ``paths`` exists and gives no right to group or others."""
    return all(path.stat().st_mode & 0o077 == 0 for path in paths)


@pytest.fixture(scope="session")
def small_sample_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A slice of the bundled Online Retail sample: the most sold codes from September 2011 on,
    with the returns, postage and duplicates of those days (fast for page tests)."""
    frame = pd.read_parquet(ROOT / "sample_data" / "online_retail.parquet")
    recent = frame[frame["InvoiceDate"] >= "2011-09-01"]
    top = recent["StockCode"].value_counts().head(SAMPLE_SLICE_CODES).index
    keep = recent["StockCode"].isin(top) | recent["StockCode"].isin(["POST", "M", "D"])
    path = tmp_path_factory.mktemp("sample") / "online_retail_slice.parquet"
    recent[keep].to_parquet(path, index=False)
    return path


@pytest.fixture
def app_env(workspace_home: Path, small_sample_file: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty workspace whose bundled sample is the small slice."""
    monkeypatch.setenv("RETAIL_SAMPLE_FILE", str(small_sample_file))
    return workspace_home


@pytest.fixture(scope="session")
def online_retail() -> pd.DataFrame:
    if not SHARED_DATA.exists():
        pytest.skip("../shared/data is not present (only in the team's checkouts and CI)")
    return pd.read_parquet(SHARED_DATA)


def transactions_csv(rows: list[str], header: str = "Date,SKU,Name,Qty,Price,Customer,Store,Invoice") -> bytes:
    return (header + "\n" + "\n".join(rows) + "\n").encode()


@contextmanager
def workspace_held_elsewhere(home: Path) -> Iterator[int]:
    """Another process holds the workspace file of ``home`` (DuckDB allows one writing process);
    yields its PID and ends it afterwards."""
    home.mkdir(parents=True, exist_ok=True)
    holder = subprocess.Popen([sys.executable, "-c", "import duckdb, sys, time; "
                               "con = duckdb.connect(sys.argv[1]); print('ready', flush=True); time.sleep(60)",
                               str(home / "workspace.duckdb")], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ready"
        yield holder.pid
    finally:
        holder.kill()
        holder.wait()
        holder.stdout.close()


def _postgres_binaries() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    return found[-1].parent if found else None


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """A real PostgreSQL server (Debian's packages, installed by `make test`) on a free loopback
    port for this test session; yields its base URL. Skips only when it truly cannot start."""
    import shutil
    import socket
    import tempfile

    binaries = _postgres_binaries()
    if binaries is None:
        pytest.skip("PostgreSQL is not installed (make test installs Debian's postgresql package)")
    # Outside pytest's private temp folder: the server runs as the postgres user, who must reach it.
    folder = Path(tempfile.mkdtemp(prefix="retail-postgres-"))
    as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    if as_user:
        shutil.chown(folder, "postgres")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    data = folder / "data"
    run = lambda *command: subprocess.run([*as_user, *command], check=True, capture_output=True, timeout=120)  # noqa: E731
    try:
        run(str(binaries / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres")
        run(str(binaries / "pg_ctl"), "-D", str(data), "-l", str(folder / "log"), "-w", "-o",
            f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off", "start")
    except (subprocess.CalledProcessError, FileNotFoundError, subprocess.TimeoutExpired) as exc:
        pytest.skip(f"PostgreSQL could not start: {exc}")
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}"
    finally:
        subprocess.run([*as_user, str(binaries / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
                       capture_output=True, timeout=60)
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def postgres_url(postgres_server: str) -> str:
    """A fresh, empty database on the session's server."""
    import uuid

    import psycopg

    name = f"ws_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(f"{postgres_server}/postgres", autocommit=True) as connection:
        connection.execute(f"CREATE DATABASE {name}")
    return f"{postgres_server}/{name}"


@pytest.fixture(params=["duckdb", "postgresql"])
def workspace_location(request: pytest.FixtureRequest, tmp_path: Path) -> dict:
    """Keyword arguments of a :class:`Workspace` on each backend (the same location each call)."""
    if request.param == "duckdb":
        return {"home": tmp_path}
    return {"url": request.getfixturevalue("postgres_url")}
