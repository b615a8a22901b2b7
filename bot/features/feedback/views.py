"""The feedback loop on the dashboard: the board (filter, sort, bulk acknowledge), an item's page
(history, votes, followers, similar items; status change, merge with a preview, undo) and two
overview panels (waiting for an answer, most wanted this week).

Every change runs the chat command it stands for (``PageRequest.perform``): the same checks,
audit and notifications as ``/status``, ``/merge`` and ``/merge undo`` typed in chat.
"""

from __future__ import annotations

from datetime import timedelta

from bot.dashboard.pages import PAGE_SIZE, Done, NotFound, Page, PageRequest, Panel, Redirect, Refused, View
from bot.features.feedback.decisions import STATES
from bot.features.feedback.duplicates import OpenItems
from bot.features.feedback.safety import merge_preview
from bot.features.feedback.text import T, status_label, votes_phrase
from bot.i18n import N_
from storage.repositories.feedback import OPEN, FeedbackRepo, ItemView
from storage.repositories.feedback_board import ORDERS, BoardFilter, FeedbackBoard
from storage.repositories.members import MemberRepo

STALE = timedelta(days=7)
#: the board's status filter: a group or one status
SHOWN = {"open": OPEN, "new": ("new",), "decided": ("shipped", "declined"), "all": None}
SHOWN_LABELS = {"open": N_("open"), "new": N_("new"), "decided": N_("shipped or declined"), "all": N_("all")}
ORDER_LABELS = {
    "votes": N_("most votes"),
    "newest": N_("newest"),
    "oldest": N_("oldest"),
    "waiting": N_("waiting longest"),
}
KINDS = {"idea": N_("ideas"), "bug": N_("bugs")}


