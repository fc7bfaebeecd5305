"""The process-wide collaborators of the authentication use cases, built once with the app."""

from __future__ import annotations

from dataclasses import dataclass

from auth.revocation import RevocationList
from auth.throttle import LoginThrottle
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
