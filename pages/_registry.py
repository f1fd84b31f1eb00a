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
        """The address Streamlit gives the file by itself ('11_Impact' → 'Impact'): old links and a server's
        first run (see dashboard.addresses) still ask for it."""
        return self.file.split("_", 1)[1]


LEAD = "Program lead"
PAGES = (
    Entry("1_Overview", "Overview", ":material/dashboard:", "Leadership", "overview"),
    Entry("11_Impact", "Impact", ":material/balance:", "Leadership", "impact"),
    Entry("3_Satisfaction", "Satisfaction", ":material/sentiment_satisfied:", "Leadership", "satisfaction"),
    Entry("4_Engagement", "Engagement", ":material/event_available:", "Leadership", "engagement"),
    Entry("5_Retention", "Retention", ":material/timeline:", "Leadership", "retention"),
    Entry("6_Outcomes", "Outcomes", ":material/trending_up:", "Leadership", "outcomes"),
    Entry("7_Feedback", "Feedback", ":material/forum:", "Leadership", "feedback"),
    Entry("2_Upload", "Upload", ":material/upload_file:", LEAD, "upload", ("upload",), every_program=True),
    Entry("8_Improvements", "Improvements", ":material/build:", LEAD, "improvements"),
    Entry("9_Reports", "Reports", ":material/description:", LEAD, "reports"),
    Entry("10_Settings", "Settings", ":material/settings:", LEAD, "settings",
          ("change_settings", "set_objectives", "clear_demo", "view_audit", "erase", "manage_users")),
)
DEFAULT = PAGES[0]  # answers at / as well as at its address
SECTIONS = tuple(dict.fromkeys(entry.section for entry in PAGES))


def entry(file: str) -> Entry:
    return next(e for e in PAGES if e.file == file)
