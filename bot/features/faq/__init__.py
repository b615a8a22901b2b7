"""Support answers: the FAQ, answers in fan channels only when sure, and fans answering fans."""

from __future__ import annotations

from bot.audit import Auditor
from bot.contracts import POINTS
from bot.feature import DataRights, Deps, Feature
from bot.features.faq.commands import FaqCommands
from bot.features.faq.editor import FaqEditor
from bot.features.faq.service import FaqService
from bot.features.faq.views import FaqViews
from storage.repositories.audit import AuditRepo
from storage.repositories.chats import ChatRepo
from storage.repositories.faq import FaqRepo
from storage.repositories.faq_board import FaqBoard
from storage.repositories.members import MemberRepo
from storage.rights import faq as rights


def build(deps: Deps) -> Feature:
    service = FaqService(
        FaqRepo(deps.db),
        MemberRepo(deps.db),
        ChatRepo(deps.db),
        deps.settings.faq,
        points=deps.optional(POINTS),
        llm=deps.llm,
        llm_settings=deps.settings.llm,
        embedder=deps.embedder,
        notices=deps.notices,
        language=deps.language,
    )
    commands = FaqCommands(service, Auditor(AuditRepo(deps.db)))
    board = FaqBoard(deps.db)
    views = FaqViews(FaqRepo(deps.db), board, service.community)
    editor = FaqEditor(service, board)
    return Feature(
        name="faq",
        commands=tuple(commands.specs()),
        on_message=(commands.on_message,),
        buttons={"faq.rate": commands.press_rate},
        pages=(*views.pages(), *editor.pages()),
        panels=(*views.panels(), *editor.panels()),
        on_start=(service.index.load,),  # the FAQ index, built once from the database
        data_rights=(DataRights(tables=rights.TABLES, export=rights.export, forget=rights.forget),),
    )
