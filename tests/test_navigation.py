"""The page list, declared once in pages/_registry.py: every page at its address, its other addresses
sent on to it, and a menu that lists what the role may open."""
from __future__ import annotations

import pytest

from pages import _registry as registry
from tests.test_roles import app, database, db_copy, entry, secrets  # noqa: F401 (fixtures)


def test_each_page_is_declared_once_with_its_own_address_and_file():
    files = sorted(p.stem for p in registry.PAGE_DIR.glob("[0-9]*.py"))
    assert sorted(e.file for e in registry.PAGES) == files
    addresses = [a for e in registry.PAGES for a in {e.url, e.former_url}]
    assert len(addresses) == len(set(addresses))
    assert registry.DEFAULT.url == "overview"


@pytest.mark.parametrize("role, menu", [
    ("viewer", ["Overview", "Impact", "Satisfaction", "Engagement", "Retention", "Outcomes", "Feedback",
                "Improvements", "Reports"]),
    ("lead", ["Overview", "Impact", "Satisfaction", "Engagement", "Retention", "Outcomes", "Feedback",
              "Upload", "Improvements", "Reports", "Settings"]),
])
def test_the_menu_lists_the_pages_the_role_may_open(app, role, menu):  # noqa: F811 (fixture)
    at = app(role)
    links = [link.proto.label for link in at.sidebar.get("page_link")]
    assert links == menu
