"""The managers' side of the feedback loop: status changes (with a preview for the ones that are
hard to take back), merges of duplicates, and undoing a merge. Followers are told through the
notification outbox the status change writes."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

from bot.audit import Auditor
from bot.commands import CommandError, NeedsConfirmation, Role
from bot.context import Context
from bot.features.feedback.reading import resolve_item
from bot.features.feedback.safety import merge_preview, status_preview
from bot.features.feedback.text import T, ref, status_phrase, votes_phrase
from bot.replies import Reply, say
from storage.repositories.feedback import ChangeView, FeedbackRepo

STATES = ("acknowledged", "planned", "in-progress", "shipped", "declined")
VERSION = re.compile(r"^[\w.+\-]{1,40}$")
#: pays a member for something that happened in ``ctx``: (ctx, member, kind, source key, reason)
Credit = Callable[[Context, int, str, str, str], Awaitable[None]]


class Decisions:
    def __init__(self, items: FeedbackRepo, auditor: Auditor, credit: Credit) -> None:
        self.items = items
        self.auditor = auditor
        self._credit = credit

    async def set_status(self, ctx: Context, number: int, change: str | None) -> tuple[list[Reply], ChangeView]:
        if ctx.role < Role.MANAGER:
            raise CommandError(T(ctx, "Changing an item's status is for managers."))
        state, _, rest = (change or "").strip().partition(" ")
        state, rest = state.lower(), rest.strip()
        if state not in STATES:
            raise CommandError(
                T(
                    ctx,
                    "Which status? Usage: /status N acknowledged|planned|in-progress [comment] | shipped VERSION "
                    "[comment] | declined REASON",
                )
            )
        item = await resolve_item(self.items, number, ctx)
        to = state.replace("-", "_")
        version = None
        if to == "shipped":
            version, _, rest = rest.partition(" ")
            rest = rest.strip()
            if not version or not VERSION.match(version):
                raise CommandError(
                    T(ctx, "Shipped in which version? e.g. /status {number} shipped 3.2.0", number=number)
                )
        if to == "declined" and not rest:
            raise CommandError(T(ctx, "Say why, so the fans know: /status {number} declined REASON", number=number))
        if len(rest) > 500:
            raise CommandError(
                T(ctx, "That comment is too long ({length} characters, at most {limit}).", length=len(rest), limit=500)
            )
        if item.status == "duplicate":
            raise CommandError(
                T(
                    ctx,
                    "#{number} is merged into #{into}; change that one instead.",
                    number=item.id,
                    into=item.duplicate_of,
                )
            )
        if item.status == to and (to != "shipped" or item.version == version):
            raise CommandError(
                T(ctx, "#{number} is already {status}.", number=item.id, status=status_phrase(item, ctx))
            )
        if not getattr(ctx, "confirmed", False):
            followers = len(await self.items.followers(item.id))
            preview = status_preview(item, to, version, rest, followers, ctx)
            if preview is not None:
                raise NeedsConfirmation(preview)
        changed = await self.items.change_status(
            item.id,
            to_status=to,
            actor_id=ctx.member.member_id,
            now=ctx.now,
            version=version,
            comment=rest or None,
        )
        assert changed is not None
        await self.auditor.record(
            ctx,
            "feedback.status",
            target=f"#{item.id}",
            args={"from": item.status, "to": to, "version": version},
            reason=rest or None,
        )
        fresh = await resolve_item(self.items, item.id, ctx)
        if to == "shipped":
            await self._credit(ctx, item.submitter_id, "shipped", f"shipped:{item.id}", f"#{item.id} shipped")
        done = T.seg(ctx, "{item} is now {status}.", item=ref(fresh), status=status_phrase(fresh, ctx))
        return [say(*done)], changed

    async def merge(self, ctx: Context, from_id: int, into_id: int, reason: str | None) -> tuple[Reply, ChangeView]:
        if from_id == into_id:
            raise CommandError(T(ctx, "Can't merge #{number} into itself.", number=from_id))
        source = await resolve_item(self.items, from_id, ctx)
        target = await resolve_item(self.items, into_id, ctx)
        if source.status == "duplicate":
            raise CommandError(
                T(ctx, "#{number} is already merged into #{into}.", number=from_id, into=source.duplicate_of)
            )
        if target.status == "duplicate":
            raise CommandError(
                T(
                    ctx,
                    "#{number} is itself merged into #{into}; merge into that one instead.",
                    number=into_id,
                    into=target.duplicate_of,
                )
            )
        if not getattr(ctx, "confirmed", False):
            preview = merge_preview(source, target, len(await self.items.followers(from_id)), ctx)
            if preview is not None:
                raise NeedsConfirmation(preview)
        moved = await self.items.merge(from_id, into_id, ctx.now)
        changed = await self.items.change_status(
            from_id,
            to_status="duplicate",
            actor_id=ctx.member.member_id,
            now=ctx.now,
            comment=reason,
            duplicate_of=into_id,
        )
        assert changed is not None
        await self.auditor.record(ctx, "feedback.merge", target=f"#{from_id}", args={"into": into_id}, reason=reason)
        fresh = await resolve_item(self.items, into_id, ctx)
        done = T.plural_seg(
            ctx,
            "Merged #{from} into {item}: {n} vote moved, {votes} now. (/merge undo {from} takes it back.)",
            "Merged #{from} into {item}: {n} votes moved, {votes} now. (/merge undo {from} takes it back.)",
            moved,
            item=ref(fresh),
            votes=votes_phrase(fresh.votes, ctx),
            **{"from": str(from_id)},
        )
        return say(*done), changed

    async def unmerge(self, ctx: Context, from_id: int) -> tuple[Reply, ChangeView]:
        """Undo the merge of FROM: the votes and follows it added to the kept item go, FROM gets its
        status back, and its followers — the fans told it was a duplicate — are told."""
        source = await resolve_item(self.items, from_id, ctx)
        if source.status != "duplicate":
            raise CommandError(
                T(
                    ctx,
                    "#{number} isn't merged into anything ({status}).",
                    number=from_id,
                    status=status_phrase(source, ctx),
                )
            )
        undone = await self.items.undo_merge(from_id, ctx.now)
        if undone is None:
            raise CommandError(
                T(
                    ctx,
                    "#{number} was merged before merges could be undone; set its status with /status.",
                    number=from_id,
                )
            )
        changed = await self.items.change_status(
            from_id,
            to_status=undone.from_status,
            actor_id=ctx.member.member_id,
            now=ctx.now,
            comment=f"not a duplicate of #{undone.into_id} after all",
        )
        assert changed is not None
        await self.auditor.record(ctx, "feedback.unmerge", target=f"#{from_id}", args={"into": undone.into_id})
        fresh = await resolve_item(self.items, from_id, ctx)
        kept = await resolve_item(self.items, undone.into_id, ctx)
        done = T.seg(
            ctx,
            "Undid the merge: {item} is {status} again with {votes}; #{kept} is back to {kept_votes}.",
            item=ref(fresh),
            status=status_phrase(fresh, ctx),
            votes=votes_phrase(fresh.votes, ctx),
            kept=str(kept.id),
            kept_votes=votes_phrase(kept.votes, ctx),
        )
        return say(*done), changed
