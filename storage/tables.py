"""Imports every table module so metadata (and alembic) sees all of them."""

import storage.announcement_tables
import storage.dashboard_tables
import storage.faq_tables
import storage.feedback_tables
import storage.models
import storage.points_tables
import storage.poll_tables
import storage.recognition_tables  # noqa: F401
