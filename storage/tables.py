"""Imports every table module so metadata (and alembic) sees all of them."""

import storage.feedback_tables
import storage.models  # noqa: F401
