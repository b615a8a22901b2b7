"""Feedback data rights: items, votes, follows, notifications, offers and preferences."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import String, cast, delete, func, literal, select, update
from sqlmodel import col

from storage.db import Tx
from storage.feedback_tables import (
    FeedbackChange,
    FeedbackFollower,
    FeedbackItem,
    FeedbackMerge,
    FeedbackMergeMember,
    FeedbackOffer,
    FeedbackVote,
    MemberPreference,
    Notification,
)
from storage.rights.core import iso

if TYPE_CHECKING:
    from storage.rights import Forget

#: feedback_changes keeps the manager's member number behind a status change (accountability)
TABLES = (
    "feedback",
    "feedback_votes",
    "feedback_followers",
    "feedback_changes",
    "notifications",
    "feedback_offers",
    "member_preferences",
    "feedback_merge_members",
)


async def export(tx: Tx, member_id: int) -> dict[str, Any]:
    async def rows(model: Any, column: Any) -> list[Any]:
        return list((await tx.execute(select(model).where(col(column) == member_id))).scalars())

    items = await rows(FeedbackItem, FeedbackItem.submitter_id)
    votes = await rows(FeedbackVote, FeedbackVote.member_id)
    follows = await rows(FeedbackFollower, FeedbackFollower.member_id)
    pref = await tx.get(MemberPreference, member_id)
    return {
        "feedback": [
            {
                "number": i.id,
                "kind": i.kind,
                "text": i.text,
                "status": i.status,
                "version": i.version,
                "votes": i.votes,
                "created_at": iso(i.created_at),
            }
            for i in items
        ],
        "votes": [{"feedback": v.feedback_id, "at": iso(v.created_at)} for v in votes],
        "follows": [{"feedback": f.feedback_id, "platform": f.platform, "chat_id": f.chat_id} for f in follows],
        "notification_preference": pref.notify if pref else "chat",
    }


async def forget(tx: Tx, req: Forget, *, keep_voted: bool) -> dict[str, int]:
    """Items others voted for are kept (as "a former member") when ``keep_voted``; the rest go."""
    member_id = req.member_id
    mine = list((await tx.execute(select(FeedbackItem).where(col(FeedbackItem.submitter_id) == member_id))).scalars())
    drop = [i.id for i in mine if i.id is not None and not (keep_voted and i.votes > 0)]
    if drop:  # what hangs off another feature's rows (a release's items) goes with them: ON DELETE CASCADE
        changes = select(col(FeedbackChange.id)).where(col(FeedbackChange.feedback_id).in_(drop))
        await tx.execute(delete(Notification).where(col(Notification.change_id).in_(changes)))
        await tx.execute(delete(FeedbackChange).where(col(FeedbackChange.feedback_id).in_(drop)))
        merges = select(col(FeedbackMerge.id)).where(
            col(FeedbackMerge.from_id).in_(drop) | col(FeedbackMerge.into_id).in_(drop)
        )
        await tx.execute(delete(FeedbackMergeMember).where(col(FeedbackMergeMember.merge_id).in_(merges)))
        await tx.execute(delete(FeedbackMerge).where(col(FeedbackMerge.id).in_(merges)))
        for model in (FeedbackVote, FeedbackFollower):
            await tx.execute(delete(model).where(col(model.feedback_id).in_(drop)))
        await tx.execute(update(FeedbackItem).where(col(FeedbackItem.duplicate_of).in_(drop)).values(duplicate_of=None))
        await tx.execute(update(FeedbackOffer).where(col(FeedbackOffer.feedback_id).in_(drop)).values(feedback_id=None))
        await tx.execute(delete(FeedbackItem).where(col(FeedbackItem.id).in_(drop)))
    # where kept items came from must not point at the fan's private chat or message
    await tx.execute(
        update(FeedbackItem)
        .where(col(FeedbackItem.submitter_id) == member_id)
        .values(message_id=None, source_key=literal("former:").concat(cast(col(FeedbackItem.id), String)))
    )
    voted = list(
        (
            await tx.execute(select(col(FeedbackVote.feedback_id)).where(col(FeedbackVote.member_id) == member_id))
        ).scalars()
    )
    await tx.execute(delete(FeedbackVote).where(col(FeedbackVote.member_id) == member_id))
    for item_id in voted:
        n = select(func.count()).select_from(FeedbackVote).where(col(FeedbackVote.feedback_id) == item_id)
        await tx.execute(update(FeedbackItem).where(col(FeedbackItem.id) == item_id).values(votes=n.scalar_subquery()))
    for table, column in (
        (FeedbackFollower, FeedbackFollower.member_id),
        (Notification, Notification.member_id),
        (FeedbackOffer, FeedbackOffer.member_id),
        (MemberPreference, MemberPreference.member_id),
        (FeedbackMergeMember, FeedbackMergeMember.member_id),  # an undo then leaves their vote alone
    ):
        await tx.execute(delete(table).where(col(column) == member_id))
    return {"feedback_deleted": len(drop), "feedback_kept": len(mine) - len(drop), "votes_removed": len(voted)}
