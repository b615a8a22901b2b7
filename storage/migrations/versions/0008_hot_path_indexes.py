"""indexes for what grows: balances by balance, open feedback by votes and by age of its last
status change, chats by kind, finished events (pruning)

Revision ID: 0008
Revises: 0007
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = [
    ("ix_balance_balance", "points_balances", ["balance"]),
    ("ix_feedback_status_votes", "feedback", ["status", "votes"]),
    ("ix_feedback_status_changed", "feedback", ["status", "status_changed_at"]),
    ("ix_chat_kind", "chats", ["kind"]),
    ("ix_processed_finished", "processed_events", ["status", "finished_at"]),
]


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns, unique=False)


def downgrade() -> None:
    for name, table, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
