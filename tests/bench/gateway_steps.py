"""The gateway's overhead (Hive Gateway in front of one instance vs the instance directly, same run) and the
subscription fan-out (tests/bench/fanout.py in a process of its own)."""

from __future__ import annotations

import contextlib
import json
import subprocess
from typing import TYPE_CHECKING, Any

import httpx

from scripts.gateway import gateway_process, node_binary
from tests.bench import procs
from tests.bench import scenarios as s
from tests.bench.measure import measure_pair
from tests.bench.steps import SERVICE, UNCACHED, Row, check_data

if TYPE_CHECKING:
    from tests.bench.run import Plan

GATEWAY_SECRET = "bench-gateway-proof-secret-of-32-plus-characters"  # noqa: S105 - a local benchmark's
CACHED_GATEWAY_PORT, UNCACHED_GATEWAY_PORT = 8104, 8105
FANOUT_SUBSCRIBERS = 1000


def gateway_overhead(p: Plan) -> list[Row]:
    """Catalogue cache hit (POST + APQ hash) and uncached catalogue (POST, full text), each through its own
    gateway (one Node process, round robin over one instance) and directly, alternating in the same run."""
    rows = []
    with contextlib.ExitStack() as stack:
        procs.LOGS.mkdir(parents=True, exist_ok=True)
        log = stack.enter_context((procs.LOGS / "gateway.log").open("wb"))
        gateways = [
            stack.enter_context(gateway_process([url], port=port, secret=GATEWAY_SECRET, output=log))
            for url, port in ((SERVICE, CACHED_GATEWAY_PORT), (UNCACHED, UNCACHED_GATEWAY_PORT))
        ]
        cached, uncached = gateways
        variables = {"first": 20}
        register = s.apq_post_body(s.CATALOGUE, variables, with_query=True)
        headers = {"content-type": "application/json"}
        check_data(httpx.post(f"{SERVICE}/graphql", content=register, headers=headers), "launches", rows=20)
        hit_body = s.apq_post_body(s.CATALOGUE, variables)
        plain_body = s.post_body(s.CATALOGUE, {"first": 50})
        cases = (
            ("catalogue first 20, cache hit, POST + APQ hash", cached, SERVICE, hit_body, 20),
            ("catalogue first 50, nested agency + rocket, cache off", uncached, UNCACHED, plain_body, 50),
        )
        for name, through, direct, body, size in cases:
            for url in (through, f"{direct}/graphql"):  # both answer successfully, with every row
                check_data(httpx.post(url, content=body, headers=headers), "launches", rows=size)
            subject, baseline = measure_pair(
                s.post_spec(through, body, p.connections),
                s.post_spec(f"{direct}/graphql", body, p.connections),
                p.timing,
            )
            rows.append(Row(f"{name}, through the gateway", subject, "the same instance directly", baseline, 0.0))
    return rows


def gateway_node_version() -> str:
    try:
        return subprocess.run([node_binary(), "--version"], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError, SystemExit):
        return "?"


def fanout() -> dict[str, Any]:
    """p50 / p99 / last subscriber's delay for FANOUT_SUBSCRIBERS subscribers on two instances."""
    procs.LOGS.mkdir(parents=True, exist_ok=True)
    out = subprocess.run(  # noqa: S603 - our own module
        [str(procs.VENV_BIN / "python"), "-m", "tests.bench.fanout", str(FANOUT_SUBSCRIBERS), "--json"],
        cwd=procs.ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    (procs.LOGS / "fanout.log").write_text(out.stderr)
    if out.returncode != 0:  # recorded in the report (like a start-up failure), the run goes on
        last = [line for line in out.stderr.strip().splitlines() if line.strip()][-1:] or ["no output"]
        return {"error": f"{last[0]} (log: {procs.LOGS / 'fanout.log'})"}
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))
