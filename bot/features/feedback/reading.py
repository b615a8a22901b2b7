"""Reading the feedback backlog: show, mine, top, search, triage, notification preference."""

from __future__ import annotations

from datetime import timedelta

from bot.commands import CommandError, Role
from bot.context import Context
from bot.features.feedback.similarity import SimilarityIndex
from bot.features.feedback.text import ages, duration, item_list, ref, status_phrase, votes_phrase
from bot.replies import BR, Button, Reply, Segment, Text, say
from storage.repositories.feedback import OPEN, FeedbackRepo, ItemView
from storage.repositories.members import MemberRepo


async def resolve_item(items: FeedbackRepo, number: int) -> ItemView:
    item = await items.get(number)
    if item is None:
        raise CommandError(f"There is no #{number}.")
    return item


class FeedbackReader:
    """The read-only feedback commands: show, mine, top, search, triage, and /notify."""

    def __init__(self, items: FeedbackRepo, members: MemberRepo) -> None:
        self.items = items
        self.members = members

    async def resolve(self, number: int) -> ItemView:
        return await resolve_item(self.items, number)

    # -- reading ------------------------------------------------------------------------
    async def show(self, ctx: Context, number: int) -> Reply:
        item = await self.resolve(number)
        ids = await self.members.identities(item.submitter_id)
        by = ids[0].display_name if ids else "a former member"
        segs: list[Segment] = [
            *ref(item),
            Text(f" — {item.kind}, {status_phrase(item)}"),
            BR,
            Text(f"{votes_phrase(item.votes)} · by {by} · {item.created_at:%Y-%m-%d}"),
        ]
        if item.text != item.title:
            segs += [BR, Text(item.text)]
        if item.status in ("declined", "duplicate") and item.status_note:
            segs += [BR, Text(f"Reason: {item.status_note}")]
        elif item.status_note:
            segs += [BR, Text(f"Team note: {item.status_note}")]
        if ctx.role >= Role.MODERATOR:  # the member number is what `fanloop export member` takes
            segs += [BR, Text(f"{ages(item, ctx.now)} · submitter: member {item.submitter_id}")]
        buttons = [Button("👍 Vote", "fb.vote", str(item.id))] if item.is_open else []
        if item.is_open:
            segs += [BR, Text(f"/vote {item.id} to support it.")]
        return say(*segs, buttons=buttons)

    async def mine(self, ctx: Context) -> Reply:
        items = await self.items.query(submitter_id=ctx.member.member_id, limit=10)
        if not items:
            return say("You haven't logged anything yet. Try /idea TEXT or /bug TEXT.", private=True)
        return say(Text("Your feedback:"), BR, *item_list(items), private=True)

    async def top(self, ctx: Context, window: str | None) -> Reply:
        since = ctx.now - timedelta(days=7) if window == "week" else None
        items = await self.items.query(statuses=OPEN, since=since, order="votes", limit=10)
        label = "this week's" if since else "all-time"
        if not items:
            return say(f"No open ideas yet for {label} top list.")
        return say(Text(f"Top open feedback ({label}):"), BR, *item_list(items))

    async def search(self, ctx: Context, text: str) -> Reply:
        corpus = await self.items.search_corpus(open_only=False)
        index = SimilarityIndex((doc_id, body) for doc_id, body, _ in corpus)
        hits = [(doc_id, score) for doc_id, score in index.rank(text, limit=5) if score >= 0.1]
        items = [i for doc_id, _ in hits if (i := await self.items.get(doc_id)) is not None]
        if not items:
            return say("Nothing matches. Log it with /idea TEXT or /bug TEXT.")
        return say(Text("Matching feedback:"), BR, *item_list(items))

    async def triage(self, ctx: Context) -> Reply | list[Reply]:
        waiting = await self.items.query(statuses=("new",), order="oldest", limit=5)
        total = await self.items.count(statuses=("new",))
        if not waiting:
            return say("Nothing waiting for acknowledgement. 🎉")
        segs: list[Segment] = [Text(f"{total} item(s) waiting for acknowledgement, oldest first:"), BR]
        buttons: list[Button] = []
        for item in waiting:
            wait = duration(ctx.now - item.created_at)
            segs += [*ref(item), Text(f" — {item.kind}, {votes_phrase(item.votes)}, waiting {wait}"), BR]
            if ctx.role >= Role.MANAGER:
                buttons += [
                    # each button carries the status it was made for: pressed after a change, it does nothing
                    Button(f"Ack #{item.id}", "fb.status", f"{item.id}:acknowledged:{item.status}"),
                    Button(f"Plan #{item.id}", "fb.status", f"{item.id}:planned:{item.status}"),
                ]
        if ctx.role >= Role.MANAGER:
            segs.append(
                Text("Change one with /status N acknowledged|planned|in-progress|shipped VERSION|declined REASON")
            )
        if ctx.chat.is_private:
            return say(*segs, buttons=buttons)
        # a list for the one manager asking: privately, with a one-line pointer in the group
        return [
            say(f"Sent you the triage list ({total} waiting) privately."),
            say(*segs, buttons=buttons, private=True),
        ]

    async def set_notify(self, ctx: Context, choice: str) -> Reply:
        await self.items.set_notify(ctx.member.member_id, choice)
        text = {
            "dm": "I'll message you privately about items you follow (falling back to the chat if I can't).",
            "chat": "I'll mention you in the chat where you followed an item when it changes.",
            "off": "No more notifications about items you follow. /notify chat turns them back on.",
        }[choice]
        return say(text, private=True)
