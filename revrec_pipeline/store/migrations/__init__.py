"""Alembic migrations of the RevRec store (`revrec db upgrade`)."""
