"""Partner-client and manifest refusals, named after their condition."""

from __future__ import annotations

from models.errors import Conflict, NotFound, ValidationFailed


class PartnerClientInvalid(ValidationFailed):
    """A client's name, manifest name or scopes are not valid."""


class InvalidName(PartnerClientInvalid):
    pass


class UnknownScopes(PartnerClientInvalid):
    pass


class PartnerClientNameTaken(Conflict):
    pass


class PartnerClientNotFound(NotFound):
    pass


class PartnerClientRevoked(Conflict):
    pass


class ManifestInvalid(ValidationFailed):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("The manifest was refused: " + "; ".join(problems), problems=len(problems))
        self.problems = problems
