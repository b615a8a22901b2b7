"""A fan's data: everything fanloop holds about a member (export), and forgetting them (delete)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import String, cast, delete, func, literal, or_, select, text, update
from sqlmodel import col

from storage.announcement_tables import Announcement, ReleaseItem
from storage.faq_tables import FaqFeedback, FaqPost, Question, QuestionReply
from storage.feedback_tables import (
    FeedbackChange,
    FeedbackFollower,
    FeedbackItem,
    FeedbackOffer,
    FeedbackVote,
    MemberPreference,
    Notification,
)
from storage.models import AuditEntry, Chat, Identity, Member, ProcessedEvent
from storage.points_tables import Balance, BetaMember, GradeReached, IdentityLink, LedgerRow, LinkCode
from storage.repositories.base import Repository

FORMER = "a former member"


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


class PrivacyRepo(Repository):
    async def export(self, member_id: int) -> dict[str, Any] | None:
        async with self.db.session() as s:
            member = await s.get(Member, member_id)
            if member is None:
                return None

            async def rows(model: Any, *where: Any) -> list[Any]:
                return list((await s.execute(select(model).where(*where))).scalars())

            identities = await rows(Identity, col(Identity.member_id) == member_id)
            items = await rows(FeedbackItem, col(FeedbackItem.submitter_id) == member_id)
            votes = await rows(FeedbackVote, col(FeedbackVote.member_id) == member_id)
            follows = await rows(FeedbackFollower, col(FeedbackFollower.member_id) == member_id)
            questions = await rows(Question, col(Question.asker_member_id) == member_id)
            replies = await rows(QuestionReply, col(QuestionReply.author_member_id) == member_id)
            ledger = await rows(LedgerRow, col(LedgerRow.member_id) == member_id)
            grades = await rows(GradeReached, col(GradeReached.member_id) == member_id)
            pref = await s.get(MemberPreference, member_id)
            balance = await s.get(Balance, member_id)
        return {
            "member": {"id": member_id, "display_name": member.display_name, "since": _iso(member.created_at)},
            "identities": [
                {
                    "platform": i.platform,
                    "user_id": i.user_id,
                    "username": i.username,
                    "display_name": i.display_name,
                    "first_seen": _iso(i.first_seen),
                    "last_seen": _iso(i.last_seen),
                }
                for i in identities
            ],
            "feedback": [
                {
                    "number": i.id,
                    "kind": i.kind,
                    "text": i.text,
                    "status": i.status,
                    "version": i.version,
                    "votes": i.votes,
                    "created_at": _iso(i.created_at),
                }
                for i in items
            ],
            "votes": [{"feedback": v.feedback_id, "at": _iso(v.created_at)} for v in votes],
            "follows": [{"feedback": f.feedback_id, "platform": f.platform, "chat_id": f.chat_id} for f in follows],
            "questions": [
                {"text": q.text, "status": q.status, "asked_at": _iso(q.created_at), "accepted_answer": q.answer_text}
                for q in questions
            ],
            "answers": [{"question": r.question_id, "text": r.text, "at": _iso(r.created_at)} for r in replies],
            "points": {
                "balance": balance.balance if balance else 0,
                "ledger": [
                    {"amount": r.amount, "kind": r.kind, "reason": r.reason, "at": _iso(r.created_at)} for r in ledger
                ],
            },
            "grades": [{"grade": g.grade, "reached_at": _iso(g.reached_at)} for g in grades],
            "notification_preference": pref.notify if pref else "chat",
        }

    async def forget(self, member_id: int, *, keep_voted_feedback: bool, at: datetime) -> dict[str, int]:
        """Remove or anonymise everything that identifies a member, in one transaction."""
        counts: dict[str, int] = {}
        async with self.db.session() as s:
            identities = list((await s.execute(select(Identity).where(col(Identity.member_id) == member_id))).scalars())
            keys = [f"{i.platform}:{i.user_id}" for i in identities]
            user_ids = [i.user_id for i in identities]
            # feedback they wrote: kept (as "a former member") only if others voted for it
            mine = list(
                (await s.execute(select(FeedbackItem).where(col(FeedbackItem.submitter_id) == member_id))).scalars()
            )
            drop = [i.id for i in mine if i.id is not None and not (keep_voted_feedback and i.votes > 0)]
            if drop:
                changes = select(col(FeedbackChange.id)).where(col(FeedbackChange.feedback_id).in_(drop))
                await s.execute(delete(Notification).where(col(Notification.change_id).in_(changes)))
                await s.execute(delete(FeedbackChange).where(col(FeedbackChange.feedback_id).in_(drop)))
                for model in (FeedbackVote, FeedbackFollower):
                    await s.execute(delete(model).where(col(model.feedback_id).in_(drop)))
                await s.execute(delete(ReleaseItem).where(col(ReleaseItem.feedback_id).in_(drop)))
                await s.execute(
                    update(FeedbackItem).where(col(FeedbackItem.duplicate_of).in_(drop)).values(duplicate_of=None)
                )
                await s.execute(
                    update(FeedbackOffer).where(col(FeedbackOffer.feedback_id).in_(drop)).values(feedback_id=None)
                )
                await s.execute(delete(FeedbackItem).where(col(FeedbackItem.id).in_(drop)))
            counts["feedback_deleted"] = len(drop)
            counts["feedback_kept"] = len(mine) - len(drop)
            # where kept items came from must not point at the fan's private chat or message
            await s.execute(
                update(FeedbackItem)
                .where(col(FeedbackItem.submitter_id) == member_id)
                .values(message_id=None, source_key=literal("former:").concat(cast(col(FeedbackItem.id), String)))
            )
            voted = list(
                (
                    await s.execute(
                        select(col(FeedbackVote.feedback_id)).where(col(FeedbackVote.member_id) == member_id)
                    )
                ).scalars()
            )
            await s.execute(delete(FeedbackVote).where(col(FeedbackVote.member_id) == member_id))
            for item_id in voted:
                n = select(func.count()).select_from(FeedbackVote).where(col(FeedbackVote.feedback_id) == item_id)
                await s.execute(
                    update(FeedbackItem).where(col(FeedbackItem.id) == item_id).values(votes=n.scalar_subquery())
                )
            counts["votes_removed"] = len(voted)
            for table, column in (
                (FeedbackFollower, FeedbackFollower.member_id),
                (Notification, Notification.member_id),
                (FeedbackOffer, FeedbackOffer.member_id),
                (MemberPreference, MemberPreference.member_id),
                (FaqFeedback, FaqFeedback.member_id),
                (QuestionReply, QuestionReply.author_member_id),
                (LedgerRow, LedgerRow.member_id),
                (Balance, Balance.member_id),
                (GradeReached, GradeReached.member_id),
                (BetaMember, BetaMember.member_id),
                (LinkCode, LinkCode.member_id),
            ):
                await s.execute(delete(table).where(col(column) == member_id))
            await s.execute(
                update(LedgerRow)
                .where(col(LedgerRow.origin_member_id) == member_id)
                .values(origin_member_id=LedgerRow.member_id)
            )
            await s.execute(update(LedgerRow).where(col(LedgerRow.actor_id) == member_id).values(actor_id=None))
            asked = select(col(Question.id)).where(col(Question.asker_member_id) == member_id)
            await s.execute(delete(QuestionReply).where(col(QuestionReply.question_id).in_(asked)))
            await s.execute(delete(Question).where(col(Question.asker_member_id) == member_id))
            await s.execute(
                update(Question)
                .where(col(Question.answerer_member_id) == member_id)
                .values(answerer_member_id=None, answer_text=None)
            )
            await s.execute(update(FaqPost).where(col(FaqPost.asker_member_id) == member_id).values(question_text=""))
            # members merged into this one by /link are the same person: they go too
            merged = set(
                (
                    await s.execute(
                        select(col(IdentityLink.from_member_id)).where(col(IdentityLink.into_member_id) == member_id)
                    )
                ).scalars()
            )
            identity_ids = [i.id for i in identities if i.id is not None]
            await s.execute(
                delete(IdentityLink).where(
                    col(IdentityLink.identity_id).in_(identity_ids)
                    | (col(IdentityLink.from_member_id) == member_id)
                    | (col(IdentityLink.into_member_id) == member_id)
                )
            )
            # private chats with the fan (on Telegram their id is the fan's id) and what was processed there
            private = or_(*(col(Chat.chat_id) == u for u in user_ids)) if user_ids else None
            if private is not None:
                await s.execute(delete(Chat).where(private))
                await s.execute(
                    delete(ProcessedEvent).where(or_(*(col(ProcessedEvent.chat_id) == u for u in user_ids)))
                )
            # moderation records stay (retention rule in README), without who the fan was
            for key in keys:
                await s.execute(
                    update(AuditEntry).where(col(AuditEntry.actor) == key).values(actor=f"former-member:{member_id}")
                )
            await s.execute(
                update(Announcement).where(col(Announcement.created_by) == member_id).values(created_by=None)
            )
            await s.execute(delete(Identity).where(col(Identity.member_id) == member_id))
            await s.execute(update(Member).where(col(Member.id).in_({member_id, *merged})).values(display_name=FORMER))
            await s.commit()
        if self.db.is_sqlite:  # deleted rows linger in the WAL and free pages: checkpoint them away
            async with self.db.engine.connect() as conn:
                await conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
        counts["identities"] = len(identities)
        return counts
