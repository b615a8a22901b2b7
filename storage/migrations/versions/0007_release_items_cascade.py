"""release items go with their feedback item

A fan's /mydata delete removes their unvoted ideas; a release that listed one must let go of it.
The feedback feature owns the item and the releases feature its link to a release, so the
database, not either feature, ties the two: ON DELETE CASCADE.

Revision ID: 0007
Revises: 0006
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _release_items(ondelete: str | None) -> sa.Table:
    meta = sa.MetaData()
    sa.Table("releases", meta, sa.Column("id", sa.Integer(), primary_key=True))
    sa.Table("feedback", meta, sa.Column("id", sa.Integer(), primary_key=True))
    return sa.Table(
        "release_items",
        meta,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("release_id", sa.Integer(), nullable=False),
        sa.Column("feedback_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["feedback_id"], ["feedback.id"], ondelete=ondelete),
        sa.ForeignKeyConstraint(["release_id"], ["releases.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("release_id", "feedback_id", name="uq_release_item"),
        sa.Index("ix_release_items_release_id", "release_id"),
    )


def _set(ondelete: str | None) -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_constraint("release_items_feedback_id_fkey", "release_items", type_="foreignkey")
        op.create_foreign_key(
            "release_items_feedback_id_fkey", "release_items", "feedback", ["feedback_id"], ["id"], ondelete=ondelete
        )
        return
    with op.batch_alter_table("release_items", recreate="always", copy_from=_release_items(ondelete)):
        pass


def upgrade() -> None:
    _set("CASCADE")


def downgrade() -> None:
    _set(None)
