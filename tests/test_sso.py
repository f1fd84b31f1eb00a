"""OpenID Connect: roles from claims, the [auth.roles] section, and the provider check."""
from __future__ import annotations

import http.server
import socket
import threading

import pytest

from analytics.ops import auth, serving, sso

RULES = sso.role_rules({"admins": ["Ana@Example.org"], "leads": ["ben@example.org", "ana@example.org"],
                        "viewers": ["cy@example.org"], "group_claim": "groups",
                        "groups": {"mentoring-admins": "admin", "mentoring-leads": "lead"}})


@pytest.mark.parametrize("claims, role", [
    ({"email": "ana@example.org"}, "admin"),                        # listed as admin and lead: the higher
    ({"email": "ANA@example.org", "email_verified": True}, "admin"),  # e-mails match in any case
    ({"email": "ben@example.org"}, "lead"),
    ({"email": "cy@example.org", "email_verified": "true"}, "viewer"),
    ({"email": "cy@example.org", "groups": ["mentoring-leads"]}, "lead"),  # a group gives more than the list
    ({"email": "dee@example.org", "groups": ["other", "mentoring-admins"]}, "admin"),
    ({"email": "dee@example.org", "groups": "mentoring-leads"}, "lead"),  # a single group sent as a string
])
def test_role_from_claims(claims, role):
    assert sso.user_from_claims(claims, RULES, now=50.0) == auth.User(claims["email"], role, 50.0)


@pytest.mark.parametrize("claims, reason", [
    ({"sub": "x"}, "did not send an e-mail address"),
    ({"email": "  "}, "did not send an e-mail address"),
    ({"email": "ana@example.org", "email_verified": False}, "ana@example.org is not verified"),
    ({"email": "ana@example.org", "email_verified": "false"}, "is not verified"),
    ({"email": "dee@example.org"}, "dee@example.org has no role"),
    ({"email": "dee@example.org", "groups": ["other"]}, "has no role"),
    ({"email": "dee@example.org", "roles": ["mentoring-admins"]}, "has no role"),  # not the configured claim
])
def test_refusals_say_why(claims, reason):
    with pytest.raises(sso.SignInRefused, match=reason):
        sso.user_from_claims(claims, RULES, now=0.0)


def test_groups_count_only_with_a_group_claim():
    rules = sso.role_rules({"viewers": ["cy@example.org"]})
    assert sso.user_from_claims({"email": "cy@example.org", "groups": ["mentoring-admins"]}, rules, 0).role == "viewer"


@pytest.mark.parametrize("roles, message", [
    ({"admins": "ana@example.org"}, "admins in secrets.toml must be a list"),
    ({"leads": [1]}, "leads in secrets.toml must be a list"),
    ({"group_claim": "groups", "groups": {"g": "owner"}}, "group 'g' the role 'owner'"),
    ({"groups": {"g": "lead"}}, "has no group_claim"),
])
def test_bad_role_sections_are_explained(roles, message):
    with pytest.raises(auth.AuthError, match=message):
        sso.role_rules(roles)


PROVIDER = {"client_id": "c", "client_secret": "s",
            "server_metadata_url": "https://idp.example.org/.well-known/openid-configuration"}


@pytest.mark.parametrize("auth_section, names", [
    ({}, []),
    ({"users": {"ana": {"role": "lead", "password_hash": "h"}}}, []),       # passwords only
    ({"redirect_uri": "r", "cookie_secret": "c", **PROVIDER}, ["default"]),
    ({"redirect_uri": "r", "cookie_secret": "c", "microsoft": PROVIDER, "google": PROVIDER,
      "roles": {"admins": ["a@x.org"]}, "users": {}}, ["microsoft", "google"]),
])
def test_providers_are_found_beside_mentorscopes_own_sections(auth_section, names):
    assert [p.name for p in sso.providers(auth_section)] == names
    config = sso.configured({"auth": auth_section})
    assert (config is None) is (not names)


def test_a_provider_alone_serves_on_the_network(tmp_path):
    file = tmp_path / "secrets.toml"
    file.write_text('[auth]\nredirect_uri = "r"\ncookie_secret = "c"\nclient_id = "c"\nclient_secret = "s"\n'
                    'server_metadata_url = "https://idp.example.org/.well-known/openid-configuration"\n')
    assert serving.users_configured((file,)) is True


class Answer(http.server.BaseHTTPRequestHandler):
    """Answers every GET with the status and body the test puts on the server."""

    def do_GET(self):
        self.send_response(self.server.status)
        self.end_headers()
        self.wfile.write(self.server.body)

    def log_message(self, *args):
        pass


@pytest.fixture
def answering():
    def start(status: int, body: bytes) -> str:
        server = http.server.HTTPServer(("127.0.0.1", 0), Answer)
        server.status, server.body = status, body
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_port}/.well-known/openid-configuration"
    servers: list = []
    yield start
    for server in servers:
        server.shutdown()


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


GOOD = b'{"issuer": "i", "authorization_endpoint": "a", "token_endpoint": "t"}'


@pytest.mark.parametrize("status, body, message", [
    (404, b"no", r"answered .* with HTTP 404; the address should end in /.well-known/openid-configuration"),
    (200, b"<html>sign in</html>", "does not return an OpenID Connect discovery document"),
    (200, b'{"issuer": "i"}', "lacks authorization_endpoint, token_endpoint"),
    (200, b"[]", "lacks issuer"),
])
def test_a_wrong_metadata_address_says_what_to_check(answering, status, body, message):
    provider = sso.Provider("microsoft", answering(status, body))
    with pytest.raises(sso.ProviderError, match=r"server_metadata_url in \[auth.microsoft\]") as caught:
        sso.check_provider(provider)
    assert caught.match(message)


@pytest.mark.parametrize("auth_section, message", [
    ({"client_id": "c", "client_secret": "s", "server_metadata_url": "u"},
     "needs redirect_uri in [auth]; cookie_secret in [auth] "),
    ({"redirect_uri": "https://m.example.org/", "cookie_secret": "x", "google": {"client_id": "c"}},
     "needs a redirect_uri in [auth] that ends in /oauth2callback; client_secret in [auth.google]; "
     "server_metadata_url in [auth.google] "),
])
def test_missing_settings_are_named_before_any_request(auth_section, message):
    (provider,) = sso.providers(auth_section)
    with pytest.raises(sso.ProviderError) as caught:
        sso.check_provider(provider)
    assert message in str(caught.value)


@pytest.mark.parametrize("url, message", [
    ("http://127.0.0.1:{closed}/.well-known/openid-configuration", "Cannot reach the identity provider"),
    ("idp.example.org", "is not a web address"),
])
def test_an_unreachable_provider_says_what_to_check(url, message):
    url = url.format(closed=closed_port())  # here, not in the ids: each test worker must collect the same tests
    with pytest.raises(sso.ProviderError, match=message) as caught:
        sso.check_provider(sso.Provider("default", url))
    assert caught.match(r"server_metadata_url in \[auth\] of secrets.toml")


def test_a_working_provider_passes(answering):
    sso.check_provider(sso.Provider("default", answering(200, GOOD)))
