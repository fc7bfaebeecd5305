"""Templates: validation on save, whitelist rendering, and the injection attempts it must resist."""

from __future__ import annotations

import pytest

from models.notifications.errors import InvalidTemplate, UnknownEvent, UnknownPlaceholder
from models.notifications.templates import DEFAULTS, EVENTS, PLACEHOLDERS, Template, render, validate


def test_the_twelve_domain_events_and_three_account_service_emails_have_a_valid_default_template():
    assert len(EVENTS) == 15
    for event in EVENTS:
        default = DEFAULTS[event]
        assert validate(event, default.subject, default.body) == default


def test_an_unknown_placeholder_is_a_typed_refusal_naming_it_and_the_allowed_ones():
    with pytest.raises(UnknownPlaceholder) as refused:
        validate("booking_confirmed", "Hi {recipient_name}", "Your card {card_number} and {password}")
    assert refused.value.names == ["card_number", "password"]
    assert refused.value.allowed == list(PLACEHOLDERS["booking_confirmed"])
    with pytest.raises(UnknownPlaceholder):  # offered by another event only
        validate("launch_confirmed", "{confirmation_link}", "body")


@pytest.mark.parametrize(
    ("subject", "body"),
    [
        ("", "body"),
        ("subject", "   "),
        ("two\nlines", "body"),
        ("carriage\rreturn", "body"),
        ("subject", "a lone { brace"),
        ("subject", "{0.__class__}"),
        ("subject", "{recipient_name.__class__.__mro__}"),
        ("subject", "{recipient_name!r}"),
        ("x" * 301, "body"),
    ],
)
def test_malformed_templates_are_refused(subject: str, body: str):
    with pytest.raises(InvalidTemplate):
        validate("launch_confirmed", subject, body)


def test_an_unknown_event_is_refused():
    with pytest.raises(UnknownEvent):
        validate("launch_exploded", "s", "b")


def test_rendering_is_one_pass_of_plain_text_values():
    template = Template("Hello {recipient_name}", "Dear {recipient_name}, {{literal}} {mission_name}")
    values = {"recipient_name": "{mission_name} {0.__class__}", "mission_name": "Moonrise"}
    rendered = render(template, "launch_confirmed", values)
    assert rendered.body == "Dear {mission_name} {0.__class__}, {literal} Moonrise"  # values never re-scanned
    assert rendered.subject == "Hello {mission_name} {0.__class__}"


def test_values_in_the_subject_lose_their_line_breaks():
    template = Template("Booking: {mission_name}", "{mission_name}")
    rendered = render(template, "booking_confirmed", {"mission_name": "Moon\r\nBcc: victim@example.test\nX"})
    assert "\r" not in rendered.subject and "\n" not in rendered.subject
    assert rendered.subject == "Booking: Moon Bcc: victim@example.test X"
    assert rendered.body == "Moon\r\nBcc: victim@example.test\nX"  # the body is plain text, kept as written


def test_values_the_event_does_not_offer_are_ignored_and_missing_ones_are_empty():
    template = Template("{mission_name}", "{mission_name}|{reason}")
    rendered = render(template, "launch_delayed", {"mission_name": "M", "password_hash": "secret"})
    assert rendered.body == "M|"


def test_account_service_templates_keep_their_link():
    with pytest.raises(InvalidTemplate):
        validate("password_reset_requested", "Reset", "Hello {recipient_name}, no link here")
    assert validate("password_reset_requested", "Reset", "Open {reset_link}").body == "Open {reset_link}"
