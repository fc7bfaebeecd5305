"""The notification events (the twelve domain events and three account-service emails), the placeholders
each offers, their default templates, validation and rendering.

Rendering is one pass of a whitelist substitution: only `{name}` where `name` is a placeholder the event
offers is replaced, values are inserted as plain text and never scanned again, so a traveler named
"{confirmation_link}" or "{0.__class__}" stays exactly that. `str.format` is never applied to
user-editable text (it would evaluate attribute and index lookups). `{{` and `}}` write literal braces."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from models.notifications.errors import InvalidTemplate, UnknownEvent, UnknownPlaceholder
from models.sync.events import Event

TOKEN = re.compile(r"\{\{|\}\}|\{([a-z_]{1,40})\}|[{}]")
MAX_SUBJECT, MAX_BODY = 300, 20_000

_LAUNCH = ("recipient_name", "mission_name", "destination", "launch_at", "agency_name", "status")
_BOOKING = ("recipient_name", "mission_name", "launch_at", "agency_name", "traveler_name", "booking_id", "seats")
_INVOICE = ("recipient_name", "agency_name", "invoice_id", "amount", "due_date")

PLACEHOLDERS: dict[str, tuple[str, ...]] = {
    Event.ACCOUNT_REGISTERED: ("recipient_name", "email", "confirmation_link"),
    Event.LAUNCH_SCHEDULED: (*_LAUNCH, "public_at"),
    Event.LAUNCH_CONFIRMED: _LAUNCH,
    Event.LAUNCH_DELAYED: (*_LAUNCH, "reason"),
    Event.LAUNCH_ABORTED: (*_LAUNCH, "reason"),
    Event.LAUNCH_LAUNCHED: _LAUNCH,
    Event.LAUNCH_FAILED: _LAUNCH,
    Event.BOOKING_CONFIRMED: (*_BOOKING, "amount"),
    Event.BOOKING_CANCELED: (*_BOOKING, "refund_amount", "reason"),
    Event.INVOICE_ISSUED: _INVOICE,
    Event.INVOICE_OVERDUE: _INVOICE,
    Event.SYNC_FAILED: ("recipient_name", "job", "error"),
    # Account-service mail: sent to the account's own login address whatever else is configured; IT may
    # reword them but never drop the link (REQUIRED below).
    Event.PASSWORD_RESET_REQUESTED: ("recipient_name", "email", "reset_link", "valid_minutes"),
    Event.PASSWORD_CHANGED: ("recipient_name", "email", "changed_at"),
    Event.EMPLOYEE_INVITED: ("recipient_name", "email", "role", "invitation_link", "valid_hours"),
}
EVENTS = tuple(PLACEHOLDERS)
ACCOUNT_SERVICE_EVENTS = frozenset(
    {Event.PASSWORD_RESET_REQUESTED, Event.PASSWORD_CHANGED, Event.EMPLOYEE_INVITED, Event.ACCOUNT_REGISTERED}
)
# Placeholders a template of the event must keep: without them the email is useless.
REQUIRED: dict[str, tuple[str, ...]] = {
    Event.ACCOUNT_REGISTERED: ("confirmation_link",),
    Event.PASSWORD_RESET_REQUESTED: ("reset_link",),
    Event.EMPLOYEE_INVITED: ("invitation_link",),
}


class NotificationEvent(StrEnum):
    """The events that notify people: DOMAIN.md section 4's twelve, and the account-service emails."""

    ACCOUNT_REGISTERED = Event.ACCOUNT_REGISTERED.value
    LAUNCH_SCHEDULED = Event.LAUNCH_SCHEDULED.value
    LAUNCH_CONFIRMED = Event.LAUNCH_CONFIRMED.value
    LAUNCH_DELAYED = Event.LAUNCH_DELAYED.value
    LAUNCH_ABORTED = Event.LAUNCH_ABORTED.value
    LAUNCH_LAUNCHED = Event.LAUNCH_LAUNCHED.value
    LAUNCH_FAILED = Event.LAUNCH_FAILED.value
    BOOKING_CONFIRMED = Event.BOOKING_CONFIRMED.value
    BOOKING_CANCELED = Event.BOOKING_CANCELED.value
    INVOICE_ISSUED = Event.INVOICE_ISSUED.value
    INVOICE_OVERDUE = Event.INVOICE_OVERDUE.value
    SYNC_FAILED = Event.SYNC_FAILED.value
    PASSWORD_RESET_REQUESTED = Event.PASSWORD_RESET_REQUESTED.value
    PASSWORD_CHANGED = Event.PASSWORD_CHANGED.value
    EMPLOYEE_INVITED = Event.EMPLOYEE_INVITED.value


