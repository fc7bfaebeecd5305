"""What a compilable field declares about itself: `strawberry.field(..., metadata={SQL: ...})`.

The compiler (graph/compiled/compiler.py) reads only this metadata and the validated document, so a field
takes the compiled path exactly when its type declared how PostgreSQL produces its value:

- a scalar (`text`, `integer`, `boolean`, `id`, `datetime`, `money`, `enum`) names the SQL expression of
  its value over the row alias `{t}` and how Strawberry would serialize it (the SQL builds the same JSON);
- `same_row()`: an object field answered from the same row (an edge's node, an occupancy line's launch);
- `to_one(table, on)` / `to_many(source, on, order)`: a nested object or list read by a correlated
  subquery (`{c}` is the child alias, `{t}` the parent's);
- `cursor()`: an edge's cursor, made by the connection's root (its sort decides the key);
- `connection(root)` on a root field, `edges()` on a connection's edge list, `page_info()` on its PageInfo.

Fields without metadata (resolvers with per-row permissions, fields that can fail, ...) are not compiled:
a document selecting one runs through Strawberry.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any, Protocol

SQL = "astro.sql"  # the strawberry field metadata key

# Python's datetime.isoformat() of an aware UTC datetime, in SQL: microseconds only when not zero.
_ISO = (
    "(to_char({x} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS') || CASE WHEN date_trunc('second', {x}) = {x} "
    "THEN '' ELSE to_char({x} AT TIME ZONE 'UTC', '.US') END || '+00:00')"
)


def iso_datetime(expression: str) -> str:
    """The SQL text of `datetime.isoformat()` for a timestamptz expression (as Strawberry's DateTime)."""
    return _ISO.replace("{x}", expression)


@dataclass(frozen=True)
class Scalar:
    expression: str  # over `{t}`, the row's alias
    kind: str  # how Strawberry serializes the Python value

    def json(self, alias: str) -> str:
        """The SQL of the JSON value (NULL stays NULL: json_build_object writes null)."""
        x = self.expression.replace("{t}", alias)
        if self.kind == "datetime":
            return iso_datetime(x)
        if self.kind == "money":  # Decimal -> str(): numeric's own text, at two places
            return f"({x})::text"
        return x


@dataclass(frozen=True)
class EnumScalar(Scalar):
    names: tuple[tuple[str, str], ...] = ()  # stored value -> GraphQL name

    def json(self, alias: str) -> str:
        x = self.expression.replace("{t}", alias)
        cases = " ".join(f"WHEN {quote(value)} THEN {quote(name)}" for value, name in self.names)
        return f"(CASE {x} {cases} END)"


@dataclass(frozen=True)
class SameRow:
    """An object answered from the parent's row."""


@dataclass(frozen=True)
class ToOne:
    table: str
    on: str  # over `{c}` (the child) and `{t}` (the parent)


@dataclass(frozen=True)
class ToMany:
    source: str  # FROM clause over `{c}` (may join more tables as `{c}_<x>`)
    on: str
    order: str


@dataclass(frozen=True)
class Cursor:
    """An edge's cursor: the root's cursor expression for the current sort."""


@dataclass(frozen=True)
class Edges:
    """A connection's list of edges."""


@dataclass(frozen=True)
class PageInfo:
    """A connection's page info (hasNextPage, hasPreviousPage, startCursor, endCursor)."""


class Refused(Exception):
    """The arguments of this call are not compiled (bad value, wrong caller...): Strawberry answers it, with
    the same error it always gives."""


@dataclass
class Page:
    """One root connection's rows, as the root decided them for the arguments and the caller."""

    table: str  # FROM `<table> {t}`
    where: list[str]  # conditions over `{t}`, with :named parameters
    order: list[str]  # ORDER BY terms over `{t}`
    cursor: str  # SQL of the cursor text over `{t}`
    first: int
    has_previous: bool
    params: dict[str, Any]
    # Extra columns read in the same statement, name -> SQL (e.g. the next VIP window end).
    extras: dict[str, str]
    # The best plan is the same for every parameter value (no filter whose selectivity matters, only the
    # index order): the LIMIT is written as a literal, so PostgreSQL's plan cache can keep one generic plan
    # for the prepared statement instead of planning it again at each execution. Left False when a filter's
    # values decide the plan (a generic plan guesses their selectivity: a price range sorted by price took
    # a bitmap scan and a sort, 3 x slower than the custom plan's index scan).
    generic_plan: bool = False


class Caller(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def role(self) -> str: ...


class ConnectionRoot(Protocol):
    """A root field answered as a keyset-paginated connection over one table."""

    def page(self, args: dict[str, Any], caller: Caller | None, now: datetime, p: str) -> Page:
        """The rows for these arguments and this caller (parameters named `:{p}<name>`); Refused when
        Strawberry must answer."""
        ...

    def check(self, extras: dict[str, Any]) -> None:
        """After the statement: Refused when its extras show Strawberry must answer (e.g. no profile)."""
        ...

    def fresh_until(self, extras: dict[str, Any]) -> datetime | None:
        """When the answer changes by itself (the response cache keeps it no longer)."""
        ...


@dataclass(frozen=True)
class Connection:
    root: ConnectionRoot


def quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def text(expression: str) -> dict[str, Any]:
    return {SQL: Scalar(expression, "text")}


def integer(expression: str) -> dict[str, Any]:
    return {SQL: Scalar(expression, "int")}


def boolean(expression: str) -> dict[str, Any]:
    return {SQL: Scalar(expression, "bool")}


def ident(expression: str) -> dict[str, Any]:
    return {SQL: Scalar(expression, "id")}


def timestamp(expression: str) -> dict[str, Any]:
    return {SQL: Scalar(expression, "datetime")}


def money(expression: str) -> dict[str, Any]:
    """A Decimal with two places: `round(..., 2)` in the expression when the value may have another scale."""
    return {SQL: Scalar(expression, "money")}


def enum(expression: str, kind: type[Enum]) -> dict[str, Any]:
    return {SQL: EnumScalar(expression, "enum", tuple((str(member.value), member.name) for member in kind))}


def same_row() -> dict[str, Any]:
    return {SQL: SameRow()}


def to_one(table: str, on: str) -> dict[str, Any]:
    return {SQL: ToOne(table, on)}


def to_many(source: str, on: str, order: str) -> dict[str, Any]:
    return {SQL: ToMany(source, on, order)}


def cursor() -> dict[str, Any]:
    return {SQL: Cursor()}


def edges() -> dict[str, Any]:
    return {SQL: Edges()}


def page_info() -> dict[str, Any]:
    return {SQL: PageInfo()}


def connection(root: ConnectionRoot) -> dict[str, Any]:
    return {SQL: Connection(root)}
