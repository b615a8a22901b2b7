"""Support answers through the console, on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from datetime import timedelta

from storage.repositories.points import PointsRepo
from tests.conftest import ConsoleHarness, HarnessFactory, settings_with

SETUP = (
    "mia@manager: /faq add How do I unlock the bootloader? | Apply in Settings > Mi Unlock status, wait 7 days.",
    "mia: /faq alt 1 bootloader unlock steps",
    "mia: /faq add How do I roll back to the previous version? | Flash the previous full ROM from recovery.",
    "mia: /faq alt 2 当前版本怎么回退",
    "mia: /faq alt 2 怎么降级到上一个版本",
    "mia: /faq add How do I take a screenshot? | Press power and volume down together.",
)


async def setup(h: ConsoleHarness) -> None:
    assert len(await h.say(*SETUP)) == len(SETUP)


def answered(out: list[str], question: str) -> bool:
    return bool(out) and out[0] == f"bot> {question}"


async def test_paraphrase_and_typo_are_answered(harness: ConsoleHarness) -> None:
    await setup(harness)
    out = await harness.say("alice: how can I unlock my bootloader?")
    assert answered(out, "How do I unlock the bootloader?")
    assert out[2] == "bot> (FAQ #1) Did this help?"
    out = await harness.say("bob: how do i take a screnshot?")
    assert answered(out, "How do I take a screenshot?")


async def test_chinese_questions(harness: ConsoleHarness) -> None:
    await setup(harness)
    out = await harness.say("erin: 请问当前版本要怎么回退？")
    assert answered(out, "How do I roll back to the previous version?")


async def test_silent_on_chatter_and_out_of_scope(harness: ConsoleHarness) -> None:
    await setup(harness)
    assert await harness.say("bob: good morning everyone") == []
    assert await harness.say("bob: what is everyone having for lunch today?") == []
    assert await harness.say("carol: does the camera app support RAW photos?") == []
    out = await harness.say("carol: /ask does the camera app support RAW photos?")
    assert out[0] == "bot> No FAQ entry matches exactly; the community can help. Closest entries:"


async def test_repeat_suppression_window(harness: ConsoleHarness) -> None:
    await setup(harness)
    await harness.say("alice: how do I unlock the bootloader?")
    out = await harness.say("bob: bootloader unlock steps?")
    assert out == [
        "bot> I answered that a few minutes ago — see FAQ #1 “How do I unlock the bootloader?” above, or /faq show 1."
    ]
    harness.app.clock.advance(timedelta(minutes=11))  # type: ignore[attr-defined]
    assert answered(await harness.say("carol: how to unlock bootloader?"), "How do I unlock the bootloader?")


async def test_thumbs_down_flags_the_entry_and_the_askers_down_vote_teaches(harness: ConsoleHarness) -> None:
    await setup(harness)
    await harness.app.chats.ensure(
        "console", "team", title="team", kind="manager", community_id=None, now=harness.app.clock.now()
    )
    await harness.say("alice: how do I take a screenshot of a long page?")  # answered with #3: buttons 1 and 2
    out = await harness.say("alice: [press 2]")
    assert out == ["bot> @alice: Sorry it didn't help — noted."]
    assert await harness.say("alice: [press 2]") == ["bot> @alice: You already rated that answer."]
    await harness.say("bob: [press 2]", "carol: [press 1]")
    out = await harness.say("dan: [press 2]")
    assert (
        out[0] == "bot> #team: ⚑ FAQ #3 “How do I take a screenshot?” got 3 👎 and 1 👍 — please review it "
        "(/faq show 3, /faq edit 3 ANSWER)."
    )
    assert await harness.say("erin: [press 2]") == ["bot> @erin: Sorry it didn't help — noted."]  # flagged once
    # the asker's 👎 is one fan's signal: the next fan asking the same still gets #3
    harness.app.clock.advance(timedelta(minutes=11))  # type: ignore[attr-defined]
    out = await harness.say("erin: how do I take a screenshot of a long page?")
    assert answered(out, "How do I take a screenshot?")
    show = await harness.say("mia: /faq show 3")
    assert show[-2:] == [
        "bot> phrasings: 1 · 👍 1 👎 4 · flagged for review",
        "bot> 1 asker said it answered their question wrongly: “how do I take a screenshot of a long page?”",
    ]


async def test_one_fans_thumbs_down_never_switches_an_entry_off_for_others(harness: ConsoleHarness) -> None:
    """The repro from #15: an asker's 👎 on the bootloader answer, then two other fans /ask it."""
    await setup(harness)
    out = await harness.say("mia: /chat fan", "alice: how can I unlock my bootloader?")
    assert answered(out[1:], "How do I unlock the bootloader?")
    await harness.say(f"alice: [press {thumbs_down(out)}]")
    for fan in ("bob", "carol"):
        out = await harness.say(f"{fan}: /ask how can I unlock my bootloader?")
        assert answered(out, "How do I unlock the bootloader?")


