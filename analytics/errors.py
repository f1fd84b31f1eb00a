"""The errors Mentorscope means to raise: one root, a few kinds, each error saying what is wrong and the fix.

Every error a user can cause or cure is a `MentorscopeError` of one kind, so the command line can give each
kind its exit code and the pages their wording without knowing every module's classes:

- `InputError`: a file, argument or form value the user gave cannot be used as it is;
- `DataError`: the stored data cannot answer the request (no data for a quarter…);
- `ConfigError`: settings, secrets.toml or an outside service (identity provider, SMTP server) need changing;
- `AccessError`: sign-in failed, or the user's role does not allow the action;
- `BusyError`: another process holds the database.

Anything else that escapes is a bug. This module sits outside the layers: every part may import it,
and it imports nothing from analytics.
"""
from __future__ import annotations


class MentorscopeError(Exception):
    """What went wrong (`problem`) and what to do about it (`fix`, when it is not already in the problem).

    `message` is the one line the user reads: the problem, then the fix.
    """

    def __init__(self, problem: str, *, fix: str | None = None):
        self.problem = problem
        self.fix = fix
        super().__init__(self.message)

    @property
    def message(self) -> str:
        return f"{self.problem} {self.fix}" if self.fix else self.problem

    def __str__(self) -> str:
        return self.message


class InputError(MentorscopeError):
    """A file, argument or form value the user gave cannot be used as it is."""


class DataError(MentorscopeError):
    """The stored data cannot answer the request."""


class ConfigError(MentorscopeError):
    """A setting, secrets.toml or an outside service it names needs changing."""


class AccessError(MentorscopeError):
    """Sign-in failed, or the signed-in user's role does not allow this."""


class BusyError(MentorscopeError):
    """Another process holds the database; trying again once it is done will work."""
