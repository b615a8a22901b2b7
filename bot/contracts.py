"""What features offer each other, as small Protocols with a typed slot each.

A feature never imports another feature: it asks :class:`~bot.feature.Deps` for a slot and gets
whatever the installed feature offering it provides (or None when that feature is not installed,
for optional needs).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.commands import Result
from bot.context import CommandContext, Context
from bot.feature import Slot
from bot.i18n import SOURCE, Where
from bot.settings import GradeSettings
from storage.repositories.feedback import ItemView
from storage.repositories.members import MemberView


@dataclass(frozen=True, slots=True)
class AwardResult:
    paid: bool
    balance: int


class Awarder(Protocol):
    """Points: the one way anything earns or loses points (offered by the points feature)."""

    def amount(self, kind: str) -> int:
        """The configured points for ``feedback``, ``vote_received``, ``shipped`` or ``answer``."""

    def too_young(self, member: MemberView, now: datetime) -> bool:
        """Whether the member's account is too new for its votes to pay others."""

    async def answers_left_today(self, member_id: int, now: datetime) -> int:
        """How many more accepted answers earn ``member_id`` points today."""

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
    ) -> AwardResult: ...

    async def credit(
        self, ctx: Context, member_id: int, amount: int, kind: str, reason: str, source_key: str
    ) -> AwardResult:
        """Award for something that happened in ``ctx`` (where a grade reached is announced, if in a chat)."""


class FeedbackLoop(Protocol):
    """Feedback items' status, for other features (offered by the feedback feature)."""

    async def change_status(self, ctx: CommandContext, number: int, change: str | None) -> Result:
        """``/status N planned ...``: change an item's status and tell its followers."""

    async def mark_shipped(self, item_id: int, version: str, actor_id: int | None, now: datetime) -> None:
        """An open item ships in ``version``: status, audit trail and followers told (once)."""

    def describe(self, item: ItemView, where: Where = SOURCE) -> str:
        """The item's status as fans read it (``shipped in 3.2.0``), in ``where``'s language."""


class Announcer(Protocol):
    """Broadcasts to the announcement chats (offered by the announcements feature)."""

    async def announce_now(self, text: str, actor_id: int | None) -> int:
        """Queue a one-off announcement to every announcement chat; returns its number."""

    async def tick(self) -> int:
        """Start due announcements and deliver what is pending; returns how many were sent."""

    async def reach(self) -> int:
        """How many announcement chats a broadcast to all would go to right now."""


class Grading(Protocol):
    """Grades as points define them (offered by the points feature)."""

    #: lowest first; the first one's threshold is 0
    grades: list[GradeSettings]

    def grade_for(self, balance: int) -> GradeSettings:
        """The grade a balance earns."""

    def perk_names(self, where: Where, perks: Iterable[str]) -> str:
        """Perks as fans read them, in ``where``'s language."""

    async def balances(self, member_ids: Iterable[int]) -> dict[int, int]:
        """Current balances (0 for members without points)."""


class Cohorts(Protocol):
    """Beta cohorts (offered by the beta feature)."""

    async def testing(self, member_id: int) -> int | None:
        """The open beta cohort the member joined, if any (their feedback is tagged with it)."""


POINTS: Slot[Awarder] = Slot("points")
GRADES: Slot[Grading] = Slot("grading")
COHORTS: Slot[Cohorts] = Slot("beta")
FEEDBACK: Slot[FeedbackLoop] = Slot("feedback")
ANNOUNCER: Slot[Announcer] = Slot("announcements")