def thumbs_down(out: list[str]) -> str:
    """The number the console gave the 👎 button of the answer in ``out``."""
    found = re.search(r"\[(\d+): 👎\]", out[-1])
    assert found, out
    return found.group(1)


async def test_enough_askers_thumbs_down_lower_an_entry_for_questions_like_theirs(harness: ConsoleHarness) -> None:
    await setup(harness)
    clock = harness.app.clock
    await harness.say("mia: /chat fan")
    for fan, question in (
        ("alice", "how can I unlock my bootloader?"),
        ("bob", "how do i unlock my bootloader"),
        ("carol", "how to unlock bootloader?"),
    ):
        clock.advance(timedelta(minutes=11))  # type: ignore[attr-defined]
        out = await harness.say(f"{fan}: {question}")
        assert answered(out, "How do I unlock the bootloader?")
        await harness.say(f"{fan}: [press {thumbs_down(out)}]")
    clock.advance(timedelta(minutes=11))  # type: ignore[attr-defined]
    assert await harness.say("dan: how do I unlock the bootloader?") == []  # lowered: no channel answer
    out = await harness.say("dan: /ask how do I unlock the bootloader?")
    assert "/faq show 1 How do I unlock the bootloader?" in " ".join(out)  # still there, just not sure enough
    out = await harness.say("erin: what are the bootloader unlock steps?")  # other questions: as before
    assert answered(out, "How do I unlock the bootloader?")
    out = await harness.say("mia: /faq reset 1")
    assert out == [
        "bot> FAQ #1's ratings start over: 👍 and 👎 counts, the 3 questions askers said it answered wrongly, "
        "and its flag are cleared."
    ]
    clock.advance(timedelta(minutes=11))  # type: ignore[attr-defined]
    assert answered(await harness.say("dan: how do I unlock the bootloader?"), "How do I unlock the bootloader?")
    assert (await harness.say("mia: /faq show 1"))[-1] == "bot> phrasings: 2 · 👍 0 👎 0"


async def test_faq_link_teaches_a_new_phrasing(harness: ConsoleHarness) -> None:
    await setup(harness)
    assert await harness.say("alice: can I get the old firmware back?") == []
    out = await harness.say("mia (reply to alice): /faq link 2")
    assert out[0] == "bot> How do I roll back to the previous version?"
    assert out[-1] == "bot> Learned: questions like that now get FAQ #2."
    harness.app.clock.advance(timedelta(minutes=11))  # type: ignore[attr-defined]
    out = await harness.say("bob: can I get the old firmware back?")
    assert answered(out, "How do I roll back to the previous version?")


async def test_community_answer_accept_credit_and_learn(harness: ConsoleHarness) -> None:
    await setup(harness)
    app = harness.app
    await harness.say("carol: hello all, happy to join the community")
    harness.app.clock.advance(timedelta(days=2))  # type: ignore[attr-defined]
    assert await harness.say("carol: does the camera app support RAW photos?") == []
    assert "does the camera app support RAW photos?" in (await harness.say("mia: /questions open"))[1]
    await harness.say("dan (reply to carol): Yes, open Pro mode and switch the format to RAW.")
    dan = await app.members.find("console", user_id="dan")
    assert dan is not None
    before = await PointsRepo(app.db).balance(dan.member_id)
    assert await harness.say("erin (reply to dan): /accept") == [
        "bot> ⚠ Only the fan who asked (or a manager) can accept an answer."
    ]
    out = await harness.say("carol (reply to dan): /accept")
    assert out[0].startswith("bot> ✅ Answer accepted — thanks, @dan!")
    assert await PointsRepo(app.db).balance(dan.member_id) == before + 25
    assert (await harness.say("carol (reply to dan): /accept")) == [
        "bot> ⚠ That question already has an accepted answer."
    ]
    assert await PointsRepo(app.db).balance(dan.member_id) == before + 25
    out = await harness.say("mia (reply to dan): /faq learn")
    assert out == ["bot> Added FAQ #4 from the community's answer. Edit it with /faq edit 4 ANSWER."]
    assert await harness.say("mia: /questions open") == ["bot> No open questions. 🎉"]
    out = await harness.say("frank: does the camera app support RAW photos?")
    assert answered(out, "does the camera app support RAW photos?")


