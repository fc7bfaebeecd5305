"""Signals between the instances of the service, over PostgreSQL LISTEN/NOTIFY on one channel.

Each process keeps ONE listening connection (`SignalListener`). Three kinds of message travel on it:

- `revoked <expires_at> <key>`: a revocation row was committed (models/accounts/revocations.py); every
  instance adds the key to its in-process mirror (auth/revocation.py), so a revocation holds everywhere even
  when the cache refused to store it; `unrevoked <key>`: a revocation was lifted (an account enabled again).
- `distrust <tag>`: an instance could not bump a cache tag after a committed change (the cache refused the
  write): every instance stops reading entries under that tag until one of its own bumps succeeds
  (models/store/cache.py TagVersions).

When the connection is lost and comes back, messages may have been missed: `on_connect` runs again (reload
the revocations, distrust the cache tags) before the listener counts as live.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

import asyncpg

log = logging.getLogger("astro.signals")

CHANNEL = "astro_signals"
RECONNECT_SECONDS = 1.0
CONNECT_TIMEOUT = 2.0


def revocation_message(key: str, expires_at: int) -> str:
    return f"revoked {int(expires_at)} {key}"


def unrevocation_message(key: str) -> str:
    return f"unrevoked {key}"


def distrust_message(tag: str) -> str:
    return f"distrust {tag}"


class SignalListener:
    def __init__(
        self,
        dsn: str,
        *,
        on_message: Callable[[str], None],
        on_connect: Callable[[asyncpg.Connection], Awaitable[None]],
    ) -> None:
        self._dsn = dsn
        self._on_message = on_message
        self._on_connect = on_connect
        self._task: asyncio.Task[None] | None = None
        self.live = asyncio.Event()  # set while listening, after on_connect ran
        self.tried = asyncio.Event()  # set once the first connection attempt ended (listening or not)

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="astro-signals")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        while True:
            try:
                await self._listen()
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError) as error:
                log.warning("signals listener lost PostgreSQL (%s); reconnecting", error)
            except Exception:
                log.exception("signals listener failed; reconnecting")
            finally:
                self.live.clear()
                self.tried.set()
            await asyncio.sleep(RECONNECT_SECONDS)

    async def _listen(self) -> None:
        conn = await asyncpg.connect(self._dsn, timeout=CONNECT_TIMEOUT)
        lost = asyncio.Event()
        try:
            conn.add_termination_listener(lambda *_: lost.set())
            await conn.add_listener(CHANNEL, lambda *args: self._dispatch(str(args[3])))
            await self._on_connect(conn)  # after LISTEN: nothing committed from now on can be missed
            self.live.set()
            self.tried.set()
            while not conn.is_closed():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(lost.wait(), 5)
                if not lost.is_set():
                    await conn.execute("SELECT 1", timeout=CONNECT_TIMEOUT)  # notices a silently lost peer
                else:
                    break
        finally:
            self.live.clear()
            with contextlib.suppress(Exception):
                await asyncio.shield(conn.close(timeout=2))

    def _dispatch(self, payload: str) -> None:
        try:
            self._on_message(payload)
        except Exception:
            log.exception("bad signal %r", payload)
