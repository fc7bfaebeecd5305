"""GraphiQL in a real browser: the system's Debian chromium driven by playwright-core (no browser download).

The setup installs chromium with apt-get when it is absent and playwright-core with npm ci; the test skips,
saying why, only when neither can be done here."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
from pathlib import Path

import httpx
import pytest

from graph.app import create_app
from graph.settings import Settings
from tests.support.builders import make_agency, make_launch, make_rocket, make_user
from tests.support.live import served, until
from tests.support.stores import truncate

DRIVER = Path(__file__).parents[1] / "browser"


def find_chromium() -> str | None:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found or not shutil.which("apt-get") or os.geteuid() != 0:
        return found
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "check": False}
    subprocess.run(["apt-get", "install", "-y", "--no-install-recommends", "chromium"], **quiet)  # noqa: S607
    if not shutil.which("chromium"):
        subprocess.run(["apt-get", "update"], **quiet)  # noqa: S607
        subprocess.run(["apt-get", "install", "-y", "--no-install-recommends", "chromium"], **quiet)  # noqa: S607
    return shutil.which("chromium")


@pytest.fixture(scope="module")
def browser() -> str:
    node, npm = shutil.which("node"), shutil.which("npm")
    if not node or not npm:
        pytest.skip("node and npm are needed to drive the browser")
    if not (DRIVER / "node_modules" / "playwright-core").is_dir():
        subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=DRIVER, check=False)  # noqa: S603
    if not (DRIVER / "node_modules" / "playwright-core").is_dir():
        pytest.skip("playwright-core could not be installed (npm ci in tests/browser failed)")
    chromium = find_chromium()
    if chromium is None:
        pytest.skip("chromium is absent and could not be installed with apt-get (not root or no apt-get)")
    return chromium


async def test_graphiql_loads_from_the_app_alone_shows_the_schema_and_runs_the_example(
    browser: str, settings: Settings
) -> None:
    await truncate(settings)
    app = create_app(settings.model_copy(update={"run_worker": True}))
    async with served(app) as address:
        services = app.state.services
        user, token = await make_user(services, "agency")
        rocket = await make_rocket(services, await make_agency(services, user.id))
        launch = await make_launch(services, rocket, destination="moon", mission="Selene Express", seats_sold=1)
        process = await asyncio.create_subprocess_exec(
            "node", str(DRIVER / "graphiql.mjs"), f"http://{address}/graphql", browser, token, launch.id,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        async with asyncio.timeout(90):
            finished = asyncio.create_task(process.communicate())
            await until(lambda: services.live.subscriber_count() == 1 or finished.done(), seconds=60)
            async with httpx.AsyncClient(base_url=f"http://{address}") as client:
                body = {
                    "query": "mutation($id: ID!) { confirmLaunch(id: $id) { __typename } }",
                    "variables": {"id": launch.id},
                }
                await client.post("/graphql", json=body, headers={"Authorization": f"Bearer {token}"})
            out, err = await finished
    assert process.returncode == 0, err.decode()
    report = json.loads(out.decode().strip().splitlines()[-1])
    assert report["foreign"] == []
    assert report["errors"] == []
    assert any(text.startswith("launches") for text in report["explorer"])
    assert "Selene Express" in report["result"] and launch.id in report["result"]
    assert "login mutation" in report["headers"] and "Bearer <accessToken>" in report["headers"]
    assert '"toStatus": "CONFIRMED"' in report["live"]
