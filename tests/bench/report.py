"""BENCHMARKS.md: the machine, the date, every figure and ratio of one run."""

from __future__ import annotations

import os
import platform
import subprocess
from pathlib import Path
from typing import Any

from tests.bench.procs import VENV_BIN

FINDINGS = Path(__file__).with_name("FINDINGS.md")


METHOD_NOTES = (
    (
        "- PostGraphile 5.1.5 (Amber preset + PgLazyJWTPreset), two `node:cluster` workers with a pool of 10 "
        "each, over the same database; it answers through `pgl.bookable_launches()`, `pgl.filtered_launches()` "
        "and `pgl.my_launches()` "
        "(`tests/bench/pgl.sql`): the service's WHERE clauses and order. The service verifies Ed25519 JWTs, "
        "PostGraphile HS256 ones (cheaper)."
    ),
    (
        "- Cache-off scenarios and bookSeats go to a second instance started with "
        "`ASTRO_RESPONSE_CACHE=false` and `ASTRO_DB_POOL_SIZE=7` (14 connections per worker, kept open: with "
        "PostGraphile's 20 and the raw baseline's 20 they fit in PostgreSQL's 100). Rate limits stay on, with "
        "limits that never trip (one client address sends everything)."
    ),
    (
        "- bookSeats: one seat per request, traveler and launch rotating (1,997 travelers over 100 launches),"
        " a unique idempotency key each, the simulated gateway's `tok_success`; the target launches are "
        "emptied before each run; runs of at least 10 s even with --quick (one run each then). Baselines: raw"
        " asyncpg, 64 tasks in the harness process, one transaction per booking, either with the service's "
        "rule set one statement per rule (traveler lock, idempotency check, seat limit, conditional reserve, "
        "booking, passenger, payment, outbox, the outbox row written already delivered so that the relay's "
        "lag below is measured on the service's own bookings; no gateway) or the older reservation UPDATE + "
        "booking INSERT. "
        "The hot-launch row restarts the cache-off instance with `ASTRO_SIMULATED_GATEWAY_LATENCY_MS=100` and"
        " sends every booking to ONE launch (capacity 1,000,000), against the same instance spreading them "
        "over the 100 launches."
    ),
)


def _first(path: str, prefix: str) -> str:
    for line in Path(path).read_text().splitlines():
        if line.startswith(prefix):
            return line.split(":", 1)[1].strip()
    return "?"


def _version(*args: str) -> str:
    try:
        return subprocess.run(args, capture_output=True, text=True, check=True).stdout.strip().splitlines()[0]
    except (OSError, subprocess.CalledProcessError):
        return "?"


def _redis_version() -> str:
    info = _version_all("redis-cli", "-h", "127.0.0.1", "INFO", "server")
    return next((line.split(":", 1)[1] for line in info.splitlines() if line.startswith("redis_version:")), "?")


