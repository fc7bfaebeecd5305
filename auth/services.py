"""The process-wide collaborators of the authentication use cases, built once with the app."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from auth.revocation import RevocationList
from auth.throttle import LoginThrottle, RequestQuota
from auth.tokens import TokenService


@dataclass(frozen=True)
class AuthServices:
    """The process-wide collaborators of the authentication use cases."""

    tokens: TokenService
    revocations: RevocationList
    throttle: LoginThrottle
    refresh_ttl_seconds: int
    public_url: str
    log_links: bool = False  # development only: emailed links (with their tokens) also go to the log
    # Password-reset requests: per account (email) and per client address; None: not throttled.
    reset_per_account: RequestQuota | None = None
    reset_per_address: RequestQuota | None = None
    # The moment emailed links are judged at (issue and expiry); tests move it.
    clock: Callable[[], float] = field(default=time.time)
