"""Reading the feedback backlog: show, mine, top, search, triage, notification preference."""

from __future__ import annotations

from datetime import timedelta

from bot.commands import CommandError, Role
from bot.context import Context
from bot.features.feedback.duplicates import AllItems
from bot.features.feedback.text import T, ages, duration, item_list, ref, status_phrase, votes_phrase
from bot.i18n import N_, SOURCE, Where, day
from bot.replies import BR, Button, Reply, Segment, Text, say
from storage.repositories.feedback import OPEN, FeedbackRepo, ItemView
from storage.repositories.members import MemberRepo
from storage.repositories.polls import PollRepo


async def resolve_item(items: FeedbackRepo, number: int, where: Where = SOURCE) -> ItemView:
    item = await items.get(number)
    if item is None:
        raise CommandError(T(where, "There is no #{number}.", number=number))
    return item


class FeedbackReader:
    """The read-only feedback commands: show, mine, top, search, triage, and /notify."""

    def __init__(self, items: FeedbackRepo, members: MemberRepo, polls: PollRepo | None = None) -> None:
        self.items = items
        self.members = members
        #: the polls that listed an item (``/poll items``): its page shows how it did
        self.polls = polls
        #: every item by its text, for /feedback search (kept current, not rebuilt per search)
        self.catalog = AllItems(items)

    # -- reading ------------------------------------------------------------------------
    async def show(self, ctx: Context, number: int) -> Reply:
        item = await resolve_item(self.items, number, ctx)
        ids = await self.members.identities(item.submitter_id)
        by = ids[0].display_name if ids else T(ctx, "a former member")
        kind = T(ctx, "idea") if item.kind == "idea" else T(ctx, "bug report")
        segs: list[Segment] = [
            *ref(item),
            Text(f" — {kind}{T(ctx, ', ')}{status_phrase(item, ctx)}"),
            BR,
            Text(
                T(
                    ctx,
                    "{votes} · by {name} · {date}",
                    votes=votes_phrase(item.votes, ctx),
                    name=by,
                    date=day(ctx, item.created_at),
                )
            ),
        ]
        if item.cohort_id is not None:
            segs += [BR, Text(T(ctx, "🧪 Sent while testing beta #{cohort}.", cohort=item.cohort_id))]
        if item.text != item.title:
            segs += [BR, Text(item.text)]
        if item.status in ("declined", "duplicate") and item.status_note:
            segs += [BR, Text(T(ctx, "Reason: {note}", note=item.status_note))]
        elif item.status_note:
            segs += [BR, Text(T(ctx, "Team note: {note}", note=item.status_note))]
        for result in await self.polls.for_item(item.id) if self.polls is not None else []:
            if result.status == "open":
                line = T(ctx, "📊 Poll #{poll} (open): {votes} of {total} votes.", poll=result.poll_id,
                         votes=result.votes, total=result.total)  # fmt: skip
            else:
                pct = round(100 * result.votes / result.total) if result.total else 0
                line = T(ctx, "📊 Poll #{poll}: {votes} of {total} votes ({pct}%).", poll=result.poll_id,
                         votes=result.votes, total=result.total, pct=pct)  # fmt: skip
            segs += [BR, Text(line)]
        if ctx.role >= Role.MODERATOR:  # the member number is what `fanloop export member` takes
            segs += [BR, Text(T(ctx, "{ages} · submitter: member {member}", ages=ages(item, ctx.now, ctx),
                                member=item.submitter_id))]  # fmt: skip
        buttons = [Button(T(ctx, "👍 Vote"), "fb.vote", str(item.id))] if item.is_open else []
        if item.is_open:
            segs += [BR, Text(T(ctx, "/vote {number} to support it.", number=item.id))]
        return say(*segs, buttons=buttons)

    async def mine(self, ctx: Context) -> Reply:
        items = await self.items.query(submitter_id=ctx.member.member_id, limit=10)
        if not items:
            return say(T(ctx, "You haven't logged anything yet. Try /idea TEXT or /bug TEXT."), private=True)
        return say(Text(T(ctx, "Your feedback:")), BR, *item_list(items, where=ctx), private=True)

    async def top(self, ctx: Context, window: str | None) -> Reply:
        since = ctx.now - timedelta(days=7) if window == "week" else None
        items = await self.items.query(statuses=OPEN, since=since, order="votes", limit=10)
        if not items:
            none = N_("No open ideas on this week's list yet.") if since else N_("No open ideas on the list yet.")
            return say(T(ctx, none))
        title = N_("Top open feedback this week:") if since else N_("Top open feedback of all time:")
        return say(Text(T(ctx, title)), BR, *item_list(items, where=ctx))

    async def search(self, ctx: Context, text: str) -> Reply:
        found = await self.items.many(ids := await self.catalog.search(text, limit=5))
        items = [found[i] for i in ids if i in found]  # (forgotten since: left out)
        if not items:
            return say(T(ctx, "Nothing matches. Log it with /idea TEXT or /bug TEXT."))
        return say(Text(T(ctx, "Matching feedback:")), BR, *item_list(items, where=ctx))

    async def triage(self, ctx: Context) -> Reply | list[Reply]:
        waiting = await self.items.query(statuses=("new",), order="oldest", limit=5)
        total = await self.items.count(statuses=("new",))
        if not waiting:
            return say(T(ctx, "Nothing waiting for acknowledgement. 🎉"))
        heading = T.plural(
            ctx, "{n} item waiting for acknowledgement:", "{n} items waiting for acknowledgement, oldest first:", total
        )
        segs: list[Segment] = [Text(heading), BR]
        buttons: list[Button] = []
        for item in waiting:
            kind = T(ctx, "idea") if item.kind == "idea" else T(ctx, "bug report")
            line = T(
                ctx,
                " — {kind}, {votes}, waiting {time}",
                kind=kind,
                votes=votes_phrase(item.votes, ctx),
                time=duration(ctx.now - item.created_at, ctx),
            )
            segs += [*ref(item), Text(line), BR]
            if ctx.role >= Role.MANAGER:
                buttons += [
                    # each button carries the status it was made for: pressed after a change, it does nothing
                    Button(
                        T(ctx, "Ack #{number}", number=item.id), "fb.status", f"{item.id}:acknowledged:{item.status}"
                    ),
                    Button(T(ctx, "Plan #{number}", number=item.id), "fb.status", f"{item.id}:planned:{item.status}"),
                ]
        if ctx.role >= Role.MANAGER:
            segs.append(
                Text(
                    T(ctx, "Change one with /status N acknowledged|planned|in-progress|shipped VERSION|declined REASON")
                )
            )
        if ctx.chat.is_private:
            return say(*segs, buttons=buttons)
        # a list for the one manager asking: privately, with a one-line pointer in the group
        return [
            say(T(ctx, "Sent you the triage list ({count} waiting) privately.", count=total)),
            say(*segs, buttons=buttons, private=True),
        ]

    async def set_notify(self, ctx: Context, choice: str) -> Reply:
        await self.items.set_notify(ctx.member.member_id, choice)
        text = {
            "dm": N_("I'll message you privately about items you follow (falling back to the chat if I can't)."),
            "chat": N_("I'll mention you in the chat where you followed an item when it changes."),
            "off": N_("No more notifications about items you follow. /notify chat turns them back on."),
        }[choice]
        return say(T(ctx, text), private=True)
