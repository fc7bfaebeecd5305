"""Operators' telemetry shared by every layer: the log context of the work in hand (request id, operation,
principal; contextvars, so every log line written while serving a request or delivering its event carries
them) and the Prometheus instruments that processes update as they work.

Metrics are process-local counters unless PROMETHEUS_MULTIPROC_DIR is set before this module is first
imported (`astro serve` sets it): then every process writes its samples to files in that folder and
`/metrics` (graph/edge/telemetry.py) reads them all, so `--workers N` report as one service. What every
request counts goes through `TALLY`, which writes to those files once a second rather than at each request.
State that is the same whatever process looks (outbox lag, queue depth, sync runs) is read from the stores
when `/metrics` is scraped, not kept here."""

from __future__ import annotations

import asyncio
import bisect
import contextlib
from collections.abc import Callable, Iterator, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from prometheus_client import Counter, Gauge, Histogram


@dataclass(frozen=True)
class LogContext:
    request_id: str | None = None
    operation: str | None = None
    principal: str | None = None  # "role:id", never a token or an email


EMPTY = LogContext()
CURRENT: ContextVar[LogContext | None] = ContextVar("astro_log_context", default=None)


def current() -> LogContext:
    return CURRENT.get() or EMPTY


def set_context(**values: str | None) -> None:
    """Add to the current context (e.g. the operation name once it is known); lasts until the task ends or
    the enclosing `log_context` block resets it."""
    now = current()
    CURRENT.set(LogContext(**{**now.__dict__, **{k: v for k, v in values.items() if v is not None}}))


@contextlib.contextmanager
def log_context(
    *, request_id: str | None = None, operation: str | None = None, principal: str | None = None
) -> Iterator[None]:
    token = CURRENT.set(LogContext(request_id, operation, principal))
    try:
        yield
    finally:
        CURRENT.reset(token)


def origin_of(events: Sequence[Any]) -> contextlib.AbstractContextManager[None]:
    """The events' origin (request id, operation, principal) on every process log line their consumer
    writes, so one request can be followed into its notifications and log entries; a batch from several
    requests names each request id (comma-separated)."""

    def one(values: list[str | None]) -> str | None:
        unique = list(dict.fromkeys(value for value in values if value))
        return ",".join(unique) or None

    return log_context(
        request_id=one([event.origin_request_id for event in events]),
        operation=one([event.origin_operation for event in events]),
        principal=one([event.origin_user for event in events]),
    )


LATENCY_BUCKETS = (0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

REQUESTS = Counter(
    "astro_graphql_requests",
    "GraphQL requests by operation name, operation type and outcome (ok, error, rejected)",
    ["operation", "type", "outcome"],
)
LATENCY = Histogram(
    "astro_graphql_request_duration_seconds",
    "GraphQL request latency by operation name and type",
    ["operation", "type"],
    buckets=LATENCY_BUCKETS,
)
ERRORS = Counter("astro_graphql_errors", "GraphQL errors in responses, by extensions.code", ["code"])
RESPONSE_CACHE = Counter(
    "astro_response_cache_lookups", "Whole-response cache lookups of anonymous catalogue queries", ["result"]
)
DB_POOL_IN_USE = Gauge(
    "astro_db_pool_connections_in_use",
    "PostgreSQL connections checked out of the pools of live processes",
    multiprocess_mode="livesum",
)
LIVE_SUBSCRIBERS = Gauge(
    "astro_live_subscribers",
    "Subscriptions listening for live messages, summed over live processes",
    multiprocess_mode="livesum",
)
RELAY_DELIVERIES = Counter(
    "astro_relay_deliveries",
    "Outbox events handed to consumers by the relay, by consumer and outcome",
    ["consumer", "outcome"],
)

MAX_OPERATION_NAMES = 200  # per process; names past it are counted as "(other)" (clients choose the names)
_seen_operations: set[str] = set()


def operation_label(name: str | None) -> str:
    """A bounded label for an operation name: clients choose names, so their number must be capped."""
    if not name:
        return "(anonymous)"
    if name in _seen_operations:
        return name
    if len(_seen_operations) >= MAX_OPERATION_NAMES or len(name) > 100:
        return "(other)"
    _seen_operations.add(name)
    return name


FLUSH_SECONDS = 1.0


class Tally:
    """What every request counts, kept in this process's memory and added to the Prometheus values by `flush`:
    within FLUSH_SECONDS of the first count since the last flush, before this process answers a scrape, and
    when it stops. In multiprocess mode an increment takes a lock and writes a memory-mapped file (about 8,400
    instructions, an observation twice that: a cache hit's three were 6 % of its instructions); here an
    increment takes 1,200 and an observation 2,500.
    Gauges read at each flush (`sample`) cost nothing between flushes. Counts not yet flushed when a process
    dies are lost, at most FLUSH_SECONDS of them."""

    def __init__(self) -> None:
        self._counts: dict[Any, float] = {}  # a counter's child: its increment since the last flush
        self._observed: dict[Any, list[Any]] = {}  # a histogram's child: [sum, count per bucket]
        self._gauges: dict[Any, Callable[[], float]] = {}
        self._due: asyncio.TimerHandle | None = None

    def inc(self, counter: Any, amount: float = 1.0) -> None:
        self._counts[counter] = self._counts.get(counter, 0.0) + amount
        if self._due is None:
            self._schedule()

    def observe(self, histogram: Any, value: float) -> None:
        found = self._observed.get(histogram)
        if found is None:
            found = self._observed[histogram] = [0.0, [0] * len(histogram._upper_bounds)]
        found[0] += value
        found[1][bisect.bisect_left(histogram._upper_bounds, value)] += 1  # its bucket: the first bound >= value
        if self._due is None:
            self._schedule()

    def sample(self, gauge: Any, read: Callable[[], float]) -> None:
        """Set `gauge` to `read()` at each flush (the latest `read` given for a gauge replaces earlier ones)."""
        self._gauges[gauge] = read

    def _schedule(self) -> None:
        try:
            self._due = asyncio.get_running_loop().call_later(FLUSH_SECONDS, self.flush)
        except RuntimeError:  # no event loop (a command): at once
            self.flush()

    def flush(self) -> None:
        if self._due is not None:
            self._due.cancel()
            self._due = None
        counts, observed, self._counts, self._observed = self._counts, self._observed, {}, {}
        for counter, amount in counts.items():
            counter.inc(amount)
        for histogram, (total, buckets) in observed.items():  # what `observe` does, once per bucket
            histogram._sum.inc(total)
            for index, count in enumerate(buckets):
                if count:
                    histogram._buckets[index].inc(count)
        for gauge, read in self._gauges.items():
            gauge.set(read())


TALLY = Tally()
