"""The `observability` step: what metrics with JSON process logs, and tracing on top, cost on the cache-hit
and uncached catalogue scenarios, against the same service with them off, in the same run.

For each scenario three instances of the bench app run side by side (same code, same stores), differing
only in their telemetry settings; their runs alternate (off, metrics + logs, + tracing, off, ...) so drift
hits all three alike, and each ratio is a median of its runs against the median of the "off" runs.
Metrics run in multiprocess mode (PROMETHEUS_MULTIPROC_DIR, as `astro serve` sets it); tracing builds every
span and hands it to the batch processor, whose exporter drops it (no collector: its network cost is not the
service's)."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import statistics
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx

from tests.bench import procs
from tests.bench import scenarios as s
from tests.bench.measure import Result, Timing, drive, summarize

if TYPE_CHECKING:
    from tests.bench.run import Plan

OFF = "off"
VARIANTS: dict[str, dict[str, str]] = {
    OFF: {"ASTRO_METRICS": "false", "ASTRO_LOG_FORMAT": "text"},
    "metrics + JSON logs": {"ASTRO_METRICS": "true", "ASTRO_LOG_FORMAT": "json"},
    "metrics + JSON logs + tracing": {
        "ASTRO_METRICS": "true",
        "ASTRO_LOG_FORMAT": "json",
        "ASTRO_BENCH_TRACING": "null",
    },
}
GOALS = {
    "metrics + JSON logs": 1.05,
    "metrics + JSON logs + tracing": 1.15,
}  # at most this p50 ratio (and rps ≥ 1/goal)
PORTS = (8121, 8122, 8123)


@dataclass
class OverheadRow:
    scenario: str
    variant: str
    result: Result
    off: Result
    goal: float | None

    @property
    def rps_ratio(self) -> float:
        return self.result.rps / self.off.rps if self.off.rps else float("nan")

    @property
    def p50_ratio(self) -> float:
        return self.result.p50 / self.off.p50 if self.off.p50 else float("nan")

    @property
    def overhead(self) -> float:
        """Throughput lost, as a fraction of the off instance's (0.05 = 5 %)."""
        return 1 - self.rps_ratio

    @property
    def met(self) -> bool:
        return self.goal is None or self.overhead <= self.goal - 1


@contextlib.contextmanager
def instances(base_env: dict[str, str]) -> Any:
    folders: list[Path] = []
    with contextlib.ExitStack() as stack:
        urls = {}
        for port, (name, extra) in zip(PORTS, VARIANTS.items(), strict=True):
            env = {**base_env, **extra, "ASTRO_BENCH_PROCESS_LOGS": "1", "ASTRO_RUN_WORKER": "false"}
            if extra["ASTRO_METRICS"] == "true":
                folder = Path(tempfile.mkdtemp(prefix="astro-bench-metrics-"))
                folders.append(folder)
                env["PROMETHEUS_MULTIPROC_DIR"] = str(folder)
            label = "obs-" + name.replace(" ", "").replace("+", "-")
            stack.enter_context(procs.service(label, port, env))
            urls[name] = f"http://127.0.0.1:{port}"
        try:
            yield urls
        finally:
            stack.close()
            for folder in folders:
                shutil.rmtree(folder, ignore_errors=True)


def _alternate(specs: dict[str, dict[str, Any]], timing: Timing) -> dict[str, Result]:
    for spec in specs.values():
        drive({**spec, "duration": timing.warmup_s})
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in specs}
    for _ in range(timing.runs):
        for name, spec in specs.items():
            runs[name].append(drive({**spec, "duration": timing.duration_s}))
    return {name: summarize(found) for name, found in runs.items()}


def _rows(scenario: str, results: dict[str, Result]) -> list[OverheadRow]:
    off = results[OFF]
    return [OverheadRow(scenario, name, result, off, GOALS.get(name)) for name, result in results.items()]


def _check(response: httpx.Response) -> bytes:
    if response.status_code != 200 or b'"errors"' in response.content:
        raise RuntimeError(f"{response.request.url} answered {response.status_code}: {response.text[:300]}")
    return response.content


