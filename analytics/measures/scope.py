"""Program scopes: the programs a lead or viewer may see, as bound SQL.

A scope is a tuple of program names (None: every program). It narrows the data in the engine, in
`Filters.where`, so that no figure, table, download or report built for a scoped user counts another
program's rows; the sidebar's choices come from the rows inside it. A name no data carries selects
nothing: the user sees empty states rather than someone else's program.
"""
from __future__ import annotations

from typing import Any

Scope = tuple[str, ...] | None


def program_in(expression: str, scope: tuple[str, ...]) -> tuple[str, list[Any]]:
    """(SQL condition, params): `expression` is one of the scope's programs (FALSE for an empty scope)."""
    if not scope:
        return "FALSE", []
    return f"{expression} IN ({', '.join('?' for _ in scope)})", list(scope)


# Where each filter field's values live inside a scope: (relation, its program expression) per source.
# Responses take the respondent's program where the survey export gave none, as Filters does. HR records
# have no program, so a scoped user's departments are those of participants and respondents in scope.
_RESPONSES = ("responses r LEFT JOIN participants who ON who.participant_id = r.respondent_id",
              "coalesce(r.program, who.program)")
_SOURCES: dict[str, list[tuple[str, str, str]]] = {
    "program": [("pairs", "program", "program"), ("participants", "program", "program"),
                (*_RESPONSES, "coalesce(r.program, who.program)")],
    "cohort": [("pairs", "program", "cohort"), ("participants", "program", "cohort"),
               (*_RESPONSES, "coalesce(r.cohort, who.cohort)")],
    "department": [("participants", "program", "department"),
                   ("pairs p JOIN participants mentee ON mentee.participant_id = p.mentee_id", "p.program",
                    "mentee.department"),
                   (*_RESPONSES, "who.department")],
    "role": [("participants", "program", "role"), (*_RESPONSES, "coalesce(r.role, who.role)")],
}


def values_sql(field: str, scope: tuple[str, ...]) -> tuple[str, list[Any]]:
    """(SQL of one column `v`, params): the values of a filter field found in rows inside `scope`."""
    parts, params = [], []
    for relation, program, value in _SOURCES[field]:
        where, bound = program_in(program, scope)
        parts.append(f"SELECT {value} AS v FROM {relation} WHERE {where}")
        params += bound
    return " UNION ".join(parts), params


def outside(scope: Scope, program: str | None) -> bool:
    """Whether a program filter names a program the scope leaves out."""
    return scope is not None and program is not None and program not in scope
