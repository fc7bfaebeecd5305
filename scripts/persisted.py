"""`astro persisted register`: store a partner's manifest of trusted documents in PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson

from graph.edge.documents import manifest_validator
from graph.edge.limits import Limits
from graph.schema import build_schema
from graph.settings import Settings
from models.partners.clients import find_client_by_name
from models.store.cache import TagVersions, build_cache
from models.store.db import Database
from resolvers.partners.persisted import RegisteredManifest, register_manifest


def read_manifest(path: Path) -> Any:
    return orjson.loads(path.read_bytes())


async def register(settings: Settings, manifest: Any, *, client: str, replace: bool) -> RegisteredManifest:
    """Validate every operation of the manifest against the schema, then store them all."""
    limits = Limits.from_settings(settings)
    schema = build_schema(production=settings.is_production, limits=limits)
    cache = build_cache(settings.redis_url, settings.cache_namespace)
    db = Database(settings.database_url or "", tags=TagVersions(cache), pool_size=1)
    try:
        async with db.unit_of_work() as uow:
            # Checked against the scopes of the client of that name when it exists (any partner scope before).
            found = await find_client_by_name(uow.session, client)
            validate = manifest_validator(schema, limits, frozenset(found.scopes) if found else None)
            return await register_manifest(uow, name=client, manifest=manifest, validate=validate, replace=replace)
    finally:
        await db.dispose()