@dataclass(frozen=True)
class Template:
    subject: str
    body: str


_SIGN = "\n\n-- AstroBookings"
DEFAULTS: dict[str, Template] = {
    Event.ACCOUNT_REGISTERED: Template(
        "Confirm your AstroBookings account",
        "Hello {recipient_name},\n\nconfirm the address {email} by opening this link:\n\n{confirmation_link}\n\n"
        "The link is valid for three days." + _SIGN,
    ),
    Event.LAUNCH_SCHEDULED: Template(
        "New launch: {mission_name} to {destination}",
        "Hello {recipient_name},\n\n{agency_name} scheduled {mission_name} to {destination} on {launch_at}.\n"
        "It opens to everyone at {public_at}." + _SIGN,
    ),
    Event.LAUNCH_CONFIRMED: Template(
        "{mission_name} is confirmed",
        "Hello {recipient_name},\n\n{mission_name} to {destination} on {launch_at} is confirmed." + _SIGN,
    ),
    Event.LAUNCH_DELAYED: Template(
        "{mission_name} is delayed",
        "Hello {recipient_name},\n\n{mission_name} to {destination} is delayed; new date {launch_at}.\n"
        "Reason: {reason}" + _SIGN,
    ),
    Event.LAUNCH_ABORTED: Template(
        "{mission_name} is aborted",
        "Hello {recipient_name},\n\n{mission_name} to {destination} is aborted. Bookings are refunded in full.\n"
        "Reason: {reason}" + _SIGN,
    ),
    Event.LAUNCH_LAUNCHED: Template(
        "{mission_name} has launched",
        "Hello {recipient_name},\n\n{mission_name} to {destination} lifted off." + _SIGN,
    ),
    Event.LAUNCH_FAILED: Template(
        "{mission_name} failed", "Hello {recipient_name},\n\n{mission_name} to {destination} failed." + _SIGN
    ),
    Event.BOOKING_CONFIRMED: Template(
        "Booking confirmed: {mission_name}",
        "Hello {recipient_name},\n\nbooking {booking_id} of {traveler_name}: {seats} seat(s) on {mission_name} "
        "({launch_at}) for {amount} USD is confirmed." + _SIGN,
    ),
    Event.BOOKING_CANCELED: Template(
        "Booking canceled: {mission_name}",
        "Hello {recipient_name},\n\nbooking {booking_id} of {traveler_name} ({seats} seat(s) on {mission_name}) "
        "is canceled. Refund: {refund_amount} USD.\nReason: {reason}" + _SIGN,
    ),
    Event.INVOICE_ISSUED: Template(
        "Invoice {invoice_id}",
        "Hello {recipient_name},\n\ninvoice {invoice_id} for {agency_name}: {amount} USD due on {due_date}." + _SIGN,
    ),
    Event.INVOICE_OVERDUE: Template(
        "Invoice {invoice_id} is overdue",
        "Hello {recipient_name},\n\ninvoice {invoice_id} ({amount} USD) was due on {due_date}." + _SIGN,
    ),
    Event.SYNC_FAILED: Template(
        "Synchronisation failed: {job}", "Hello {recipient_name},\n\nsync job {job} failed:\n{error}" + _SIGN
    ),
    Event.PASSWORD_RESET_REQUESTED: Template(
        "Reset your AstroBookings password",
        "Hello {recipient_name},\n\nsomeone asked to reset the password of the account {email}. To choose a new "
        "password, open this link:\n\n{reset_link}\n\nThe link works once and for {valid_minutes} minutes. "
        "If you did not ask for it, ignore this email: your password stays as it is." + _SIGN,
    ),
    Event.PASSWORD_CHANGED: Template(
        "Your AstroBookings password was changed",
        "Hello {recipient_name},\n\nthe password of the account {email} was changed at {changed_at} and every "
        "session was signed out. If it was not you, ask for a password reset at once and tell us." + _SIGN,
    ),
    Event.EMPLOYEE_INVITED: Template(
        "Your AstroBookings employee account",
        "Hello {recipient_name},\n\nan AstroBookings {role} account was created for {email}. Choose your "
        "password by opening this link:\n\n{invitation_link}\n\nThe link works once and for {valid_hours} "
        'hours; after that, use "Forgot your password" with this address.' + _SIGN,
    ),
}


