"""The payment gateway boundary, and the simulated gateway the service runs with by default.

The simulated gateway behaves like a card processor's test mode: the payment token decides the outcome.

| token                    | charge                               | refund of that charge |
| ------------------------ | ------------------------------------ | --------------------- |
| `tok_success`            | succeeds                             | succeeds              |
| `tok_declined`           | declined (`card_declined`)           | -                     |
| `tok_insufficient_funds` | declined (`insufficient_funds`)      | -                     |
| `tok_timeout`            | fails: the gateway did not answer    | -                     |
| `tok_refund_fails`       | succeeds                             | fails                 |

Any other token is declined (`invalid_token`). Like a processor, a refund whose `reference` was already
refunded returns the first refund instead of paying again.
"""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Protocol

from models.errors import DomainError
from models.ids import new_id

SUCCESS, REFUND_FAILS, TIMEOUT = "tok_success", "tok_refund_fails", "tok_timeout"
# Charge ids carry the outcome of their refunds, so a refund works in another process than the charge.
CHARGE_PREFIX = {SUCCESS: "ch_sim_", REFUND_FAILS: "ch_sim_norefund_"}
KEEP = 10_000  # operations remembered for inspection (tests); older ones are forgotten
DECLINES = {"tok_declined": "card_declined", "tok_insufficient_funds": "insufficient_funds"}


class PaymentDeclined(DomainError):
    """The payer's bank or card refused: nothing was charged."""

    code = "PAYMENT_DECLINED"

    def __init__(self, reason: str) -> None:
        super().__init__(f"Payment declined: {reason}", reason=reason)
        self.reason = reason


class PaymentFailed(DomainError):
    """The gateway could not complete the operation (timeout, outage): nothing was charged or refunded."""

    code = "PAYMENT_FAILED"

    def __init__(self, reason: str) -> None:
        super().__init__(f"Payment failed: {reason}", reason=reason)
        self.reason = reason


class PaymentGateway(Protocol):
    async def charge(self, *, token: str, amount: Decimal, reference: str) -> str:
        """Charge `amount`; return the gateway's charge id. Raises PaymentDeclined or PaymentFailed."""
        ...

    async def refund(self, *, charge_id: str, amount: Decimal, reference: str) -> str:
        """Refund part or all of a charge; return the gateway's refund id. Raises PaymentFailed."""
        ...

    async def find_charge(self, *, reference: str) -> str | None:
        """The id of a successful charge made with `reference`, if any (processors search charges by the
        reference they were given): how a charge whose id was never recorded is found and refunded."""
        ...


@dataclass(frozen=True)
class GatewayOperation:
    id: str
    amount: Decimal
    reference: str
    token: str = ""
    charge_id: str = ""


@dataclass
class SimulatedGateway:
    """In-process gateway whose outcome is chosen by the token (see the module doc). It keeps what it
    did (the last KEEP operations), so tests can count charges and refunds. `timeout_seconds` is how long
    `tok_timeout` hangs before failing; `latency_seconds` is how long every charge and refund takes
    (ASTRO_SIMULATED_GATEWAY_LATENCY_MS: a real processor's delay, for benchmarks and tests)."""

    timeout_seconds: float = 0.0
    latency_seconds: float = 0.0
    charges: deque[GatewayOperation] = field(default_factory=lambda: deque(maxlen=KEEP))
    refunds: deque[GatewayOperation] = field(default_factory=lambda: deque(maxlen=KEEP))

    async def charge(self, *, token: str, amount: Decimal, reference: str) -> str:
        if self.latency_seconds > 0:
            await asyncio.sleep(self.latency_seconds)
        if token == TIMEOUT:
            await asyncio.sleep(self.timeout_seconds)
            raise PaymentFailed("the payment gateway did not answer in time")
        if token not in CHARGE_PREFIX:
            raise PaymentDeclined(DECLINES.get(token, "invalid_token"))
        charge_id = CHARGE_PREFIX[token] + new_id()
        operation = GatewayOperation(id=charge_id, amount=amount, reference=reference, token=token)
        self.charges.append(operation)
        return operation.id

    async def refund(self, *, charge_id: str, amount: Decimal, reference: str) -> str:
        if self.latency_seconds > 0:
            await asyncio.sleep(self.latency_seconds)
        if charge_id.startswith(CHARGE_PREFIX[REFUND_FAILS]) or not charge_id.startswith(CHARGE_PREFIX[SUCCESS]):
            raise PaymentFailed("the refund was not accepted by the payment gateway")
        done = next((refund for refund in self.refunds if refund.reference == reference), None)
        if done is not None:  # the reference is the idempotency key: a retried refund is not paid twice
            return done.id
        operation = GatewayOperation(id=f"re_sim_{new_id()}", amount=amount, reference=reference, charge_id=charge_id)
        self.refunds.append(operation)
        return operation.id

    async def find_charge(self, *, reference: str) -> str | None:
        return next((charge.id for charge in self.charges if charge.reference == reference), None)
