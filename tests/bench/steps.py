"""The read scenarios: each checks one answer for correctness, then measures it against its baseline."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import httpx
import orjson

from models.launches.catalogue import CatalogueSort, encode_cursor
from models.launches.tables import Launch
from tests.bench import dataset, procs, setup_db
from tests.bench import scenarios as s
from tests.bench.booking_steps import book_seats
from tests.bench.counts import postgraphile_counts, sql_counts, startup
from tests.bench.measure import Result, drive, measure, measure_pair

if TYPE_CHECKING:
    import subprocess

    from tests.bench.run import Plan

SERVICE = "http://127.0.0.1:8101"  # response cache on, baseline routes mounted
UNCACHED = "http://127.0.0.1:8103"  # whole-response cache off
PGL = "http://127.0.0.1:8102"
NO_RESPONSE_CACHE = {"ASTRO_RESPONSE_CACHE": "false"}
__all__ = ["book_seats", "postgraphile_counts", "sql_counts", "startup"]


@dataclass
class Row:
    name: str
    subject: Result
    baseline_name: str
    baseline: Result
    goal: float
    metric: str = "rps"  # what the ratio compares
    notes: list[str] = field(default_factory=list)

    @property
    def ratio(self) -> float:
        if self.metric == "p50":
            return self.subject.p50 / self.baseline.p50 if self.baseline.p50 else float("nan")
        return self.subject.rps / self.baseline.rps if self.baseline.rps else float("nan")

    @property
    def met(self) -> bool:
        return self.ratio <= self.goal if self.metric == "p50" else self.ratio >= self.goal


def check_data(response: httpx.Response, path: str, *, rows: int | None = None) -> dict[str, Any]:
    """The answer must be a success with `rows` edges at `path`: benchmarking errors proves nothing."""
    body = orjson.loads(response.content)
    if response.status_code != 200 or body.get("errors") or not body.get("data"):
        raise RuntimeError(f"{response.request.url} answered {response.status_code}: {response.text[:500]}")
    node = body["data"][path]
    if rows is not None and len(node["edges"]) != rows:
        raise RuntimeError(f"{path}: expected {rows} edges, got {len(node['edges'])}")
    return body


def _apq_registered(document: str, variables: dict[str, Any]) -> bool:
    """Register the document with Apollo's protocol; False when the service has no APQ (then send queries)."""
    with_query = httpx.post(
        f"{SERVICE}/graphql",
        content=s.apq_post_body(document, variables, with_query=True),
        headers={"content-type": "application/json"},
    )
    check_data(with_query, "launches", rows=variables["first"])
    hash_only = httpx.post(
        f"{SERVICE}/graphql", content=s.apq_post_body(document, variables), headers={"content-type": "application/json"}
    )
    return hash_only.status_code == 200 and b"PersistedQueryNotFound" not in hash_only.content


def cache_hits(p: Plan) -> list[Row]:
    variables = {"first": 20}
    apq = _apq_registered(s.CATALOGUE, variables)
    body = s.apq_post_body(s.CATALOGUE, variables) if apq else s.post_body(s.CATALOGUE, variables)
    headers = {"content-type": "application/json"}
    hit = httpx.post(f"{SERVICE}/graphql", content=body, headers=headers)
    check_data(hit, "launches", rows=20)
    httpx.put(f"{SERVICE}/bench/baseline/store", content=hit.content).raise_for_status()
    note = [] if apq else ["APQ not available in this build: the full document was sent"]
    post = s.post_spec(f"{SERVICE}/graphql", body, p.connections)
    post_base = s.post_spec(f"{SERVICE}/bench/baseline", body, p.connections)
    for spec in (post, post_base):
        spec["expectBody"] = hit.content.decode()
    subject, baseline = measure_pair(post, post_base, p.timing)
    rows = [
        Row(
            "catalogue first 20, cache hit, POST + APQ hash",
            subject,
            "bare Starlette POST route, same bytes",
            baseline,
            0.9,
            notes=note,
        )
    ]
    get_path = s.apq_get_path(s.CATALOGUE, variables) if apq else None
    if get_path is None:
        return rows
    got = httpx.get(SERVICE + get_path)
    check_data(got, "launches", rows=20)
    get = {**s.get_spec(SERVICE + get_path, p.connections), "expectBody": got.content.decode()}
    get_base = {**s.get_spec(f"{SERVICE}/bench/baseline", p.connections), "expectBody": got.content.decode()}
    subject, baseline = measure_pair(get, get_base, p.timing)
    rows.append(
        Row(
            "catalogue first 20, cache hit, GET + APQ hash",
            subject,
            "bare Starlette GET route, same bytes",
            baseline,
            0.5,
        )
    )
    return rows


