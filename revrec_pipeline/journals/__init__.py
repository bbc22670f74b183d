"""Pure journal logic (no Dagster, no I/O): recognition, journal building, account mapping."""
