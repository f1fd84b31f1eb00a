"""Who may reach the dashboard: safe by default on a network.

Without users in secrets.toml there is no sign-in, so whoever reaches the dashboard
can see and change everything, erase people and read the audit log. It is then served
on this computer only (127.0.0.1), unless open access is asked for by name with
MENTORSCOPE_ALLOW_UNAUTHENTICATED_NETWORK=1. `make run` asks `serve_address` where
to listen; the dashboard itself checks again with `access`, because it can be
started without `make run`.
"""
from __future__ import annotations

import ipaddress
import os
import tomllib
from pathlib import Path
from typing import Literal, Mapping

from analytics.errors import InputError
from analytics.ops import auth, sso

ALLOW_OPEN_ACCESS = "MENTORSCOPE_ALLOW_UNAUTHENTICATED_NETWORK"
LOCALHOST = "127.0.0.1"
# Where Streamlit reads secrets.toml from (its `secrets.files` default), later files winning.
SECRETS_FILES = (Path.home() / ".streamlit" / "secrets.toml", Path(".streamlit") / "secrets.toml")

Access = Literal["sign_in", "local", "open", "refused"]


class ExposureError(InputError):
    """Serving as asked would put a dashboard without sign-in on the network."""


def open_access_allowed(env: Mapping[str, str] = os.environ) -> bool:
    return env.get(ALLOW_OPEN_ACCESS, "").strip().lower() in ("1", "yes", "true")


def is_loopback(address: str | None) -> bool:
    """Whether `address` (a --server.address) reaches this computer only; '' or None listens on every interface."""
    address = (address or "").strip().strip("[]")
    if address == "localhost":
        return True
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


def users_configured(files: tuple[Path, ...] = SECRETS_FILES) -> bool:
    """Whether secrets.toml lists users or an identity provider (so there is a sign-in), read as
    Streamlit reads it. SecretsError when it is broken."""
    merged: dict = {}
    for file in files:
        if file.is_file():
            try:
                merged.update(tomllib.loads(file.read_text(encoding="utf-8")))
            except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
                raise auth.SecretsError(f"{file} is not valid TOML ({exc}); fix it, or sign-in cannot work.") from None
    return bool(auth.configured_users(merged)) or sso.configured(merged) is not None


def serve_address(requested: str, users: bool, open_access: bool) -> str:
    """The --server.address to serve on ('' for every interface, Streamlit's default)."""
    requested = (requested or "").strip()
    if users or open_access or is_loopback(requested):
        return requested
    if not requested:
        return LOCALHOST
    raise ExposureError(f"No users are configured, so serving on {requested} would let anyone who can reach it see "
                        "and change everything without signing in. Add users to .streamlit/secrets.toml (README, "
                        f"*Sign-in and roles*), or allow it by name with {ALLOW_OPEN_ACCESS}=1.")


def access(bound_address: str | None, users: bool, open_access: bool, client_is_local: bool) -> Access:
    """How the dashboard treats one visitor: 'sign_in' (users are configured), 'local' (no sign-in, on
    this computer), 'open' (no sign-in, on the network by request: warn on every page) or 'refused'
    (no sign-in, listening on the network without the request, and the visitor is on another computer)."""
    if users:
        return "sign_in"
    if is_loopback(bound_address):
        return "local"
    if open_access:
        return "open"
    return "local" if client_is_local else "refused"
