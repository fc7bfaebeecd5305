"""Process logs for operators: one JSON object per line with the request id, operation and principal (text
in development, JSON by default in production), no token in any line, and the relay carrying an event's
origin request id into its consumers' lines, so one request is followed into its notifications and its
system log entry."""

from __future__ import annotations

import logging

import orjson

from graph.edge.telemetry import JsonFormatter, TextFormatter
from graph.settings import Settings
from models.monitoring import telemetry
from resolvers.sync.consumers import CONSUMERS
from resolvers.sync.relay import Relay
from tests.support import journeys
from tests.support.edge import PRODUCTION
from tests.support.graphql import GraphQLClient
from tests.support.outbox import log_entries
from tests.support.telemetry import decoded, json_lines

BOOK = journeys.BOOK.replace("mutation(", "mutation BookTwo(", 1)


def record(message: str, *args: object) -> logging.LogRecord:
    return logging.LogRecord("astro.test", logging.WARNING, __file__, 1, message, args, None)


def test_a_json_line_has_every_field_and_never_a_token():
    token = "eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJlLXBhcnQtb2YtdGhl"
    with telemetry.log_context(request_id="req-1", operation="BookTwo", principal="traveler:u1"):
        line = JsonFormatter().format(record("refused %s; header Bearer %s", token, "opaque-secret-value"))
    found = orjson.loads(line)
    assert set(found) == {"time", "level", "logger", "message", "request_id", "operation", "principal"}
    assert (found["level"], found["logger"], found["request_id"]) == ("warning", "astro.test", "req-1")
    assert (found["operation"], found["principal"]) == ("BookTwo", "traveler:u1")
    assert token not in line and "opaque-secret-value" not in line and "[redacted]" in found["message"]
    assert "\n" not in line


def test_development_is_human_readable_and_production_json_by_default():
    assert not Settings().json_logs and Settings(log_format="json").json_logs
    production = Settings.model_validate({**PRODUCTION, "smtp_url": "smtps://m.example", "metrics": False})
    assert production.json_logs and not production.model_copy(update={"log_format": "text"}).json_logs
    with telemetry.log_context(request_id="req-2", operation="Me"):
        text = TextFormatter().format(record("hello %s", "world"))
    assert text.endswith("WARNING astro.test [req-2 Me] hello world")


async def test_a_request_is_followed_into_its_notifications_and_its_log_entry(edge):
    app = await edge()
    gql = GraphQLClient(app.http)
    seller = await journeys.agency(gql, app.services)
    launch = await journeys.schedule(gql, seller)
    traveler = await journeys.traveler(gql, app.services)
    variables = {"launch": launch, "passengers": journeys.PASSENGERS, "token": "tok_success", "key": None}
    with json_lines() as lines:
        response = await gql.post(BOOK, variables, token=traveler.token)
        assert response.json()["data"]["bookSeats"]["__typename"] == "BookSeatsSuccess"
        relay = Relay(app.services, CONSUMERS)
        while await relay.deliver_pending():
            pass
    request_id = response.headers["x-request-id"]
    queued = [line for line in decoded(lines) if line["logger"] == "astro.notifications"]
    booking = [line for line in queued if "booking_confirmed" in line["message"]]
    assert booking, queued
    assert booking[0]["request_id"] == request_id
    assert booking[0]["operation"] == "bookSeats" and booking[0]["principal"] == f"traveler:{traveler.user_id}"
    entries = [entry for entry in await log_entries(app.services) if entry.action == "booking_confirmed"]
    assert [entry.request_id for entry in entries] == [request_id]
    assert traveler.token not in "".join(lines.lines)


async def test_an_error_line_during_a_request_carries_its_id_operation_and_principal(edge):
    app = await edge(test_fields=True)
    gql = GraphQLClient(app.http)
    traveler = await journeys.traveler(gql, app.services, profile=False)
    with json_lines() as lines:
        response = await gql.post("query Broken { broken }", token=traveler.token)
    (line,) = [line for line in decoded(lines) if line["logger"] == "astro.errors"]
    assert line["request_id"] == response.headers["x-request-id"] and line["operation"] == "Broken"
    assert line["principal"] == f"traveler:{traveler.user_id}" and "ZeroDivisionError" in line["exception"]
