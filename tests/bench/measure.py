"""Runs the load generator (tests/bench/drive.mjs, autocannon) in its own process and takes medians."""

from __future__ import annotations

import json
import statistics
import subprocess
import tempfile
from dataclasses import dataclass, field
from typing import Any

from tests.bench.procs import BENCH, VENV_BIN


@dataclass
class Timing:
    warmup_s: float
    duration_s: float
    runs: int = 3


@dataclass
class Result:
    """The median of the measured runs, and every run for the record."""

    rps: float
    p50: float
    p99: float
    runs: list[dict[str, Any]] = field(default_factory=list)

    @property
    def failures(self) -> int:
        return sum(run["non2xx"] + run["errors"] + run["timeouts"] + (run["mismatches"] or 0) for run in self.runs)


def drive(spec: dict[str, Any]) -> dict[str, Any]:
    with tempfile.NamedTemporaryFile("w", suffix=".json") as handle:
        json.dump(spec, handle)
        handle.flush()
        out = subprocess.run(
            [str(VENV_BIN / "node"), "drive.mjs", handle.name], cwd=BENCH, capture_output=True, text=True, check=True
        )
    return json.loads(out.stdout.strip().splitlines()[-1])


def summarize(runs: list[dict[str, Any]]) -> Result:
    return Result(
        rps=statistics.median(run["rps"] for run in runs),
        p50=statistics.median(run["p50"] for run in runs),
        p99=statistics.median(run["p99"] for run in runs),
        runs=runs,
    )


def measure_pair(subject: dict[str, Any], baseline: dict[str, Any] | None, timing: Timing) -> tuple[Result, Result]:
    """Warm both up, then alternate subject and baseline runs so that drift hits both alike."""
    specs = [subject] + ([baseline] if baseline else [])
    for spec in specs:
        drive({**spec, "duration": timing.warmup_s})
    runs: list[list[dict[str, Any]]] = [[] for _ in specs]
    for _ in range(timing.runs):
        for index, spec in enumerate(specs):
            runs[index].append(drive({**spec, "duration": timing.duration_s}))
    results = [summarize(r) for r in runs]
    return results[0], (results[1] if baseline else results[0])


def measure(spec: dict[str, Any], timing: Timing) -> Result:
    return measure_pair(spec, None, timing)[0]