class FeedbackViews:
    def __init__(
        self, items: FeedbackRepo, board: FeedbackBoard, members: MemberRepo, open_items: OpenItems, *, roadmap: bool
    ) -> None:
        self.items, self.board, self.members, self.open_items = items, board, members, open_items
        #: publish /roadmap ([feedback] roadmap)
        self.roadmap = roadmap

    def pages(self) -> tuple[Page, ...]:
        pages = [
            Page("/feedback", self.board_page, post=self.bulk, nav=lambda lang: T(lang, "Feedback"), order=10),
            Page("/feedback/{number}", self.item_page, post=self.act),
        ]
        if self.roadmap:
            pages.append(Page("/roadmap", self.public_roadmap, public=True))
        return tuple(pages)

    async def public_roadmap(self, req: PageRequest) -> View:
        """What the team works on, for everyone: titles and votes, never who asked."""
        columns = [
            (T(req, "Planned"), await self.items.query(statuses=("planned",), order="votes", limit=50)),
            (T(req, "In progress"), await self.items.query(statuses=("in_progress",), order="votes", limit=50)),
            (T(req, "Shipped"), await self.items.query(statuses=("shipped",), order="newest", limit=30)),
        ]
        return View("feedback/roadmap.html", T(req, "Roadmap"), {"columns": columns})

    def panels(self) -> tuple[Panel, ...]:
        return (Panel("feedback-waiting", self.waiting, order=10), Panel("feedback-wanted", self.wanted, order=20))

    # -- overview panels ------------------------------------------------------------------------
    async def waiting(self, req: PageRequest) -> View | None:
        before = req.now - STALE
        stale = await self.items.query(statuses=OPEN, changed_before=before, order="stalest", limit=8)
        unacknowledged = await self.items.count(statuses=("new",))
        if not stale and not unacknowledged:
            return None
        values = {
            "stale": stale,
            "stale_total": await self.items.count(statuses=OPEN, changed_before=before),
            "unacknowledged": unacknowledged,
            "status": status_label,
        }
        return View("feedback/waiting_panel.html", T(req, "Waiting for an answer"), values)

    async def wanted(self, req: PageRequest) -> View | None:
        top = await self.items.query(statuses=OPEN, since=req.now - timedelta(days=7), order="votes", limit=8)
        if not top:
            return None
        return View("feedback/wanted_panel.html", T(req, "Most wanted this week"), {"items": top})

    # -- the board --------------------------------------------------------------------------------
    async def board_page(self, req: PageRequest) -> View:
        shown = req.value("status", "open")
        order = req.value("sort", "votes")
        kind = req.value("kind")
        platform = req.value("platform")
        text = req.value("q")[:200]
        if shown not in SHOWN or order not in ORDERS or (kind and kind not in KINDS):
            raise Refused(T(req, "Unknown filter: choose one from the lists."))
        page = req.number("page", 1, high=100_000)
        found = BoardFilter(SHOWN[shown], kind or None, platform or None, text or None, order)
        items, total = await self.board.page(found, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
        names = await self.members.names([i.submitter_id for i in items])
        values = {
            "items": items,
            "names": names,
            "total": total,
            "page": page,
            "pages": max(1, -(-total // PAGE_SIZE)),
            "filters": {"status": shown, "sort": order, "kind": kind, "platform": platform, "q": text},
            "shown": [(k, T(req, v)) for k, v in SHOWN_LABELS.items()],
            "orders": [(k, T(req, v)) for k, v in ORDER_LABELS.items()],
            "kinds": [(k, T(req, v)) for k, v in KINDS.items()],
            "platforms": await self.board.platforms(),
            "status": status_label,
        }
        return View("feedback/board.html", T(req, "Feedback"), values)

    async def bulk(self, req: PageRequest) -> Redirect:
        """Acknowledge every ticked item (each one as /status N acknowledged)."""
        numbers = [int(v) for v in req.values("item") if v.isdigit()][:PAGE_SIZE]
        if not numbers:
            return Redirect("/feedback", Done((T(req, "Tick the items to acknowledge first."),), is_error=True))
        lines: list[str] = []
        failed = False
        for number in numbers:
            done = await req.perform(f"/status {number} acknowledged")
            lines += done.lines
            failed = failed or done.is_error
        return Redirect("/feedback?status=new", Done(tuple(lines), is_error=failed))

    # -- one item ---------------------------------------------------------------------------------
    async def _item(self, req: PageRequest) -> ItemView:
        item = await self.items.get(req.number("number"))
        if item is None:
            raise NotFound(T(req, "There is no #{number}.", number=req.params.get("number")))
        return item

    async def item_page(
        self, req: PageRequest, preview: Done | None = None, pending: dict[str, str] | None = None
    ) -> View:
        item = await self._item(req)
        submitter = (await self.members.names([item.submitter_id])).get(item.submitter_id)
        similar = await self.open_items.similar(item.text, limit=5, exclude=(item.id,)) if item.is_open else []
        values = {
            "item": item,
            "submitter": submitter,
            "history": await self.board.history(item.id),
            "voters": await self.board.voters(item.id),
            "followers": await self.board.follower_count(item.id),
            "similar": [s for s, _ in similar],
            # the merge form suggests keeping the older look-alike (a newer one is the duplicate)
            "keep": next((s.id for s, _ in similar if s.id < item.id), None),
            "states": [(s, status_label(s.replace("-", "_"), req)) for s in STATES],
            "status": status_label,
            "preview": preview,
            "pending": pending or {},
        }
        return View("feedback/item.html", f"#{item.id} {item.title}", values)

    async def act(self, req: PageRequest) -> View | Redirect:
        item = await self._item(req)
        action = req.value("action")
        confirmed = req.value("confirm") == "1"
        if action == "status":
            state = req.value("state")
            if state not in STATES:
                raise Refused(T(req, "Choose a status from the list."))
            version = req.value("version") if state == "shipped" else ""
            command = " ".join(
                p for p in ("/status", str(item.id), state, version, _one_line(req.value("comment"))) if p
            )
            fields = {"action": action, "state": state, "version": version, "comment": req.value("comment")}
        elif action == "merge":
            into = req.number("into")
            command = f"/merge {item.id} {into} {_one_line(req.value('reason'))}".strip()
            fields = {"action": action, "into": str(into), "reason": req.value("reason")}
            if not confirmed:  # in the browser a merge is always previewed first
                return await self.item_page(req, preview=await self._merge_preview(req, item, into), pending=fields)
        elif action == "undo":
            command, fields = f"/merge undo {item.id}", {"action": action}
        else:
            raise Refused(T(req, "Unknown action."))
        done = await req.perform(command, confirmed=confirmed)
        if done.preview:  # nothing happened yet: show what would, with a button that does it
            return await self.item_page(req, preview=done, pending=fields)
        return Redirect(f"/feedback/{item.id}", done)

    async def _merge_preview(self, req: PageRequest, item: ItemView, into: int) -> Done:
        target = await self.items.get(into)
        if target is None or target.id == item.id:
            raise Refused(T(req, "There is no #{number}.", number=into) if target is None else
                          T(req, "Can't merge #{number} into itself.", number=into))  # fmt: skip
        followers = len(await self.items.followers(item.id))
        lines = [
            T.plural(
                req,
                "Merge #{a} “{a_title}” into #{b} “{b_title}”: its {votes} move to #{b}, and its {n} follower is "
                "told it is a duplicate, with your reason.",
                "Merge #{a} “{a_title}” into #{b} “{b_title}”: its {votes} move to #{b}, and its {n} followers are "
                "told it is a duplicate, with your reason.",
                followers,
                a=item.id,
                a_title=item.title,
                b=target.id,
                b_title=target.title,
                votes=votes_phrase(item.votes, req),
            )
        ]
        warning = merge_preview(item, target, followers, req.lang)
        if warning is not None:  # what /merge would ask to confirm in chat: they don't look alike
            lines.append(warning.plain())
        return Done(tuple(lines), preview=True)


def _one_line(text: str) -> str:
    """A form's comment as a command's last argument (one line, as typed in chat)."""
    return " ".join(text.split())
