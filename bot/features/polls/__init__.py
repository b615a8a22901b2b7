"""Polls: /poll "Question?" a | b | c [to …] [closes in …], or /poll items 12 15 19 — a native poll on
Telegram, buttons elsewhere, one tally across platforms and linked accounts, results when it closes."""

from __future__ import annotations

from bot.audit import Auditor
from bot.feature import DataRights, Deps, Feature, Job
from bot.features.polls.service import VOTE, Polls
from storage.repositories.audit import AuditRepo
from storage.repositories.chats import ChatRepo
from storage.repositories.feedback import FeedbackRepo
from storage.repositories.polls import PollRepo
from storage.rights import polls as rights


def build(deps: Deps) -> Feature:
    polls = Polls(
        PollRepo(deps.db),
        FeedbackRepo(deps.db),
        ChatRepo(deps.db),
        deps.messenger,
        deps.platforms,
        Auditor(AuditRepo(deps.db)),
        deps.clock,
        language=deps.language,
    )
    return Feature(
        name="polls",
        commands=tuple(polls.specs()),
        buttons={VOTE: polls.press},
        on_poll_vote=(polls.voted,),
        # at start too: polls that closed while the bot was down get their results
        jobs=(Job("polls", polls.close_due, every=60, at_start=True),),
        data_rights=(DataRights(tables=rights.TABLES, export=rights.export, forget=rights.forget),),
    )
