"""Ingest: detect an export's format, read it, map its columns and scales, validate, and load it in one
transaction. It writes through the store and knows nothing of the measures."""
