"""merges that can be undone (what each one added to the kept item) and pending confirmations of
hard-to-undo manager commands

Revision ID: 0012
Revises: 0011
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.db

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "feedback_merges",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("from_id", sa.Integer(), sa.ForeignKey("feedback.id", ondelete="CASCADE"), nullable=False),
        sa.Column("into_id", sa.Integer(), sa.ForeignKey("feedback.id", ondelete="CASCADE"), nullable=False),
        sa.Column("from_status", sa.String(length=16), nullable=False),
        sa.Column("merged_at", storage.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("undone_at", storage.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_feedback_merges_from", "feedback_merges", ["from_id"])
    op.create_table(
        "feedback_merge_members",
        sa.Column("merge_id", sa.Integer(), sa.ForeignKey("feedback_merges.id", ondelete="CASCADE"), nullable=False),
        sa.Column("member_id", sa.Integer(), sa.ForeignKey("members.id"), nullable=False),
        sa.Column("what", sa.String(length=8), nullable=False),
        sa.PrimaryKeyConstraint("merge_id", "member_id", "what"),
    )
    op.create_table(
        "confirmations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), sa.ForeignKey("members.id"), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("chat_id", sa.String(length=64), nullable=False),
        sa.Column("command", sa.Text(), nullable=False),
        sa.Column("created_at", storage.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("confirmations")
    op.drop_table("feedback_merge_members")
    op.drop_index("ix_feedback_merges_from", table_name="feedback_merges")
    op.drop_table("feedback_merges")
