"""Processes the benchmark starts and stops: the service, the PostGraphile peer, the MongoDB-wire server."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / "tests" / "bench"
VENV_BIN = ROOT / ".venv" / "bin"
LOGS = ROOT / ".astro" / "bench-logs"


def wait_until_ready(url: str, deadline_s: float, proc: subprocess.Popen[bytes] | None = None) -> float:
    """Poll `url` with `{ __typename }` until it answers 200; return the seconds it took."""
    started = time.perf_counter()
    while time.perf_counter() - started < deadline_s:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process for {url} exited with {proc.returncode}")
        with contextlib.suppress(httpx.HTTPError):
            response = httpx.post(url, json={"query": "{ __typename }"}, timeout=2)
            if response.status_code == 200 and "errors" not in response.json():
                return time.perf_counter() - started
        time.sleep(0.1)
    raise TimeoutError(f"{url} not ready after {deadline_s}s")


def _spawn(name: str, args: list[str], env: dict[str, str], cwd: Path = ROOT) -> subprocess.Popen[bytes]:
    LOGS.mkdir(parents=True, exist_ok=True)
    with (LOGS / f"{name}.log").open("wb") as log:  # the child keeps its own copy of the descriptor
        return subprocess.Popen(args, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def stop(proc: subprocess.Popen[bytes], sig: int = signal.SIGINT, timeout: float = 20) -> None:
    """Signal the process group we started (and only it), then wait; kill it if it lingers."""
    if proc.poll() is not None:
        return
    os.killpg(proc.pid, sig)
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


@contextlib.contextmanager
def service(name: str, port: int, env: dict[str, str], workers: int = 2) -> Iterator[subprocess.Popen[bytes]]:
    """The bench's app (tests/bench/app.py: the product's plus the baseline routes) on uvicorn, as `astro serve`
    runs the product's: the store URLs come from `env`."""
    args = [
        *(str(VENV_BIN / "python"), "-m", "uvicorn", "tests.bench.app:create_app", "--factory"),
        *("--host", "127.0.0.1", "--port", str(port), "--workers", str(workers), "--no-access-log"),
    ]
    proc = _spawn(name, args, {**os.environ, **env})
    try:
        wait_until_ready(f"http://127.0.0.1:{port}/graphql", 60, proc)
        yield proc
    finally:
        stop(proc)


@contextlib.contextmanager
def worker(name: str, env: dict[str, str]) -> Iterator[subprocess.Popen[bytes]]:
    """One `astro worker` process (the relay and the background work), as a deployment runs it beside
    instances started with ASTRO_RUN_WORKER=false."""
    proc = _spawn(name, [str(VENV_BIN / "python"), "-m", "scripts.cli", "worker"], {**os.environ, **env})
    try:
        yield proc
    finally:
        stop(proc)


@contextlib.contextmanager
def postgraphile(port: int, env: dict[str, str], workers: int = 2, name: str = "postgraphile") -> Iterator[None]:
    args = [str(VENV_BIN / "node"), "postgraphile.mjs", str(port), str(workers)]
    proc = _spawn(name, args, {**os.environ, **env}, cwd=BENCH)
    try:
        wait_until_ready(f"http://127.0.0.1:{port}/graphql", 60, proc)
        yield
    finally:
        stop(proc, signal.SIGTERM)


@contextlib.contextmanager
def mongo(path: Path) -> Iterator[str]:
    from secantus import SecantusDBServer

    path.mkdir(parents=True, exist_ok=True)
    server = SecantusDBServer(host="127.0.0.1", port=0, storage_path=str(path))
    server.start()
    try:
        yield server.uri
    finally:
        server.stop()


def children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(child) for child in (task / "children").read_text().split()]
    return found


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def worker_pids(proc: subprocess.Popen[bytes]) -> list[int]:
    """uvicorn's worker processes: the children of its supervisor started by multiprocessing's spawn."""
    return [pid for pid in children(proc.pid) if b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes()]


class Restartable:
    """A service the run can restart with extra settings for a while (the uncached instance is restarted
    with a gateway latency for the hot-launch bookSeats scenario, on the same port)."""

    def __init__(self, name: str, port: int, env: dict[str, str]) -> None:
        self.name, self.port, self.env = name, port, env
        self._stack: contextlib.ExitStack | None = None

    def start(self, extra: dict[str, str] | None = None) -> None:
        stack = contextlib.ExitStack()
        stack.enter_context(service(self.name, self.port, {**self.env, **(extra or {})}))
        self._stack = stack

    def stop(self) -> None:
        if self._stack is not None:
            self._stack.close()
            self._stack = None

    @contextlib.contextmanager
    def restarted_with(self, extra: dict[str, str]) -> Iterator[None]:
        self.stop()
        self.start(extra)
        try:
            yield
        finally:
            self.stop()
            self.start()
