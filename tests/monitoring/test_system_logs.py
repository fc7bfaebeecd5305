"""The system log: direct entries without secrets, IT's search (filters, literal text, cursors), the
streamed export, retention, and the authorization of each."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pymongo.errors import BulkWriteError

from graph.app import create_app
from models.monitoring.logs import LogEntry
from models.store import mongo
from resolvers.monitoring.logs import prune_logs
from resolvers.sync.worker import Worker
from tests.support.builders import TEST_PASSWORD, make_user
from tests.support.graphql import error_codes
from tests.support.outbox import log_entries

SEARCH = """query($filter: SystemLogFilter, $first: Int!, $after: String) {
  systemLogs(filter: $filter, first: $first, after: $after) {
    edges { cursor node { id action level message user requestId entityType entityId data } }
    pageInfo { hasNextPage endCursor }
  }
}"""
T0 = datetime(2026, 1, 1, tzinfo=UTC)
ENTRIES = 100_000  # the export test's size


def _seed(*entries: dict[str, Any]) -> None:
    LogEntry._get_collection().insert_many(
        [{"_id": f"e{n:03d}", "at": T0 + timedelta(minutes=n), "level": "info", "action": "x", **e} for n, e in entries]
    )


async def seed(entries: list[dict[str, Any]]) -> None:
    await mongo.run_sync(_seed, *enumerate(entries))


async def search(gql, token: str, first: int = 50, after: str | None = None, **filter_: Any) -> dict[str, Any]:
    body = await gql(SEARCH, {"filter": filter_ or None, "first": first, "after": after}, token=token)
    assert "errors" not in body, body
    return body["data"]["systemLogs"]


def ids(page: dict[str, Any]) -> list[str]:
    return [edge["node"]["id"] for edge in page["edges"]]


async def test_failed_login_refused_token_and_refresh_reuse_are_logged_without_secrets(gql, http, services):
    user, _ = await make_user(services, "traveler", email="ada@example.test")
    failed = await gql.post(
        'mutation { login(email: "ada@example.test", password: "Wrong-Password-123") { accessToken } }'
    )
    login = await gql(
        'mutation($p: String!) { login(email: "ada@example.test", password: $p) { refreshToken } }',
        {"p": TEST_PASSWORD},
    )
    refresh = login["data"]["login"]["refreshToken"]
    mutation = "mutation($r: String!) { refreshToken(refreshToken: $r) { accessToken } }"
    assert "errors" not in await gql(mutation, {"r": refresh})
    assert error_codes(await gql(mutation, {"r": refresh})) == ["UNAUTHENTICATED"]  # reuse
    refused = await http.post(
        "/graphql", json={"query": "{ me { id } }"}, headers={"Authorization": "Bearer abc.def.ghi"}
    )

    entries = {entry.action: entry for entry in await log_entries(services)}
    assert entries["login_failed"].request_id == failed.headers["x-request-id"]
    assert entries["login_failed"].data == {"email": "ada@example.test"}
    assert entries["token_refused"].request_id == refused.headers["x-request-id"]
    assert entries["refresh_token_reused"].actor == f"user:{user.id}"
    text = repr([entry.to_mongo().to_dict() for entry in entries.values()])
    for secret in ("Wrong-Password-123", TEST_PASSWORD, refresh, "abc.def.ghi"):
        assert secret not in text


async def test_rate_limit_refusal_is_logged(edge):
    app = await edge(rate_limit_per_ip=1, rate_limit_per_user=0)
    await app.post({"query": "{ __typename }"})
    limited = await app.post({"query": "{ __typename }"})
    assert limited.status_code == 429
    entries = [e for e in await log_entries(app.services) if e.action == "rate_limited"]
    assert [e.request_id for e in entries] == [limited.headers["x-request-id"]]


async def test_worker_start_and_stop_are_logged(services):
    worker = Worker(services, consumers={}, periodic=[])
    await worker.start()
    await worker.stop()
    actions = [(e.action, e.actor) for e in await log_entries(services)]
    assert actions == [("worker_started", f"worker:{worker.id}"), ("worker_stopped", f"worker:{worker.id}")]


async def test_search_filters_each_criterion(gql, cast):
    it = cast.tokens["it"]
    await seed(
        [
            {"level": "warning", "action": "login_failed", "actor": "u1", "request_id": "r1", "message": "one"},
            {
                "action": "booking_confirmed",
                "entity_type": "Booking",
                "entity_id": "b1",
                "actor": "u2",
                "request_id": "r2",
            },
            {"level": "error", "action": "booking_canceled", "entity_type": "Booking", "entity_id": "b2"},
            {"action": "launch_scheduled", "entity_type": "Launch", "entity_id": "l1", "actor": "u1"},
        ]
    )
    assert ids(await search(gql, it, levels=["WARNING", "ERROR"])) == ["e002", "e000"]
    assert ids(await search(gql, it, action="booking_confirmed")) == ["e001"]
    assert ids(await search(gql, it, entityType="Booking")) == ["e002", "e001"]
    assert ids(await search(gql, it, entityType="Booking", entityId="b2")) == ["e002"]
    assert ids(await search(gql, it, user="u1")) == ["e003", "e000"]
    assert ids(await search(gql, it, requestId="r2")) == ["e001"]
    window = {"since": (T0 + timedelta(minutes=1)).isoformat(), "until": (T0 + timedelta(minutes=3)).isoformat()}
    assert ids(await search(gql, it, **window)) == ["e002", "e001"]
    assert ids(await search(gql, it, text="BOOKING_")) == ["e002", "e001"]  # literal, ignoring case


@pytest.mark.parametrize("needle", [".*", "a.b(c", "[x]+", "^$", "\\d", "|", "{2}"])
async def test_text_with_regex_characters_is_matched_literally(gql, cast, needle):
    await seed(
        [
            {"message": f"found {needle} here"},
            {"message": "aXb(c xx 1 plain message"},
            {"message": ""},
        ]
    )
    assert ids(await search(gql, cast.tokens["it"], text=needle)) == ["e000"]


async def test_a_search_text_longer_than_200_characters_is_refused(gql, cast):
    await seed([{"message": "x" * 300}])
    assert ids(await search(gql, cast.tokens["it"], text="x" * 200)) == ["e000"]
    body = await gql(SEARCH, {"filter": {"text": "(" * 201}, "first": 5, "after": None}, token=cast.tokens["it"])
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", body
    assert "200 characters" in body["errors"][0]["message"]


async def test_cursor_paging_walks_every_entry_once(gql, cast):
    await seed([{"message": f"m{n}"} for n in range(7)])
    LogEntry._get_collection().insert_one(
        {"_id": "tie", "at": T0 + timedelta(minutes=3), "level": "info", "action": "x"}
    )
    seen, after = [], None
    while True:
        page = await search(gql, cast.tokens["it"], first=3, after=after)
        seen += ids(page)
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == ["e006", "e005", "e004", "tie", "e003", "e002", "e001", "e000"]
    bad = await gql(SEARCH, {"first": 3, "after": "not a cursor"}, token=cast.tokens["it"])
    assert error_codes(bad) == ["BAD_USER_INPUT"]


@pytest.mark.parametrize("who", ["visitor", "traveler", "agency", "financial", "it"])
async def test_only_it_searches_and_exports(gql, http, cast, who):
    token = cast.tokens[who]
    body = await gql(SEARCH, {"first": 5}, token=token)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    csv = await http.get("/exports/system-logs.csv", headers=headers)
    ndjson = await http.get("/exports/system-logs.ndjson", headers=headers)
    expected = {"visitor": ("UNAUTHENTICATED", 401), "it": (None, 200)}.get(who, ("FORBIDDEN", 403))
    assert (error_codes(body) or [None]) == [expected[0]]
    assert csv.status_code == ndjson.status_code == expected[1]


async def test_export_applies_the_filter_in_both_formats_and_neutralises_formulas(http, cast):
    await seed([{"action": "a", "message": "=HYPERLINK(1)"}, {"action": "b", "message": "two"}])
    headers = {"Authorization": f"Bearer {cast.tokens['it']}"}
    csv = await http.get("/exports/system-logs.csv", params={"action": "a"}, headers=headers)
    assert csv.headers["content-type"].startswith("text/csv")
    lines = csv.text.strip().splitlines()
    assert lines[0].startswith("id,at,level,action") and len(lines) == 2 and "'=HYPERLINK(1)" in lines[1]
    ndjson = await http.get("/exports/system-logs.ndjson", params={"text": "TWO"}, headers=headers)
    assert [line for line in ndjson.text.splitlines() if line] == [ndjson.text.strip()]
    assert '"id":"e001"' in ndjson.text
    bad = await http.get("/exports/system-logs.csv", params={"since": "yesterday"}, headers=headers)
    assert bad.status_code == 400


def _bulk(count: int) -> None:
    collection = LogEntry._get_collection()
    for start in range(0, count, 1000):
        batch = [
            {
                "_id": f"b{n:07d}",
                "at": T0 + timedelta(seconds=n),
                "level": "info",
                "action": "bulk",
                "message": f"bulk entry {n} with some text",
                "data": {"n": n, "note": "x" * 40},
            }
            for n in range(start, min(count, start + 1000))
        ]
        try:
            collection.insert_many(batch, ordered=False)
        except BulkWriteError as exc:  # a batch retried after a slow first attempt: already stored
            assert all(error["code"] == 11000 for error in exc.details["writeErrors"])


async def _drain(app: Any, token: str, path: str) -> tuple[int, int, int]:
    """Run one GET through the ASGI app, counting the body without keeping it: (status, bytes, chunks)."""
    counted = {"status": 0, "bytes": 0, "chunks": 0}

    requested = [False]

    async def receive() -> dict[str, Any]:
        if not requested[0]:
            requested[0] = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await asyncio.Event().wait()  # the client stays connected until the response ends
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            counted["status"] = message["status"]
        elif message["type"] == "http.response.body":
            counted["bytes"] += len(message.get("body", b""))
            counted["chunks"] += 1

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver"), (b"authorization", f"Bearer {token}".encode())],
        "client": ("127.0.0.1", 1234),
        "server": ("testserver", 80),
    }
    await app(scope, receive, send)
    return counted["status"], counted["bytes"], counted["chunks"]


@pytest.fixture
async def app_on_own_mongodb(settings, app, tmp_path):
    """An app whose MongoDB runs in another process, so the memory traced here is the export's alone (the
    fixtures' SecantusDB runs in this process). The mongoengine connection is given back afterwards."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [sys.executable, "-m", "secantus", "--port", str(port), "--storage-path", str(tmp_path / "m")]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # noqa: S603, ASYNC220 - setup
    url = f"mongodb://127.0.0.1:{port}/astro_export"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "MongoDB server did not start"
                await asyncio.sleep(0.1)
        own = create_app(settings.model_copy(update={"mongodb_url": url}))
        async with own.router.lifespan_context(own):
            await mongo.run_sync(mongo.ensure_indexes)  # the export walks the (at, id) index
            yield own
    finally:
        server.terminate()
        server.wait(timeout=30)
        mongo.connect(settings.mongodb_url or "", settings.mongodb_db)


@pytest.mark.slow
async def test_export_of_100000_entries_streams_in_flat_memory(app_on_own_mongodb):
    app = app_on_own_mongodb
    _, token = await make_user(app.state.services, "it")
    await mongo.run_sync(_bulk, ENTRIES)
    peaks = {}
    for name, path in (("csv", "/exports/system-logs.csv"), ("ndjson", "/exports/system-logs.ndjson")):
        tracemalloc.start()
        try:
            status, size, chunks = await _drain(app, token, path)
            peaks[name] = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert status == 200 and chunks > 100
        # A body of over 10 MB, while the process never held more than a few batches of it at once.
        assert size > ENTRIES * 100
        assert peaks[name] < 4_000_000, (name, peaks[name], size)


async def test_retention_removes_entries_older_than_the_setting(services):
    now = datetime.now(UTC)
    await seed([{"at": now - timedelta(days=91)}, {"at": now - timedelta(days=89)}])
    await prune_logs(services)
    assert [e.id for e in await log_entries(services)] == ["e001"]
    assert services.settings.log_retention_days == 90
