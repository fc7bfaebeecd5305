"""GraphQL types of authentication: the User entity and session tokens."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry
from strawberry.dataloader import DataLoader
from strawberry.relay import PageInfo
from strawberry.types import Info

from models.accounts.users import User as UserRecord
from models.accounts.users import UserFilter as UserFilterRow
from models.errors import DomainError
from resolvers.accounts.sessions import SessionTokens


@strawberry.enum(description="What an account may do on the platform.")
class UserRole(Enum):
    TRAVELER = "traveler"
    AGENCY = "agency"
    FINANCIAL = "financial"
    IT = "it"


@strawberry.enum(description="The roles that register themselves (employees are created by IT).")
class RegistrationRole(Enum):
    TRAVELER = "traveler"
    AGENCY = "agency"


@strawberry.enum(description="The employee roles, created and managed by IT.")
class EmployeeRole(Enum):
    FINANCIAL = "financial"
    IT = "it"


@strawberry.enum(description="Whether an account may sign in.")
class UserStatus(Enum):
    ACTIVE = "active"
    DISABLED = "disabled"  # by IT; may be enabled again
    CLOSED = "closed"  # by its owner; personal data anonymised, final


def users(info: Info) -> DataLoader[str, UserRecord | DomainError]:
    """Users by id for this request, each one checked against the caller (self, or IT for anyone)."""
    return info.context.loaders.users


async def load_user(info: Info, user_id: str) -> UserRecord:
    """One user through the request's loader; FORBIDDEN / UNAUTHENTICATED / NOT_FOUND when refused."""
    found = await users(info).load(user_id)  # the loader raises the refusals it returns
    if isinstance(found, DomainError):
        raise found
    return found


@strawberry.federation.type(
    keys=["id"], description="A user account. Readable by the user themself and by IT employees."
)
class User:
    id: strawberry.ID = strawberry.field(description="User id.")
    name: str = strawberry.field(description="Full name.")
    email: str = strawberry.field(description="Login email, lower-cased.")
    role: UserRole = strawberry.field(description="The account's role.")
    email_confirmed: bool = strawberry.field(description="Whether the email address was confirmed.")
    status: UserStatus = strawberry.field(
        description="ACTIVE; DISABLED by IT (no sign-in, every token refused); CLOSED by its owner (anonymised)."
    )
    created_at: datetime = strawberry.field(description="When the account was created (UTC).")

    @classmethod
    def from_record(cls, record: UserRecord) -> User:
        return cls(
            id=strawberry.ID(record.id),
            name=record.name,
            email=record.email,
            role=UserRole(record.role),
            email_confirmed=bool(record.email_confirmed),
            status=UserStatus(record.status or "active"),
            created_at=record.created_at,
        )

    @classmethod
    async def resolve_reference(cls, info: Info, id: strawberry.ID) -> User:
        return cls.from_record(await load_user(info, str(id)))


@strawberry.type(description="A signed-in session: a short-lived access token and its refresh token.")
class AuthPayload:
    access_token: str = strawberry.field(description="Bearer token for the Authorization header (JWT).")
    refresh_token: str = strawberry.field(description="Single-use token for `refreshToken`; rotated on each use.")
    expires_in: int = strawberry.field(description="Seconds until the access token expires.")
    token_type: str = strawberry.field(description="Always `Bearer`.", default="Bearer")
    user: User = strawberry.field(description="The signed-in user.")

    @classmethod
    def from_tokens(cls, tokens: SessionTokens) -> AuthPayload:
        return cls(
            access_token=tokens.access_token,
            refresh_token=tokens.refresh_token,
            expires_in=tokens.expires_in,
            user=User.from_record(tokens.user),
        )


@strawberry.input(description="Conditions of IT's user search; every given one must hold.")
class UserFilter:
    text: str | None = strawberry.field(
        default=None, description="Found in the email or the name, literally and ignoring case."
    )
    roles: list[UserRole] | None = strawberry.field(default=None, description="Any of these roles.")
    status: UserStatus | None = strawberry.field(default=None, description="Only accounts in this status.")
    confirmed: bool | None = strawberry.field(default=None, description="Email confirmed (true) or not (false).")

    def to_model(self) -> UserFilterRow:
        return UserFilterRow(
            text=self.text,
            roles=tuple(role.value for role in self.roles or ()),
            status=self.status.value if self.status else None,
            confirmed=self.confirmed,
        )


@strawberry.type(description="An edge of the user list.")
class UserEdge:
    cursor: str = strawberry.field(description="Pass as `after` to continue after this account.")
    node: User = strawberry.field(description="The account.")


@strawberry.type(description="A page of accounts, oldest first.")
class UserConnection:
    edges: list[UserEdge] = strawberry.field(description="The accounts of this page.")
    page_info: PageInfo = strawberry.field(description="Where this page sits.")
