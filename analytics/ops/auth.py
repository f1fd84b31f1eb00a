"""Sign-in and roles.

Users live in `.streamlit/secrets.toml` under `[auth.users.<name>]` with a
salted argon2 `password_hash`, a `role` and optionally `programs`: the programs a lead or
viewer is limited to (their scope; none: all programs; an admin always sees all). Without
that section Mentorscope runs in single-user local mode, where the one user has every right.

Rights are checked with `require(user, right)` at every action, not only by
hiding buttons. Failed sign-ins are rate-limited per user name; a signed-in
session expires after `SESSION_HOURS`.
"""
from __future__ import annotations

import secrets
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Mapping

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from analytics.errors import AccessError, ConfigError

ROLES = ("viewer", "lead", "admin")

# Each right and the lowest role that has it.
RIGHTS: dict[str, str] = {
    "view_dashboards": "viewer",
    "download_reports": "viewer",
    "view_names": "lead",          # individual ids and names, the at-risk pair list
    "view_comments": "lead",       # raw (masked) comments above the comment threshold
    "upload": "lead",
    "map_columns": "lead",
    "remove_upload": "lead",
    "log_improvement": "lead",
    "set_objectives": "lead",
    "change_settings": "admin",
    "manage_users": "admin",
    "erase": "admin",
    "view_audit": "admin",
    "clear_demo": "admin",
}

SESSION_HOURS = 8
MAX_FAILURES = 5            # failed sign-ins per user name …
FAILURE_WINDOW_S = 15 * 60  # … within this window lock the name for the rest of it

_hasher = PasswordHasher()


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    """A hash of a random password no one knows, made with the same parameters as real ones."""
    return _hasher.hash(secrets.token_hex(16))


class AuthError(AccessError):
    """Sign-in failed or is locked; the message is safe to show."""


class SecretsError(ConfigError, AuthError):
    """secrets.toml (its users, roles, or the file itself) is broken: sign-in cannot work until it is fixed."""


class PermissionDenied(AccessError):
    """The user's role does not carry the right; the message says which role does."""


@dataclass(frozen=True)
class User:
    name: str
    role: str
    signed_in_at: float = 0.0
    programs: tuple[str, ...] = ()  # the programs this user may see; empty: all

    @property
    def scope(self) -> tuple[str, ...] | None:
        """The programs everything shown to this user covers; None for all (admins always)."""
        return None if self.role == "admin" or not self.programs else self.programs

    def can(self, right: str) -> bool:
        return ROLES.index(self.role) >= ROLES.index(RIGHTS[right])

    def expired(self, now: float | None = None) -> bool:
        return self.signed_in_at > 0 and (now or time.time()) - self.signed_in_at > SESSION_HOURS * 3600


LOCAL_USER = User("local user", "admin")


def require(user: User, right: str) -> None:
    if right not in RIGHTS:
        raise ValueError(f"Unknown right {right!r}.")
    if not user.can(right):
        raise PermissionDenied(f"Your role ({user.role}) cannot do this; it needs the {RIGHTS[right]} role. "
                               "Ask an admin.")


def hash_password(password: str) -> str:
    """A salted argon2 hash for secrets.toml."""
    if len(password) < 10:
        raise AuthError("Use a password of at least 10 characters.")
    return _hasher.hash(password)


def configured_users(secrets: Mapping[str, Any]) -> dict[str, dict]:
    """The users section of secrets.toml ({} means single-user local mode).

    Each entry needs a `role` among ROLES and a `password_hash`; `programs`, when there, is a list of names.
    """
    users = dict((secrets.get("auth") or {}).get("users") or {})
    for name, entry in users.items():
        programs_list(entry.get("programs", []), f"User {name!r} in secrets.toml has programs")
        if entry.get("role") not in ROLES:
            raise SecretsError(f"User {name!r} in secrets.toml has role {entry.get('role')!r}; "
                               f"use one of {', '.join(ROLES)}.")
        if not entry.get("password_hash"):
            raise SecretsError(f"User {name!r} in secrets.toml has no password_hash; "
                               "make one with `python -m analytics hash-password`.")
    return users


def programs_list(value: Any, where: str) -> tuple[str, ...]:
    """A scope as secrets.toml gives it (a list of program names), trimmed; AuthError starting with `where`."""
    if not isinstance(value, (list, tuple)) or not all(isinstance(p, str) for p in value):
        raise SecretsError(f'{where} {value!r}; write a list of program names, like programs = ["Leadership program"].')
    return tuple(dict.fromkeys(p.strip() for p in value if p.strip()))


class RateLimiter:
    """Counts recent failures per user name (thread-safe, in memory)."""

    def __init__(self, max_failures: int = MAX_FAILURES, window_s: float = FAILURE_WINDOW_S):
        self.max_failures, self.window_s = max_failures, window_s
        self._failures: dict[str, deque] = defaultdict(deque)
        self._lock = threading.Lock()

    def _recent(self, name: str, now: float) -> deque:
        failures = self._failures[name]
        while failures and now - failures[0] > self.window_s:
            failures.popleft()
        return failures

    def locked(self, name: str, now: float) -> bool:
        with self._lock:
            return len(self._recent(name, now)) >= self.max_failures

    def fail(self, name: str, now: float) -> None:
        with self._lock:
            self._recent(name, now).append(now)

    def clear(self, name: str) -> None:
        with self._lock:
            self._failures.pop(name, None)


def sign_in(users: Mapping[str, dict], name: str, password: str, limiter: RateLimiter,
            now: float | None = None) -> User:
    """The signed-in user, or AuthError (same message for unknown names and wrong passwords)."""
    now = time.time() if now is None else now
    name = (name or "").strip()
    if limiter.locked(name, now):
        raise AuthError(f"Too many failed sign-ins for this name; try again in {FAILURE_WINDOW_S // 60} minutes.")
    entry = users.get(name)
    try:
        # An unknown name is checked against a dummy hash, so that it is refused as slowly as a
        # known name with a wrong password and the time taken tells nobody which names exist.
        _hasher.verify(entry["password_hash"] if entry else _dummy_hash(), password or "")
        if entry is None:
            raise VerificationError("unknown user")
    except (VerificationError, InvalidHashError):
        limiter.fail(name, now)
        raise AuthError("Wrong user name or password.") from None
    limiter.clear(name)
    return User(name, entry["role"], now, programs_list(entry.get("programs", []), name))
