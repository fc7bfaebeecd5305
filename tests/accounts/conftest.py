"""Fixtures of the accounts tests."""

from __future__ import annotations

import logging

import pytest


@pytest.fixture
def notifications_log(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.INFO, logger="astro.notifications")
    return caplog


# The real SMTP peer and the mailer aimed at it, as the notification tests have them; the browser.
from tests.edge.test_graphiql_browser import browser  # noqa: E402, F401 - the system chromium, driven
from tests.notifications.conftest import mailer, smtp  # noqa: E402, F401
