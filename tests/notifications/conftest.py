"""Fixtures of the notification tests: a real SMTP peer, and the app's mailer pointed at it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from models.notifications.mail import Mailer, SmtpTarget
from tests.support.smtp import SmtpPeer


@pytest.fixture
def smtp() -> Iterator[SmtpPeer]:
    peer = SmtpPeer()
    peer.start()
    yield peer
    peer.stop()


@pytest.fixture
def mailer(services: Any, smtp: SmtpPeer) -> Mailer:
    """The services' mailer, aimed at the peer: 3 attempts, a 1 s first back-off, a 5 s timeout."""
    services.mailer = Mailer(
        target=SmtpTarget.parse(smtp.url),
        sender="AstroBookings <no-reply@astro.test>",
        timeout=5,
        max_attempts=3,
        retry_seconds=1,
    )
    return services.mailer
