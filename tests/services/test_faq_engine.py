"""The lexical FAQ engine on its own: calibrated confidences, updates that cost only what changed."""

from __future__ import annotations

import pytest

from bot.matching import bm25
from bot.matching.index import MatchIndex

FAQ = {
    1: ["How do I unlock the bootloader?", "bootloader unlock steps"],
    2: ["How do I take a screenshot?", "screenshot shortcut"],
    3: ["How do I roll back to the previous version?", "downgrade the system"],
    4: ["Why does the battery drain fast?", "battery drains overnight"],
    5: ["如何截屏？", "怎么截图"],
    6: ["怎么回退到上一个版本？", "如何降级系统"],
}
QUESTIONS = {
    "how can I unlock my bootloader": 1,
    "what is the screenshot shortcut on this phone": 2,
    "can I downgrade to the old version": 3,
    "my battery drains so fast": 4,
    "怎么截个图": 5,
    "系统怎么降级": 6,
}


def test_an_index_grown_one_entry_at_a_time_ranks_like_one_built_at_once() -> None:
    grown, whole = MatchIndex(), MatchIndex()
    for entry_id, phrasings in FAQ.items():
        grown.add(entry_id, phrasings)
        grown.search("warm up", 1)  # weighed after every change, as in a running bot
    for entry_id, phrasings in FAQ.items():
        whole.add(entry_id, phrasings)
    for question, expected in QUESTIONS.items():
        assert grown.search(question, 1)[0].entry_id == expected == whole.search(question, 1)[0].entry_id
    grown.remove(2)
    assert all(m.entry_id != 2 for m in grown.search("what is the screenshot shortcut on this phone", 3))


def ranks_like_a_fresh_index(index: MatchIndex, faq: dict[int, list[str]], questions: list[str]) -> None:
    fresh = MatchIndex()
    for entry_id, phrasings in faq.items():
        fresh.add(entry_id, phrasings)
    for question in questions:
        mine, theirs = index.search(question, 3), fresh.search(question, 3)
        assert [m.entry_id for m in mine] == [m.entry_id for m in theirs]
        # weights of terms the change didn't touch drift a little until the next whole build
        assert [m.score for m in mine] == pytest.approx([m.score for m in theirs], rel=0.05, abs=0.05)


def test_an_entry_is_matched_by_everything_it_was_asked_as_and_forgets_what_it_no_longer_is() -> None:
    index = MatchIndex()
    for entry_id, phrasings in FAQ.items():
        index.add(entry_id, phrasings)
    questions = [*QUESTIONS, "older firmware please", "roll back the system firmware", "downgrade please"]
    for question in questions:  # every entry's centroid computed and kept
        index.search(question, 3)
    # a phrasing added later counts as much as one the entry started with
    changed = FAQ | {3: [*FAQ[3], "install older firmware"]}
    index.replace(3, changed[3])
    ranks_like_a_fresh_index(index, changed, questions)
    assert index.search("older firmware please", 1)[0].entry_id == 3
    # phrasings taken away count no more, in the ranking or in the entry's centroid
    changed = FAQ | {3: ["How do I roll back to the previous version?"]}
    index.replace(3, changed[3])
    ranks_like_a_fresh_index(index, changed, questions)
    index.remove(3)
    assert all(m.entry_id != 3 for m in index.search("roll back", 3))


def test_confidence_is_a_probability_that_sure_matches_clear_and_chatter_does_not() -> None:
    index = MatchIndex()
    for entry_id, phrasings in FAQ.items():
        index.add(entry_id, phrasings)
    sure = index.search("How do I take a screenshot?", 1)[0]
    assert sure.entry_id == 2 and 0.9 < sure.confidence <= 1.0
    chatter = index.search("what are you all having for lunch today?", 1)
    assert not chatter or chatter[0].confidence < 0.5
    chinese = index.search("怎么截图呢", 1)[0]  # Chinese matches as character pairs; still sure
    assert chinese.entry_id == 5 and chinese.confidence > 0.9


def test_one_new_entry_costs_its_own_terms_not_a_rebuild() -> None:
    index = MatchIndex()
    for entry_id, phrasings in FAQ.items():
        index.add(entry_id, phrasings)
    index.search("warm up", 1)
    words = index._words._impacts()
    untouched, touched = words["batteri"], words["screenshot"]
    index.add(7, ["Where is the screenshot folder?"])
    assert index.search("screenshot folder", 1)[0].entry_id == 7
    after = index._words._impacts()
    assert after["batteri"] is untouched  # a term the new entry doesn't use: not weighed again
    assert after["screenshot"] is not touched and len(after["screenshot"][0]) == 3


def test_one_askers_thumbs_down_changes_nothing_three_lower_the_entry() -> None:
    index = MatchIndex(demote_after=3)
    for entry_id, phrasings in FAQ.items():
        index.add(entry_id, phrasings)
    before = index.search("how do I unlock my bootloader", 1)[0]
    index.add_negative(1, "how do I unlock my bootloader")
    assert index.search("how do I unlock my bootloader", 1)[0].confidence == before.confidence
    index.add_negative(1, "how can I unlock my bootloader")
    index.add_negative(1, "how to unlock the bootloader")
    lowered = index.search("how do I unlock my bootloader", 1)[0]
    assert lowered.entry_id == 1 and lowered.confidence < 0.5 * before.confidence  # lower, still found


def test_big_and_small_faqs_add_up_postings_alike(monkeypatch: pytest.MonkeyPatch) -> None:
    """A small FAQ's postings are summed in one call, a big one's term by term: same scores."""
    index = MatchIndex()
    for entry_id, phrasings in FAQ.items():
        index.add(entry_id, phrasings)
    small = {q: [(m.entry_id, m.score) for m in index.search(q, 3)] for q in QUESTIONS}
    monkeypatch.setattr(bm25, "ONE_CALL_UP_TO", 0)  # as if the FAQ were big
    for question, ranked in small.items():
        big = [(m.entry_id, m.score) for m in index.search(question, 3)]
        assert [e for e, _ in big] == [e for e, _ in ranked]
        assert [s for _, s in big] == pytest.approx([s for _, s in ranked], rel=1e-5)
