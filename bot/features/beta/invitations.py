"""Beta invitations: a private message with "Join the beta" / "No thanks" buttons and an answer-by
time; where a fan can't be messaged privately, the chat the cohort was picked in gets the invitation
with the same buttons (only the fans it names can press them). Declines and expiries give the place to
the next fan on the waitlist."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime, timedelta

from bot.clock import Clock
from bot.commands import Result
from bot.context import Admission, Context, author_of
from bot.events import ButtonPressed, ChatRef, Platform
from bot.i18n import Domain, Where, elapsed, negotiate
from bot.messenger import Messenger
from bot.replies import BR, Button, Link, Reply, Segment, Text, error, mention_line, say
from bot.settings import BetaSettings
from storage.repositories.beta import BetaRepo
from storage.repositories.members import MemberRepo, MemberView

log = logging.getLogger(__name__)
T = Domain("beta")
ACCEPT, DECLINE = "beta.accept", "beta.decline"
#: how long a process has to send an invitation it claimed before another may send it again
SENDING = timedelta(minutes=10)


class Invitations:
    def __init__(
        self,
        repo: BetaRepo,
        members: MemberRepo,
        messenger: Messenger,
        clock: Clock,
        settings: BetaSettings,
        *,
        language: str,
    ) -> None:
        self.repo, self.members, self.messenger, self.clock = repo, members, messenger, clock
        self.settings, self.language = settings, language

    def respond_by(self, now: datetime) -> datetime:
        return now + timedelta(hours=self.settings.respond_hours)

    def buttons(self, where: Where, cohort_id: int) -> list[Button]:
        return [
            Button(T(where, "Join the beta"), ACCEPT, str(cohort_id)),
            Button(T(where, "No thanks"), DECLINE, str(cohort_id)),
        ]

    async def send(self, cohort_id: int, member_ids: list[int], *, chat: ChatRef | None) -> list[MemberView]:
        """Invite each member privately, at least once and once only but for a crash between sending
        and recording it (then once more, after :data:`SENDING`); returns those who couldn't be
        messaged. With ``chat`` the caller names them in its reply; else they are named in one post,
        with the buttons, in the chat the cohort was picked in."""
        cohort = await self.repo.get(cohort_id)
        if cohort is None:
            return []
        unreachable: list[MemberView] = []
        done: list[int] = []
        for member_id in member_ids:
            now = self.clock.now()
            respond_by = await self.repo.claim_invitation(cohort_id, member_id, now, now + SENDING)
            if respond_by is None:
                continue  # told already, or being told by another process, or no longer invited
            target = await self.members.identity_on(member_id, cohort.platform or "")
            if target is None:  # not on the platform the cohort was picked on: nowhere to send
                done.append(member_id)
                continue
            lang = negotiate(await self.members.language(member_id)) or self.language
            text = T(
                lang,
                "🎉 You've been picked for beta test #{cohort}! Answer within {time} — or let another fan have the "
                "place.",
                cohort=cohort_id,
                time=elapsed(lang, _whole_minutes(respond_by - now)),
            )
            invite = say(text, buttons=self.buttons(lang, cohort_id))
            if await self.messenger.send_direct(author_of(target), invite) is None:
                unreachable.append(target)
            else:
                await self.repo.mark_notified(cohort_id, [member_id], self.clock.now())
        if unreachable and chat is None:
            picked_in = None
            if cohort.platform and cohort.chat_id:
                picked_in = ChatRef(Platform(cohort.platform), cohort.chat_id)
            # picked in a private chat: nowhere else to say it (the manager's /beta list shows them)
            if picked_in is None or await self._post_in_chat(picked_in, cohort_id, unreachable):
                done += [m.member_id for m in unreachable]
            unreachable = []
        else:  # the caller's reply names them: it goes out with its event, durably
            done += [m.member_id for m in unreachable]
        await self.repo.mark_notified(cohort_id, done, self.clock.now())
        return unreachable

    async def _post_in_chat(self, chat: ChatRef, cohort_id: int, people: list[MemberView]) -> bool:
        """Whether the post went out (if not, the next sweep tries them again, privately first)."""
        here = [p for p in people if p.platform == str(chat.platform)]
        if not here:
            return True
        segs: list[Segment] = [
            Text(
                T(self.language, "Picked for beta test #{cohort} (I couldn't message you privately):", cohort=cohort_id)
            )
        ]
        segs += [Text(" "), *mention_line((p.platform, p.user_id, p.display_name) for p in here)]
        try:
            await self.messenger.send(chat, say(*segs, buttons=self.buttons(self.language, cohort_id)))
        except Exception:
            log.warning("beta invitation not posted", extra={"chat": chat.key, "cohort": cohort_id}, exc_info=True)
            return False
        return True

    # -- answers -------------------------------------------------------------------------------------
    async def accept(self, ctx: Context, press: ButtonPressed) -> Result:
        return await self._answer(ctx, press, "accepted")

    async def decline(self, ctx: Context, press: ButtonPressed) -> Result:
        return await self._answer(ctx, press, "declined")

    async def _answer(self, ctx: Context, press: ButtonPressed, status: str) -> Result:
        if not press.payload.isdigit():
            return _privately(T(ctx, "That invitation is not valid."))
        cohort_id = int(press.payload)
        now = ctx.now
        outcome = await self.repo.answer(cohort_id, ctx.member.member_id, status, now)
        if outcome is None and status == "accepted":
            thanks = T(ctx, "You're in beta test #{cohort} — thank you! The team will send you the details here.",
                       cohort=cohort_id)  # fmt: skip
            if self.settings.chat_link:
                testers = Link(self.settings.chat_link, T(ctx, "the testers' chat"))
                return say(thanks, BR, *T.seg(ctx, "Join {chat} too.", chat=testers), private=True)
            return say(thanks, private=True)
        if outcome is None:
            await self.refill(cohort_id)
            return say(T(ctx, "No problem — your place goes to another fan. You can be picked again later."),
                       private=True)  # fmt: skip
        messages = {
            "accepted": T(ctx, "You've already joined beta test #{cohort}.", cohort=cohort_id),
            "declined": T(ctx, "You've already said no to beta test #{cohort}.", cohort=cohort_id),
            "expired": T(ctx, "This invitation to beta test #{cohort} has expired.", cohort=cohort_id),
            "closed": T(ctx, "Beta test #{cohort} has ended.", cohort=cohort_id),
        }
        # only the presser sees why (the invitation may be a post in a busy chat)
        return _privately(messages.get(outcome, T(ctx, "This invitation isn't for you.")))

    async def admit(self, ctx: Context) -> Admission | None:
        """A request to join the testers' chat (``[beta] chat``): fans who joined an open beta are let in."""
        if self.settings.chat is None or ctx.chat.key != self.settings.chat:
            return None
        cohort = await self.repo.testing(ctx.member.member_id)
        if cohort is not None:
            return Admission(True, say(T(ctx, "Welcome to the testers' chat — you're testing beta #{cohort}.",
                                         cohort=cohort)))  # fmt: skip
        text = T(
            ctx,
            "The testers' chat is for fans testing an open beta. Testers are picked by grade and activity; "
            "/rank shows yours.",
        )
        return Admission(False, say(text))

    # -- expiry and the waitlist -----------------------------------------------------------------
    async def refill(self, cohort_id: int) -> int:
        """Give free places to the waitlist, in pick order, and invite them; returns how many."""
        now = self.clock.now()
        invited = await self.repo.refill(cohort_id, now, self.respond_by(now))
        if invited:
            await self.send(cohort_id, invited, chat=None)
        return len(invited)

    async def sweep(self) -> int:
        """The job: expire unanswered invitations, refill every open cohort with free places (also
        those a decline freed just before a crash), and send the invitations a stopped process left
        unsent; returns how many fans were newly invited."""
        await self.repo.expire(self.clock.now())
        invited = sum([await self.refill(c.id) for c in await self.repo.cohorts(open_only=True)])
        for cohort_id, member_ids in (await self.repo.unsent(self.clock.now())).items():
            await self.send(cohort_id, member_ids, chat=None)
        return invited


def _whole_minutes(left: timedelta) -> timedelta:
    """The time left to answer, rounded up to the minute (72 hours less the milliseconds since the
    pick still reads "3 days")."""
    return timedelta(minutes=-(-left.total_seconds() // 60))


def _privately(message: str) -> Reply:
    return replace(error(message), private=True)
