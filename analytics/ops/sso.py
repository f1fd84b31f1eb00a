"""Single sign-on with OpenID Connect: who the identity provider's claims make a user, and
whether the provider configured in secrets.toml answers and accepts Mentorscope's client id and secret.

Streamlit signs people in (st.login, configured in secrets.toml's `[auth]`: `redirect_uri`,
`cookie_secret`, and the provider's `client_id`, `client_secret` and `server_metadata_url`,
either in `[auth]` itself or in `[auth.<provider>]`). Mentorscope's part is the role, from
`[auth.roles]` in the same file:

    [auth.roles]
    admins = ["ana@example.org"]      # by e-mail, any case
    leads = ["ben@example.org"]
    viewers = ["cy@example.org"]
    group_claim = "groups"            # optional: the claim that lists the user's groups
    [auth.roles.groups]
    "mentoring-admins" = "admin"
    [auth.roles.programs]             # optional: scopes, by e-mail or group
    "ben@example.org" = ["Leadership program"]
    "new-hire-leads" = ["New-hire mentoring"]

A user gets the highest role any of these give, and is refused, with the reason, when the
provider sends no e-mail, says the e-mail is unverified, or nothing gives a role. Their scope is
every program that [auth.roles.programs] names for their e-mail or any of their groups; all programs
when it names none of them (an admin always sees all).
"""
from __future__ import annotations

import base64
import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from secrets import token_urlsafe
from typing import Any, Mapping

from analytics.errors import AccessError, ConfigError
from analytics.ops import auth

# Sections of [auth] that are Mentorscope's, never an identity provider's.
OWN_SECTIONS = ("users", "roles")
PROVIDER_KEYS = ("client_id", "client_secret", "server_metadata_url")
ROLE_LISTS = {"admins": "admin", "leads": "lead", "viewers": "viewer"}
METADATA_TIMEOUT_S = 5
DEFAULT_TOKEN_AUTH = "client_secret_basic"  # Authlib's, for a client with a secret


class SignInRefused(AccessError):
    """The provider vouched for this person, but Mentorscope will not let them in; the message says why."""


class ProviderError(ConfigError):
    """The identity provider is misconfigured or unreachable; the message says what to check."""


@dataclass(frozen=True)
class Provider:
    name: str                 # Streamlit's provider name: "default" for keys directly in [auth]
    server_metadata_url: str
    missing: tuple[str, ...] = ()  # keys Streamlit needs that secrets.toml lacks, with their section
    client_id: str = ""
    client_secret: str = field(default="", repr=False)
    token_auth: str = DEFAULT_TOKEN_AUTH  # how the client signs in to the token endpoint, as Authlib does

    @property
    def section(self) -> str:
        return "[auth]" if self.name == "default" else f"[auth.{self.name}]"

    @property
    def label(self) -> str:
        return "your organisation's account" if self.name == "default" else self.name.replace("-", " ").title()


@dataclass(frozen=True)
class RoleRules:
    by_email: dict[str, str] = field(default_factory=dict)   # lower-case e-mail → role
    group_claim: str | None = None
    by_group: dict[str, str] = field(default_factory=dict)   # group name → role
    scopes: dict[str, tuple[str, ...]] = field(default_factory=dict)  # lower-case e-mail or group → programs


@dataclass(frozen=True)
class Config:
    providers: tuple[Provider, ...]
    rules: RoleRules


def _section(value: Any) -> dict:
    return dict(value) if isinstance(value, Mapping) else {}


