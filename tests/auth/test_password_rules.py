"""Register and changePassword apply one password rule set (auth/passwords.py)."""

from __future__ import annotations

import pytest

from auth.passwords import password_problem


@pytest.mark.parametrize(
    "password",
    [
        " " * 10,
        " \t " * 5,
        "Nebula-Drift\x00-4471",
        "Nebula-Drift\n-4471",
        "Nebula\x1b[31m-Drift-4471",
        "short",
        "password123",
    ],
)
def test_refused(password):
    assert password_problem(password) is not None


@pytest.mark.parametrize("password", ["Nebula-Drift-4471", "correct horse battery staple", "Ünïcödé-Pässwörd-9"])
def test_accepted(password):
    assert password_problem(password) is None
