"""Alembic environment of the routing database: see `shared.migrations`."""

from shared.migrations import run_migrations

run_migrations()
