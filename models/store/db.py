"""PostgreSQL access: the async engine (built in the app lifespan) and the unit of work."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from types import TracebackType
from typing import Any

import asyncpg
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from models.launches import catalogue_cache
from models.store.cache import TagVersions
from models.store.signals import CHANNEL
from models.sync.outbox import NOTIFY_CHANNEL, RECORDED

log = logging.getLogger("astro.db")


def async_url(url: str) -> str:
    """Accept the standard `postgresql://` form and select the asyncpg driver."""
    for prefix in ("postgresql+asyncpg://", "postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url[len(prefix) :]
    raise ValueError("DATABASE_URL must be a postgresql:// URL")


class Database:
    """One pooled engine per process; sessions come from units of work."""

    def __init__(self, url: str, *, tags: TagVersions, pool_size: int = 10, echo: bool = False) -> None:
        self.url = url
        self.tags = tags  # the cache tags a committed change invalidates (never optional: no stale catalogue)
        # At most 2 x pool_size connections, as before, but every one kept open once opened: with
        # pool_size + overflow, a connection returned while pool_size others sat idle was closed, and under
        # load a burst reopened it (bench, catalogue uncached, 32 clients: 60-160 new PostgreSQL sessions per
        # 5 s run, each a backend fork, the driver's type introspection and the statements prepared again).
        self.engine: AsyncEngine = create_async_engine(
            async_url(url), pool_size=2 * pool_size, max_overflow=0, pool_pre_ping=False, echo=echo
        )
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        reads = self.engine.execution_options(isolation_level="AUTOCOMMIT")
        self._reads = async_sessionmaker(reads, expire_on_commit=False)
        self._read_engine = reads
        self._notifier: asyncio.Task[None] | None = None
        self._notify_again = False

    def unit_of_work(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.sessions, self.tags, self.notify_outbox)

    @property
    def dsn(self) -> str:
        """The URL as asyncpg takes it (for the relay's own LISTEN connection)."""
        return "postgresql://" + async_url(self.url).removeprefix("postgresql+asyncpg://")

    async def notify_outbox(self) -> None:
        """Wake the relay: sent after the commit, outside the transaction (a NOTIFY inside it would take
        PostgreSQL's global notify lock at every booking's commit). The caller does not wait for it, and
        requests made while one NOTIFY is on its way share ONE more, sent after it: under load, one
        statement wakes the relay for many commits. Never raises: the relay polls anyway."""
        self._notify_again = True
        if self._notifier is None or self._notifier.done():
            self._notifier = asyncio.create_task(self._send_notifies(), name="astro-outbox-notify")

    @property
    def notifying(self) -> bool:
        """A NOTIFY is on its way (or one more is due after it)."""
        return self._notifier is not None and not self._notifier.done()

    async def _send_notifies(self) -> None:
        while self._notify_again:
            self._notify_again = False
            try:
                await self.fetch_row(f"NOTIFY {NOTIFY_CHANNEL}")
            except Exception:
                log.debug("outbox NOTIFY failed; the relay's poll will pick the events up", exc_info=True)

    async def signal(self, message: str) -> None:
        """Tell every instance (models/store/signals.py); raises when PostgreSQL cannot be reached."""
        async with self._reads() as session:
            params = {"channel": CHANNEL, "message": message}
            await session.execute(text("SELECT pg_notify(:channel, :message)"), params)

    @contextlib.asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        """A session for one read outside any transaction: a lone SELECT costs one round trip instead of
        BEGIN + SELECT + ROLLBACK. Never for writes, nor for reads that need one consistent snapshot."""
        async with self._reads() as session:
            yield session
            session.expunge_all()  # the rows stay loaded after the session closes

    async def read_row(self, sql: str, args: Sequence[Any]) -> Any:
        """The one row of one read-only statement (`$1`... positional parameters), outside any transaction,
        on the driver (`fetch_row`): the compiled read path, where PostgreSQL builds the answer and nothing
        is mapped; asyncpg keeps the statement prepared per connection."""
        row = await self.fetch_row(sql, *args)
        if row is None:
            raise LookupError("the statement answered no row")
        return row

    async def fetch_row(self, sql: str, *args: Any) -> Any:
        """The first row (or None) of ONE statement written with PostgreSQL's numbered parameters, sent on a
        pooled connection's asyncpg driver: no ORM session and no SQLAlchemy execution, which cost about
        0.2 ms of CPU and a round trip's wait per statement (tests/bench/FINDINGS.md). Autocommit, like
        `statement()`: only for a statement that needs no other in its transaction. The engine's statement
        listeners (statement counts, tracing spans) see it like any other; a connection found broken is
        dropped from the pool."""
        async with self._read_engine.connect() as conn:
            driver: asyncpg.Connection = (await conn.get_raw_connection()).driver_connection  # type: ignore[assignment]
            sync_conn = conn.sync_connection
            dispatch = self.engine.sync_engine.dispatch
            context = DriverCall()
            dispatch.before_cursor_execute(sync_conn, None, sql, args, context, False)
            try:
                return await driver.fetchrow(sql, *args)
            except BaseException as error:
                context.failed = type(error).__name__
                if driver.is_closed() or isinstance(error, OSError | asyncpg.PostgresConnectionError):
                    await conn.invalidate()
                raise
            finally:
                dispatch.after_cursor_execute(sync_conn, None, sql, args, context, False)

    @contextlib.asynccontextmanager
    async def statement(self) -> AsyncIterator[AsyncSession]:
        """A session for statements each atomic on its own (PostgreSQL commits every one as it ends): one
        round trip instead of BEGIN + statement + COMMIT. Only for a statement that needs no other in its
        transaction (a data-modifying CTE or a function call that does all its writes)."""
        async with self._reads() as session:
            yield session
            session.expunge_all()

    async def ping(self) -> None:
        async with self.engine.connect() as conn:
            await conn.exec_driver_sql("SELECT 1")

    async def dispose(self) -> None:
        if self._notifier is not None:
            await asyncio.gather(self._notifier, return_exceptions=True)  # a last NOTIFY goes out first
        await self.engine.dispose()


class DriverCall:
    """The execution context statement listeners get for a `fetch_row` (they may keep state on it). Its
    `after_cursor_execute` comes even when the statement failed: `failed` then names the error."""

    failed: str | None = None


class SqlUnitOfWork:
    """A transaction owned by one use case. Only the use case commits; leaving without commit rolls back.

    `after_commit` callbacks (cache invalidation, for instance) run once the commit succeeded.
    """

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        tags: TagVersions,
        notify_outbox: Callable[[], Awaitable[None]],
    ) -> None:
        self._sessions = sessions
        self._tags = tags
        self._notify_outbox = notify_outbox
        self._after_commit: list[Callable[[], Awaitable[None]]] = []
        self.session: AsyncSession

    async def __aenter__(self) -> SqlUnitOfWork:
        self.session = self._sessions()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        # close() returns the connection to the pool, which rolls back anything uncommitted, without
        # expiring the rows already loaded: read-only use cases can hand them out after the block.
        await self.session.close()

    def invalidate_catalogue(self) -> None:
        """Bump the public catalogue's cache tag once this transaction commits (before the use case
        returns, so no client that saw the mutation's answer can then read a catalogue from before it)."""
        tags = self._tags
        self.after_commit(lambda: catalogue_cache.invalidate(tags))

    def after_commit(self, callback: Callable[[], Awaitable[None]]) -> None:
        self._after_commit.append(callback)

    async def commit(self) -> None:
        await self.session.commit()
        callbacks, self._after_commit = self._after_commit, []
        if self.session.info.pop(RECORDED, False):
            callbacks.append(self._notify_outbox)
        for callback in callbacks:
            await callback()
