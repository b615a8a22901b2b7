"""The sections of how fans are recognised: points, grades and their perks, grade-ups, seasons, chats
a grade opens, and the beta programme."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal

from pydantic import Field, field_validator, model_validator

from bot.settings_base import Section, StrList


class GradeSettings(Section):
    name: str = Field(min_length=1, max_length=40)
    threshold: int = Field(ge=0)
    #: e.g. beta_eligible (can be picked for beta tests), can_triage (read-only /triage)
    perks: list[str] = Field(default_factory=list)


def _default_grades() -> list[GradeSettings]:
    return [
        GradeSettings(name="Newcomer", threshold=0),
        GradeSettings(name="Regular", threshold=50),
        GradeSettings(name="Contributor", threshold=200, perks=["beta_eligible"]),
        GradeSettings(name="Expert", threshold=600, perks=["beta_eligible", "can_triage"]),
        GradeSettings(name="Legend", threshold=1500, perks=["beta_eligible", "can_triage"]),
    ]


class PointsSettings(Section):
    per_message: int = Field(default=1, ge=0, le=100)
    message_min_length: int = Field(default=15, ge=0, le=1000)
    message_cooldown_seconds: float = Field(default=60, ge=0, le=86400)
    per_feedback: int = Field(default=5, ge=0, le=1000)
    per_vote_received: int = Field(default=2, ge=0, le=1000)
    per_feedback_shipped: int = Field(default=50, ge=0, le=10000)
    per_accepted_answer: int = Field(default=25, ge=0, le=10000)
    #: the bonus of ``/award #N`` (the team's award for the week's best feedback)
    per_award: int = Field(default=100, ge=0, le=100000)
    #: a friend who joined through your ``/invite`` link took part...
    per_invite: int = Field(default=20, ge=0, le=100000)
    #: ...which means: earned this many points themselves (never the join alone)
    invite_after_points: int = Field(default=10, ge=1, le=100000)
    #: the weekly report names this many top contributors of the week — ideas, bug reports, answers,
    #: awards, invites; never chat — (0 leaves them out)
    weekly_top: int = Field(default=5, ge=0, le=50)
    #: seasons: standings that start again every this many weeks, counted from season_start
    #: (/leaderboard season, and the season's leaders in the weekly report); 0: no seasons
    season_weeks: int = Field(default=0, ge=0, le=520)
    season_start: date = date(2026, 1, 5)

    def season(self, now: datetime) -> tuple[int, datetime] | None:
        """``(number, start)`` of the season ``now`` is in (the first is 1), None without seasons."""
        if not self.season_weeks:
            return None
        first = datetime.combine(self.season_start, time(0), tzinfo=UTC)
        length = timedelta(weeks=self.season_weeks)
        n = max(0, (now - first) // length)
        return n + 1, first + n * length

    #: most points a member earns per UTC day from chat, feedback and votes received
    #: (shipped ideas, accepted answers and manager grants are not capped)
    daily_cap: int = Field(default=60, ge=0, le=100000)
    #: votes from accounts first seen less than this long ago earn their target nothing
    min_account_age_hours: float = Field(default=24, ge=0, le=24 * 365)
    #: most accepted answers a member is credited for per UTC day (accepted answers always count
    #: as accepted; past this they earn no points, so an ask-and-accept ring can't farm them)
    answers_per_day: int = Field(default=5, ge=0, le=1000)
    #: chats where messages earn nothing: "telegram:-100123", "discord:456"
    quiet_chats: StrList = Field(default_factory=list)
    grades: list[GradeSettings] = Field(default_factory=_default_grades)
    #: where "reached a new grade" is posted: the chat where it was earned ("chat"), to the member
    #: alone ("private"), the announcement chats ("announcements") or nowhere ("off")
    grade_up: Literal["chat", "private", "announcements", "off"] = "chat"
    #: grade-ups within this many seconds of the first one go out together, as one message
    grade_up_wait_seconds: float = Field(default=120, ge=0, le=86400)
    #: chats only members of a grade may join: {"telegram:-1001234" = "Contributor"}. Their invite
    #: link asks for approval; the bot approves requests from members at that grade or above
    grade_chats: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _gated_by_known_grades(self) -> PointsSettings:
        names = [g.name for g in self.grades]
        unknown = sorted(set(self.grade_chats.values()) - set(names))
        if unknown:
            raise ValueError(f"grade_chats names no such grade: {', '.join(unknown)} (grades: {', '.join(names)})")
        return self

    @field_validator("grades")
    @classmethod
    def _ordered(cls, grades: list[GradeSettings]) -> list[GradeSettings]:
        if not grades or grades[0].threshold != 0:
            raise ValueError("the first grade must have threshold 0")
        if any(b.threshold <= a.threshold for a, b in itertools.pairwise(grades)):
            raise ValueError("grade thresholds must increase")
        return grades


class BetaSettings(Section):
    #: how long a fan has to accept a beta invitation; unanswered, their place goes to the waitlist
    respond_hours: float = Field(default=72, gt=0, le=24 * 90)
    #: only fans active within this many days are picked
    active_days: int = Field(default=30, ge=1, le=3650)
    #: the testers' chat ("telegram:-1001234"): its invite link asks for approval, and the bot
    #: approves fans who joined an open beta
    chat: str | None = None
    #: that invite link, sent to every fan who joins a beta
    chat_link: str | None = Field(default=None, pattern=r"^https://")
