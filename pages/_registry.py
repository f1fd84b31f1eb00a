"""The dashboard's pages, declared once: file, title, icon, menu section, address, the rights that
open each and whether a user limited to some programs may. dashboard.py builds the navigation and the
menu from it; tests and benchmarks read it too."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

PAGE_DIR = Path(__file__).resolve().parent
VIEW = ("view_dashboards",)


@dataclass(frozen=True)
class Entry:
    file: str  # the script in pages/, without .py
    title: str
    icon: str
    section: str
    url: str  # its address: /impact
    rights: tuple[str, ...] = VIEW  # any one of them opens the page
    # The page covers every program whatever the filters (an upload holds all programs' rows; its history
    # and the data health count them): not for a user limited to some programs.
    every_program: bool = False

    @property
    def path(self) -> Path:
        return PAGE_DIR / f"{self.file}.py"

    @property
    def former_url(self) -> str:
        """The address the page had before addresses were lower case ('Impact'), which old links ask for. A
        file is named after its address ('11_impact.py'), since on a server's first run Streamlit finds a
        page by the address it derives from the file's name (see _navigation.into_the_dashboard)."""
        return self.title


LEAD = "Program lead"
PAGES = (
    Entry("1_overview", "Overview", ":material/dashboard:", "Leadership", "overview"),
    Entry("11_impact", "Impact", ":material/balance:", "Leadership", "impact"),
    Entry("3_satisfaction", "Satisfaction", ":material/sentiment_satisfied:", "Leadership", "satisfaction"),
    Entry("4_engagement", "Engagement", ":material/event_available:", "Leadership", "engagement"),
    Entry("5_retention", "Retention", ":material/timeline:", "Leadership", "retention"),
    Entry("6_outcomes", "Outcomes", ":material/trending_up:", "Leadership", "outcomes"),
    Entry("7_feedback", "Feedback", ":material/forum:", "Leadership", "feedback"),
    Entry("2_upload", "Upload", ":material/upload_file:", LEAD, "upload", ("upload",), every_program=True),
    Entry("8_improvements", "Improvements", ":material/build:", LEAD, "improvements"),
    Entry("9_reports", "Reports", ":material/description:", LEAD, "reports"),
    Entry("10_settings", "Settings", ":material/settings:", LEAD, "settings",
          ("change_settings", "set_objectives", "clear_demo", "view_audit", "erase", "manage_users")),
)
DEFAULT = PAGES[0]  # answers at / as well as at its address
SECTIONS = tuple(dict.fromkeys(entry.section for entry in PAGES))


def entry(file: str) -> Entry:
    return next(e for e in PAGES if e.file == file)
