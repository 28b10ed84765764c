"""Alembic environment of the publishing database: see `shared.migrations`."""

from shared.migrations import run_migrations

run_migrations()
