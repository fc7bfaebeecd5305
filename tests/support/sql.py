"""The one SQL statement counter of the tests and the benchmarks."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event


@contextmanager
def sql_statements(services: Any) -> Iterator[list[str]]:
    """Every statement the application's engine sends while the block runs, in order."""
    seen: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    engine = services.db.engine.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    raw = services.db.raw_statements  # the compiled reads, sent on the driver's connection
    observe = seen.append
    raw.append(observe)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)
        raw.remove(observe)
