"""VIP early access: a newly scheduled launch is visible and bookable only to VIP travelers for the window,
then public; the catalogue cache never keeps an answer past the window's end. The clock is passed in."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from auth.principal import Principal, Role
from graph.edge.response_cache import keep_seconds
from models.bookings import errors as refusals
from models.launches.catalogue import CatalogueFilter
from models.launches.catalogue_cache import STORE_SECONDS
from models.launches.tables import Launch
from resolvers.launches.catalogue import catalogue_page
from resolvers.launches.schedule_launch import LaunchTerms, schedule_launch
from tests.support.bookings import book
from tests.support.builders import ORIGIN, adults, days, make_booking, make_launch, make_seller, make_traveler, now
from tests.support.graphql import GraphQLClient

WINDOW = timedelta(hours=24)
CATALOGUE = "{ launches { edges { node { id } } } }"


async def _scheduled_in_window(services: Any, at: datetime) -> Launch:
    seller = await make_seller(services)
    principal = Principal(id=seller.agency.user_id, role=Role.AGENCY, email_confirmed=True)
    call = replace(services.bundle(principal, ORIGIN), vip_window=WINDOW)
    terms = LaunchTerms(seller.rocket.id, "Early Bird", "moon", at + days(300), Decimal("900.00"), 1)
    return await schedule_launch(call, terms=terms, now=at)


async def _vip(services: Any) -> Any:
    who = await make_traveler(services)
    seller = await make_seller(services)
    for _ in range(2):
        await make_booking(services, await make_launch(services, seller.rocket), who.traveler)
    return who


async def _ids(services: Any, principal: Principal | None, at: datetime) -> list[str]:
    page = await catalogue_page(services.bundle(principal, ORIGIN), filters=CatalogueFilter(), now=at)
    return [launch.id for launch in page.launches]


async def test_only_vips_see_and_book_a_launch_in_its_window_then_everyone_does(services: Any):
    t0 = now()
    launch = await _scheduled_in_window(services, t0)
    assert launch.public_at == t0 + WINDOW
    vip, plain = await _vip(services), await make_traveler(services)
    during = t0 + timedelta(hours=1)

    assert launch.id not in await _ids(services, None, during)
    assert launch.id not in await _ids(services, plain.principal, during)
    assert launch.id in await _ids(services, vip.principal, during)
    with pytest.raises(refusals.LaunchNotBookable):
        await book(services, plain, launch, adults(1), now=during)
    assert (await book(services, vip, launch, adults(1), now=during)).booking.launch_id == launch.id

    after = t0 + WINDOW + timedelta(seconds=1)
    assert launch.id in await _ids(services, None, after)
    assert launch.id in await _ids(services, plain.principal, after)
    assert (await book(services, plain, launch, adults(1), now=after)).booking.launch_id == launch.id


async def test_a_catalogue_answer_is_fresh_only_until_the_next_window_ends(services: Any):
    t0 = now()
    launch = await _scheduled_in_window(services, t0)
    page = await catalogue_page(services.bundle(None, ORIGIN), filters=CatalogueFilter(), now=t0)
    assert page.fresh_until == launch.public_at
    assert keep_seconds(page.fresh_until, (launch.public_at or t0) - timedelta(seconds=10)) == 10
    assert keep_seconds(page.fresh_until, (launch.public_at or t0) + timedelta(seconds=1)) == 0
    assert keep_seconds(None, t0) == STORE_SECONDS
    later = await catalogue_page(services.bundle(None, ORIGIN), filters=CatalogueFilter(), now=t0 + WINDOW * 2)
    assert later.fresh_until is None


async def test_the_cached_public_catalogue_does_not_hide_a_launch_past_its_window(services: Any, gql: GraphQLClient):
    """A window ending in 1 s: the anonymous answer during it is kept at most until then, so once the
    window has ended the next anonymous query shows the launch (no invalidation in between)."""
    seller = await make_seller(services)
    principal = Principal(id=seller.agency.user_id, role=Role.AGENCY, email_confirmed=True)
    call = replace(services.bundle(principal, ORIGIN), vip_window=timedelta(seconds=1))
    terms = LaunchTerms(seller.rocket.id, "Soon Public", "moon", now() + days(300), Decimal("900.00"), 1)
    launch = await schedule_launch(call, terms=terms)
    first = await gql(CATALOGUE)
    assert launch.id not in str(first)
    deadline = now() + timedelta(seconds=10)
    while launch.id not in str(await gql(CATALOGUE)):  # polls the cached endpoint; no invalidation happens
        assert now() < deadline, "the cached catalogue kept hiding the launch after its window"


def test_the_window_is_a_setting_with_24_hours_by_default():
    from graph.settings import Settings

    assert Settings().vip_early_access_hours == 24
    assert Settings(vip_early_access_hours=0).vip_early_access_hours == 0
