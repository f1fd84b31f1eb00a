"""The dashboard with an identity provider, as st.user presents a sign-in (AppTest's `user`):
the role from the claims, refusals with the reason, the end of a session, and a provider
that is misconfigured or unreachable (the password form still works)."""
from __future__ import annotations

import time

import pytest
from streamlit.testing.v1 import AppTest

from analytics.ops import auth
from analytics.present import escaping
from tests.test_roles import audit_rows, database, db_copy, entry  # noqa: F401 (fixtures)
from tests.test_sso import REFUSED, closed_port, registered  # noqa: F401 (a fixture)

PASSWORD = "fallback password for admins"
PROVIDER = {"client_id": "mentorscope", "client_secret": "secret",
            "server_metadata_url": f"http://127.0.0.1:{closed_port()}/.well-known/openid-configuration"}
AUTH = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "x" * 32,
        "mock": PROVIDER, "roles": {"admins": ["ana@example.org"], "group_claim": "groups",
                                    "groups": {"mentoring-leads": "lead"}}}


@pytest.fixture
def start(entry, db_copy):  # noqa: F811 (fixtures imported above)
    def run(claims: dict | None = None, auth_section: dict | None = None) -> AppTest:
        at = AppTest.from_file(str(entry), default_timeout=60)
        at.secrets["auth"] = auth_section or AUTH
        if claims is not None:
            at.user = {"is_logged_in": True, "provider": "mock", "sub": claims.get("email", "s"),
                       "iat": time.time() - 60, **claims}
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        return at
    return run


@pytest.mark.parametrize("claims, caption", [
    ({"email": "ana@example.org", "email_verified": True}, "Signed in as ana@example.org (admin)"),
    ({"email": "ben@example.org", "groups": ["mentoring-leads"]}, "Signed in as ben@example.org (lead)"),
])
def test_the_role_comes_from_the_claims(start, claims, caption):
    at = start(claims)
    # The name is Markdown-escaped, with a word joiner that keeps the address from becoming a link.
    assert any(caption in c.value.replace("\\", "").replace(escaping.WORD_JOINER, "") for c in at.sidebar.caption)
    assert audit_rows(at, "sign_in") == [(claims["email"], f"role {caption.split('(')[-1][:-1]} via mock "
                                                            "(OpenID Connect)")]


@pytest.mark.parametrize("claims, reason", [
    ({"sub": "x"}, "did not send an e-mail address"),
    ({"email": "ana@example.org", "email_verified": False}, "ana@example.org is not verified"),
    ({"email": "dee@example.org"}, "dee@example.org has no role"),
])
def test_a_refusal_says_why_and_opens_nothing(start, claims, reason):
    at = start(claims)
    assert any(reason in e.value for e in at.error)
    assert not at.sidebar.selectbox and "user" not in at.session_state
    assert at.button(key="refused_sign_out")
    assert reason in audit_rows(at, "sign_in_failed")[0][1]


def test_a_sign_in_older_than_a_session_asks_to_sign_in_again(start):
    at = start({"email": "ana@example.org", "iat": time.time() - (auth.SESSION_HOURS + 1) * 3600})
    assert any("session has ended" in i.value for i in at.info)
    assert not at.sidebar.selectbox


@pytest.mark.parametrize("auth_section, message", [
    (AUTH, "Cannot reach the identity provider"),
    ({**AUTH, "cookie_secret": ""}, "needs cookie_secret in [auth]"),
])
def test_a_misconfigured_provider_says_what_to_check_and_passwords_still_work(start, auth_section, message):
    users = {"root": {"role": "admin", "password_hash": auth.hash_password(PASSWORD)}}
    at = start(auth_section={**auth_section, "users": users})
    at.button(key="sign_in_mock").click().run()
    assert any(message in e.value for e in at.error), [e.value for e in at.error]
    assert not at.exception
    at.text_input(key="sign_in_name").input("root")
    at.text_input[1].input(PASSWORD)
    at.button(key="FormSubmitter:sign_in-Sign in").click().run()
    assert any("Signed in as root (admin)" in c.value for c in at.sidebar.caption), [e.value for e in at.error]


def test_a_wrong_client_secret_is_said_before_leaving_for_the_provider(start, registered):  # noqa: F811
    """Streamlit, refused at the exchange after sign-in, would only log why and show the sign-in page again."""
    url, clients = registered
    client_id, secret = clients["client_secret_basic"]
    at = start(auth_section={**AUTH, "mock": {"client_id": client_id, "client_secret": f"not {secret}",
                                              "server_metadata_url": url}})
    at.button(key="sign_in_mock").click().run()
    assert not at.exception
    assert [e.value for e in at.error] == ["**Sign-in with Mock is not working.** " + REFUSED.format(
        section="[auth.mock]", answered="invalid_client")]
