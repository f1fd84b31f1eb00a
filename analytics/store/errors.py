"""What can go wrong opening a database; each message says why and what to do."""
from __future__ import annotations

from analytics.errors import BusyError, InputError


class DatabaseError(InputError):
    """The database file cannot be used; the message says why and what to do."""


class DatabaseBusy(BusyError, DatabaseError):
    """Another process holds the database (DuckDB lets one process write): a load from the command line."""
