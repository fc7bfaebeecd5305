"""The notification API: one's own notifications only; the queue and templates for `it` only, every IT
action written to the outbox."""

from __future__ import annotations

from typing import Any

import pytest

from resolvers.notifications.templates import template_for
from tests.support.builders import Cast
from tests.support.graphql import GraphQLClient, error_codes
from tests.support.notifications import events, make_notification, notifications

MINE = """
query($status: NotificationStatus, $read: Boolean) {
  myNotifications(status: $status, read: $read) { totalCount items { id recipientId status readAt subject } }
}"""
MARK_READ = "mutation($id: ID!) { markNotificationRead(id: $id) { id readAt } }"
DASHBOARD = """{ notificationQueueDashboard { counts { status count } oldestPendingAgeSeconds sentLastHour
  failedLastHour failureRate } }"""
QUEUE = """query($status: NotificationStatus) {
  notificationQueue(status: $status, sort: CREATED, descending: false) { totalCount items { id status attempts } }
}"""
TEMPLATES = "{ notificationTemplates { event subject placeholders updatedBy } }"
MARK_SENT = "mutation($id: ID!) { markNotificationSent(id: $id) { id status sentAt } }"
RETRY = "mutation($id: ID!) { retryNotification(id: $id) { id status attempts } }"
DELETE = "mutation($id: ID!) { deleteNotification(id: $id) }"
UPDATE_TEMPLATE = """
mutation($subject: String!, $body: String!) {
  updateNotificationTemplate(event: BOOKING_CONFIRMED, subject: $subject, body: $body) {
    __typename
    ... on NotificationTemplate { event subject updatedBy }
    ... on UnknownPlaceholder { message placeholders allowed }
    ... on InvalidTemplate { message }
  }
}"""
GOOD = {"subject": "Seats on {mission_name}", "body": "Hi {recipient_name}, {seats} seat(s)."}
NOT_IT = ["visitor", "traveler", "agency", "financial"]


async def test_my_notifications_are_my_own_only(services: Any, gql: GraphQLClient, cast: Cast):
    mine = await make_notification(services, cast.users["traveler"].id)
    theirs = await make_notification(services, cast.users["other_traveler"].id)
    body = await gql(MINE, token=cast.tokens["traveler"])
    assert [n["id"] for n in body["data"]["myNotifications"]["items"]] == [mine.id]
    assert error_codes(await gql(MINE)) == ["UNAUTHENTICATED"]

    assert error_codes(await gql(MARK_READ, {"id": theirs.id}, token=cast.tokens["traveler"])) == ["NOT_FOUND"]
    assert (await notifications(services, id=theirs.id))[0].read_at is None
    read = await gql(MARK_READ, {"id": mine.id}, token=cast.tokens["traveler"])
    assert read["data"]["markNotificationRead"]["readAt"]
    unread = await gql(MINE, {"read": False}, token=cast.tokens["traveler"])
    assert unread["data"]["myNotifications"]["totalCount"] == 0
    pending = await gql(MINE, {"read": True, "status": "PENDING"}, token=cast.tokens["traveler"])
    assert pending["data"]["myNotifications"]["totalCount"] == 1
    it_view = await gql(MINE, token=cast.tokens["it"])  # IT's own inbox is empty: the queue is another field
    assert it_view["data"]["myNotifications"]["totalCount"] == 0


@pytest.mark.parametrize("who", NOT_IT)
async def test_every_it_operation_refuses_everyone_else(services: Any, gql: GraphQLClient, cast: Cast, who: str):
    note = await make_notification(services, cast.users["traveler"].id)
    token = cast.tokens[who]
    expected = ["UNAUTHENTICATED"] if who == "visitor" else ["FORBIDDEN"]
    for query, variables in [
        (DASHBOARD, None),
        (QUEUE, None),
        (TEMPLATES, None),
        (MARK_SENT, {"id": note.id}),
        (RETRY, {"id": note.id}),
        (DELETE, {"id": note.id}),
        (UPDATE_TEMPLATE, GOOD),
    ]:
        assert error_codes(await gql(query, variables, token=token)) == expected, query
    assert [(n.status, n.attempts) for n in await notifications(services)] == [("pending", 0)]


async def test_it_runs_the_queue_and_every_action_is_logged(services: Any, gql: GraphQLClient, cast: Cast):
    token = cast.tokens["it"]
    failed = await make_notification(services, cast.users["traveler"].id, status="failed")
    pending = await make_notification(services, cast.users["agency"].id)
    extra = await make_notification(services, cast.users["agency"].id, status="sent")

    board = (await gql(DASHBOARD, token=token))["data"]["notificationQueueDashboard"]
    assert {c["status"]: c["count"] for c in board["counts"]} == {"PENDING": 1, "SENT": 1, "FAILED": 1}
    assert board["failureRate"] == 0.5 and board["oldestPendingAgeSeconds"] is not None
    listed = (await gql(QUEUE, {"status": "FAILED"}, token=token))["data"]["notificationQueue"]
    assert [n["id"] for n in listed["items"]] == [failed.id]

    retried = (await gql(RETRY, {"id": failed.id}, token=token))["data"]["retryNotification"]
    assert (retried["status"], retried["attempts"]) == ("PENDING", 0)
    sent = (await gql(MARK_SENT, {"id": pending.id}, token=token))["data"]["markNotificationSent"]
    assert sent["status"] == "SENT" and sent["sentAt"]
    assert (await gql(DELETE, {"id": extra.id}, token=token))["data"]["deleteNotification"] == extra.id
    assert await notifications(services, id=extra.id) == []
    assert error_codes(await gql(DELETE, {"id": extra.id}, token=token)) == ["NOT_FOUND"]

    for event_type, note in [
        ("notification_retried", failed),
        ("notification_marked_sent", pending),
        ("notification_deleted", extra),
    ]:
        [logged] = await events(services, event_type)
        assert logged.aggregate_id == note.id
        assert logged.origin_user == f"it:{cast.users['it'].id}"


async def test_it_edits_templates_validated_on_save(services: Any, gql: GraphQLClient, cast: Cast):
    token = cast.tokens["it"]
    listed = (await gql(TEMPLATES, token=token))["data"]["notificationTemplates"]
    assert len(listed) == 15 and "confirmation_link" in listed[0]["placeholders"]

    bad = {"subject": "Hi {recipient_name}", "body": "{__import__} {password_hash}"}
    refused = (await gql(UPDATE_TEMPLATE, bad, token=token))["data"]["updateNotificationTemplate"]
    assert refused["__typename"] == "UnknownPlaceholder"
    assert refused["placeholders"] == ["__import__", "password_hash"]
    injected = {"subject": "Hi\r\nBcc: x@example.test", "body": "b"}
    refused = (await gql(UPDATE_TEMPLATE, injected, token=token))["data"]["updateNotificationTemplate"]
    assert refused["__typename"] == "InvalidTemplate"

    saved = (await gql(UPDATE_TEMPLATE, GOOD, token=token))["data"]["updateNotificationTemplate"]
    assert saved == {
        "__typename": "NotificationTemplate",
        "event": "BOOKING_CONFIRMED",
        "subject": GOOD["subject"],
        "updatedBy": cast.users["it"].id,
    }
    [logged] = await events(services, "notification_template_updated")
    assert logged.aggregate_id == "booking_confirmed"
    async with services.db.unit_of_work() as uow:  # what the consumer renders the next notifications with
        assert (await template_for(uow.session, "booking_confirmed")).subject == GOOD["subject"]
