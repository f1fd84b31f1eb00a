"""Mentorscope dashboard: page config, sign-in, navigation, the shared sidebar and
the database cursor of this session. `streamlit run dashboard.py`; the database
is $MENTORSCOPE_DB or data/mentorscope.duckdb, as on the command line.
"""
from __future__ import annotations

import time
from datetime import date
from pathlib import Path
from typing import NoReturn

import streamlit as st
from streamlit.errors import StreamlitAuthError

from analytics.errors import ConfigError
from analytics.measures import filters
from analytics.measures.filters import Filters, Period, known_values
from analytics.ops import auth, demo, serving, sso
from analytics.store import audit, connection, errors, memo, queries, settings
from pages import _navigation, _schedule
from pages import _session as session
from pages import _show as show

# A file of our own: an emoji or material icon as the favicon is fetched from an outside host, and the
# dashboard must work without the internet.
ICON = Path(__file__).resolve().parent / "assets" / "favicon.png"

st.set_page_config(page_title="Mentorscope", page_icon=str(ICON), layout="wide")

FILTER_FIELDS = ("program", "cohort", "department", "role")
ALL = "All"


@st.cache_resource(show_spinner=False)
def rate_limiter() -> auth.RateLimiter:
    """One limiter for the whole server, so failures count across sessions and browsers."""
    return auth.RateLimiter()


def session_cursor():
    """A fresh cursor for every run of the script: a rerun can start while the
    previous run of the same session is still inside a query, and DuckDB
    refuses a second call on a busy cursor."""
    path = str(connection.default_path())
    try:
        cursor = session.new_cursor(path)  # from one connection per database file for the whole server
    except errors.DatabaseBusy:
        stop_page(st.info, "Data is being loaded, back in a few seconds.", ":material/hourglass_top:",
                  "Another program (a load from the command line) is using the database right now.")
    except errors.DatabaseError as exc:  # said without the server's folders
        stop_page(st.error, "Mentorscope cannot open its database.", ":material/error:",
                  str(exc).replace(path, Path(path).name))
    except ConfigError as exc:  # the server's environment: trying again cannot mend it, starting it again can
        stop_page(st.error, "Mentorscope cannot open its database.", ":material/error:",
                  f"{exc} Then start the dashboard again.", retry=False)
    st.session_state["cursor"] = cursor
    st.session_state["cursor_path"] = path
    return st.session_state["cursor"]


def stop_page(say, message: str, icon: str, detail: str, *, retry: bool = True) -> None:
    """A page in place of the dashboard: what is wrong, in words, and a way to try again; nothing else runs."""
    def page():
        st.title("Mentorscope")
        say(f"**{message}** {detail}", icon=icon)
        if retry:
            st.button("Try again", key="stop_page_retry", icon=":material/refresh:")
    st.navigation([st.Page(page, title="Mentorscope", url_path="unavailable")], position="hidden").run()
    st.stop()


def access_or_stop(sign_in: bool) -> serving.Access:
    """Without users or an identity provider there is no sign-in: this computer only, unless open access
    was asked for by name (a visitor from elsewhere gets a page saying why not)."""
    mode = serving.access(st.get_option("server.address"), sign_in, serving.open_access_allowed(),
                          client_is_local=st.context.ip_address is None)
    if mode == "refused":
        stop_page(st.error, "Mentorscope is open on this computer only.", ":material/lock:",
                  "No users are configured, so there is no sign-in and anyone reaching it from another computer "
                  "could see and change everything. Open it on the computer that runs it, or ask whoever runs it to "
                  "add users (README, *Sign-in and roles*).", retry=False)
    return mode


def users_or_stop() -> tuple[dict[str, dict], sso.Config | None]:
    """The password users and the identity provider of secrets.toml (either may be missing)."""
    try:
        return session.configured_users(), session.identity_provider()
    except auth.AuthError as exc:
        st.error(f"Sign-in is misconfigured, so Mentorscope will not open: {exc}", icon=":material/error:")
        st.stop()


