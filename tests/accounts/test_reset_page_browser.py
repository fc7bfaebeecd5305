"""The password page in a real browser (the system's chromium, as GraphiQL's test drives it): its inline
script runs under its own Content-Security-Policy, calls `resetPassword` on the same origin, loads nothing
from anywhere else, and the new password signs in."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import httpx

from graph.app import create_app
from graph.settings import Settings
from models.base import utcnow
from resolvers.accounts.recovery import RESET_TTL_SECONDS, password_link
from tests.support.accounts import LOGIN
from tests.support.builders import make_user
from tests.support.live import served
from tests.support.stores import truncate

DRIVER = Path(__file__).parents[1] / "browser"
CHOSEN = "Heliopause-Sextant-Orchid-8"


async def test_the_page_sets_the_password_in_a_browser_with_nothing_from_elsewhere(
    browser: str, settings: Settings
) -> None:
    await truncate(settings)
    app = create_app(settings)
    async with served(app) as address:
        services = app.state.services
        user, _ = await make_user(services, "traveler", email="browser@example.test")
        link = password_link(services.auth, user, issued_at=utcnow(), ttl_seconds=RESET_TTL_SECONDS)
        page_url = f"http://{address}" + link.removeprefix(services.settings.public_url)
        process = await asyncio.create_subprocess_exec(
            "node", str(DRIVER / "reset_page.mjs"), page_url, browser, CHOSEN,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        async with asyncio.timeout(90):
            out, err = await process.communicate()
        assert process.returncode == 0, err.decode()
        report = json.loads(out.decode().strip().splitlines()[-1])
        assert report["foreign"] == [] and report["errors"] == [] and report["console"] == [], report
        assert report["status"].startswith("Your password is set"), report
        async with httpx.AsyncClient(base_url=f"http://{address}") as client:
            signed_in = await client.post(
                "/graphql", json={"query": LOGIN, "variables": {"email": user.email, "password": CHOSEN}}
            )
        assert signed_in.json()["data"]["login"]["accessToken"], signed_in.text
