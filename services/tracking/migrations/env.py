"""Alembic environment of the tracking database: see `shared.migrations`."""

from shared.migrations import run_migrations

run_migrations()