def signed_in(users: dict[str, dict]) -> auth.User | None:
    """This session's user while still valid: signed in, unexpired, and in secrets.toml with the
    same role and programs. Otherwise the session is wiped, so nothing built for the old role (a report) stays."""
    kept = st.session_state.get("user")
    if kept is None:
        return None
    entry = users.get(kept.name, {})
    if kept.signed_in_at and not kept.expired() and entry.get("role") == kept.role \
            and auth.programs_list(entry.get("programs", []), kept.name) == kept.programs:
        return kept
    st.session_state.clear()
    st.session_state["sign_in_note"] = "Your session has ended. Sign in again."
    return None


def provider_signed_in() -> bool:
    """Whether the identity provider signed this browser in (st.user has no is_logged_in at all
    where Streamlit has no sign-in set up, as in tests)."""
    return bool(st.user.get("is_logged_in"))


@st.cache_resource(show_spinner=False)
def audited_sign_ins() -> set:
    """Sign-ins with the identity provider already in the audit log: each new browser tab
    opens a session with the same ID token, and that is one sign-in, not several."""
    return set()


def audit_once(cur, action: str, detail: str, claims: dict) -> None:
    key = (action, claims.get("sub"), claims.get("iat"))
    if key not in audited_sign_ins():
        audited_sign_ins().add(key)
        audit.record(cur, action, detail, actor=str(claims.get("email") or claims.get("sub") or ""))


def provider_user(cur, config: sso.Config) -> auth.User | None:
    """The user the identity provider signed in, with the role [auth.roles] gives now (a change there
    applies on the next page view); a refusal page with the reason; None once the session has ended."""
    claims = st.user.to_dict()
    provider = str(claims.get("provider", ""))
    try:
        user = sso.user_from_claims(claims, config.rules, now=float(claims.get("iat") or time.time()))
    except sso.SignInRefused as exc:
        audit_once(cur, "sign_in_failed", f"{exc} (via {provider})", claims)
        refusal_page(str(exc))
    if user.expired():
        st.session_state["sign_in_note"] = "Your session has ended. Sign in again."
        return None
    audit_once(cur, "sign_in", f"role {user.role} via {provider} (OpenID Connect)", claims)
    kept = st.session_state.get("user")
    if kept is not None and kept != user:  # the role changed: nothing built for the old one stays
        st.session_state.clear()
    return user


def refusal_page(reason: str) -> NoReturn:
    def page():
        st.title("Mentorscope")
        st.error(f"**You cannot use Mentorscope yet.** {reason}", icon=":material/block:")
        if st.button("Sign out", key="refused_sign_out", icon=":material/logout:"):
            st.logout()
    st.navigation([st.Page(page, title="Not signed in", url_path="refused")], position="hidden").run()
    st.stop()


def start_provider_sign_in(provider: sso.Provider, fallback: bool) -> None:
    """Off to the identity provider, unless its discovery document fails to load (Streamlit would then
    show a bare 'Authentication error'): say what to check instead."""
    password = " Admins can still sign in with a password below." if fallback else ""
    try:
        sso.check_provider(provider)
        st.login(provider.name)
    except sso.ProviderError as exc:
        st.error(f"**Sign-in with {provider.label} is not working.** {exc}{password}", icon=":material/error:")
    except StreamlitAuthError as exc:
        st.error(f"**Sign-in with {provider.label} is misconfigured in secrets.toml.** {exc} "
                 f"(README, *Sign-in and roles*).{password}", icon=":material/error:")


def sign_in_page(cur, users: dict[str, dict], config: sso.Config | None) -> None:
    """Buttons for the identity providers, then the password form when there are password users."""
    st.title("Mentorscope")
    note = st.session_state.pop("sign_in_note", None)
    if note:
        st.info(note, icon=":material/info:")
    if config is not None:
        for provider in config.providers:
            if st.button(f"Sign in with {provider.label}", key=f"sign_in_{provider.name}", type="primary",
                         icon=":material/login:"):
                start_provider_sign_in(provider, bool(users))
        st.caption("Back on this page after signing in with the provider? The provider did not accept "
                   "Mentorscope: check client_id, client_secret and that redirect_uri is registered with it. "
                   "The dashboard's log names the error.")
    if users:
        sign_in_form(cur, users, primary=config is None)


