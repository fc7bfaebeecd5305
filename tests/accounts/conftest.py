"""Fixtures of the accounts tests."""

from __future__ import annotations

import logging

import pytest


@pytest.fixture
def notifications_log(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.INFO, logger="astro.notifications")
    return caplog
