"""Imports every table module so metadata (and alembic) sees all of them."""

import storage.models  # noqa: F401
