"""The `accounts` synchronisation's rules: user accounts (system store) against traveler and agency profiles
(operations store), as pure functions of both sides.

- missing: a traveler or agency account without its profile. Reported (the profile holds data only its
  owner can give).
- orphaned: a profile whose account does not exist. Reported (its bookings or launches must be kept).
- mismatched role: a profile whose account has another role. Reported.
- mismatched email (the profile's contact email is not the account's email) and mismatched name (a traveler
  profile's name is not the account's name). When the two differ only by case or white space the profile is
  fixed (it takes the account's value, which is the normalised one); otherwise reported.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

PROFILE_ROLE = {"traveler": "traveler", "agency": "agency"}


@dataclass(frozen=True)
class Account:
    id: str
    email: str
    name: str
    role: str


@dataclass(frozen=True)
class Profile:
    kind: str  # traveler or agency
    id: str
    user_id: str
    email: str
    name: str | None  # travelers only: an agency's legal name is not its user's name


@dataclass(frozen=True)
class Fix:
    profile: Profile
    changes: dict[str, str]  # column -> new value


@dataclass
class Comparison:
    findings: list[dict[str, Any]] = field(default_factory=list)
    fixes: list[Fix] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        counted: dict[str, int] = {"missing": 0, "orphaned": 0, "mismatched": 0, "fixed": 0}
        for finding in self.findings:
            counted[finding["finding"]] += 1
            counted["fixed"] += 1 if finding["fixed"] else 0
        return counted


def _squash(text: str) -> str:
    return " ".join(text.split())


def _only_form_differs(a: str, b: str) -> bool:
    return a != b and _squash(a).casefold() == _squash(b).casefold()


def compare(accounts: list[Account], profiles: list[Profile]) -> Comparison:
    result = Comparison()
    by_id = {account.id: account for account in accounts}
    profiled = {(profile.kind, profile.user_id) for profile in profiles}

    def report(finding: str, detail: str, *, user: str | None, profile: Profile | None, fixed: bool = False) -> None:
        result.findings.append(
            {
                "finding": finding,
                "detail": detail,
                "userId": user,
                "profile": f"{profile.kind}:{profile.id}" if profile else None,
                "fixed": fixed,
            }
        )

    for account in accounts:
        if account.role in PROFILE_ROLE and (account.role, account.id) not in profiled:
            report("missing", f"{account.role} account without a {account.role} profile", user=account.id, profile=None)
    for profile in profiles:
        owner = by_id.get(profile.user_id)
        if owner is None:
            report("orphaned", f"{profile.kind} profile without an account", user=profile.user_id, profile=profile)
            continue
        account = owner
        if account.role != PROFILE_ROLE[profile.kind]:
            detail = f"{profile.kind} profile of a {account.role} account"
            report("mismatched", detail, user=account.id, profile=profile)
        changes: dict[str, str] = {}
        pairs = [("email", profile.email, account.email, "contact_email")]
        if profile.name is not None:
            pairs.append(("name", profile.name, account.name, "name"))
        for name, theirs, ours, column in pairs:
            if theirs == ours:
                continue
            fixable = _only_form_differs(theirs, ours)
            if fixable:
                changes[column] = ours
            report("mismatched", f"{name} differs", user=account.id, profile=profile, fixed=fixable)
        if changes:
            result.fixes.append(Fix(profile, changes))
    return result
