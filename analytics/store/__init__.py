"""The store: the DuckDB connection, schema and migrations, the memo, stored scores, settings and the audit log."""
