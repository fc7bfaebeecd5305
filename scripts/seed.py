"""Demo data: sample agencies, rockets, launches, travelers and one user of every role."""

from __future__ import annotations

import typer

from graph.services import Services
from graph.settings import Settings


async def seed_demo(settings: Settings, *, if_empty: bool) -> None:
    services = Services.build(settings)
    try:
        typer.echo("demo data: nothing to load yet")
    finally:
        await services.close()
