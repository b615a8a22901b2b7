"""Participation points: one ledger, fair awards, grades with perks, ranks and beta cohorts.

:meth:`PointsService.award` is the single way anything earns or loses points; the feedback
loop and the FAQ's community answers call it. Every award carries a source key, so a
replayed or redelivered event never pays twice.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.context import Context
from bot.contracts import AwardResult
from bot.events import IncomingMessage
from bot.i18n import N_, Domain, Where, listing
from bot.replies import Reply
from bot.settings import GradeSettings, PointsSettings
from storage.cache import TTLCache
from storage.repositories.members import MemberRepo, MemberView
from storage.repositories.points import Award, PointsRepo

T = Domain("points")

CAPPED_KINDS = ("message", "feedback", "vote_received")
RECENT = 5  # chat awards a new message is compared with (repeats earn nothing)
ACTIVITY_TTL = 60.0  # seconds a member's daily total and recent awards are kept in memory
#: how stale /leaderboard week|month and a member's rank in them may be (seconds)
BOARD_TTL = 30.0
_URL = re.compile(r"https?://\S+|www\.\S+", re.IGNORECASE)
_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)
PERK_LABELS = {"beta_eligible": N_("beta testing"), "can_triage": N_("read-only /triage")}


def perk_names(where: Where, perks: Iterable[str]) -> str:
    """Perks as fans read them, in ``where``'s language (unknown ones by their config name)."""
    return listing(where, (T(where, PERK_LABELS[p]) if p in PERK_LABELS else p for p in perks))


def fingerprint(text: str) -> str:
    """Same words in any order, case, punctuation or repetition → same fingerprint."""
    norm = unicodedata.normalize("NFKC", _URL.sub(" ", text)).casefold()
    tokens: set[str] = set()
    for tok in _TOKEN.findall(norm):
        if any("\u3400" <= c <= "\u9fff" for c in tok):
            tokens.update(tok)  # CJK: characters
        else:
            tokens.add(tok)
    return hashlib.sha1(" ".join(sorted(tokens)).encode()).hexdigest()[:16]


def substantive(text: str) -> int:
    """How many letters/digits a message has once links, emoji and symbols are gone."""
    return sum(1 for c in _URL.sub(" ", text) if unicodedata.category(c)[0] in "LN")


@dataclass(slots=True)
class _Activity:
    day: datetime
    earned: int  # today's points of the capped kinds
    recent: list[tuple[datetime, str | None]]  # the latest chat awards, newest first: (when, fingerprint)


