"""The statuses a launch moves through (the moves themselves are rules of models.launches.tables)."""

from __future__ import annotations

from enum import StrEnum


class LaunchStatus(StrEnum):
    SCHEDULED = "scheduled"
    CONFIRMED = "confirmed"
    DELAYED = "delayed"
    LAUNCHED = "launched"
    FAILED = "failed"
    ABORTED = "aborted"