async def test_bad_input(harness: ConsoleHarness) -> None:
    await setup(harness)
    assert await harness.say("alice: /ask") == ["bot> ⚠ Ask me something, e.g. /ask how do I reset my phone?"]
    out = await harness.say("alice: /ask " + "why " * 2500)
    assert out == ["bot> ⚠ That is too long (9,999 characters, at most 4,000). Usage: /ask [TEXT…]"]
    out = await harness.say("alice: /ask " + "why " * 400)
    assert out == ["bot> ⚠ That's too long for a question (1599 characters, at most 1000)."]
    assert await harness.say("alice: /faq show 99") == ["bot> ⚠ There is no FAQ entry #99."]
    assert await harness.say("mia: /faq edit 99 new answer") == ["bot> ⚠ There is no FAQ entry #99."]
    assert await harness.say("mia: /faq remove 99") == ["bot> ⚠ There is no FAQ entry #99."]
    assert await harness.say("mia: /faq add no separator here") == ["bot> ⚠ Usage: /faq add QUESTION | ANSWER"]
    assert await harness.say("alice: /faq add Q | A") == ["bot> ⚠ /faq add is for managers only."]
    # the same question again (any case) would make a second entry that splits its ratings
    assert await harness.say("mia: /faq add how do I unlock the BOOTLOADER?  | Wait 7 days.") == [
        "bot> ⚠ FAQ #1 already asks that. Change its answer with /faq edit 1 ANSWER."
    ]
    assert await harness.say("mia: /faq link 1") == ["bot> ⚠ Reply /faq link ID to the fan's question."]
    assert await harness.say("alice: /accept") == ["bot> ⚠ Reply /accept to the answer that helped you."]
    # a 10,000-character message in the channel is not treated as a question
    assert await harness.say("alice: " + "how? " * 2000) == []


async def test_entry_changes_apply_immediately(harness: ConsoleHarness) -> None:
    await setup(harness)
    await harness.say("mia: /faq remove 3")
    assert await harness.say("alice: how do I take a screenshot?") == []
    await harness.say("mia: /faq edit 1 New answer text.")
    out = await harness.say("bob: /ask how to unlock the bootloader?")
    assert out[1] == "bot> New answer text."


async def test_a_question_fans_answered_is_learned_by_its_number(harness: ConsoleHarness) -> None:
    await harness.say(
        "mia@manager: /chat fan",
        "carol: does the camera app support RAW photos?",
        "dan (reply to carol): Yes, open Pro mode and switch the format to RAW.",
    )
    out = await harness.say("mia@manager: /questions learn 1")
    assert out == ["bot> ⚠ Question 1 has no accepted answer yet (the asker accepts one with /accept)."]
    await harness.say("carol (reply to dan): /accept")
    out = await harness.say("mia@manager: /questions learn 1")
    assert out == ["bot> Added FAQ #1 from the community's answer. Edit it with /faq edit 1 ANSWER."]
    assert (await harness.say("bob: /questions learn 1")) == ["bot> ⚠ /questions learn is for managers only."]


async def test_points_go_to_a_member_by_number_whichever_platform_they_use(harness: ConsoleHarness) -> None:
    await harness.say("alice: hello")
    out = await harness.say("mia@manager: /points grant member:1 5 great answer")
    assert out == ["bot> Gave 5 points to @alice (great answer). Balance: 5."]
    assert (await harness.say("mia@manager: /points grant member:99 5 nobody"))[0].startswith(
        "bot> ⚠ I don't know member:99"
    )


