"""The signed-in user's program scope on the pages that write: the program choices they are offered,
and the check made before a write, so that a scoped lead logs actions and sets objectives only for
their own programs (a choice of 'all programs' would reach programs they may not see)."""
from __future__ import annotations

import streamlit as st

from analytics.measures.filters import known_values
from pages import _session as session
from pages import _show as show


def choices(field: str, everyone: str) -> list[str]:
    """The values of a filter field to choose from: `everyone` first, then those found in the data; for a
    scoped user, only those inside the scope, and no `everyone` for the program (that would be all programs)."""
    scope = session.user().scope
    found = session.compute(known_values, field, scope=scope)
    return found if scope is not None and field == "program" else [everyone, *found]


def require_in_scope(program: str | None) -> None:
    """Stop here, saying why, when a scoped user writes for a program outside their scope (or for all)."""
    scope = session.user().scope
    if scope is not None and program not in scope:
        st.warning(f"Your access is limited to {show.escape(', '.join(scope))}: choose one of them. Ask an admin "
                   "for anything that concerns other programs or all of them.", icon=":material/lock:")
        st.stop()
