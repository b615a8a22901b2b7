"""Fan data rights: export, delete without a trace, and the weekly community report."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select
from sqlmodel import SQLModel

import storage.tables  # noqa: F401
from bot.events import Author, ChatRef, IncomingMessage, Platform
from storage.repositories.feedback import FeedbackRepo
from storage.repositories.points import PointsRepo
from storage.rights import RightsRepo
from tests.conftest import ConsoleHarness

NAME = "zoequixotic"  # console name of the fan who leaves
TG_ID, TG_NAME = "987654321", "Zoe Quixotic"


async def seed(h: ConsoleHarness) -> None:
    app = h.app
    await h.say(f"{NAME}: hello everyone, glad to be in this community")
    h.app.clock.advance(timedelta(days=2))  # type: ignore[attr-defined]
    await h.say(
        f"{NAME}: /idea Show the charging speed on the lock screen",
        "bob: /idea Dark mode for the settings app",
        f"{NAME}: /vote 2",
        "carol: /vote 1",
        f"{NAME}: /notify dm",
        f"{NAME}: how do I change the boot animation?",
        f"bob ({'reply to ' + NAME}): Use the theme store, it has a boot animation section.",
        f"{NAME} (reply to bob): /accept",
    )
    await app.chats.ensure("console", "fans", title="fans", kind="fan", community_id=None, now=app.clock.now())
    code = (await h.say(f"{NAME}: /link"))[0].split("Your link code is ")[1][:8]
    tg = Author(Platform("telegram"), TG_ID, TG_NAME, username="zoeq")
    private = ChatRef(Platform("telegram"), TG_ID, title=TG_NAME, is_private=True)
    await app.dispatcher.handle(IncomingMessage(private, tg, "1", f"/link {code}", app.clock.now()))
    await app.dispatcher.handle(IncomingMessage(private, tg, "2", "/idea Battery health page", app.clock.now()))


async def test_export_covers_every_linked_identity(harness: ConsoleHarness) -> None:
    await seed(harness)
    member = await harness.app.members.find("console", user_id=NAME)
    assert member is not None
    hooks = [h.export for _, h in harness.app.data_rights.hooks() if h.export is not None]
    data = await RightsRepo(harness.app.db).export(member.member_id, hooks)
    assert data is not None
    assert sorted(i["platform"] for i in data["identities"]) == ["console", "telegram"]
    assert sorted(f["number"] for f in data["feedback"]) == [1, 3]
    assert [v["feedback"] for v in data["votes"]] == [2]
    assert {f["feedback"] for f in data["follows"]} >= {1, 2, 3}
    assert data["questions"][0]["accepted_answer"].startswith("Use the theme store")
    assert data["points"]["balance"] == sum(r["amount"] for r in data["points"]["ledger"]) > 0
    assert data["notification_preference"] == "dm"
    out = await harness.say(f"{NAME}: /mydata export")
    assert out[0].startswith(f"bot> @{NAME}: You have: identities 2 · feedback items 2 · votes 1 · questions 1")


async def test_delete_needs_confirmation(harness: ConsoleHarness) -> None:
    await seed(harness)
    out = await harness.say(f"{NAME}: /mydata delete")
    assert "Send /mydata delete confirm" in out[0] and "Delete everything" in out[-1]
    assert await harness.app.members.find("console", user_id=NAME) is not None


async def test_delete_leaves_no_trace_and_keeps_others_totals(harness: ConsoleHarness, tmp_path: Path) -> None:
    await seed(harness)
    app = harness.app
    bob = await app.members.find("console", user_id="bob")
    assert bob is not None
    bob_points = await PointsRepo(app.db).balance(bob.member_id)
    item2 = await FeedbackRepo(app.db).get(2)
    assert item2 is not None and item2.votes == 1
    out = await harness.say(f"{NAME}: /mydata delete confirm")
    assert out[0].startswith(f"bot> @{NAME}: Done: your identities, votes, points and history are deleted")
    # bob's idea lost zoe's vote; bob's points and others' are untouched
    assert (await FeedbackRepo(app.db).get(2)).votes == 0  # type: ignore[union-attr]
    assert await PointsRepo(app.db).balance(bob.member_id) == bob_points
    assert await PointsRepo(app.db).mismatches() == []
    # zoe's idea #1 had carol's vote: kept, credited to a former member; #3 had none: gone
    kept = await FeedbackRepo(app.db).get(1)
    assert kept is not None and await FeedbackRepo(app.db).get(3) is None
    assert (await harness.say("carol: /feedback show 1"))[1].endswith("by a former member · 2026-01-07")
    # no table anywhere holds zoe's platform ids or names
    needles = [NAME, TG_ID, TG_NAME, "zoeq"]
    found = []
    async with app.db.session() as s:
        for table in SQLModel.metadata.sorted_tables:
            for row in (await s.execute(select(*table.columns))).all():
                for value in row:
                    if isinstance(value, str) and any(n.lower() in value.lower() for n in needles):
                        found.append((table.name, value))
    assert found == []
    if app.db.is_sqlite:  # nor do the database files (free pages, WAL)
        data_dir = Path(app.db.url.split("///", 1)[1]).parent
        for path in data_dir.iterdir():
            blob = path.read_bytes()
            hits = [
                (n, blob[max(0, blob.find(n.encode()) - 60) : blob.find(n.encode()) + 40])
                for n in (NAME, TG_ID, TG_NAME)
                if n.encode() in blob
            ]
            assert not hits, (path.name, hits)
    assert (await harness.say(f"{NAME}: /whoami"))[0].startswith(f"bot> @{NAME}: You are member #")  # a new member


async def test_weekly_report_figures(harness: ConsoleHarness) -> None:
    await seed(harness)
    await harness.say("mia@manager: /status 2 planned", "mia: /status 1 shipped 3.2")
    out = await harness.say("mia: /report preview")
    text = "\n".join(out)
    assert "bot> 💡 3 ideas and bug reports received; 67% acknowledged within a week." in text
    assert "bot> 🚀 1 shipped." in text
    assert "bot> ❓ 1 question answered: 0 by the FAQ, 1 by fans." in text
    assert "Top helpers (answers accepted, bug reports confirmed, ideas shipped): zoequixotic (1) and bob (1)" in text
    assert await harness.say("bob: /report preview") == ["bot> ⚠ /report preview is for managers only."]


def test_export_member_cli_for_unknown_member(tmp_path: Path) -> None:
    import subprocess
    import sys

    repo = Path(__file__).resolve().parents[2]
    result = subprocess.run(
        [sys.executable, "-m", "bot", "--data-dir", str(tmp_path), "export", "member", "42"],
        capture_output=True,
        text=True,
        cwd=repo,
        check=False,
    )
    assert result.returncode == 2 and "there is no member 42" in result.stderr
    json.dumps({})
