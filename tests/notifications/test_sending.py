"""The sender against a real SMTP peer: 4xx and an unreachable server are retried with back-off until the
peer accepts; 5xx fails at once with the code kept; concurrent senders never send one notification twice."""

from __future__ import annotations

import asyncio
import random
from datetime import timedelta
from typing import Any

from auth.principal import Principal, Role
from models.launches.status import LaunchStatus
from models.notifications.mail import Mailer, backoff, classify
from resolvers.launches.move_launch import move_launch
from resolvers.notifications.sender import send_due
from tests.support.builders import ORIGIN, make_launch, make_seller, now
from tests.support.notifications import deliver, notifications
from tests.support.smtp import SmtpPeer

LATER = timedelta(hours=7)  # past the longest back-off


async def _one_pending(services: Any) -> None:
    """The agency's notification of a confirmed launch (a real event through the consumer)."""
    seller = await make_seller(services)
    launch = await make_launch(services, seller.rocket, seats_sold=1)  # confirmable, no traveler to notify
    principal = Principal(id=seller.agency.user_id, role=Role.AGENCY, email_confirmed=True)
    await move_launch(services.bundle(principal, ORIGIN), launch_id=launch.id, target=LaunchStatus.CONFIRMED)
    assert await deliver(services, "launch_confirmed") == 1


async def test_451_is_retried_with_backoff_and_sent_once_the_peer_accepts(
    services: Any, smtp: SmtpPeer, mailer: Mailer
):
    await _one_pending(services)
    smtp.handler.reply = "451 4.3.0 Mailbox busy, try again later"
    t0 = now()
    assert await send_due(services, now=t0) == 0
    [note] = await notifications(services)
    assert (note.status, note.attempts, note.smtp_code) == ("pending", 1, 451)
    assert "try again later" in (note.last_error or "")
    assert note.next_attempt_at > t0
    assert await send_due(services, now=t0) == 0  # not due yet: the back-off holds it
    smtp.handler.reply = None
    assert await send_due(services, now=t0 + LATER) == 1
    [note] = await notifications(services)
    assert (note.status, note.attempts, note.last_error, note.smtp_code) == ("sent", 2, None, None)
    assert len(smtp.received) == 1


async def test_550_fails_at_once_keeping_the_code_and_message(services: Any, smtp: SmtpPeer, mailer: Mailer):
    await _one_pending(services)
    smtp.handler.reply = "550 5.1.1 No such mailbox"
    assert await send_due(services) == 0
    [note] = await notifications(services)
    assert (note.status, note.attempts, note.smtp_code) == ("failed", 1, 550)
    assert "No such mailbox" in (note.last_error or "")
    assert await send_due(services, now=now() + LATER) == 0  # failed is final
    assert smtp.received == []


async def test_a_peer_that_is_down_leaves_mail_pending_then_it_goes_out(services: Any, smtp: SmtpPeer, mailer: Mailer):
    await _one_pending(services)
    smtp.stop()
    t0 = now()
    assert await send_due(services, now=t0) == 0
    [note] = await notifications(services)
    assert (note.status, note.attempts, note.smtp_code) == ("pending", 1, None)
    assert note.last_error
    smtp.start()
    assert await send_due(services, now=t0 + LATER) == 1
    assert [n.status for n in await notifications(services)] == ["sent"]


async def test_retries_are_bounded(services: Any, smtp: SmtpPeer, mailer: Mailer):
    await _one_pending(services)
    smtp.handler.reply = "421 4.3.2 Service shutting down"
    moment = now()
    for _ in range(mailer.max_attempts):
        await send_due(services, now=moment)
        moment += LATER
    [note] = await notifications(services)
    assert (note.status, note.attempts, note.smtp_code) == ("failed", mailer.max_attempts, 421)


async def test_two_senders_at_once_send_each_notification_exactly_once(services: Any, smtp: SmtpPeer, mailer: Mailer):
    for _ in range(6):
        await _one_pending(services)
    sent = await asyncio.gather(*(send_due(services, batch=4) for _ in range(3)))
    assert sum(sent) == 6
    assert len(smtp.received) == 6
    assert {n.status for n in await notifications(services)} == {"sent"}


def test_backoff_doubles_with_jitter_and_is_capped():
    rng = random.Random(7)
    first, second, third = (backoff(n, 30, rng).total_seconds() for n in (1, 2, 3))
    assert 15 <= first < 45 and 30 <= second < 90 and 60 <= third < 180
    assert backoff(40, 30, rng) == timedelta(hours=6)


def test_reply_codes_are_classified():
    assert classify(451, "later").verdict == "retry"
    assert classify(421, "closing").verdict == "retry"
    assert classify(550, "no").verdict == "failed"
    assert classify(554, "no").code == 554
