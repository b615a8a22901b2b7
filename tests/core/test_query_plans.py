"""The hot path's cost does not grow with history: every statement a busy fan channel's mix runs
(chatter, questions, /idea, everyday commands) finds its rows through an index — none walks a
whole table, which is cheap in a test database and seconds in a community's second year."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event

from bot.app import App
from bot.events import Author, ChatRef, IncomingMessage, Platform
from storage.db import Database
from storage.repositories.chats import ChatRepo
from storage.repositories.faq import FaqRepo
from tests.conftest import settings_with

P = Platform("telegram")
MIX = [
    "camera battery update screen launcher theme",
    "how do I take a screenshot?",
    "/idea dark mode for the gallery",
    "/idea a shortcut to the camera",
    "is it raining where you are?",
    "/help",
    "/rank",
    "/feedback top",
    "/leaderboard week",
    "/leaderboard",
    "/faq search battery",
    "/feedback search dark mode",
    "night photo video music charge",
]


#: whole-table reads that build an in-memory index once (at start or first use), then never again
ONCE = {"SELECT feedback.id, feedback.text, feedback.status FROM feedback ORDER BY feedback.id"}


async def test_no_statement_of_the_message_path_scans_a_table(sqlite_db: Database) -> None:
    now = datetime.now(UTC)
    await FaqRepo(sqlite_db).add("How do I take a screenshot?", "Press power and volume down.", [], "en", now)
    app = App(settings_with(), db=sqlite_db)
    await app.prepare()
    for chat in ("-1001", "-1002"):
        await ChatRepo(sqlite_db).ensure("telegram", chat, title="fans", kind="fan", community_id=chat, now=now)
    await app.faq.add_entry("How do I take a screenshot?", "Press power and volume down.") if hasattr(
        app, "faq"
    ) else None
    statements: dict[str, Any] = {}

    @event.listens_for(sqlite_db.engine.sync_engine, "before_cursor_execute")
    def seen(conn: Any, cursor: Any, statement: str, params: Any, context: Any, executemany: bool) -> None:
        statements.setdefault(statement, params[0] if executemany and params else params)

    for i in range(3 * len(MIX)):  # three rounds: new members, then known ones
        chat = ChatRef(P, f"-100{1 + i % 2}", "fans", community_id=f"-100{1 + i % 2}")
        author = Author(P, str(1000 + i % 5), f"Fan{i % 5}", f"fan{i % 5}")
        await app.dispatcher.handle(IncomingMessage(chat, author, str(i + 1), MIX[i % len(MIX)], now))
    path = sqlite_db.engine.url.database
    assert path
    scans = []
    with sqlite3.connect(path) as conn:
        for sql, params in statements.items():
            if not sql.lstrip().upper().startswith(("SELECT", "UPDATE", "DELETE", "INSERT", "WITH")):
                continue
            if " ".join(sql.split()) in ONCE:
                continue
            plan = [str(row[-1]) for row in conn.execute("EXPLAIN QUERY PLAN " + sql, params or ())]
            if any(step.startswith("SCAN") and "CONSTANT ROW" not in step for step in plan):
                scans.append((" ".join(sql.split())[:200], plan))
    assert len(statements) > 20
    assert scans == []
