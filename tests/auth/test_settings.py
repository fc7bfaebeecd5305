"""Production refuses the development signing key; the key set must be coherent."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from graph.settings import DEV_JWT_SECRET, Settings

STRONG = "a-production-secret-of-more-than-32-characters"


def test_production_refuses_the_default_signing_key(monkeypatch):
    monkeypatch.setenv("ASTRO_ENVIRONMENT", "production")
    with pytest.raises(ValidationError, match="default development signing key"):
        Settings()
    with pytest.raises(ValidationError, match="default development signing key"):
        Settings(jwt_keys={"old": DEV_JWT_SECRET, "new": STRONG}, jwt_active_kid="new")
    mail = "smtps://mail.example"  # production also needs an SMTP server (tests/notifications)
    settings = Settings(jwt_keys={"prod-1": STRONG}, jwt_active_kid="prod-1", smtp_url=mail, metrics_token=STRONG)
    assert settings.is_production


def test_short_secrets_and_an_unknown_active_kid_are_refused():
    with pytest.raises(ValidationError, match="at least 32"):
        Settings(jwt_keys={"k": "short"}, jwt_active_kid="k")
    with pytest.raises(ValidationError, match="not in jwt_keys"):
        Settings(jwt_keys={"k": STRONG}, jwt_active_kid="other")


def test_the_payment_webhook_secret_is_never_defaulted_in_production():
    from graph.settings import DEV_WEBHOOK_SECRET

    assert Settings().webhook_secret == DEV_WEBHOOK_SECRET
    production = {"environment": "production", "jwt_keys": {"prod-1": STRONG}, "jwt_active_kid": "prod-1"}
    production["smtp_url"] = "smtps://mail.example"  # production also needs an SMTP server
    production["metrics_token"] = STRONG  # and a /metrics token (tests/monitoring/test_metrics.py)
    assert Settings(**production).webhook_secret is None
    assert Settings(**production, payment_webhook_secret=STRONG).webhook_secret == STRONG
    with pytest.raises(ValueError):
        Settings(**production, payment_webhook_secret=DEV_WEBHOOK_SECRET)
    with pytest.raises(ValueError):
        Settings(payment_webhook_secret="short")


def test_simulated_gateway_latency_is_read_and_refused_in_production(monkeypatch):
    monkeypatch.setenv("ASTRO_SIMULATED_GATEWAY_LATENCY_MS", "100")
    assert Settings().simulated_gateway_latency_ms == 100
    monkeypatch.setenv("ASTRO_ENVIRONMENT", "production")
    with pytest.raises(ValidationError, match="simulated gateway only"):
        Settings(jwt_keys={"prod-1": STRONG}, jwt_active_kid="prod-1", smtp_url="smtps://mail.example")
