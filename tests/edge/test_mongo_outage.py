"""MongoDB down: account operations (me, login, register, refresh) answer SERVICE_UNAVAILABLE within seconds
instead of hanging, later calls fail at once while the circuit is open, and PostgreSQL-only operations (the
catalogue, a booking) keep working."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import httpx
import pytest
from secantus import SecantusDBServer
from starlette.applications import Starlette

from graph.app import create_app
from graph.settings import Settings
from models.store import mongo
from resolvers.accounts.users import CONFIRM_PURPOSE
from tests.support.accounts import REFRESH
from tests.support.builders import make_launch, make_traveler, make_user
from tests.support.graphql import GraphQLClient, error_codes

ME = "{ me { id email } }"
LOGIN = 'mutation { login(email: "nobody@example.test", password: "Orbital-Test-Passphrase-7") { accessToken } }'
CATALOGUE = "{ launches(first: 1) { edges { node { id } } } }"
REGISTER = (
    'mutation { register(name: "Nobody", email: "nobody@example.test", password: "Orbital-Test-Passphrase-7",'
    " role: TRAVELER) { __typename } }"
)
BOOK = (
    'mutation($launch: ID!) { bookSeats(launchId: $launch, passengers: [{name: "Al", birthDate: "1990-01-01"}],'
    ' paymentToken: "tok_success") { __typename } }'
)


@pytest.fixture
async def own_mongo(tmp_path) -> AsyncIterator[SecantusDBServer]:
    server = SecantusDBServer(host="127.0.0.1", port=0, storage_path=str(tmp_path / "mongo"))
    server.start()
    stopped = server.stop
    stops: list[bool] = []
    server.stop = lambda: stops.append(True) or stopped()  # type: ignore[method-assign]
    yield server
    if not stops:
        stopped()


@pytest.fixture
async def outage_app(settings: Settings, own_mongo: SecantusDBServer, app: Starlette) -> AsyncIterator[Starlette]:
    """A second app on the shared PostgreSQL (emptied by `app`) and its own MongoDB server. The mongoengine
    connection is process-wide: give it back to `app` afterwards."""
    application = create_app(settings.model_copy(update={"mongodb_url": own_mongo.uri}))
    try:
        async with application.router.lifespan_context(application):
            yield application
    finally:
        mongo.connect(settings.mongodb_url or "", settings.mongodb_db)


async def test_mongodb_down_fails_fast_and_bookings_side_keeps_working(outage_app, own_mongo):
    services = outage_app.state.services
    _, token = await make_user(services, "traveler")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=outage_app), base_url="http://t") as http:
        gql = GraphQLClient(http)
        assert (await gql(ME, token=token))["data"]["me"]["id"]
        own_mongo.stop()
        started = time.monotonic()
        first = await gql(ME, token=token)
        assert error_codes(first) == ["SERVICE_UNAVAILABLE"]
        assert time.monotonic() - started < 5
        started = time.monotonic()
        assert error_codes(await gql(LOGIN)) == ["SERVICE_UNAVAILABLE"]
        assert error_codes(await gql(REGISTER)) == ["SERVICE_UNAVAILABLE"]
        assert error_codes(await gql(REFRESH, {"token": "a-refresh-token"})) == ["SERVICE_UNAVAILABLE"]
        assert time.monotonic() - started < 1  # the circuit is open: no second wait
        link = services.tokens.issue_purpose("u1", CONFIRM_PURPOSE, ttl_seconds=60, extra={"email": "a@example.test"})
        page = await http.get("/confirm", params={"token": link})  # the emailed link: a page for a person
        assert page.status_code == 503 and page.headers["retry-after"] == "5"
        assert page.headers["content-type"].startswith("text/html") and "try again" in page.text.lower()
        assert (await gql(CATALOGUE))["data"]["launches"]["edges"] == []
        # Bookings need PostgreSQL only: a confirmed traveler books while MongoDB is down.
        launch = await make_launch(services)
        buyer = await make_traveler(services)
        booked = await gql(BOOK, {"launch": launch.id}, token=buyer.token)
        assert booked["data"]["bookSeats"]["__typename"] == "BookSeatsSuccess", booked