def overhead(p: Plan, cached_env: dict[str, str], uncached_env: dict[str, str]) -> list[OverheadRow]:
    timing = Timing(max(p.timing.warmup_s, 1.0), max(p.timing.duration_s, 2.0), runs=max(p.timing.runs, 5))
    headers = {"content-type": "application/json"}
    rows: list[OverheadRow] = []
    hit_body = s.apq_post_body(s.CATALOGUE, {"first": 20})
    with instances(cached_env) as urls:
        specs = {}
        for name, url in urls.items():
            _check(
                httpx.post(
                    f"{url}/graphql",
                    content=s.apq_post_body(s.CATALOGUE, {"first": 20}, with_query=True),
                    headers=headers,
                )
            )
            expected = _check(httpx.post(f"{url}/graphql", content=hit_body, headers=headers))
            specs[name] = {**s.post_spec(f"{url}/graphql", hit_body, p.connections), "expectBody": expected.decode()}
        rows += _rows("catalogue first 20, cache hit, POST + APQ hash", _alternate(specs, timing))
    uncached_body = s.post_body(s.CATALOGUE, {"first": 50})
    with instances({**uncached_env, "ASTRO_DB_POOL_SIZE": "5"}) as urls:
        specs = {}
        for name, url in urls.items():
            _check(httpx.post(f"{url}/graphql", content=uncached_body, headers=headers))
            specs[name] = s.post_spec(f"{url}/graphql", uncached_body, p.connections)
        rows += _rows("catalogue first 50, nested agency + rocket, cache off", _alternate(specs, timing))
    return rows


@dataclass
class CpuRow:
    scenario: str
    variant: str
    values: list[float]  # per request, one per round
    off: list[float]  # the "off" variant's, same rounds
    goal: float | None

    @property
    def median(self) -> float:
        return statistics.median(self.values)

    @property
    def ratio(self) -> float:
        return self.median / statistics.median(self.off)

    @property
    def met(self) -> bool:
        return self.goal is None or self.ratio <= self.goal


CPU_SCENARIOS = {"hit": "catalogue first 20, cache hit, POST + APQ hash", "uncached": "catalogue first 50, cache off"}
CALLGRIND = ["valgrind", "--tool=callgrind", "--instr-atstart=no", "--cache-sim=yes"]


def cycles(counts: dict[str, int]) -> float:
    """Callgrind's cycle estimate: each instruction, plus 10 per first-level and 100 per last-level cache miss."""
    first = counts["I1mr"] + counts["D1mr"] + counts["D1mw"]
    return counts["Ir"] + 10 * first + 100 * (counts["ILmr"] + counts["DLmr"] + counts["DLmw"])


def _in_process(scenario: str, requests: int, env: dict[str, str], callgrind: bool) -> float:
    """One fresh process serving `requests` (tests/bench/observability_cpu.py): CPU µs per request, or with
    `callgrind` the estimated cycles per request from valgrind's counts (instructions and cache misses)."""
    with tempfile.TemporaryDirectory(prefix="astro-bench-cpu-") as folder:
        env = dict(env)
        if env["ASTRO_METRICS"] == "true":  # its *.db files, beside callgrind's dumps
            env["PROMETHEUS_MULTIPROC_DIR"] = folder
        command = [str(procs.VENV_BIN / "python"), "-m", "tests.bench.observability_cpu", scenario, str(requests)]
        if callgrind:
            env["ASTRO_BENCH_CALLGRIND"] = "1"
            command = [*CALLGRIND, f"--callgrind-out-file={folder}/callgrind.%p", *command]
        done = subprocess.run(command, cwd=procs.ROOT, env=env, capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"observability_cpu {scenario}: {done.stderr[-2000:]}")
        if not callgrind:
            return float(json.loads(done.stdout.strip().splitlines()[-1])["cpu_us"])
        (dump,) = Path(folder).glob("callgrind.*.1")  # the first dump: the measured requests only
        lines = dump.read_text().splitlines()
        names = next(line.split()[1:] for line in lines if line.startswith("events:"))
        totals = next(line.split()[1:] for line in lines if line.startswith("summary:"))
        return cycles(dict(zip(names, map(int, totals), strict=True))) / requests