def _version_all(*args: str) -> str:
    try:
        return subprocess.run(args, capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return ""


def _uvicorn_stack() -> str:
    """What `uvicorn --http auto --loop auto` picks in the service's environment."""
    found = _version_all(str(VENV_BIN / "python"), "-c", "import httptools, uvloop; print('ok')").strip()
    return "httptools / uvloop" if found == "ok" else "h11 / asyncio (httptools and uvloop not installed)"


def machine() -> dict[str, str]:
    mem_kib = int(_first("/proc/meminfo", "MemTotal").split()[0])
    return {
        "cores (nproc)": str(os.cpu_count()),
        "CPU": _first("/proc/cpuinfo", "model name"),
        "RAM": f"{mem_kib / 1024 / 1024:.1f} GiB",
        "OS": f"{platform.system()} {platform.release()}",
        "Python": platform.python_version(),
        "Node (load generator, PostGraphile)": _version(str(VENV_BIN / "node"), "--version"),
        "uvicorn HTTP / event loop": _uvicorn_stack(),
        "PostgreSQL": _version("psql", "-h", "127.0.0.1", "-U", "postgres", "-tAc", "SHOW server_version"),
        "Redis": _redis_version(),
    }


def _ms(value: float) -> str:
    return f"{value:.1f}" if value < 100 else f"{value:.0f}"


def _scenario_table(rows: list[Any]) -> list[str]:
    out = [
        "| scenario | req/s | p50 ms | p99 ms | baseline (same run) | baseline req/s | p50 ms | p99 ms "
        "| ratio | goal | met |",
        "| --- | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for row in rows:
        a, b = row.subject, row.baseline
        out.append(
            f"| {row.name} | {a.rps:.0f} | {_ms(a.p50)} | {_ms(a.p99)} | {row.baseline_name} | {b.rps:.0f} "
            f"| {_ms(b.p50)} | {_ms(b.p99)} | **{row.ratio:.2f}** | ≥ {row.goal} | {'yes' if row.met else 'NO'} |"
        )
    return out


def _runs(rows: list[Any]) -> list[str]:
    out = [
        "| scenario | side | run | req/s | p50 | p99 | requests | failures |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in rows:
        for side, result in (("subject", row.subject), ("baseline", row.baseline)):
            for index, run in enumerate(result.runs, 1):
                failures = run["non2xx"] + run["errors"] + run["timeouts"] + (run.get("mismatches") or 0)
                out.append(
                    f"| {row.name} | {side} | {index} | {run['rps']:.0f} | {_ms(run['p50'])} "
                    f"| {_ms(run['p99'])} | {run['total']} | {failures} |"
                )
    return out


def _deep(deep: dict[int, Any], loads: dict[int, float]) -> list[str]:
    first = deep[min(deep)]
    out = [
        "| launches | load s | req/s | p50 ms | p99 ms | p50 / p50 at 1k |",
        "| ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for size, result in sorted(deep.items()):
        ratio = result.p50 / first.p50 if first.p50 else float("nan")
        out.append(
            f"| {size:,} | {loads.get(size, 0):.1f} | {result.rps:.0f} | {_ms(result.p50)} "
            f"| {_ms(result.p99)} | **{ratio:.2f}** |"
        )
    biggest = deep[max(deep)]
    ratio = biggest.p50 / first.p50 if first.p50 else float("nan")
    verdict = "met" if ratio <= 1.5 else "NOT met"
    out.append("")
    out.append(f"Goal p50 at {max(deep):,} ≤ 1.5 × p50 at {min(deep):,}: **{ratio:.2f}**, {verdict}.")
    return out


def render(r: dict[str, Any]) -> str:
    p = r["plan"]
    mode = "quick (`scripts/bench --quick`)" if p.quick else "full (`scripts/bench`)"
    t = p.timing
    lines = [
        "# Benchmarks",
        "",
        f"Latest run: {r['started']:%Y-%m-%d %H:%M} UTC, {mode}, {r['elapsed']:.0f} s in all. "
        "Reproduce with `scripts/bench` (full) or `scripts/bench --quick`.",
        "",
        "## Machine",
        "",
        *[f"- {key}: {value}" for key, value in r["machine"].items()],
        "",
        "## Method",
        "",
        f"- The service: the app of `tests/bench/app.py` (the product's plus the baseline routes) on uvicorn "
        f"`--workers 2`, as `astro serve` runs it, on PostgreSQL 127.0.0.1:5432 (database `astro_bench`, "
        f"recreated and migrated each run) and Redis; {r['base_size']:,} launches for every scenario but the "
        "deep page (data set in `tests/bench/dataset.py`, written with generate_series).",
        f"- Load: autocannon, {p.connections} connections (bookSeats 64, deep page 8), each measurement its own "
        f"process; {t.warmup_s:g} s warm-up, then {t.runs} runs of {t.duration_s:g} s, subject and baseline "
        "alternating; every figure is the median of the runs. Ratios compare medians of the same run.",
        *METHOD_NOTES,
        "- Every scenario's answer is checked once before it is measured (no errors, the expected row count; "
        "cache hits must return byte-identical bodies, counted as failures otherwise).",
        "- The machine also runs the load generator: all figures are for client and server sharing 2 cores.",
        "- Run-to-run spread on this 2-core machine, shared by server, load generator and anything else running, "
        "reaches ±30 % on the fastest scenarios (see Every run): read the ratios as ±0.1.",
        "",
        "## Scenarios against their baselines",
        "",
        *_scenario_table(r["scenarios"]),
        "",
        *[f"- {row.name}: {note}" for row in r["scenarios"] for note in row.notes],
        "",
        *_section(
            "Catalogue deep page (cursor at the end, cache off)", _deep(r["deep"], r["loads"]) if r["deep"] else []
        ),
        *_section("Observability overhead (metrics, JSON logs, tracing)", _observability(r)),
        *_section("SQL statements per operation", _sql(r["sql"], r.get("sql_pgl", {})) if r["sql"] else []),
        *_section("Gateway overhead", _gateway(r.get("gateway") or [])),
        *_section("Subscription fan-out", _fanout(r["fanout"]) if r.get("fanout") else []),
        *_section("Memory", _memory(r["memory"], p.quick) if r["memory"] else []),
        *_section("Start-up", _startup(r["startup"]) if r["startup"] else []),
        "## Every run",
        "",
        *_runs([*r["scenarios"], *(r.get("gateway") or [])]),
        "",
    ]
    if FINDINGS.exists():
        lines += [FINDINGS.read_text().rstrip(), ""]
    return "\n".join(lines)


def _observability(r: dict[str, Any]) -> list[str]:
    from tests.bench import observability  # noqa: PLC0415

    rows, cpu = r.get("observability") or [], r.get("observability_cpu") or []
    counted = r.get("observability_cycles") or []
    if not rows and not cpu:
        return []
    t = r["plan"].timing
    note = f"{max(t.warmup_s, 1.0):g} s warm-up, {max(t.runs, 5)} runs of {max(t.duration_s, 2.0):g} s each"
    return [*observability.render_cpu(cpu, counted), "", *observability.render(rows, note)]


def _gateway(rows: list[Any]) -> list[str]:
    if not rows:
        return []
    from tests.bench.gateway_steps import gateway_node_version  # noqa: PLC0415

    out = [
        f"Hive Gateway 2.15.1 (`scripts/gateway.d`, one Node {gateway_node_version()} process) in front of ONE "
        "instance, against that instance directly, alternating in the same run, same body, same connections. "
        "Through the gateway: the APQ hash is resolved once by the service's `/internal/documents` and then "
        "known to the gateway; each request is planned and sent to the subgraph (as the gateway's own text, "
        "with its proof). The gateway shares the 2 cores with the instance and the load generator. No goal "
        "was set: the ratio (gateway req/s ÷ direct req/s) is recorded.",
        "",
        "| scenario | gateway req/s | p50 ms | p99 ms | direct req/s | p50 ms | p99 ms | ratio |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in rows:
        a, b = row.subject, row.baseline
        out.append(
            f"| {row.name} | {a.rps:.0f} | {_ms(a.p50)} | {_ms(a.p99)} | {b.rps:.0f} | {_ms(b.p50)} "
            f"| {_ms(b.p99)} | **{row.ratio:.2f}** |"
        )
    return out


def _fanout(f: dict[str, Any]) -> list[str]:
    if "error" in f:
        return [f"The fan-out run failed: {f['error']}."]
    p99_ms = f["p99"] * 1000
    return [
        f"{f['subscribers']:,} anonymous `catalogueChanged` subscribers split over two instances sharing Redis "
        "(one pub/sub connection each), the relay in the second; the time from a status move's committed "
        "response until each subscriber has its message (`tests/bench/fanout.py`; servers, relay and clients "
        "share one process).",
        "",
        "| subscribers | p50 ms | p99 ms | last ms | goal p99 | met |",
        "| ---: | ---: | ---: | ---: | ---: | --- |",
        f"| {f['subscribers']:,} | {_ms(f['p50'] * 1000)} | {_ms(p99_ms)} | {_ms(f['last'] * 1000)} | < 1000 "
        f"| {'yes' if p99_ms < 1000 else 'NO'} |",
    ]


def _memory(m: dict[str, Any], quick: bool) -> list[str]:
    samples = m["samples"]
    note = " (quick mode: fewer than the 100k of a full run)" if quick else ""
    per_worker = [" → ".join(f"{sample[i]:.1f}" for sample in samples) for i in range(len(m["workers"]))]
    return [
        f"RSS of each worker (MiB) after warm-up, after {m['requests'] // 2:,} and after {m['requests']:,} "
        f"catalogue cache-hit requests{note}:",
        "",
        *[f"- worker {index + 1}: {values}" for index, values in enumerate(per_worker)],
    ]


def _startup(st: dict[str, Any]) -> list[str]:
    if "error" in st:
        return [f"`scripts/run` did not answer: {st['error']}."]
    lines = [
        f"`scripts/run` with embedded PostgreSQL and MongoDB-wire stores, warm install (venv and data "
        f"present), to the first successful catalogue query: **{st['warm_s']:.1f} s**."
    ]
    if "cold_s" in st:
        lines.append(f"First start on this machine (initdb, migrations, demo seed): {st['cold_s']:.1f} s.")
    return lines


def _section(title: str, body: list[str]) -> list[str]:
    return [f"## {title}", "", *body, ""] if body else []


def _sql(counts: dict[str, int], pgl: dict[str, int]) -> list[str]:
    return [
        "The service: counted at its SQLAlchemy engine, in process, with the settings of the cache-off "
        "instance (BEGIN/COMMIT/ROLLBACK not included; -1: the operation failed; bookSeats with an idempotency "
        "key, as in the load). PostGraphile: the SQL "
        "operations its `explain` lists for the same question.",
        "",
        "| operation | service | PostGraphile |",
        "| --- | ---: | ---: |",
        *[f"| {name} | {count} | {pgl.get(name, '')} |" for name, count in counts.items()],
    ]