def allowed_placeholders(event: str) -> tuple[str, ...]:
    if event not in PLACEHOLDERS:
        raise UnknownEvent(event)
    return PLACEHOLDERS[event]


def validate(event: str, subject: str, body: str) -> Template:
    """The template, checked: non-empty, a one-line subject, balanced braces, only the event's placeholders."""
    allowed = allowed_placeholders(event)
    subject, body = subject.strip(), body.strip()
    if not subject or not body:
        raise InvalidTemplate("Subject and body must not be empty", field="template")
    if len(subject) > MAX_SUBJECT or len(body) > MAX_BODY:
        raise InvalidTemplate(f"Subject is at most {MAX_SUBJECT} characters, body {MAX_BODY}", field="template")
    if "\r" in subject or "\n" in subject:
        raise InvalidTemplate("The subject is one line", field="subject")
    names = _names(subject) + _names(body)
    unknown = sorted({name for name in names if name not in allowed})
    if unknown:
        raise UnknownPlaceholder(event, unknown, list(allowed))
    missing = [name for name in REQUIRED.get(event, ()) if name not in _names(body)]
    if missing:
        raise InvalidTemplate(f"The body must keep {{{missing[0]}}}: without it the email is useless", field="body")
    return Template(subject, body)


def _names(text: str) -> list[str]:
    names = []
    for match in TOKEN.finditer(text):
        if match.group(0) in ("{", "}"):
            raise InvalidTemplate(
                "A lone brace: write {{ or }} for a literal brace, {name} for a placeholder", field="template"
            )
        if match.group(1):
            names.append(match.group(1))
    return names


def substitute(text: str, values: Mapping[str, str]) -> str:
    """Replace each known `{name}` by its value, in one pass; anything else is left as written."""

    def one(match: re.Match[str]) -> str:
        found, name = match.group(0), match.group(1)
        if found in ("{{", "}}"):
            return found[0]
        return values.get(name, found) if name else found

    return TOKEN.sub(one, text)


def one_line(value: str) -> str:
    """A value placed in a subject (an email header): CR, LF and other line breaks become spaces."""
    return " ".join(value.splitlines()).replace("\r", " ").replace("\n", " ")


def render(template: Template, event: str, values: Mapping[str, object]) -> Template:
    """Subject and body of one notification. Only the event's placeholders are filled (others stay literal)."""
    allowed = allowed_placeholders(event)
    text_values = {name: str(values.get(name, "")) for name in allowed}
    subject = substitute(template.subject, {name: one_line(value) for name, value in text_values.items()})
    return Template(one_line(subject)[:1000], substitute(template.body, text_values))


LINK_TOKEN = re.compile(r"([?&]token=)[A-Za-z0-9._~%-]+")


def withhold_links(event: str, body: str) -> str:
    """The body of an account-service email as the queue and the inbox show it: the token of its link
    withheld. Only the email itself carries it, so no one (IT included) can use another person's link."""
    if event not in ACCOUNT_SERVICE_EVENTS:
        return body
    return LINK_TOKEN.sub(r"\1[withheld]", body)
