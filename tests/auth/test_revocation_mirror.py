"""The in-process mirror of the durable revocation list: keys count until they expire, any key kind works."""

from __future__ import annotations

from auth.revocation import RevocationMirror


def test_keys_count_until_they_expire_and_any_kind_is_accepted():
    mirror = RevocationMirror()
    mirror.add("revoked:a", 100)
    mirror.add("revoked-user:u1", 200)  # a kind the mirror knows nothing about
    assert mirror.contains(["revoked:a"], now=99)
    assert not mirror.contains(["revoked:a"], now=100)
    assert mirror.contains(["revoked:zz", "revoked-user:u1"], now=150)
    mirror.add("revoked-user:u1", 50)  # an earlier expiry never shortens a revocation
    assert mirror.contains(["revoked-user:u1"], now=150)


def test_a_reload_replaces_everything_and_marks_it_ready():
    mirror = RevocationMirror()
    assert not mirror.ready
    mirror.add("revoked:old", 10**12)
    mirror.replace({"revoked:new": 10**12})
    assert mirror.ready and mirror.contains(["revoked:new"]) and not mirror.contains(["revoked:old"])
