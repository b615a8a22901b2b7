"""Duplicate hints rank with the core's matching engine: paraphrases and Chinese found, different
ideas not, and the index stays current as items come and go."""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime

from sqlalchemy import insert

from bot.features.feedback.duplicates import DuplicateIndex, gist
from bot.settings import FeedbackSettings
from storage.db import Database
from storage.feedback_tables import FeedbackItem
from storage.models import Member
from storage.repositories.feedback import FeedbackRepo, NewItem

WORDS = "dark mode settings camera crash battery widget gallery lock screen zoom shortcut 暗色 模式 闪退 相机".split()
THRESHOLD = FeedbackSettings().similar_threshold


def board(*texts: str) -> DuplicateIndex:
    index = DuplicateIndex()
    for i, text in enumerate(texts, start=1):
        index.add(i, text)
    return index


def test_a_rewording_of_an_open_idea_is_hinted_and_a_different_idea_is_not() -> None:
    index = board(
        "It would be great if the settings app had a dark mode",
        "Camera crashes when switching lenses",
        "Battery drains overnight since the update",
    )
    best = index.rank("Please add a dark mode to the settings", limit=1)
    assert best[0][0] == 1 and best[0][1] >= THRESHOLD
    best = index.rank("the camera app crashes when I switch lens", limit=1)
    assert best[0][0] == 2 and best[0][1] >= THRESHOLD
    assert all(score < THRESHOLD for _, score in index.rank("Double tap to wake the lock screen", limit=3))


def test_chinese_ideas_are_matched_by_their_characters() -> None:
    index = board("相机切换镜头时闪退", "设置里加一个深色模式", "电池耗电太快")
    best = index.rank("相机换镜头就闪退", limit=1)
    assert best[0][0] == 1 and best[0][1] >= THRESHOLD
    assert index.rank("希望设置能有暗色模式", limit=1)[0][0] == 2


def test_the_wrapping_fans_put_around_an_idea_does_not_count() -> None:
    kept = gist("It would be great if the gallery had folders, please!").split()
    assert kept == ["the", "gallery", "had", "folders,", "!"]
    assert gist("please") == "please"  # nothing else left: the text as it is
    index = board("I wish the gallery had folders", "I wish the camera had a timer")
    assert index.rank("Please add folders to the gallery", limit=1)[0][0] == 1


def test_items_that_close_leave_new_ones_are_found_and_excluded_ones_skipped() -> None:
    index = board("Dark mode for the settings app", "Camera crashes when switching lenses")
    assert index.rank("dark mode in settings", limit=1)[0][0] == 1
    index.remove(1)
    assert 1 not in index and all(d != 1 for d, _ in index.rank("dark mode in settings"))
    index.add(3, "A dark mode for settings")
    assert index.rank("dark mode in settings", limit=1)[0][0] == 3
    assert all(d != 3 for d, _ in index.rank("dark mode in settings", exclude=(3,)))
    assert index.high_water == 3 and len(index) == 2


def test_a_large_board_still_finds_the_paraphrase() -> None:
    rng = random.Random(7)
    index = DuplicateIndex()
    for i in range(5000):
        index.add(i + 1, " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 9))))
    index.add(9999, "Double tap the lock screen to wake the phone")
    best = index.rank("wake the phone with a double tap on the lock screen", limit=3)
    assert best[0][0] == 9999 and best[0][1] >= THRESHOLD


def test_a_lone_open_item_is_not_hinted_just_because_nothing_else_competes() -> None:
    """With one open item the best match always leads by far; the texts must still look alike."""
    index = board("希望相机支持 RAW 格式")
    assert all(score < THRESHOLD for _, score in index.rank("相册希望支持深色模式", limit=1))
    index = board("Please support RAW photos in the camera")
    assert all(score < THRESHOLD for _, score in index.rank("A dark mode for the gallery app", limit=1))
    assert index.rank("support RAW photos in the camera app", limit=1)[0][1] >= THRESHOLD


async def test_feedback_search_covers_every_item_and_is_kept_current(sqlite_db: Database) -> None:
    """/feedback search finds the oldest of 6,000 items (the backlog was once searched only in its
    newest 5,000) and items logged after the first search, without indexing the backlog again."""
    from bot.features.feedback.duplicates import AllItems

    now = datetime.now(UTC)
    rng = random.Random(3)
    rows = [
        {
            "kind": "idea",
            "title": text[:80],
            "text": text,
            "status": "shipped" if i % 2 else "new",
            "submitter_id": 1,
            "platform": "console",
            "chat_id": "lobby",
            "source_key": f"seed:{i}",
            "votes": 0,
            "created_at": now,
            "status_changed_at": now,
        }
        for i, text in enumerate(
            ["Haptic feedback when the shutter fires"]
            + [" ".join(rng.choice(WORDS[:12]) for _ in range(6)) for _ in range(5999)]
        )
    ]
    async with sqlite_db.session() as s:
        await s.execute(insert(Member), [{"display_name": "fan", "created_at": now}])
        await s.execute(insert(FeedbackItem), rows)
        await s.commit()
    items = FeedbackRepo(sqlite_db)
    catalog = AllItems(items)
    assert (await catalog.search("haptic feedback for the shutter", limit=3))[0] == 1
    later, _ = await items.create(
        NewItem("idea", "Vibrate twice on low battery", "Vibrate twice on low battery", 1, None, "console",
                "lobby", None, "m", "console:lobby:m"),
        now,
    )  # fmt: skip
    assert (await catalog.search("vibrate on low battery", limit=3))[0] == later.id
    assert await catalog.search("quantum teleportation", limit=3) == []


async def test_start_up_does_not_wait_for_the_duplicate_index_but_the_first_idea_does(sqlite_db: Database) -> None:
    from bot.features.feedback.duplicates import OpenItems

    release = asyncio.Event()

    class SlowEmbedder:  # a model that takes its time to load
        multilingual = True

        async def get(self) -> None:
            await release.wait()
            return None  # (then: the words alone)

    items = FeedbackRepo(sqlite_db)
    async with sqlite_db.session() as s:
        await s.execute(insert(Member), [{"display_name": "fan", "created_at": datetime.now(UTC)}])
        await s.commit()
    await items.create(
        NewItem("idea", "Dark mode for the gallery", "Dark mode for the gallery", 1, None, "console", "lobby", None,
                "m1", "console:lobby:m1"),
        datetime.now(UTC),
    )  # fmt: skip
    open_items = OpenItems(items, THRESHOLD, embedder=SlowEmbedder())  # type: ignore[arg-type]
    await open_items.warm()  # returns while the index is still being built
    assert open_items._building is not None and not open_items._building.done()
    asking = asyncio.create_task(open_items.similar("a dark mode in the gallery please"))
    release.set()
    [(item, confidence)] = await asking
    assert item.id == 1 and confidence >= THRESHOLD