def providers(auth_section: Mapping[str, Any]) -> tuple[Provider, ...]:
    """The providers Streamlit can sign in with: keys directly in [auth] ("default") and each
    [auth.<name>] with provider keys (Mentorscope's own sections left out)."""
    shared = [f"{key} in [auth]" for key in ("redirect_uri", "cookie_secret") if not auth_section.get(key)]
    if auth_section.get("redirect_uri") and not str(auth_section["redirect_uri"]).endswith("/oauth2callback"):
        shared.append("a redirect_uri in [auth] that ends in /oauth2callback")
    sections = [("default", auth_section)] if any(key in auth_section for key in PROVIDER_KEYS) else []
    sections += [(name, _section(value)) for name, value in auth_section.items()
                 if name not in OWN_SECTIONS and any(key in _section(value) for key in PROVIDER_KEYS)]
    found = []
    for name, section in sections:
        where = "[auth]" if name == "default" else f"[auth.{name}]"
        missing = shared + [f"{key} in {where}" for key in PROVIDER_KEYS if not section.get(key)]
        token_auth = _section(section.get("client_kwargs")).get("token_endpoint_auth_method") or DEFAULT_TOKEN_AUTH
        found.append(Provider(name, str(section.get("server_metadata_url", "")), tuple(missing),
                              str(section.get("client_id", "")), str(section.get("client_secret", "")), token_auth))
    return tuple(found)


def role_rules(roles_section: Mapping[str, Any]) -> RoleRules:
    """[auth.roles] read and checked; SecretsError naming the key and the fix when it is wrong."""
    by_email: dict[str, str] = {}
    # Lowest first, so an address listed twice keeps its highest role.
    for key, role in sorted(ROLE_LISTS.items(), key=lambda item: auth.ROLES.index(item[1])):
        emails = roles_section.get(key, [])
        if not isinstance(emails, list) or not all(isinstance(e, str) for e in emails):
            raise auth.SecretsError(f"[auth.roles] {key} in secrets.toml must be a list of e-mail addresses, "
                                    f'like {key} = ["ana@example.org"].')
        by_email.update({e.strip().lower(): role for e in emails})
    groups = _section(roles_section.get("groups"))
    for group, role in groups.items():
        if role not in auth.ROLES:
            raise auth.SecretsError(f"[auth.roles.groups] gives group {group!r} the role {role!r} in "
                                    f"secrets.toml; use one of {', '.join(auth.ROLES)}.")
    claim = roles_section.get("group_claim")
    if groups and not claim:
        raise auth.SecretsError("[auth.roles.groups] is set but [auth.roles] has no group_claim: name the "
                                'claim that lists a user\'s groups, like group_claim = "groups".')
    scopes = {key.strip().lower() if "@" in key else key:
              auth.programs_list(programs, f"[auth.roles.programs] in secrets.toml gives {key!r} the programs")
              for key, programs in _section(roles_section.get("programs")).items()}
    return RoleRules(by_email, str(claim) if claim else None, groups, scopes)


def configured(secrets: Mapping[str, Any]) -> Config | None:
    """The OpenID Connect set-up of secrets.toml, or None when it has no identity provider."""
    auth_section = _section(secrets.get("auth"))
    found = providers(auth_section)
    if not found:
        return None
    return Config(found, role_rules(_section(auth_section.get("roles"))))


def _verified(value: Any) -> bool:
    """email_verified as sent: a boolean, or the string some providers send."""
    return value is True or (isinstance(value, str) and value.strip().lower() == "true")


