"""The feedback loop: /idea /bug /feedback, passive offers, votes, statuses, notifications, digest."""

from __future__ import annotations

from functools import partial

from bot.audit import Auditor
from bot.contracts import COHORTS, FEEDBACK, POINTS
from bot.feature import DataRights, Deps, Feature, Job, Provide
from bot.features.feedback.commands import FeedbackCommands
from bot.features.feedback.notifier import Notifier
from bot.features.feedback.reading import FeedbackReader
from bot.features.feedback.service import FeedbackService
from bot.features.feedback.views import FeedbackViews
from storage.repositories.audit import AuditRepo
from storage.repositories.chats import ChatRepo
from storage.repositories.feedback import FeedbackRepo
from storage.repositories.feedback_board import FeedbackBoard
from storage.repositories.members import MemberRepo
from storage.repositories.outbox import NotificationRepo, OfferRepo
from storage.repositories.polls import PollRepo
from storage.rights import feedback as rights


def build(deps: Deps) -> Feature:
    s = deps.settings
    items = FeedbackRepo(deps.db)
    chats = ChatRepo(deps.db)
    notifier = Notifier(
        NotificationRepo(deps.db),
        items,
        deps.messenger,
        deps.clock,
        deps.worker_id,
        chats=ChatRepo(deps.db),
        members=MemberRepo(deps.db),
        language=deps.language,
    )
    service = FeedbackService(
        items,
        OfferRepo(deps.db),
        MemberRepo(deps.db),
        chats,
        Auditor(AuditRepo(deps.db)),
        s.feedback,
        points=deps.optional(POINTS),
        llm=deps.llm if s.llm.base_url else None,
        cohorts=deps.optional(COHORTS),
        embedder=deps.embedder,
    )
    reader = FeedbackReader(items, MemberRepo(deps.db), PollRepo(deps.db))
    commands = FeedbackCommands(service, reader, notifier, deps.messenger, chats)
    views = FeedbackViews(
        items, FeedbackBoard(deps.db), MemberRepo(deps.db), service.open_items, roadmap=s.feedback.roadmap
    )
    return Feature(
        name="feedback",
        commands=tuple(commands.specs()),
        on_message=(commands.on_message,),
        buttons=commands.buttons(),
        jobs=(
            Job("feedback-digest", commands.post_digest, weekly=s.feedback.digest_at),
            # at start: notifications a crash left pending
            Job("notification-sweep", notifier.flush, every=60, at_start=True),
        ),
        data_rights=(
            DataRights(
                tables=rights.TABLES,
                export=rights.export,
                forget=partial(rights.forget, keep_voted=s.privacy.keep_voted_feedback),
            ),
        ),
        pages=views.pages(),
        panels=views.panels(),
        provides=(Provide(FEEDBACK, commands),),
        # the duplicate index, built once in the background: not competing with the FAQ's at start
        after_start=(service.open_items.warm,),
    )