def uncached_catalogue(p: Plan) -> Row:
    variables = {"first": 50}
    ours = s.post_spec(f"{UNCACHED}/graphql", s.post_body(s.CATALOGUE, variables), p.connections)
    theirs = s.post_spec(f"{PGL}/graphql", s.post_body(s.PGL_CATALOGUE, variables), p.connections)
    check_data(httpx.post(ours["url"], content=ours["body"], headers=ours["headers"]), "launches", rows=50)
    check_data(
        httpx.post(theirs["url"], content=theirs["body"], headers=theirs["headers"]), "bookableLaunches", rows=50
    )
    subject, baseline = measure_pair(ours, theirs, p.timing)
    return Row(
        "catalogue first 50, nested agency + rocket, cache off", subject, "PostGraphile v5, same fields", baseline, 1.5
    )


def filtered_catalogue(p: Plan) -> Row:
    ours = s.post_spec(f"{UNCACHED}/graphql", s.post_body(s.FILTERED, s.FILTERED_VARIABLES), p.connections)
    theirs = s.post_spec(f"{PGL}/graphql", s.post_body(s.PGL_FILTERED, {"first": 50}), p.connections)
    check_data(httpx.post(ours["url"], content=ours["body"], headers=ours["headers"]), "launches", rows=50)
    check_data(
        httpx.post(theirs["url"], content=theirs["body"], headers=theirs["headers"]), "filteredLaunches", rows=50
    )
    subject, baseline = measure_pair(ours, theirs, p.timing)
    return Row(
        "catalogue first 50, filters + sort by price, cache off",
        subject,
        "PostGraphile v5, same question",
        baseline,
        1.5,
    )


def agency_launches(p: Plan) -> Row:
    variables = {"first": 20}
    user = dataset.agency_user_id(0)
    ours = s.post_spec(
        f"{UNCACHED}/graphql",
        s.post_body(s.AGENCY_LAUNCHES, variables),
        p.connections,
        {"authorization": f"Bearer {setup_db.service_token(user, 'agency')}"},
    )
    theirs = s.post_spec(
        f"{PGL}/graphql",
        s.post_body(s.PGL_AGENCY_LAUNCHES, variables),
        p.connections,
        {"authorization": f"Bearer {setup_db.postgraphile_token(user)}"},
    )
    check_data(httpx.post(ours["url"], content=ours["body"], headers=ours["headers"]), "myLaunches", rows=20)
    check_data(httpx.post(theirs["url"], content=theirs["body"], headers=theirs["headers"]), "myLaunches", rows=20)
    subject, baseline = measure_pair(ours, theirs, p.timing)
    return Row(
        "agency's launches + bookings + travelers (authenticated, uncached)",
        subject,
        "PostGraphile v5, same shape (HS256 JWT)",
        baseline,
        1.5,
    )


def deep_page(p: Plan) -> Result:
    launch_id, launch_at = asyncio.run(setup_db.deep_page_anchor())
    cursor = encode_cursor(CatalogueSort.DATE, False, Launch(id=launch_id, launch_at=launch_at, capacity=0))
    spec = s.post_spec(f"{UNCACHED}/graphql", s.post_body(s.CATALOGUE, {"first": 20, "after": cursor}), 8)
    body = check_data(httpx.post(spec["url"], content=spec["body"], headers=spec["headers"]), "launches", rows=20)
    if body["data"]["launches"]["pageInfo"]["hasNextPage"]:
        raise RuntimeError("deep page: the cursor is not at the end of the catalogue")
    return measure(spec, p.deep_timing)


def memory(p: Plan, service: subprocess.Popen[bytes]) -> dict[str, Any]:
    """RSS of each worker after warm-up, halfway and after `memory_requests` catalogue cache hits."""
    variables = {"first": 20}
    apq = _apq_registered(s.CATALOGUE, variables)
    body = s.apq_post_body(s.CATALOGUE, variables) if apq else s.post_body(s.CATALOGUE, variables)
    spec = s.post_spec(f"{SERVICE}/graphql", body, p.connections)
    workers = procs.worker_pids(service)
    samples = [[round(procs.rss_mib(pid), 1) for pid in workers]]
    runs = []
    for _ in range(2):
        runs.append(drive({**spec, "amount": p.memory_requests // 2}))
        samples.append([round(procs.rss_mib(pid), 1) for pid in workers])
    return {"requests": p.memory_requests, "workers": workers, "samples": samples, "runs": runs}
