"""Demo data for this domain (filled in by the domain's implementation)."""

from __future__ import annotations

from typing import Any

from graph.services import Services


async def seed_bookings(services: Services, *args: Any) -> dict[str, Any]:
    return {}
