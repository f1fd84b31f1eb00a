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
    """Answers every GET (the discovery document) and every POST (the token endpoint) with the status and body
    the test puts on the server; {base} in a body is the server's own address."""

    def do_GET(self):
        self.answer(self.server.status, self.server.body)

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.answer(*self.server.token)

    def answer(self, status: int, body: bytes):
        self.send_response(status)
        self.end_headers()
        self.wfile.write(body.replace(b"{base}", f"http://127.0.0.1:{self.server.server_port}".encode()))

    def log_message(self, *args):
        pass


INVALID_GRANT = (400, b'{"error": "invalid_grant", "error_description": "no such code"}')


@pytest.fixture
def answering():
    def start(status: int, body: bytes, token: tuple[int, bytes] = INVALID_GRANT) -> str:
        server = http.server.HTTPServer(("127.0.0.1", 0), Answer)
        server.status, server.body, server.token = status, body, token
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


GOOD = b'{"issuer": "i", "authorization_endpoint": "a", "token_endpoint": "{base}/token"}'


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
    sso.check_provider(sso.Provider("default", answering(200, GOOD), client_id="c", client_secret="s"))


@pytest.fixture
def registered(monkeypatch):
    """oidc-provider-mock knowing only the clients registered with it, each with its own secret: one signing in
    to the token endpoint with HTTP Basic (Authlib's way, unless told otherwise), one with the form's fields.
    → (discovery address, {method: (client id, secret)})."""
    import httpx
    import oidc_provider_mock

    monkeypatch.setenv("AUTHLIB_INSECURE_TRANSPORT", "1")  # plain http on loopback
    with oidc_provider_mock.run_server_in_thread(require_client_registration=True) as server:
        url = f"http://localhost:{server.server_port}"
        clients = {}
        for method in ("client_secret_basic", "client_secret_post"):
            answer = httpx.post(f"{url}/oauth2/clients", json={
                "redirect_uris": ["http://localhost:8501/oauth2callback"], "token_endpoint_auth_method": method}).json()
            clients[method] = (answer["client_id"], answer["client_secret"])
        yield f"{url}/.well-known/openid-configuration", clients


def refusal(provider: sso.Provider) -> str | None:
    """What check_provider says is wrong, or None when nothing is."""
    try:
        sso.check_provider(provider)
    except sso.ProviderError as exc:
        return str(exc)
    return None


REFUSED = ("The identity provider refused the client secret (or client id): check client_secret and client_id in "
           "{section} of secrets.toml against the provider's registration of Mentorscope (its token endpoint "
           "answered {answered}).")


@pytest.mark.parametrize("method, client_id, secret, refused", [
    ("client_secret_basic", "registered", "registered", False),
    ("client_secret_basic", "registered", "wrong", True),
    ("client_secret_basic", "unknown", "registered", True),
    ("client_secret_post", "registered", "registered", False),
    ("client_secret_post", "registered", "wrong", True),
])
def test_a_wrong_client_secret_or_id_is_refused_by_the_provider_and_said(registered, method, client_id, secret,
                                                                           refused):
    url, clients = registered
    known_id, known_secret = clients[method]
    auth_section = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "x" * 32,
                    "okta": {"server_metadata_url": url, "client_kwargs": {"token_endpoint_auth_method": method},
                             "client_id": known_id if client_id == "registered" else "someone-else",
                             "client_secret": known_secret if secret == "registered" else "not-the-secret"}}
    (provider,) = sso.providers(auth_section)
    assert provider.token_auth == method
    said = refusal(provider)
    assert said == (REFUSED.format(section="[auth.okta]", answered="invalid_client") if refused else None)
    assert known_secret not in str(said) and "not-the-secret" not in str(said)


@pytest.mark.parametrize("token, answered", [
    ((401, b""), "HTTP 401"),                                   # refused without an OAuth error body
    ((401, b'{"error": "invalid_client"}'), "invalid_client"),
    ((400, b'{"error": "invalid_client"}'), "invalid_client"),  # some providers send 400 for it
    (INVALID_GRANT, None),                                      # the client is known: only the code is wrong
    ((400, b'{"error": "invalid_request"}'), None),
    ((200, b'{"access_token": "x"}'), None),
])
def test_the_token_endpoint_answer_that_means_a_refused_client(answering, token, answered):
    provider = sso.Provider("default", answering(200, GOOD, token), client_id="c", client_secret="s")
    assert refusal(provider) == (answered and REFUSED.format(section="[auth]", answered=answered))


@pytest.mark.parametrize("token_auth, refused", [("client_secret_basic", True), ("client_secret_post", True),
                                                 ("private_key_jwt", False)])  # a key, not a secret: not checked
def test_only_a_client_with_a_secret_is_checked(answering, token_auth, refused):
    provider = sso.Provider("default", answering(200, GOOD, (401, b"")), client_id="c", client_secret="s",
                            token_auth=token_auth)
    assert (refusal(provider) is not None) is refused


def test_an_unreachable_token_endpoint_says_what_to_check(answering):
    closed = f"http://127.0.0.1:{closed_port()}/token".encode()
    url = answering(200, GOOD.replace(b"{base}/token", closed))
    with pytest.raises(sso.ProviderError, match="Cannot reach the identity provider's token endpoint http://127"):
        sso.check_provider(sso.Provider("default", url, client_id="c", client_secret="s"))


def test_the_client_secret_is_never_in_a_provider_s_repr():
    auth_section = {"redirect_uri": "r", "cookie_secret": "c", **PROVIDER, "client_secret": "hunter2-secret"}
    assert "hunter2-secret" not in repr(sso.providers(auth_section))
