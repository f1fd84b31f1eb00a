"""Imported first by ingest.isolated's fork server, before pyarrow, and nowhere else: the analysis children
it forks allocate Arrow memory with the system allocator, which takes from the memory limit (RLIMIT_DATA) only
what it uses. pyarrow's default, mimalloc, reserves a gigabyte up front, which the limit would count whole.
pyarrow reads the variable once, as it loads; the children inherit the choice."""
import os

os.environ["ARROW_DEFAULT_MEMORY_POOL"] = "system"
