"""Email over SMTP (aiosmtplib): the server from ASTRO_SMTP_URL, one message per notification, and the
outcome classified the way the queue needs it: sent, worth retrying (4xx, timeout, no connection), or
failed for good (5xx, with the server's code and message kept)."""

from __future__ import annotations

import contextlib
import random
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage
from enum import StrEnum
from urllib.parse import parse_qs, unquote, urlsplit

import aiosmtplib

MAX_BACKOFF = timedelta(hours=6)


class Verdict(StrEnum):
    SENT = "sent"
    RETRY = "retry"
    FAILED = "failed"


@dataclass(frozen=True)
class SendOutcome:
    verdict: Verdict
    code: int | None = None
    message: str = ""


@dataclass(frozen=True)
class SmtpTarget:
    host: str
    port: int
    username: str | None = None
    password: str | None = None
    implicit_tls: bool = False
    starttls: bool = False

    @classmethod
    def parse(cls, url: str) -> SmtpTarget:
        """smtp://user:pass@host:port (plain), smtps://... (implicit TLS, port 465 by default),
        smtp://...?starttls=true (upgrade with STARTTLS, port 587 by default)."""
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError("ASTRO_SMTP_URL must look like smtp://user:pass@host:port or smtps://host:port")
        starttls = parse_qs(parts.query).get("starttls", ["false"])[0].lower() in ("1", "true", "yes")
        implicit = parts.scheme == "smtps"
        default_port = 465 if implicit else 587 if starttls else 25
        return cls(
            host=parts.hostname,
            port=parts.port or default_port,
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            implicit_tls=implicit,
            starttls=starttls,
        )


@dataclass(frozen=True)
class Mailer:
    target: SmtpTarget | None  # None: no SMTP configured (every message waits, pending)
    sender: str
    timeout: float = 10.0
    max_attempts: int = 8  # tries before a notification that keeps meeting 4xx/timeouts is `failed`
    retry_seconds: float = 30.0  # the first back-off (doubles per attempt, with jitter)

    async def send(self, *, to: str, subject: str, body: str) -> SendOutcome:
        if self.target is None:
            return SendOutcome(Verdict.RETRY, None, "no SMTP server configured")
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = self.sender, to, subject
        message.set_content(body)
        target = self.target
        try:
            await aiosmtplib.send(
                message,
                hostname=target.host,
                port=target.port,
                username=target.username,
                password=target.password,
                use_tls=target.implicit_tls,
                start_tls=target.starttls,
                timeout=self.timeout,
            )
        except aiosmtplib.SMTPRecipientsRefused as exc:
            return classify(exc.recipients[0].code, exc.recipients[0].message) if exc.recipients else _retry(exc)
        except aiosmtplib.SMTPResponseException as exc:
            return classify(exc.code, exc.message)
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:  # refused, unreachable, timed out
            return _retry(exc)
        return SendOutcome(Verdict.SENT)

    async def probe(self, within: float) -> None:
        """Connect and EHLO (then QUIT), each step within `within` seconds; raises when the server cannot be reached
        or does not greet. Nothing is sent and no login is attempted."""
        target = self.target
        if target is None:
            raise ConnectionError("no SMTP server configured")
        client = aiosmtplib.SMTP(
            hostname=target.host, port=target.port, use_tls=target.implicit_tls, start_tls=False, timeout=within
        )
        await client.connect()
        try:
            await client.ehlo()
        finally:
            with contextlib.suppress(Exception):
                await client.quit()


def _retry(exc: BaseException) -> SendOutcome:
    return SendOutcome(Verdict.RETRY, None, f"{type(exc).__name__}: {exc}"[:1000])


def classify(code: int, message: str) -> SendOutcome:
    """5xx is a permanent refusal; anything else the server said (4xx) is worth another try."""
    verdict = Verdict.FAILED if 500 <= code < 600 else Verdict.RETRY
    return SendOutcome(verdict, code, message[:1000])


def backoff(attempts: int, base_seconds: float, rng: random.Random | None = None) -> timedelta:
    """Delay before the next try after `attempts` tries: base * 2^(attempts-1), times a jitter in [0.5, 1.5)
    so messages that failed together do not all come back together; at most MAX_BACKOFF."""
    jitter = 0.5 + (rng or random).random()
    seconds = base_seconds * 2 ** max(0, attempts - 1) * jitter
    return min(timedelta(seconds=seconds), MAX_BACKOFF)
