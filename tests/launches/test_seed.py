"""The demo catalogue seed: both demo agencies, the sample rockets, launches in every status with history."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from models.launches.tables import Launch, LaunchStatus, LaunchStatusChange
from scripts.seed_catalogue import seed_catalogue
from scripts.seed_users import seed_users
from tests.support.builders import fetch


async def test_seed_has_every_status_with_history_and_is_repeatable(services: Any) -> None:
    users = await seed_users(services)
    seeded = await seed_catalogue(services, users)
    assert set(seeded["launches"]) == {status.value for status in LaunchStatus}
    assert all(seeded["launches"][status.value] for status in LaunchStatus)
    assert set(seeded["agencies"]) == {"agency", "agency2"}
    launches = {launch.id: launch for launch in await fetch(services, select(Launch))}
    history = await fetch(services, select(LaunchStatusChange).order_by(LaunchStatusChange.changed_at))
    for launch in launches.values():
        moves = [change for change in history if change.launch_id == launch.id]
        assert moves[0].from_status is None and moves[-1].to_status == launch.status
        assert all(a.to_status == b.from_status for a, b in zip(moves, moves[1:], strict=False))
    (failed,) = seeded["launches"]["failed"]
    assert [c.to_status for c in history if c.launch_id == failed] == ["scheduled", "confirmed", "delayed", "failed"]
    again = await seed_catalogue(services, users)
    assert again == seeded
    async with services.db.unit_of_work() as uow:
        assert (await uow.session.execute(select(func.count()).select_from(Launch))).scalar_one() == len(launches)
