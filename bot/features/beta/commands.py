"""/beta pick, list, message, remove, close — the managers' side of the beta programme."""

from __future__ import annotations

from datetime import timedelta

from bot.audit import Auditor
from bot.commands import Arg, ArgKind, CommandError, CommandSpec, MemberRef, NeedsConfirmation, Result, Role
from bot.context import CommandContext, author_of
from bot.contracts import Grading
from bot.features.beta.invitations import Invitations, T
from bot.i18n import N_, day, listing, negotiate
from bot.messenger import Messenger
from bot.replies import BR, Bold, Segment, Text, mention_line, say
from storage.repositories.beta import BetaRepo, CohortView
from storage.repositories.members import MemberRepo, MemberView

STATUS = {
    "accepted": N_("joined"),
    "invited": N_("invited"),
    "waitlisted": N_("waitlist"),
    "declined": N_("declined"),
    "expired": N_("expired"),
    "removed": N_("removed"),
}


class BetaCommands:
    def __init__(
        self,
        repo: BetaRepo,
        invitations: Invitations,
        grading: Grading,
        members: MemberRepo,
        auditor: Auditor,
        messenger: Messenger,
        active_days: int,
    ) -> None:
        self.repo, self.invitations, self.grading, self.members = repo, invitations, grading, members
        self.auditor, self.messenger, self.active_days = auditor, messenger, active_days

    def specs(self) -> list[CommandSpec]:
        cohort = Arg("cohort", ArgKind.INT, "the beta cohort's number", min_value=1)
        return [
            CommandSpec(
                "beta pick",
                "Invite the top eligible fans to a beta test (and a waitlist as long)",
                self.pick,
                args=(
                    Arg("count", ArgKind.INT, "how many places", min_value=1, max_value=1000),
                    Arg("min_grade", ArgKind.WORD, "lowest grade", required=False, max_length=40),
                ),
                min_role=Role.MANAGER,
            ),
            CommandSpec(
                "beta list",
                "The open beta cohorts, or who is in one",
                self.list,
                args=(Arg("cohort", ArgKind.INT, "the beta cohort's number", min_value=1, required=False),),
                min_role=Role.MANAGER,
            ),
            CommandSpec(
                "beta message",
                "Message a cohort's testers privately",
                self.message,
                args=(cohort, Arg("text", ArgKind.TEXT, "what to tell them", max_length=1500)),
                min_role=Role.MANAGER,
            ),
            CommandSpec(
                "beta remove",
                "Take a fan out of a cohort",
                self.remove,
                args=(cohort, Arg("member", ArgKind.MENTION, "who")),
                min_role=Role.MANAGER,
            ),
            CommandSpec(
                "beta close",
                "End a beta test (its fans can be picked again)",
                self.close,
                args=(cohort,),
                min_role=Role.MANAGER,
                confirmable=True,
            ),
        ]

    async def _cohort(self, ctx: CommandContext, number: int) -> CohortView:
        found = await self.repo.get(number)
        if found is None:
            raise CommandError(T(ctx, "There is no beta cohort #{cohort}.", cohort=number))
        return found

    async def pick(self, ctx: CommandContext) -> Result:
        grades = self.grading.grades
        eligible = [g for g in grades if "beta_eligible" in g.perks]
        if not eligible:
            raise CommandError(T(ctx, "No grade has the beta_eligible perk in the config."))
        floor = eligible[0].threshold
        name = ctx.args["min_grade"]
        if name:
            match = next((g for g in grades if g.name.lower() == name.lower()), None)
            if match is None:
                raise CommandError(
                    T(
                        ctx,
                        "No grade called “{name}”. Grades: {grades}.",
                        name=name,
                        grades=listing(ctx, [g.name for g in grades]),
                    )
                )
            floor = max(floor, match.threshold)
        count = ctx.args["count"]
        since = ctx.now - timedelta(days=self.active_days)
        picked = await self.repo.candidates(floor, since, 2 * count)
        if not picked:
            return say(
                T(
                    ctx,
                    "Nobody is eligible (a grade with beta testing, active in the last {days} days, not in an "
                    "open beta).",
                    days=self.active_days,
                )
            )
        invited, waitlist = picked[:count], picked[count:]
        cohort = await self.repo.create(
            invited,
            waitlist,
            actor_id=ctx.member.member_id,
            min_grade=name,
            at=ctx.now,
            respond_by=self.invitations.respond_by(ctx.now),
            platform=str(ctx.chat.platform),
            chat_id=None if ctx.chat.is_private else ctx.chat.chat_id,
        )
        await self.auditor.record(
            ctx, "beta.pick", target=f"cohort:{cohort}", args={"count": len(invited), "min_grade": name}
        )
        unreachable = await self.invitations.send(cohort, invited, chat=ctx.chat)
        line = T.plural(
            ctx,
            "Beta cohort #{cohort}: invited {n} fan; {waiting} on the waitlist.",
            "Beta cohort #{cohort}: invited {n} fans; {waiting} on the waitlist.",
            len(invited),
            cohort=cohort,
            waiting=len(waitlist),
        )
        segs: list[Segment] = [Text(line)]
        buttons = []
        if unreachable:  # one message for everyone we could not DM, never one per fan
            segs += [BR, Text(T(ctx.chat_lang, "Picked for the beta (I couldn't message you privately):"))]
            segs += [Text(" "), *mention_line((m.platform, m.user_id, m.display_name) for m in unreachable)]
            buttons = self.invitations.buttons(ctx.chat_lang, cohort)
        return say(*segs, buttons=buttons)

    async def list(self, ctx: CommandContext) -> Result:
        number: int | None = ctx.args["cohort"]
        if number is None:
            cohorts = await self.repo.cohorts(open_only=True)
            if not cohorts:
                return say(T(ctx, "No beta test is open. Start one with /beta pick N."))
            segs: list[Segment] = [Bold(T(ctx, "Open beta tests")), BR]
            for c in cohorts:
                segs += [Text(self._summary(ctx, c)), BR]
            return say(*segs)
        cohort = await self._cohort(ctx, number)
        places = await self.repo.places(cohort.id)
        names = await self.members.names([p.member_id for p in places])
        segs = [Text(self._summary(ctx, cohort)), BR]
        for status, label in STATUS.items():
            who = [names.get(p.member_id) or T(ctx, "a former member") for p in places if p.status == status]
            if who:
                segs += [Text(f"{T(ctx, label)}: {listing(ctx, who)}"), BR]
        return say(*segs)

    def _summary(self, ctx: CommandContext, c: CohortView) -> str:
        joined, invited = c.counts.get("accepted", 0), c.counts.get("invited", 0)
        values = {
            "cohort": c.id,
            "day": day(ctx, c.created_at),
            "joined": joined,
            "invited": invited,
            "size": c.size,
            "waiting": c.counts.get("waitlisted", 0),
        }
        if c.status != "open":
            return T(ctx, "Beta #{cohort} (picked {day}, ended): {joined} of {size} places joined.", **values)
        return T(
            ctx,
            "Beta #{cohort} (picked {day}): {joined} of {size} places joined, {invited} invited, {waiting} on "
            "the waitlist.",
            **values,
        )

    async def message(self, ctx: CommandContext) -> Result:
        cohort = await self._cohort(ctx, ctx.args["cohort"])
        testers = [p.member_id for p in await self.repo.places(cohort.id) if p.status == "accepted"]
        if not testers:
            raise CommandError(T(ctx, "Nobody has joined beta #{cohort} yet.", cohort=cohort.id))
        text: str = ctx.args["text"]
        unreachable: list[MemberView] = []
        for member_id in testers:
            target = await self.members.identity_on(member_id, str(ctx.chat.platform))
            if target is None:
                continue
            lang = negotiate(await self.members.language(member_id)) or ctx.chat_lang
            header = T(lang, "Beta #{cohort} — from the team:", cohort=cohort.id)
            if await self.messenger.send_direct(author_of(target), say(Bold(header), BR, Text(text))) is None:
                unreachable.append(target)
        await self.auditor.record(ctx, "beta.message", target=f"cohort:{cohort.id}", args={"to": len(testers)})
        segs: list[Segment] = [
            Text(T.plural(ctx, "Sent to {n} tester.", "Sent to {n} testers.", len(testers) - len(unreachable)))
        ]
        if unreachable:  # the chat fallback: they are named here, with the message
            segs += [BR, Text(T(ctx.chat_lang, "I couldn't message these testers privately:"))]
            segs += [Text(" "), *mention_line((m.platform, m.user_id, m.display_name) for m in unreachable)]
            segs += [BR, Text(text)]
        return say(*segs)

    async def remove(self, ctx: CommandContext) -> Result:
        cohort = await self._cohort(ctx, ctx.args["cohort"])
        ref: MemberRef = ctx.args["member"]
        platform = str(ctx.chat.platform)
        if ref.member_id is not None:
            ids = await self.members.identities(ref.member_id)
            who = ids[0] if ids else None
        else:
            who = await self.members.find(platform, user_id=ref.user_id, username=ref.username)
        if who is None:
            raise CommandError(T(ctx, "I don't know {who} yet — they need to say something here first.", who=ref.raw))
        if not await self.repo.remove(cohort.id, who.member_id, ctx.now):
            raise CommandError(
                T(ctx, "{name} has no place in beta #{cohort}.", name=who.display_name, cohort=cohort.id)
            )
        await self.auditor.record(ctx, "beta.remove", target=f"member:{who.member_id}", args={"cohort": cohort.id})
        return say(T(ctx, "Took {name} out of beta #{cohort}.", name=who.display_name, cohort=cohort.id))

    async def close(self, ctx: CommandContext) -> Result:
        cohort = await self._cohort(ctx, ctx.args["cohort"])
        if cohort.status != "open":
            raise CommandError(T(ctx, "Beta #{cohort} has already ended.", cohort=cohort.id))
        if not ctx.confirmed:
            raise NeedsConfirmation(
                say(
                    T(
                        ctx,
                        "About to end beta #{cohort}: {joined} testers; open invitations stop working and everyone "
                        "in it can be picked for the next beta.",
                        cohort=cohort.id,
                        joined=cohort.counts.get("accepted", 0),
                    )
                )
            )
        if not await self.repo.close(cohort.id, ctx.now):
            raise CommandError(T(ctx, "Beta #{cohort} has already ended.", cohort=cohort.id))
        await self.auditor.record(ctx, "beta.close", target=f"cohort:{cohort.id}")
        return say(T(ctx, "Beta #{cohort} has ended. Thanks to its testers!", cohort=cohort.id))
