"""beta invitations sent at least once: a place's invitation is claimed for a while, and marked sent
only once the message went out (a crash in between leaves it to be sent again)

Revision ID: 0019
Revises: 0018
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.db

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("beta_members") as batch:
        batch.add_column(sa.Column("notify_until", storage.db.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("beta_members") as batch:
        batch.drop_column("notify_until")