def _groups(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    return [str(g) for g in value] if isinstance(value, (list, tuple)) else []


def user_from_claims(claims: Mapping[str, Any], rules: RoleRules, now: float) -> auth.User:
    """The user these ID-token claims make, named by their e-mail; SignInRefused with the reason.

    A provider that sends no email_verified (Microsoft Entra ID does not) is trusted for the
    address; one that says false is not, since anyone could then claim an admin's address."""
    email = str(claims.get("email") or "").strip()
    if not email:
        raise SignInRefused("Your identity provider did not send an e-mail address, and Mentorscope gives roles by "
                            "e-mail. Ask whoever runs the identity provider to include the email claim "
                            "(the `email` scope).")
    if "email_verified" in claims and not _verified(claims["email_verified"]):
        raise SignInRefused(f"Your identity provider says the e-mail address {email} is not verified. "
                            "Verify it with the identity provider, then sign in again.")
    groups = _groups(claims.get(rules.group_claim)) if rules.group_claim else []
    roles = [rules.by_email.get(email.lower()), *(rules.by_group.get(g) for g in groups)]
    given = [r for r in roles if r]
    if not given:
        raise SignInRefused(f"{email} has no role in Mentorscope. Ask an admin to add it (or one of your groups) "
                            "to [auth.roles] in secrets.toml.")
    scoped = [rules.scopes.get(key, ()) for key in (email.lower(), *groups)]
    programs = tuple(dict.fromkeys(p for scope in scoped for p in scope))
    return auth.User(email, max(given, key=auth.ROLES.index), now, programs)


def check_provider(provider: Provider, timeout: float = METADATA_TIMEOUT_S) -> None:
    """Fetch the provider's discovery document as Streamlit will, then ask its token endpoint whether it
    accepts Mentorscope's client id and secret; ProviderError says what to check."""
    if provider.missing:
        raise ProviderError(f"secrets.toml needs {'; '.join(provider.missing)} (README, *Sign-in and roles*).")
    check_client(provider, _metadata(provider, timeout)["token_endpoint"], timeout)


def _metadata(provider: Provider, timeout: float) -> dict:
    url = provider.server_metadata_url
    check = f"Check server_metadata_url in {provider.section} of secrets.toml"
    if not url.startswith(("https://", "http://")):
        raise ProviderError(f"{check}: {url!r} is not a web address (it ends in /.well-known/openid-configuration).")
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            body = response.read(1_000_000)
    except urllib.error.HTTPError as exc:
        raise ProviderError(f"{check}: the provider answered {url} with HTTP {exc.code}; the address should end "
                            "in /.well-known/openid-configuration.") from None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise ProviderError(f"Cannot reach the identity provider at {url} ({reason}). {check}, and that this server "
                            "can reach it (proxy, firewall, DNS).") from None
    try:
        metadata = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise ProviderError(f"{check}: {url} does not return an OpenID Connect discovery document (JSON).") from None
    missing = [k for k in ("issuer", "authorization_endpoint", "token_endpoint")
               if not isinstance(metadata, dict) or not metadata.get(k)]
    if missing:
        raise ProviderError(f"{check}: the document at {url} lacks {', '.join(missing)}, so it is not an "
                            "OpenID Connect discovery document.")
    return metadata


def check_client(provider: Provider, token_endpoint: str, timeout: float = METADATA_TIMEOUT_S) -> None:
    """Whether the token endpoint accepts the client id and secret: a token request with a code no one was
    given. A provider checks the client before the code (RFC 6749, 3.2.1), so it answers a wrong id or secret
    with invalid_client (HTTP 401) and a right one with invalid_grant. Checked before the user is sent to the
    provider because Streamlit, when the exchange after sign-in is refused, only logs why and shows the sign-in
    page again. A client that signs in otherwise than with its secret (a key) is not checked."""
    if provider.token_auth not in ("client_secret_basic", "client_secret_post"):
        return
    form = {"grant_type": "authorization_code", "code": token_urlsafe(24)}
    headers = {"Accept": "application/json", "Content-Type": "application/x-www-form-urlencoded"}
    if provider.token_auth == "client_secret_post":
        form.update(client_id=provider.client_id, client_secret=provider.client_secret)
    else:  # encoded as Authlib sends it at the real exchange
        pair = f"{provider.client_id}:{provider.client_secret}".encode("latin-1", errors="replace")
        headers["Authorization"] = f"Basic {base64.b64encode(pair).decode()}"
    request = urllib.request.Request(token_endpoint, urllib.parse.urlencode(form).encode(), headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout):
            return
    except urllib.error.HTTPError as exc:
        error = _oauth_error(exc.read(100_000))
        if exc.code == 401 or error == "invalid_client":
            raise ProviderError(
                f"The identity provider refused the client secret (or client id): check client_secret and client_id "
                f"in {provider.section} of secrets.toml against the provider's registration of Mentorscope (its "
                f"token endpoint answered {error or f'HTTP {exc.code}'}).") from None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise ProviderError(f"Cannot reach the identity provider's token endpoint {token_endpoint} ({reason}), "
                            "named by its discovery document: check that this server can reach it (proxy, "
                            "firewall, DNS).") from None


def _oauth_error(body: bytes) -> str | None:
    """The `error` of an OAuth error answer (RFC 6749, 5.2), if it is one."""
    try:
        answer = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None
    return str(answer["error"]) if isinstance(answer, dict) and answer.get("error") else None
