"""The payment gateway's webhook: signature check and payload, pure functions.

The gateway signs `"{timestamp}." + body` with HMAC-SHA256 under the shared secret and sends
`X-Astro-Timestamp: <unix seconds>` and `X-Astro-Signature: sha256=<hex digest>`."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import orjson

from models.finance.errors import WebhookRefused

TOLERANCE_SECONDS = 300
EVENT_TYPE = "payment.succeeded"


def sign(secret: str, timestamp: int | str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def verify(
    secret: str, *, timestamp: str | None, signature: str | None, body: bytes, now: datetime, tolerance: int
) -> None:
    """Raise WebhookRefused unless the call is signed with the secret within `tolerance` seconds of now."""
    if not timestamp or not signature or not timestamp.isdigit() or len(timestamp) > 12:
        raise WebhookRefused("Missing or malformed signature headers", field="signature")
    if abs(now.timestamp() - int(timestamp)) > tolerance:
        raise WebhookRefused("Timestamp outside the tolerance window", field="timestamp")
    if not hmac.compare_digest(sign(secret, timestamp, body).encode(), signature.strip().encode()):
        raise WebhookRefused("Bad signature", field="signature")


@dataclass(frozen=True)
class GatewayPayment:
    event_id: str
    invoice_number: str
    amount: Decimal
    reference: str
    paid_at: datetime | None


def parse(body: bytes) -> GatewayPayment:
    """The payload: {"eventId", "type": "payment.succeeded", "invoiceNumber", "amount": "12.34",
    "reference", "paidAt"?: ISO 8601 with offset}; anything else is refused."""
    try:
        data = orjson.loads(body)
        if not isinstance(data, dict) or data.get("type") != EVENT_TYPE:
            raise ValueError("not a payment.succeeded event")
        paid_at = data.get("paidAt")
        return GatewayPayment(
            event_id=_text(data, "eventId"),
            invoice_number=_text(data, "invoiceNumber"),
            amount=Decimal(_text(data, "amount")),
            reference=_text(data, "reference"),
            paid_at=datetime.fromisoformat(paid_at) if paid_at is not None else None,
        )
    except (ValueError, TypeError, InvalidOperation, orjson.JSONDecodeError) as error:
        raise WebhookRefused(f"Malformed payment event: {error}", field="body") from None


def _text(data: dict[str, Any], key: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not 1 <= len(value) <= 100:
        raise ValueError(f"{key} must be a string of 1 to 100 characters")
    return value
