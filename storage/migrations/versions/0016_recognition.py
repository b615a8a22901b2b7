"""recognition: grade roles and grade-up news queues, the beta programme's lifecycle, ideas tagged
with the submitter's beta cohort, the team's awards for feedback

Revision ID: 0016
Revises: 0015
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.db

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _queue(name: str, *extra: sa.Column) -> None:
    op.create_table(
        name,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        *extra,
        sa.Column("created_at", storage.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("claimed_by", sa.String(length=64), nullable=True),
        sa.Column("claimed_at", storage.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("error", sa.String(length=300), nullable=True),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(f"ix_{name}_member_id", name, ["member_id"])


def upgrade() -> None:
    _queue("grade_role_syncs")
    op.create_index("ix_grade_role_sync_status", "grade_role_syncs", ["status", "claimed_at"])
    _queue(
        "grade_news",
        sa.Column("grade", sa.String(length=40), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=True),
        sa.Column("chat_id", sa.String(length=64), nullable=True),
    )
    op.create_index("ix_grade_news_status", "grade_news", ["status", "claimed_at"])
    with op.batch_alter_table("beta_cohorts") as batch:
        batch.add_column(sa.Column("status", sa.String(length=12), server_default="open", nullable=False))
        batch.add_column(sa.Column("closed_at", storage.db.UTCDateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("platform", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("chat_id", sa.String(length=64), nullable=True))
    with op.batch_alter_table("beta_members") as batch:
        batch.add_column(sa.Column("status", sa.String(length=12), server_default="invited", nullable=False))
        batch.add_column(sa.Column("position", sa.Integer(), server_default="0", nullable=False))
        batch.add_column(sa.Column("invited_at", storage.db.UTCDateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("respond_by", storage.db.UTCDateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("answered_at", storage.db.UTCDateTime(timezone=True), nullable=True))
        batch.create_index("ix_beta_member_status", ["status", "respond_by"])
    with op.batch_alter_table("feedback") as batch:
        batch.add_column(sa.Column("cohort_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_feedback_cohort", "beta_cohorts", ["cohort_id"], ["id"])
    op.create_table(
        "feedback_awards",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("feedback_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(length=300), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("created_at", storage.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["feedback_id"], ["feedback.id"]),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"]),
        sa.ForeignKeyConstraint(["actor_id"], ["members.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("feedback_id", name="uq_feedback_award"),
    )
    op.create_index("ix_feedback_awards_member_id", "feedback_awards", ["member_id"])
    op.create_index("ix_feedback_award_time", "feedback_awards", ["created_at"])


def downgrade() -> None:
    op.drop_table("feedback_awards")
    with op.batch_alter_table("feedback") as batch:
        batch.drop_constraint("fk_feedback_cohort", type_="foreignkey")
        batch.drop_column("cohort_id")
    with op.batch_alter_table("beta_members") as batch:
        batch.drop_index("ix_beta_member_status")
        for column in ("answered_at", "respond_by", "invited_at", "position", "status"):
            batch.drop_column(column)
    with op.batch_alter_table("beta_cohorts") as batch:
        batch.drop_column("chat_id")
        batch.drop_column("platform")
        batch.drop_column("closed_at")
        batch.drop_column("status")
    op.drop_table("grade_news")
    op.drop_table("grade_role_syncs")
