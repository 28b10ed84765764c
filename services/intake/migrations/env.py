"""Alembic environment of the intake database: see `shared.migrations`."""

from shared.migrations import run_migrations

run_migrations()
