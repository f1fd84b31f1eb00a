"""Sub-commands of `python -m analytics`, one module each."""
