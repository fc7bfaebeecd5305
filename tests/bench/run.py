"""scripts/bench: start the service, its baselines and PostGraphile, run every scenario, write BENCHMARKS.md.

Usage: .venv/bin/python -m tests.bench.run [--quick] [--base-size N] [--out FILE]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tests.bench import gateway_steps, observability, procs, report, setup_db, steps
from tests.bench.measure import Timing

STEPS = ("deep", "hits", "uncached", "agency", "book", "gateway", "observability", "memory", "sql", "startup", "fanout")


@dataclass
class Plan:
    quick: bool
    timing: Timing
    deep_timing: Timing
    sizes: list[int]
    base_size: int
    memory_requests: int
    connections: int = 32


def plan(quick: bool, base_size: int) -> Plan:
    if quick:
        return Plan(True, Timing(0.5, 1), Timing(0.5, 1), [1_000, 100_000], base_size, 10_000)
    return Plan(False, Timing(5, 10), Timing(2, 5), [1_000, 10_000, 100_000, 1_000_000], base_size, 100_000)


def service_env(mongo_url: str, run_id: str, *, cached: bool) -> dict[str, str]:
    env = {
        "DATABASE_URL": setup_db.DSN,
        "MONGODB_URL": mongo_url,
        "MONGODB_DB": f"astro_{run_id}",
        "REDIS_URL": "redis://127.0.0.1:6379/0",
        "ASTRO_CACHE_NAMESPACE": f"bench-{run_id}",
        "ASTRO_DATA_DIR": str(procs.ROOT / ".astro" / "bench"),
        # One client address sends everything: limits stay on (their cost is measured) but never trip.
        "ASTRO_RATE_LIMIT_PER_IP": "1000000000",
        "ASTRO_RATE_LIMIT_PER_USER": "1000000000",
        "ASTRO_GATEWAY_SECRET": gateway_steps.GATEWAY_SECRET,  # the gateway step's proof (its cost included)
    }
    # Every instance runs with ASTRO_RUN_WORKER=false: one `astro worker` process delivers the events, as the
    # README's deployment runs it.
    env["ASTRO_RUN_WORKER"] = "false"
    if cached:
        env["ASTRO_DB_POOL_SIZE"] = "2"  # it answers from the cache; PostgreSQL allows 100 connections in all
    else:
        env.update(steps.NO_RESPONSE_CACHE)
        # Pools keep their connections (2 x pool size per process): the cache-off instance's two workers,
        # the worker process, PostGraphile's 20 and the raw baseline's 20 must fit in PostgreSQL's 100.
        env["ASTRO_DB_POOL_SIZE"] = "7"
    return env


def run(p: Plan, out: Path, only: set[str] | None = None) -> None:
    started = time.perf_counter()

    def wanted(step: str) -> bool:
        if only is not None and step not in only:
            return False
        print(f"[{time.perf_counter() - started:5.0f}s] {step}", flush=True)
        return True

    run_id = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
    results: dict[str, Any] = {"plan": p, "started": datetime.now(UTC), "machine": report.machine()}
    asyncio.run(setup_db.recreate())
    loaded = 0
    results["loads"] = {}

    def grow_to(size: int) -> None:
        nonlocal loaded
        if size > loaded:
            results["loads"][size] = asyncio.run(setup_db.grow(loaded, size))
            loaded = size

    pgl_env = {"DATABASE_URL": setup_db.DSN, "PGL_JWT_SECRET": setup_db.PGL_JWT_SECRET}
    with contextlib.ExitStack() as stack:
        mongo_url = stack.enter_context(procs.mongo(procs.ROOT / ".astro" / "bench" / "mongo"))
        cached = stack.enter_context(procs.service("service", 8101, service_env(mongo_url, run_id, cached=True)))
        uncached = procs.Restartable("service-nocache", 8103, service_env(mongo_url, run_id, cached=False))
        uncached.start()
        stack.callback(uncached.stop)
        stack.enter_context(procs.postgraphile(8102, pgl_env))
        stack.enter_context(procs.worker("worker", service_env(mongo_url, run_id, cached=False)))
        deep: dict[int, Any] = {}
        grow_to(p.sizes[0])
        if wanted("deep"):
            deep[p.sizes[0]] = steps.deep_page(p)
        grow_to(max(p.base_size, p.sizes[0]))
        results["base_size"] = loaded
        results["scenarios"] = [
            *(steps.cache_hits(p) if wanted("hits") else []),
            *([steps.uncached_catalogue(p), steps.filtered_catalogue(p)] if wanted("uncached") else []),
            *([steps.agency_launches(p)] if wanted("agency") else []),
            *(steps.book_seats(p, uncached.restarted_with) if wanted("book") else []),
        ]
        results["observability"], results["observability_cpu"], results["observability_cycles"] = [], [], []
        if wanted("observability"):
            envs = service_env(mongo_url, run_id, cached=True), service_env(mongo_url, run_id, cached=False)
            if observability.has_callgrind():
                results["observability_cycles"] = observability.cpu_costs(p, *envs, callgrind=True)
            results["observability_cpu"] = observability.cpu_costs(p, *envs)
            results["observability"] = observability.overhead(p, *envs)
        results["gateway"] = gateway_steps.gateway_overhead(p) if wanted("gateway") else []
        results["memory"] = steps.memory(p, cached) if wanted("memory") else None
        results["sql"] = steps.sql_counts(service_env(mongo_url, run_id, cached=False)) if wanted("sql") else {}
        results["sql_pgl"] = steps.postgraphile_counts() if results["sql"] else {}
        for size in p.sizes[1:] if wanted("deep") else []:
            grow_to(size)
            deep[size] = steps.deep_page(p)
        results["deep"] = deep
    results["startup"] = steps.startup() if wanted("startup") else None
    results["fanout"] = gateway_steps.fanout() if wanted("fanout") else None
    results["elapsed"] = time.perf_counter() - started
    out.write_text(report.render(results))
    print(f"wrote {out} in {results['elapsed']:.0f}s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="short runs, sizes 1k and 100k: under two minutes")
    parser.add_argument("--base-size", type=int, default=10_000, help="launches for the non-deep-page scenarios")
    parser.add_argument("--out", type=Path, default=procs.ROOT / "BENCHMARKS.md")
    parser.add_argument("--only", help=f"comma-separated subset of {','.join(STEPS)} (for profiling work)")
    args = parser.parse_args()
    os.chdir(procs.ROOT)
    run(plan(args.quick, args.base_size), args.out, set(args.only.split(",")) if args.only else None)


if __name__ == "__main__":
    main()
