"""Roles, sign-in, rate limiting and session expiry."""
from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from analytics.ops import auth

USERS = {"ana": {"role": "lead", "password_hash": auth.hash_password("correct horse battery")},
         "vic": {"role": "viewer", "password_hash": auth.hash_password("another long secret")}}


@pytest.mark.parametrize("role, right, allowed", [
    ("viewer", "view_dashboards", True), ("viewer", "download_reports", True),
    ("viewer", "view_names", False), ("viewer", "view_comments", False), ("viewer", "upload", False),
    ("lead", "upload", True), ("lead", "remove_upload", True), ("lead", "log_improvement", True),
    ("lead", "view_names", True), ("lead", "change_settings", False), ("lead", "erase", False),
    ("admin", "change_settings", True), ("admin", "erase", True), ("admin", "view_audit", True),
])
def test_rights_by_role(role, right, allowed):
    user = auth.User("x", role)
    assert user.can(right) is allowed
    if allowed:
        auth.require(user, right)
    else:
        with pytest.raises(auth.PermissionDenied, match=f"needs the {auth.RIGHTS[right]} role"):
            auth.require(user, right)


def test_local_mode_user_has_every_right():
    assert all(auth.LOCAL_USER.can(right) for right in auth.RIGHTS)


@pytest.mark.parametrize("name, password, ok", [
    ("ana", "correct horse battery", True), ("ana", "wrong", False), ("nobody", "correct horse battery", False),
    ("ana", "", False),
])
def test_sign_in(name, password, ok):
    limiter = auth.RateLimiter()
    if ok:
        assert auth.sign_in(USERS, name, password, limiter, now=100.0) == auth.User("ana", "lead", 100.0)
    else:
        with pytest.raises(auth.AuthError, match="Wrong user name or password"):
            auth.sign_in(USERS, name, password, limiter, now=100.0)


def test_failed_sign_ins_lock_the_name_for_the_window():
    limiter = auth.RateLimiter(max_failures=3, window_s=60)
    for t in (0, 1, 2):
        with pytest.raises(auth.AuthError, match="Wrong"):
            auth.sign_in(USERS, "ana", "nope", limiter, now=t)
    with pytest.raises(auth.AuthError, match="Too many failed sign-ins"):
        auth.sign_in(USERS, "ana", "correct horse battery", limiter, now=30)  # right password, still locked
    assert auth.sign_in(USERS, "ana", "correct horse battery", limiter, now=63).role == "lead"  # window over


@pytest.mark.parametrize("age_hours, expired", [(7.9, False), (8.1, True)])
def test_sessions_expire(age_hours, expired):
    user = auth.User("ana", "lead", signed_in_at=1000.0)
    assert user.expired(now=1000.0 + age_hours * 3600) is expired


@pytest.mark.parametrize("secrets, message", [
    ({"auth": {"users": {"x": {"role": "boss", "password_hash": "h"}}}}, "role 'boss'"),
    ({"auth": {"users": {"x": {"role": "lead"}}}}, "no password_hash"),
])
def test_bad_user_configuration_is_explained(secrets, message):
    with pytest.raises(auth.AuthError, match=message):
        auth.configured_users(secrets)


def test_no_users_section_means_local_mode():
    assert auth.configured_users({}) == {}


def test_hashes_are_salted():
    assert auth.hash_password("same password!") != auth.hash_password("same password!")


@pytest.mark.parametrize("password, code", [("a long password here", 0), ("short", 1)])
def test_hash_password_command(monkeypatch, capsys, password, code):
    import io

    from analytics.cli import main
    monkeypatch.setattr("sys.stdin", io.StringIO(password + "\n"))
    assert main(["hash-password"]) == code
    out = capsys.readouterr().out.strip()
    if code == 0:
        from argon2 import PasswordHasher
        assert PasswordHasher().verify(out, password)


@pytest.mark.parametrize("name, password", [
    ("ana", "wrong"),                      # known name, wrong password
    ("nobody", "correct horse battery"),   # unknown name
    ("", ""),                              # no name at all
])
def test_every_refused_sign_in_verifies_one_hash(monkeypatch, name, password):
    # Refusing an unknown name without hashing answered in microseconds against ~170 ms for a known
    # one, which told an attacker which names exist: every refusal must pay for one verification.
    checked = []

    class CountingHasher(PasswordHasher):
        def verify(self, hash_, password):
            checked.append(hash_)
            return super().verify(hash_, password)

    monkeypatch.setattr(auth, "_hasher", CountingHasher())
    with pytest.raises(auth.AuthError, match="Wrong user name or password"):
        auth.sign_in(USERS, name, password, auth.RateLimiter(), now=100.0)
    assert len(checked) == 1
