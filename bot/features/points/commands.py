"""Points commands: /rank, /leaderboard, /points ..., /link, /unlink."""

from __future__ import annotations

import secrets
from datetime import timedelta

from bot.audit import Auditor
from bot.commands import Arg, ArgKind, CommandError, CommandSpec, MemberRef, NeedsConfirmation, Result, Role
from bot.context import CommandContext, Context
from bot.features.points.service import PointsService, T, perk_names
from bot.i18n import N_, day, listing, number
from bot.replies import BR, Bold, Mention, Segment, Text, say
from storage.repositories.linking import LinkRepo
from storage.repositories.members import MemberView

WINDOWS = {"week": timedelta(days=7), "month": timedelta(days=30)}
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L
CODE_TTL = timedelta(minutes=10)


class PointsCommands:
    def __init__(self, points: PointsService, links: LinkRepo, auditor: Auditor) -> None:
        self.points = points
        self.links = links
        self.auditor = auditor

    def specs(self) -> list[CommandSpec]:
        member = Arg("member", ArgKind.MENTION, "who")
        amount = Arg("amount", ArgKind.INT, "how many points", min_value=1, max_value=100_000)
        reason = Arg("reason", ArgKind.TEXT, "why (recorded and shown in their history)", max_length=300)
        return [
            CommandSpec(
                "rank",
                "Your grade, points and the path to the next grade",
                self.rank,
                args=(Arg("member", ArgKind.MENTION, "someone else", required=False),),
            ),
            CommandSpec(
                "leaderboard",
                "Top 10 and your position",
                self.leaderboard,
                args=(
                    Arg(
                        "window",
                        ArgKind.CHOICE,
                        "week, month, season or all",
                        required=False,
                        choices=("week", "month", "season", "all"),
                    ),
                ),
            ),
            CommandSpec("points history", "Your last 10 points, with reasons", self.history),
            CommandSpec(
                "points grant", "Give a member points", self.grant, args=(member, amount, reason), min_role=Role.MANAGER
            ),
            CommandSpec(
                "points revoke",
                "Take points from a member",
                self.revoke,
                args=(member, amount, reason),
                min_role=Role.MANAGER,
                confirmable=True,
            ),
            CommandSpec(
                "link",
                "Link your accounts on other platforms (one balance)",
                self.link,
                args=(Arg("code", ArgKind.WORD, "the code from your other account", required=False, max_length=16),),
            ),
            CommandSpec("unlink", "Split your linked accounts apart again", self.unlink),
        ]

    async def on_message(self, ctx: Context) -> Result:
        return await self.points.on_message(ctx)

    async def _target(self, ctx: CommandContext, ref: MemberRef) -> MemberView:
        platform = str(ctx.chat.platform)
        if ref.member_id is not None:  # member:N — whichever platforms they use
            found = await self.points.members.identity_on(ref.member_id, platform)
        else:
            found = await self.points.members.find(platform, user_id=ref.user_id, username=ref.username)
        if found is None:
            raise CommandError(T(ctx, "I don't know {who} yet — they need to say something here first.", who=ref.raw))
        return found

    async def rank(self, ctx: CommandContext) -> Result:
        ref: MemberRef | None = ctx.args["member"]
        who = await self._target(ctx, ref) if ref else ctx.member
        rank, balance = await self.points.repo.position(who.member_id)
        grade = self.points.grade_for(balance)
        segs: list[Segment] = T.seg(
            ctx,
            "{name}: {grade}, {points} points (#{rank}).",
            name=Bold(who.display_name),
            grade=grade.name,
            points=number(ctx, balance),
            rank=str(rank),
        )
        nxt = self.points.next_grade(balance)
        if nxt is not None:
            perks = perk_names(ctx, [p for p in nxt.perks if p not in grade.perks])
            values = {"grade": nxt.name, "at": number(ctx, nxt.threshold), "left": number(ctx, nxt.threshold - balance)}
            if perks:
                segs.append(
                    Text(T(ctx, " Next: {grade} at {at} ({left} to go; unlocks {perks}).", perks=perks, **values))
                )
            else:
                segs.append(Text(T(ctx, " Next: {grade} at {at} ({left} to go).", **values)))
        s = self.points.settings
        segs += [
            BR,
            Text(
                T(
                    ctx,
                    "What counts: an idea shipped +{shipped}, an accepted answer +{answer}, feedback +{feedback}, "
                    "a vote on your idea +{vote}, chat +{chat} a message (max {cap} a day from chat, feedback "
                    "and votes).",
                    shipped=s.per_feedback_shipped,
                    answer=s.per_accepted_answer,
                    feedback=s.per_feedback,
                    vote=s.per_vote_received,
                    chat=s.per_message,
                    cap=s.daily_cap,
                )
            ),
        ]
        return say(*segs)

    async def leaderboard(self, ctx: CommandContext) -> Result:
        window = ctx.args["window"] or "all"
        since = ctx.now - WINDOWS[window] if window in WINDOWS else None
        season = self.points.settings.season(ctx.now)
        if window == "season":
            if season is None:
                raise CommandError(T(ctx, "Seasons are off: [points] season_weeks in the config turns them on."))
            since = season[1]
        if since is None:
            top = await self.points.repo.leaderboard(10)
        else:
            # a new season is a new window, never the last one's cached totals
            totals = await self.points.window(f"season {season[0]}" if window == "season" and season else window, since)
            top = sorted(((m, t) for m, t in totals.items() if t > 0), key=lambda x: (-x[1], x[0]))[:10]
        if not top:
            empty = {
                "week": N_("No points earned this week yet."),
                "month": N_("No points earned this month yet."),
                "season": N_("No points earned this season yet."),
                "all": N_("No points earned yet."),
            }
            return say(T(ctx, empty[window]))
        title = {
            "week": N_("Leaderboard (this week)"),
            "month": N_("Leaderboard (this month)"),
            "season": N_("Leaderboard (season {n}, since {day})"),
            "all": N_("Leaderboard (all time)"),
        }
        heading = T(ctx, title[window], n=season[0], day=day(ctx, season[1])) if season else T(ctx, title[window])
        segs: list[Segment] = [Bold(heading), BR]
        names = await self.points.members.names([member_id for member_id, _ in top])
        for i, (member_id, total) in enumerate(top, 1):
            name = names.get(member_id) or T(ctx, "a former member")
            segs += [Text(f"{i}. {name} — {number(ctx, total)}"), BR]
        if since is None:
            rank, mine = await self.points.repo.position(ctx.member.member_id)
        else:
            mine = totals.get(ctx.member.member_id, 0)
            rank = 1 + sum(1 for t in totals.values() if t > mine)
        segs.append(Text(T(ctx, "You: #{rank} with {points}.", rank=rank, points=number(ctx, mine))))
        return say(*segs)

    async def history(self, ctx: CommandContext) -> Result:
        rows = await self.points.repo.history(ctx.member.member_id, 10)
        if not rows:
            return say(T(ctx, "No points yet — share an idea (/idea) or help another fan."), private=True)
        segs: list[Segment] = [Text(T(ctx, "Your last points:")), BR]
        for r in rows:
            segs += [Text(f"{day(ctx, r.created_at)} {r.amount:+d} {r.reason}"), BR]
        return say(*segs, private=True)

    async def _adjust(self, ctx: CommandContext, sign: int, kind: str) -> Result:
        target = await self._target(ctx, ctx.args["member"])
        amount, reason = sign * ctx.args["amount"], ctx.args["reason"]
        if sign < 0 and not ctx.confirmed:  # points taken can't be quietly given back
            _, balance = await self.points.repo.position(target.member_id)
            before, after = self.points.grade_for(balance), self.points.grade_for(balance + amount)
            values = {
                "amount": -amount,
                "name": target.display_name,
                "member": target.member_id,
                "reason": reason,
                "before": balance,
                "after": balance + amount,
            }
            if after.name != before.name:
                text = T(
                    ctx,
                    "About to take {amount} points from {name} (member {member}) for “{reason}”: balance "
                    "{before} → {after}; their grade drops from {old} to {new}.",
                    old=before.name,
                    new=after.name,
                    **values,
                )
            else:
                text = T(
                    ctx,
                    "About to take {amount} points from {name} (member {member}) for “{reason}”: balance "
                    "{before} → {after}.",
                    **values,
                )
            raise NeedsConfirmation(say(text))
        result = await self.points.award(
            target.member_id,
            amount,
            kind,
            f"{'granted' if sign > 0 else 'revoked'} by a manager: {reason}",
            f"{kind}:{ctx.chat.platform}:{ctx.chat.chat_id}:{ctx.event.message_id}",
            ctx.now,
            actor_id=ctx.member.member_id,
            platform=str(ctx.chat.platform),
            chat_id=ctx.chat.chat_id,
        )
        await self.auditor.record(
            ctx, f"points.{kind}", target=f"member:{target.member_id}", args={"amount": amount}, reason=reason
        )
        who = Mention(target.platform, target.user_id, target.display_name)
        template = (
            N_("Gave {amount} points to {who} ({reason}). Balance: {balance}.")
            if sign > 0
            else N_("Took {amount} points from {who} ({reason}). Balance: {balance}.")
        )
        done = T.seg(ctx, template, amount=str(abs(amount)), who=who, reason=reason, balance=str(result.balance))
        return say(*done)

    async def grant(self, ctx: CommandContext) -> Result:
        return await self._adjust(ctx, 1, "grant")

    async def revoke(self, ctx: CommandContext) -> Result:
        return await self._adjust(ctx, -1, "revoke")

    async def link(self, ctx: CommandContext) -> Result:
        code: str | None = ctx.args["code"]
        platform = str(ctx.chat.platform)
        if not code:
            new = "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))
            await self.points.repo.create_code(new, ctx.member.member_id, platform, ctx.now, ctx.now + CODE_TTL)
            return say(
                T(
                    ctx,
                    "Your link code is {code}. Within 10 minutes, send /link {code} from your account on the "
                    "other platform; both accounts then share one balance, one vote and one history.",
                    code=new,
                ),
                private=True,
            )
        found = await self.points.repo.redeem_code(code.strip().upper(), ctx.now)
        if found is None:
            raise CommandError(
                T(ctx, "That code is unknown, used or expired. Get a new one with /link on your other account.")
            )
        owner, code_platform = found
        if owner == ctx.member.member_id:
            raise CommandError(T(ctx, "These accounts are already linked."))
        if code_platform == platform:
            raise CommandError(T(ctx, "Use the code on a different platform than the one that made it."))
        await self.links.merge(owner, ctx.member.member_id, ctx.now)
        balance = await self.points.repo.balance(owner)
        names = listing(ctx, [f"{i.platform}:{i.display_name}" for i in await self.points.members.identities(owner)])
        return say(
            T(ctx, "Linked: {names} are now one member with {points} points.", names=names, points=balance),
            private=True,
        )

    async def unlink(self, ctx: CommandContext) -> Result:
        me = ctx.author
        moved = await self.links.unlink(str(me.platform), me.user_id, ctx.now)
        if moved is None:  # this is the account others were linked into: split those off
            others = [
                i
                for i in await self.points.members.identities(ctx.member.member_id)
                if (i.platform, i.user_id) != (str(me.platform), me.user_id)
            ]
            results = [await self.links.unlink(i.platform, i.user_id, ctx.now) for i in others]
            if not any(results):
                raise CommandError(T(ctx, "This account isn't linked to any other."))
        mine = await self.points.members.find(str(me.platform), user_id=me.user_id)
        balance = await self.points.repo.balance(mine.member_id) if mine else 0
        return say(T(ctx, "Unlinked. This account now has {points} points of its own.", points=balance), private=True)
