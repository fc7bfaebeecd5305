"""The public catalogue's cache contract, in one place: which root fields are public, the tag every change
the catalogue shows must bump after it commits, how long answers are kept, and the Cache-Control policy.

The response cache (graph/edge/response_cache.py) stores anonymous answers stamped with the tag's version;
use cases bump the tag through their unit of work (`uow.invalidate_catalogue()`)."""

from __future__ import annotations

import logging

from models.store.cache import TagVersions

log = logging.getLogger("astro.catalogue")

TAG = "catalogue"
PUBLIC_ROOT_FIELDS = frozenset({"launches", "__typename"})
STORE_SECONDS = 60
PUBLIC_MAX_AGE = 5  # seconds a CDN in front may lag behind
PUBLIC_HEADERS = {"Cache-Control": f"public, max-age={PUBLIC_MAX_AGE}", "Vary": "Authorization, Accept"}
PRIVATE_HEADERS = {"Cache-Control": "private, no-store"}
ANONYMOUS_HEADERS = {"Cache-Control": "no-store"}


async def invalidate(tags: TagVersions) -> None:
    """Make every cached catalogue response unreachable. Never raises: the change it follows is already
    committed. When the cache refuses the bump, the tag is distrusted here at once (no cached catalogue is
    read by this process until a later bump lands) and the other instances are told to distrust it too."""
    try:
        await tags.bump(TAG)
    except Exception:
        log.warning("catalogue cache invalidation failed; cached catalogue answers are bypassed", exc_info=True)
        if tags.announce is not None:
            try:
                await tags.announce(TAG)
            except Exception:
                log.error("could not tell the other instances to bypass the cached catalogue", exc_info=True)
