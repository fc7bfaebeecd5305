"""Demo catalogue: the two demo agencies' profiles, the AstroBookings sample rockets, and launches in
every status (scheduled, confirmed, delayed, launched, failed, aborted) with their status history.

Dates are relative to the moment of seeding, so the public catalogue always has upcoming launches.
Returns `{"agencies": {key: id}, "rockets": {name: id}, "launches": {status: [launch ids]}}` for the
bookings seed. Seeding again reuses what exists and creates nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import typer
from sqlalchemy import select
from sqlmodel import col

from graph.services import Services
from models.agencies.tables import Agency, Rocket
from models.base import utcnow
from models.launches.tables import Launch, LaunchStatus, LaunchStatusChange
from models.store.db import SqlUnitOfWork

S = LaunchStatus
PROFILES: dict[str, dict[str, Any]] = {
    "agency": {
        "legal_name": "Orbital Horizons Inc.",
        "description": "Low orbit sunrises and lunar flybys since 2029.",
        "contact_info": "+1 321 555 0100 (weekdays 8-18 ET)",
        "contact_email": "flights@orbital-horizons.example",
        "tax_id": "59-1234567",
        "legal_address": "100 Spaceport Blvd, Cape Canaveral, FL 32920, USA",
    },
    "agency2": {
        "legal_name": "Red Planet Lines S.L.",
        "description": "Scheduled service to the Moon and Mars.",
        "contact_info": "+34 91 555 0199",
        "contact_email": "booking@redplanet.example",
        "tax_id": "ES-B12345678",
        "legal_address": "Calle de Marte 4, 28001 Madrid, Spain",
    },
}
# (agency key, rocket name, capacity, range)
ROCKETS = [
    ("agency", "Falcon Tourer", 8, "low_earth"),
    ("agency", "Saturn Voyager", 20, "moon"),
    ("agency", "Starship Odyssey", 100, "mars"),
    ("agency2", "Luna Shuttle", 12, "moon"),
    ("agency2", "Ares Clipper", 50, "mars"),
]


@dataclass(frozen=True)
class SampleLaunch:
    agency: str
    rocket: str
    mission: str
    destination: str
    days_from_now: float
    price: str
    minimum: int
    moves: tuple[tuple[LaunchStatus, str | None], ...] = ()  # status moves after scheduling, with reasons


SAMPLE_LAUNCHES = [
    SampleLaunch("agency", "Falcon Tourer", "Orbit Sunrise", "low_earth", 45, "450000.00", 4),
    SampleLaunch("agency", "Saturn Voyager", "Lunar Gateway Tour", "moon", 120, "1250000.00", 6),
    SampleLaunch("agency", "Starship Odyssey", "Mars Pioneer I", "mars", 420, "2500000.00", 30),
    SampleLaunch("agency2", "Ares Clipper", "Red Dawn", "mars", 200, "2200000.00", 10),
    SampleLaunch(
        "agency", "Saturn Voyager", "Tranquility Base Express", "moon", 60, "1100000.00", 1, ((S.CONFIRMED, None),)
    ),
    SampleLaunch(
        "agency2", "Luna Shuttle", "Far Side Explorer", "moon", 95, "980000.00", 2, ((S.DELAYED, "Crew training"),)
    ),
    SampleLaunch(
        "agency",
        "Falcon Tourer",
        "Aurora Orbit",
        "low_earth",
        -20,
        "400000.00",
        1,
        ((S.CONFIRMED, None), (S.LAUNCHED, None)),
    ),
    SampleLaunch(
        "agency2",
        "Luna Shuttle",
        "Polar Night Hop",
        "moon",
        -50,
        "900000.00",
        1,
        ((S.CONFIRMED, None), (S.LAUNCHED, None)),
    ),
    SampleLaunch(
        "agency2",
        "Ares Clipper",
        "Phobos Flyby",
        "mars",
        -10,
        "1900000.00",
        1,
        ((S.CONFIRMED, None), (S.DELAYED, "Dust storm at the landing site"), (S.FAILED, "Second stage anomaly")),
    ),
    SampleLaunch(
        "agency",
        "Starship Odyssey",
        "Olympus Mons Trek",
        "mars",
        300,
        "2750000.00",
        20,
        ((S.ABORTED, "Programme cut"),),
    ),
]


async def seed_catalogue(services: Services, users: dict[str, Any], *args: Any) -> dict[str, Any]:
    async with services.db.unit_of_work() as uow:
        agencies = {key: await _agency(uow, key, users[key].id) for key in PROFILES}
        rockets = {name: await _rocket(uow, agencies[key], name, cap, rng) for key, name, cap, rng in ROCKETS}
        launches = await _existing_launches(uow, [agency.id for agency in agencies.values()])
        if not launches:
            launches = [_launch(uow, sample, agencies, rockets, users) for sample in SAMPLE_LAUNCHES]
        result = {
            "agencies": {key: agency.id for key, agency in agencies.items()},
            "rockets": {name: rocket.id for name, rocket in rockets.items()},
            "launches": {status.value: [launch.id for launch in launches if launch.status == status] for status in S},
        }
        await uow.commit()
    typer.echo(f"catalogue: {len(agencies)} agencies, {len(rockets)} rockets, {len(launches)} launches")
    return result


async def _agency(uow: SqlUnitOfWork, key: str, user_id: str) -> Agency:
    found = (await uow.session.execute(select(Agency).where(col(Agency.user_id) == user_id))).scalar_one_or_none()
    if found is None:
        found = Agency(user_id=user_id, **PROFILES[key])
        uow.session.add(found)
        await uow.session.flush()
    return found


async def _rocket(uow: SqlUnitOfWork, agency: Agency, name: str, capacity: int, range_: str) -> Rocket:
    statement = select(Rocket).where(col(Rocket.agency_id) == agency.id, col(Rocket.name) == name)
    found = (await uow.session.execute(statement)).scalar_one_or_none()
    if found is None:
        found = Rocket(agency_id=agency.id, name=name, capacity=capacity, range=range_)
        uow.session.add(found)
        await uow.session.flush()
    return found


async def _existing_launches(uow: SqlUnitOfWork, agency_ids: list[str]) -> list[Launch]:
    statement = select(Launch).where(col(Launch.agency_id).in_(agency_ids))
    return list((await uow.session.execute(statement)).scalars().all())


def _launch(
    uow: SqlUnitOfWork, sample: SampleLaunch, agencies: dict[str, Agency], rockets: dict[str, Rocket], users: Any
) -> Launch:
    """A launch with a believable history: scheduled 90 days before its date, then its moves."""
    now = utcnow()
    rocket, user_id = rockets[sample.rocket], users[sample.agency].id
    launch_at = now + timedelta(days=sample.days_from_now)
    launch = Launch(
        agency_id=agencies[sample.agency].id,
        rocket_id=rocket.id,
        mission_name=sample.mission,
        destination=sample.destination,
        launch_at=launch_at if not _delayed(sample) else launch_at - timedelta(days=14),
        price_per_seat=Decimal(sample.price),
        minimum_passengers=sample.minimum,
        capacity=rocket.capacity,
        status=S.SCHEDULED.value,
    )
    uow.session.add(launch)
    when = min(now, launch_at) - timedelta(days=len(sample.moves) + 1)
    history = [
        LaunchStatusChange(launch_id=launch.id, to_status=S.SCHEDULED.value, changed_at=when, changed_by=user_id)
    ]
    for step, (target, reason) in enumerate(sample.moves, start=1):
        history.append(_move(launch, target, reason, user_id, when + timedelta(days=step), launch_at))
    uow.session.add_all(history)
    return launch


def _delayed(sample: SampleLaunch) -> bool:
    return any(target == S.DELAYED for target, _ in sample.moves)


def _move(
    launch: Launch, target: LaunchStatus, reason: str | None, user_id: str, at: datetime, final_date: datetime
) -> Any:
    change = LaunchStatusChange(
        launch_id=launch.id,
        from_status=launch.status,
        to_status=target.value,
        changed_at=at,
        changed_by=user_id,
        reason=reason,
    )
    launch.status = target.value
    if target == S.DELAYED:
        launch.launch_at = final_date
    return change
