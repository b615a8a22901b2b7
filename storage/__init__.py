"""Storage: SQLModel tables, repositories and alembic migrations.

Services reach storage only through the repository classes in :mod:`storage.repositories`.
"""