class PointsService:
    def __init__(self, repo: PointsRepo, members: MemberRepo, settings: PointsSettings) -> None:
        self.repo = repo
        self.members = members
        self.settings = settings
        self.grades = settings.grades
        self._activity: TTLCache[int, _Activity] = TTLCache(ACTIVITY_TTL)
        #: each window's totals per member, summed from the ledger at most every BOARD_TTL seconds
        self._boards: TTLCache[str, dict[int, int]] = TTLCache(BOARD_TTL)

    def amount(self, kind: str) -> int:
        s = self.settings
        amounts = {
            "feedback": s.per_feedback,
            "vote_received": s.per_vote_received,
            "shipped": s.per_feedback_shipped,
            "answer": s.per_accepted_answer,
            "message": s.per_message,
        }
        return amounts[kind]

    # -- the one way to earn --------------------------------------------------------------
    async def award(
        self,
        member_id: int,
        amount: int,
        kind: str,
        reason: str,
        source_key: str,
        at: datetime,
        *,
        fingerprint: str | None = None,
        actor_id: int | None = None,
        platform: str | None = None,
        chat_id: str | None = None,
    ) -> AwardResult:
        capped = amount > 0 and kind in CAPPED_KINDS
        activity = await self._activity_of(member_id, at) if capped else None
        if activity is not None:
            amount = min(amount, max(self.settings.daily_cap - activity.earned, 0))
            if amount <= 0:
                return AwardResult(False, await self.repo.balance(member_id))
        if amount == 0:
            return AwardResult(False, await self.repo.balance(member_id))
        paid, _, new = await self.repo.award(
            Award(member_id, amount, kind, reason, source_key, at, fingerprint, actor_id, platform, chat_id)
        )
        if paid and activity is not None:
            activity.earned += amount
            if kind == "message":
                activity.recent = [(at, fingerprint), *activity.recent][:RECENT]
        return AwardResult(paid, new)

    # -- grades ---------------------------------------------------------------------------
    def grade_for(self, balance: int) -> GradeSettings:
        return [g for g in self.grades if g.threshold <= balance][-1] if balance >= 0 else self.grades[0]

    def next_grade(self, balance: int) -> GradeSettings | None:
        return next((g for g in self.grades if g.threshold > balance), None)

    def perk_names(self, where: Where, perks: Iterable[str]) -> str:
        return perk_names(where, perks)

    async def balances(self, member_ids: Iterable[int]) -> dict[int, int]:
        return await self.repo.balances(member_ids)

    async def perks(self, member_id: int) -> frozenset[str]:
        return frozenset(self.grade_for(await self.repo.balance(member_id)).perks)

    # -- weekly and monthly standings -------------------------------------------------------
    async def window(self, name: str, since: datetime) -> dict[int, int]:
        """Points per member since ``since`` for the window ``name``: the ledger is summed once per
        BOARD_TTL and process, however many fans ask (a busy chat asks all the time)."""
        totals = self._boards.get(name)
        if totals is None:
            totals = await self.repo.window_totals(since)
            self._boards.put(name, totals)
        return totals

    # -- earning from activity ------------------------------------------------------------
    async def on_message(self, ctx: Context) -> list[Reply]:
        event = ctx.event
        s = self.settings
        if not isinstance(event, IncomingMessage) or event.chat.is_private or s.per_message <= 0:
            return []
        if event.chat.key in s.quiet_chats or len(event.text.strip()) < s.message_min_length:
            return []
        if substantive(event.text) < 3:  # emoji, stickers or links only
            return []
        fp = fingerprint(event.text)
        new_member = ctx.member.first_seen >= ctx.now  # first seen with this very message: no ledger yet
        activity = await self._activity_of(ctx.member.member_id, ctx.now, empty=new_member)
        if activity.earned >= s.daily_cap:
            return []
        recent = [(at, f) for at, f in activity.recent if at >= ctx.now - timedelta(days=1)]
        if recent and (ctx.now - recent[0][0]).total_seconds() < s.message_cooldown_seconds:
            return []
        if any(f == fp for _, f in recent):
            return []  # the same message again (reordered, re-cased, repeated) earns nothing
        await self.award(
            ctx.member.member_id,
            s.per_message,
            "message",
            "chat message",
            f"msg:{event.chat.platform}:{event.chat.chat_id}:{event.message_id}",
            ctx.now,
            fingerprint=fp,
            platform=str(event.chat.platform),
            chat_id=event.chat.chat_id,
        )
        return []

    async def _activity_of(self, member_id: int, at: datetime, *, empty: bool = False) -> _Activity:
        """Today's capped earnings and latest chat awards, read from the ledger once and kept for
        ``ACTIVITY_TTL`` (another process's awards to the same member are seen after that)."""
        day = at.replace(hour=0, minute=0, second=0, microsecond=0)
        activity = self._activity.get(member_id)
        if activity is None or activity.day != day:
            if empty:
                activity = _Activity(day, 0, [])
            else:
                earned, recent = await self.repo.activity(
                    member_id, day=day, capped=CAPPED_KINDS, chat_since=at - timedelta(days=1), recent=RECENT
                )
                activity = _Activity(day, earned, recent)
            self._activity.put(member_id, activity)
        return activity

    async def answers_left_today(self, member_id: int, now: datetime) -> int:
        """How many more accepted answers earn ``member_id`` points today (UTC)."""
        day = now.replace(hour=0, minute=0, second=0, microsecond=0)
        return max(0, self.settings.answers_per_day - await self.repo.count_kind(member_id, "answer", day))

    def too_young(self, member: MemberView, now: datetime) -> bool:
        return now - member.first_seen < timedelta(hours=self.settings.min_account_age_hours)

    async def credit(
        self, ctx: Context, member_id: int, amount: int, kind: str, reason: str, source_key: str
    ) -> AwardResult:
        """Award ``member_id`` for something that happened in ``ctx`` (a grade reached is announced
        where ``[points] grade_up`` says, by the grades feature)."""
        return await self.award(
            member_id,
            amount,
            kind,
            reason,
            source_key,
            ctx.now,
            platform=str(ctx.chat.platform),
            chat_id=ctx.chat.chat_id,
        )
