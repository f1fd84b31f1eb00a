"""Streamlit's navigation built from the page list (pages/_registry.py): each page at its address, its
other addresses sent on to it, and the menu that dashboard.py draws in the sidebar."""
from __future__ import annotations

from functools import partial
from typing import Callable

import streamlit as st

from pages._registry import DEFAULT, PAGES, SECTIONS, Entry


def pages() -> tuple[dict[str, st.Page], list[st.Page]]:
    """The page of each file, and every page st.navigation is given: those and, hidden, one per other
    address a page answers at (the default page's own name, and the address Streamlit derives from a
    file's name, which old links and a server's first run ask for), each sending the visitor on."""
    # No icon on the page itself (the menu draws it): Streamlit fetched a page's material icon from
    # fonts.gstatic.com when its address was opened, and nothing is fetched from outside (README).
    found = {e.file: st.Page(e.path, title=e.title, url_path="" if e is DEFAULT else e.url,
                             default=e is DEFAULT) for e in PAGES}
    forwards = [st.Page(partial(st.switch_page, found[e.file]), title=e.title, url_path=address,
                        visibility="hidden")
                for e in PAGES for address in dict.fromkeys((e.url, e.former_url))
                if address != found[e.file].url_path]
    return found, [*found.values(), *forwards]


def navigation() -> tuple[st.Page, dict[str, st.Page]]:
    """The page this run shows, and the page of each file. The menu is ours (`menu`): Streamlit's own
    is switched off in .streamlit/config.toml, see there why."""
    found, every = pages()
    return st.navigation(every, position="hidden"), found


def menu(found: dict[str, st.Page], allowed: Callable[[Entry], bool]) -> None:
    """The pages this user may open, by section; the others keep their address, where the page refuses."""
    with st.sidebar:
        for section in SECTIONS:
            shown = [e for e in PAGES if e.section == section and allowed(e)]
            if shown:
                st.caption(section)
            for e in shown:
                st.page_link(found[e.file], label=e.title, icon=e.icon)


def into_the_dashboard() -> None:
    """A page that ran without dashboard.py around it is sent to its address inside it.

    Streamlit runs a pages/ folder next to the entry point the old way until some session calls
    st.navigation: on a server's first run, an address it derives from a file's name ('Impact')
    runs that file on its own. Calling st.navigation ends that mode for the whole server
    (docs.streamlit.io, st.navigation), and switching to the page it finds runs the address again,
    now through dashboard.py."""
    st.switch_page(st.navigation(pages()[1], position="hidden"))