async def test_a_newcomers_accepted_answer_credits_the_helper_and_says_so(harness: ConsoleHarness) -> None:
    """Newcomers are who ask: an asker's young account no longer costs the helper their points."""
    await setup(harness)
    await harness.say("mia: /chat fan", "carol: does the camera app support RAW photos?")  # carol: minutes old
    await harness.say("dan (reply to carol): Yes, open Pro mode and switch the format to RAW.")
    out = await harness.say("carol (reply to dan): /accept")
    assert out[0] == (
        "bot> ✅ Answer accepted — thanks, @dan! +25 points. Managers can turn it into a FAQ entry with /faq "
        "learn (reply to the answer)."
    )
    assert await answer_points(harness, "dan") == [25]


async def answer_points(harness: ConsoleHarness, name: str) -> list[int]:
    """What ``name`` was paid for accepted answers, newest first."""
    member = await harness.app.members.find("console", user_id=name)
    assert member is not None
    return [row.amount for row in await PointsRepo(harness.app.db).history(member.member_id) if row.kind == "answer"]


async def test_managers_accept_for_the_asker_but_nobody_accepts_their_own_answer(harness: ConsoleHarness) -> None:
    await setup(harness)
    await harness.say(
        "mia: /chat fan",
        "carol: does the camera app support RAW photos?",
        "mia (reply to carol): Yes: Pro mode, then RAW.",
        "dan (reply to carol): Yes, open Pro mode and switch the format to RAW.",
    )
    assert await harness.say("mia (reply to mia): /accept") == ["bot> ⚠ You can't accept your own answer."]
    out = await harness.say("mia (reply to dan): /accept")  # the asker went quiet: a manager accepts for them
    assert out[0].startswith("bot> ✅ Answer accepted — thanks, @dan! +25 points.")


async def test_the_faqs_answer_never_blocks_a_fans_better_one(harness: ConsoleHarness) -> None:
    await setup(harness)
    out = await harness.say("mia: /chat fan", "alice: how can I unlock my bootloader?")
    assert answered(out[1:], "How do I unlock the bootloader?")  # the FAQ answered in the channel
    await harness.say("bob (reply to alice): On the 14 Pro the wait is 168 hours, then use Mi Unlock on a PC.")
    out = await harness.say("alice (reply to bob): /accept")
    assert out[0].startswith("bot> ✅ Answer accepted — thanks, @bob! +25 points.")
    assert await harness.say("mia: /questions open") == ["bot> No open questions. 🎉"]  # it was never "open"


async def test_accepted_answers_earn_points_up_to_a_daily_limit(make_harness: HarnessFactory) -> None:
    harness = await make_harness(settings=settings_with(points={"answers_per_day": 2}))
    await setup(harness)
    await harness.say("mia@manager: /chat fan")
    for n, topic in enumerate(("RAW photos", "night mode", "4K video")):
        await harness.say(f"fan{n}: does the camera app support {topic}?")
        await harness.say(f"dan (reply to fan{n}): Yes, in Pro mode.")
        out = await harness.say(f"fan{n} (reply to dan): /accept")
        if n < 2:
            assert out[0].startswith("bot> ✅ Answer accepted — thanks, @dan! +25 points.")
        else:
            assert out == [
                "bot> ✅ Answer accepted — thanks, @dan! No points for this one: that's today's limit of accepted "
                "answers that earn points."
            ]
    assert await answer_points(harness, "dan") == [25, 25]


async def test_questions_open_shows_who_where_and_how_long_oldest_first_without_chatter(
    harness: ConsoleHarness,
) -> None:
    await setup(harness)
    clock = harness.app.clock
    await harness.say("mia: /chat fan", "carol: does the camera app support RAW photos?")
    clock.advance(timedelta(hours=3))  # type: ignore[attr-defined]
    await harness.say(
        "bob: what's everyone having for lunch?",  # small talk, not a question for the community
        "frank: is there a way to hide the notch in games?",
    )
    clock.advance(timedelta(minutes=20))  # type: ignore[attr-defined]
    assert await harness.say("mia: /questions open") == [
        "bot> 2 open questions, the oldest first (reply to one to help; the asker can /accept):",
        "bot> • Q1 “does the camera app support RAW photos?” — carol in fans, 3 h ago",
        "bot> • Q2 “is there a way to hide the notch in games?” — frank in fans, 20 min ago",
    ]