def cpu_costs(
    p: Plan, cached_env: dict[str, str], uncached_env: dict[str, str], *, callgrind: bool = False
) -> list[CpuRow]:
    """Per request of each variant, in process, in fresh processes: CPU time (5 rounds alternating, the
    median), or with `callgrind` estimated cycles (one round: the count is the same from run to run)."""
    if callgrind:
        counts, rounds = {"hit": 100 if p.quick else 300, "uncached": 30 if p.quick else 100}, 1
    else:
        counts, rounds = {"hit": 2000 if p.quick else 10_000, "uncached": 60 if p.quick else 300}, 5
    rows: list[CpuRow] = []
    for scenario, base in (("hit", cached_env), ("uncached", uncached_env)):
        found: dict[str, list[float]] = {name: [] for name in VARIANTS}
        for _ in range(rounds):
            for name, extra in VARIANTS.items():
                env = {**os.environ, **base, **extra, "ASTRO_RUN_WORKER": "false", "ASTRO_BENCH_PROCESS_LOGS": "1"}
                found[name].append(_in_process(scenario, counts[scenario], env, callgrind))
                unit = "cycles (estimated)" if callgrind else "µs"
                print(f"  {unit} {scenario} / {name}: {found[name][-1]:.0f} per request", flush=True)
        rows += [CpuRow(CPU_SCENARIOS[scenario], name, us, found[OFF], GOALS.get(name)) for name, us in found.items()]
    return rows


def has_callgrind() -> bool:
    return shutil.which("valgrind") is not None and shutil.which("callgrind_control") is not None


def render_cpu(rows: list[CpuRow], estimated: list[CpuRow]) -> list[str]:
    out = [
        "In process (`tests/bench/observability_cpu.py`: the same app called through ASGI with no client or "
        "socket, one request after another, one fresh process per variant and round). These count only what "
        "the service's process does, so they hold on a machine busy with other work, where the throughput "
        "figures below do not. Cycles are estimated by valgrind's callgrind over the measured requests only "
        "(after the warm-up), with its cache simulation: each instruction, plus 10 per first-level and 100 per "
        "last-level cache miss. Counted, not timed, they are the same from one run to the next (one round; "
        "they decide `met`). CPU time is the median of 5 rounds, alternating: on this shared machine one "
        "process's time per request moves by up to ±30 % from one process to the next.",
        "",
        "| scenario | telemetry | cycles / request (estimated) | ratio to off | CPU µs / request | per round "
        "| ratio to off | goal | met |",
        "| --- | --- | ---: | ---: | ---: | --- | ---: | ---: | --- |",
    ]
    counted = {(row.scenario, row.variant): row for row in estimated}
    for row in rows:
        goal = f"≤ {row.goal:.2f}" if row.goal else ""
        count = counted.get((row.scenario, row.variant))
        met = "" if row.goal is None else ("yes" if (count or row).met else "NO")
        counts = f"{count.median:,.0f} | **{count.ratio:.3f}**" if count else "not counted (no valgrind) |"
        rounds = ", ".join(f"{value:.0f}" for value in row.values)
        out.append(
            f"| {row.scenario} | {row.variant} | {counts} | {row.median:.0f} | {rounds} | **{row.ratio:.3f}** "
            f"| {goal} | {met} |"
        )
    return out


def render(rows: list[OverheadRow], timing_note: str) -> list[str]:
    out = [
        "Three instances per scenario, same run, runs alternating; "
        f"{timing_note}. Overhead = throughput lost against the instance with everything off "
        "(goal: ≤ 5 % with metrics and JSON logs, ≤ 15 % with tracing on too).",
        "",
        "| scenario | telemetry | req/s | p50 ms | p99 ms | req/s ratio | p50 ratio | overhead | goal | met |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for row in rows:
        r = row.result
        goal = f"≤ {row.goal - 1:.0%}" if row.goal else ""
        met = "" if row.goal is None else ("yes" if row.met else "NO")
        out.append(
            f"| {row.scenario} | {row.variant} | {r.rps:.0f} | {r.p50:.1f} | {r.p99:.1f} | {row.rps_ratio:.3f} "
            f"| {row.p50_ratio:.2f} | **{row.overhead:+.1%}** | {goal} | {met} |"
        )
    out += ["", "Every run (req/s):", ""]
    for row in rows:
        rates = ", ".join(f"{run['rps']:.0f}" for run in row.result.runs)
        out.append(f"- {row.scenario} / {row.variant}: {rates}")
    return out