def sign_in_form(cur, users: dict[str, dict], primary: bool = True) -> None:
    """The password form; every attempt goes to the audit log under the name tried."""
    if not primary:
        st.subheader("Or with a password")
    with st.form("sign_in", clear_on_submit=True):
        name = st.text_input("User name", max_chars=100, key="sign_in_name")
        password = st.text_input("Password", type="password", max_chars=1000)  # no key: never kept in the session
        submitted = st.form_submit_button("Sign in", type="primary" if primary else "secondary",
                                          icon=":material/login:")
    if not submitted:
        return
    try:
        user = auth.sign_in(users, name, password, rate_limiter())
    except auth.AuthError as exc:
        audit.record(cur, "sign_in_failed", str(exc), actor=name.strip())
        st.error(str(exc), icon=":material/lock:")
        return
    audit.record(cur, "sign_in", f"role {user.role}", actor=user.name)
    st.session_state.clear()
    st.session_state["user"] = user
    st.rerun()


def current_user(cur, users: dict[str, dict], config: sso.Config | None) -> auth.User:
    """The local user without users or an identity provider; otherwise the signed-in one. Until
    someone signs in, the sign-in page is the only page (so no page's address opens without it)."""
    if not users and config is None:
        return auth.LOCAL_USER
    user = provider_user(cur, config) if config is not None and provider_signed_in() else signed_in(users)
    if user is None:
        st.navigation([st.Page(lambda: sign_in_page(cur, users, config), title="Sign in", url_path="sign-in",
                               icon=":material/login:")], position="hidden").run()
        st.stop()
    return user


def navigation() -> tuple:
    """The page to run and the Settings page; the menu lists the pages this user may open (the others
    keep their address, where the page itself refuses)."""
    page, found = _navigation.navigation()
    _navigation.menu(found, lambda entry: session.page_allowed(entry.file))
    return page, found["10_settings"]


def load_missing_demo(cur) -> None:
    """The first visit to a database that never had data gets the sample data, marked as demo; a
    later run finishes a load cut short (another session may be loading it: this one waits)."""
    if not demo.missing_files(cur):
        return
    bar = st.progress(0.0, text="Loading the demo data so there is something to explore…")
    demo.finish_demo(cur, progress=lambda fraction, text: bar.progress(min(max(fraction, 0.0), 1.0), text=text))
    bar.empty()


