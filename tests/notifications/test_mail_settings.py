"""Mail settings: the SMTP URL forms, production's refusal to start without one, and the development
server that keeps every message on disk."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from graph.settings import Settings
from models.notifications.mail import Mailer, SmtpTarget
from models.store.embedded import embedded_smtp


def test_smtp_urls():
    plain = SmtpTarget.parse("smtp://mailer:s%40cret@mail.example:2525")
    assert (plain.host, plain.port, plain.username, plain.password) == ("mail.example", 2525, "mailer", "s@cret")
    assert not plain.implicit_tls and not plain.starttls
    assert SmtpTarget.parse("smtps://mail.example").port == 465
    assert SmtpTarget.parse("smtps://mail.example").implicit_tls
    upgraded = SmtpTarget.parse("smtp://mail.example?starttls=true")
    assert upgraded.starttls and upgraded.port == 587
    with pytest.raises(ValueError, match="ASTRO_SMTP_URL"):
        SmtpTarget.parse("http://mail.example")


def test_production_refuses_to_start_without_an_smtp_url():
    keys = {"jwt_keys": {"k": "x" * 40}, "jwt_active_kid": "k"}
    with pytest.raises(ValidationError, match="ASTRO_SMTP_URL"):
        Settings(environment="production", **keys)
    assert Settings(environment="production", smtp_url="smtps://mail.example", metrics=False, **keys).smtp_url


async def test_the_development_server_keeps_every_message_under_the_data_folder(tmp_path: Path):
    with embedded_smtp(tmp_path) as url:
        outcome = await Mailer(SmtpTarget.parse(url), "dev@astro.test").send(to="a@b.test", subject="Hi", body="Yo")
    assert outcome.verdict == "sent"
    [stored] = list((tmp_path / "mail" / "new").iterdir())
    assert "Subject: Hi" in stored.read_text()
