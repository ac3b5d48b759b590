"""Alembic migrations of the run store, shipped inside the package and run on connect."""
