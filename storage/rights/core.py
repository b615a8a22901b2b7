"""The member's own rows: identities, private chats, what was processed there, the audit log."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, or_, select, update
from sqlmodel import col

from storage.db import Tx
from storage.models import AuditEntry, Chat, Confirmation, Identity, Member, OutboxReply, ProcessedEvent

if TYPE_CHECKING:
    from storage.rights import Forget

FORMER = "a former member"
#: member-keyed tables the core answers for (besides members and identities themselves)
TABLES = ("audit_log", "confirmations")


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


async def identities_of(tx: Tx, member_id: int) -> tuple[tuple[str, str], ...]:
    query = select(col(Identity.platform), col(Identity.user_id)).where(col(Identity.member_id) == member_id)
    rows = await tx.execute(query)
    return tuple((p, u) for p, u in rows.all())


async def export(tx: Tx, member_id: int) -> dict[str, Any] | None:
    member = await tx.get(Member, member_id)
    if member is None:
        return None
    identities = (await tx.execute(select(Identity).where(col(Identity.member_id) == member_id))).scalars()
    return {
        "member": {"id": member_id, "display_name": member.display_name, "since": iso(member.created_at)},
        "identities": [
            {
                "platform": i.platform,
                "user_id": i.user_id,
                "username": i.username,
                "display_name": i.display_name,
                "first_seen": iso(i.first_seen),
                "last_seen": iso(i.last_seen),
            }
            for i in identities
        ],
    }


async def forget(tx: Tx, req: Forget) -> dict[str, int]:
    user_ids = [u for _, u in req.identities]
    await _forget_replies(tx, req)
    if user_ids:  # private chats with the fan (on Telegram their id is the fan's id) and what was processed there
        await tx.execute(delete(Chat).where(or_(*(col(Chat.chat_id) == u for u in user_ids))))
        await tx.execute(delete(ProcessedEvent).where(or_(*(col(ProcessedEvent.chat_id) == u for u in user_ids))))
    # moderation records stay (retention rule in README), without who the fan was
    for platform, user_id in req.identities:
        await tx.execute(
            update(AuditEntry)
            .where(col(AuditEntry.actor) == f"{platform}:{user_id}")
            .values(actor=f"former-member:{req.member_id}")
        )
    await tx.execute(delete(Confirmation).where(col(Confirmation.member_id) == req.member_id))
    await tx.execute(delete(Identity).where(col(Identity.member_id) == req.member_id))
    await tx.execute(update(Member).where(col(Member.id) == req.member_id).values(display_name=FORMER))
    return {"identities": len(req.identities)}


async def _forget_replies(tx: Tx, req: Forget) -> None:
    """Replies to the fan's messages, and undeliverable ones that name them (kept as records)."""
    for platform, user_id in req.identities:
        await tx.execute(
            delete(OutboxReply).where(col(OutboxReply.platform) == platform, col(OutboxReply.author_id) == user_id)
        )
    names = (await tx.execute(select(Identity).where(col(Identity.member_id) == req.member_id))).scalars().all()
    needles = {n for i in names for n in (i.display_name, i.username) if n and len(n) >= 3}
    needles |= {u for _, u in req.identities}
    delivered = col(OutboxReply.status).in_(("sent", "failed", "unknown"))
    for needle in needles:
        await tx.execute(
            delete(OutboxReply).where(delivered, col(OutboxReply.payload).contains(needle, autoescape=True))
        )