def quarters(fiscal_start: int) -> list[str]:
    """Quarters with held meetings or survey responses, newest first; the current
    quarter alone on an empty database."""
    found = session.compute(filters.available_quarters, fiscal_start)
    if found:
        return [p.label for p in found]
    today = date.today()
    if fiscal_start == 1:
        return [Period.quarter(today.year, (today.month - 1) // 3 + 1).label]
    return [next(p.label for p in (Period.parse(f"FY{today.year + k}Q{q}", fiscal_start)
                                   for k in (0, 1) for q in range(1, 5)) if p.start <= today <= p.end)]


def remembered(key: str, options: list, fallback: int = 0) -> int:
    """Index of the choice kept from earlier runs (pages come and go; the choice stays)."""
    kept = st.session_state.get(f"kept_{key}")
    return options.index(kept) if kept in options else fallback


def sidebar(cur, scope: tuple[str, ...] | None) -> None:
    """The quarter and the filters; a scoped user's choices are the values found inside their scope, and
    their Filters carry it, so that every figure counts only its programs."""
    fiscal_start = int(settings.get(cur, "fiscal_year_start_month"))
    with st.sidebar:
        labels = quarters(fiscal_start)
        label = st.selectbox("Quarter", labels, key="quarter", index=remembered("quarter", labels),
                             format_func=lambda quarter: Period.parse(quarter, fiscal_start).sentence(),
                             help="Every page shows this quarter; changes are compared with the quarter before it.")
        st.session_state["kept_quarter"] = label
        st.session_state["period"] = Period.parse(label, fiscal_start)
        chosen = {}
        for field in FILTER_FIELDS:
            values = [ALL, *session.compute(known_values, field, scope=scope)]
            pick = st.selectbox(field.capitalize(), values, key=f"filter_{field}",
                                index=remembered(f"filter_{field}", values))
            st.session_state[f"kept_filter_{field}"] = pick
            chosen[field] = None if pick == ALL else pick
        st.session_state["filters"] = Filters(**chosen, scope=scope)
        shown = st.session_state["filters"]
        period = st.session_state["period"]
        progress = [note] if (note := period.progress_note()) else []
        # Program and cohort names are the organisation's text, never Markdown.
        lines = [f"Showing: {shown.sentence(period, shown=show.escape)}", *shown.notes(shown=show.escape),
                 *progress]
        st.caption("  \n".join(lines))


def account(cur, user: auth.User) -> None:
    """Who is signed in, and the way out, under the filters."""
    if user == auth.LOCAL_USER:
        return
    with st.sidebar:
        st.divider()
        st.caption(f"Signed in as {show.escape(user.name)} ({user.role})"
                   + (f" · {show.escape(', '.join(user.scope))}" if user.scope else ""))
        if st.button("Sign out", key="sign_out", icon=":material/logout:"):
            audit.record(cur, "sign_out", actor=user.name)
            st.session_state.clear()
            if provider_signed_in():  # signed in with the identity provider: end that too
                st.logout()
                st.stop()
            st.session_state["sign_in_note"] = "You have signed out."
            st.rerun()


LOCAL_MODE = ("Single-user local mode, on this computer only: anyone using this computer can see and change "
              "everything. To require sign-in with roles (and to serve Mentorscope on the network), add users to "
              "`.streamlit/secrets.toml` as the README's *Sign-in and roles* section shows.")
DEMO_DATA = ("Demo data: these figures come from generated sample programs, not your organisation. Clear them "
             "before uploading your own exports.")


def status_line(access: serving.Access, has_demo: bool, settings_page) -> None:
    """What a visitor must know before reading any figure, in one compact line above the page: local mode
    and demo data as badges (the details in their tooltip), so the page's answer stays on the first screen.
    Open access without sign-in is a risk, not a status: it keeps its full red warning."""
    if access == "open":
        st.error(f"**Open to the network without sign-in** ({serving.ALLOW_OPEN_ACCESS} is set). Anyone who can "
                 "reach this address can see and change everything, upload, erase people and read the audit log. "
                 "Add users to `.streamlit/secrets.toml` (README, *Sign-in and roles*) and unset it.",
                 icon=":material/public:")
    badges = ([":orange-badge[:material/lock_open: Local mode, no sign-in]"]
              if access == "local" else []) + ([":violet-badge[:material/science: Demo data]"] if has_demo else [])
    if not badges:
        return
    with st.container(horizontal=True, vertical_alignment="center", gap="small", key="status_line"):
        st.markdown(" ".join(badges), width="content",
                    help="  \n\n".join(text for text, shown in ((LOCAL_MODE, access == "local"), (DEMO_DATA, has_demo))
                                       if shown))
        if has_demo and session.can("clear_demo"):
            st.page_link(settings_page, label="Clear demo data", icon=":material/delete:")


users, identity_provider = users_or_stop()
access = access_or_stop(bool(users) or identity_provider is not None)
cur = session_cursor()
_schedule.start_if_on(st.session_state["cursor_path"], cur)  # from any visit, the sign-in page's too
st.session_state["user"] = user = current_user(cur, users, identity_provider)
page, settings_page = navigation()  # the menu is there while the demo loads
load_missing_demo(cur)
# Cached results are keyed on this: any upload, removal or setting change refreshes them.
st.session_state["data_version"] = session.data_version(st.session_state["cursor_path"], queries.table_counts(cur),
                                                        settings.all_settings(cur))
sidebar(cur, user.scope)
account(cur, user)
status_line(access, queries.has_demo(cur), settings_page)
session.show_flash()
# A figure asked for twice is computed once; one that no filter changes, once per data version.
with memo.scope(st.session_state["data_version"]):
    page.run()
