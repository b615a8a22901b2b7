"""The beta programme: pick, invitations answered with buttons, the waitlist, expiry, testers told,
removed and the cohort closed; feedback tagged with the tester's cohort."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.adapter import SentRef
from bot.events import Author
from bot.replies import Reply
from tests.conftest import ConsoleHarness


def advance(h: ConsoleHarness, hours: float) -> None:
    h.app.clock.advance(timedelta(hours=hours))  # type: ignore[attr-defined]


async def fans(h: ConsoleHarness, **grants: int) -> None:
    for name in grants:
        await h.say(f"{name}: hi")
    for name, points in grants.items():
        await h.say(f"mia@manager: /points grant @{name} {points} great reports")


def invited(out: list[str]) -> list[str]:
    return [line.split(":")[0] for line in out if "You've been picked for beta test" in line]


async def test_pick_invites_the_best_and_keeps_a_waitlist_that_refills(harness: ConsoleHarness) -> None:
    await fans(harness, ann=700, ben=300, cat=250, dan=220, eve=100)  # eve: no beta_eligible grade yet
    out = await harness.say("mia: /beta pick 2")
    assert invited(out) == ["bot> @ann", "bot> @ben"]
    assert out[1] == "bot> @ann: [1: Join the beta] [2: No thanks]  (type [press N])"
    assert out[-1] == "bot> Beta cohort #1: invited 2 fans; 2 on the waitlist."
    assert await harness.say("ann: [press 1]") == [
        "bot> @ann: You're in beta test #1 — thank you! The team will send you the details here."
    ]
    assert await harness.say("ann: [press 2]") == ["bot> @ann: ⚠ You've already joined beta test #1."]
    assert await harness.say("cat: [press 1]") == ["bot> @cat: ⚠ This invitation isn't for you."]  # ann's button
    out = await harness.say("ben: [press 4]")  # no thanks: cat, first on the waitlist, is invited
    assert out[-1] == "bot> @ben: No problem — your place goes to another fan. You can be picked again later."
    assert invited(out) == ["bot> @cat"]
    # the next pick leaves out everyone holding a place (joined, invited, waitlisted); ben said no
    out = await harness.say("mia: /beta pick 5")
    assert invited(out) == ["bot> @ben"] and out[-1] == "bot> Beta cohort #2: invited 1 fan; 0 on the waitlist."


async def test_unanswered_invitations_expire_and_the_waitlist_takes_their_place(harness: ConsoleHarness) -> None:
    await fans(harness, ann=700, ben=300, cat=250)
    await harness.say("mia@manager: /beta pick 1")  # ann invited; ben waits (a waitlist as long as the places)
    advance(harness, 71)
    assert await harness.app.run_job("beta-invitations") == 0
    advance(harness, 2)
    start = len(harness.output())
    assert await harness.app.run_job("beta-invitations") == 1
    assert invited(harness.output()[start:].splitlines()) == ["bot> @ben"]
    assert await harness.say("ann: [press 1]") == ["bot> @ann: ⚠ This invitation to beta test #1 has expired."]
    listing = await harness.say("mia: /beta list 1")
    assert listing == [
        "bot> Beta #1 (picked 2026-01-05): 0 of 1 places joined, 1 invited, 0 on the waitlist.",
        "bot> invited: ben",
        "bot> expired: ann",
    ]


async def test_testers_are_messaged_removed_and_the_cohort_closed(harness: ConsoleHarness) -> None:
    await fans(harness, ann=700, ben=300)
    await harness.say("mia@manager: /beta pick 2", "ann: [press 1]", "ben: [press 3]")
    out = await harness.say("mia: /beta message 1 Build 3.2-beta1 is live: update from the beta channel")
    assert out == [
        "bot> @ann: Beta #1 — from the team:",
        "bot> @ann: Build 3.2-beta1 is live: update from the beta channel",
        "bot> @ben: Beta #1 — from the team:",
        "bot> @ben: Build 3.2-beta1 is live: update from the beta channel",
        "bot> Sent to 2 testers.",
    ]
    # a tester's feedback carries the cohort
    await harness.say("ann: /bug The camera crashes on the beta build")
    shown = await harness.say("ann: /feedback show 1")
    assert "bot> 🧪 Sent while testing beta #1." in shown
    assert await harness.say("mia: /beta remove 1 @ben") == ["bot> Took ben out of beta #1."]
    assert await harness.say("mia: /beta remove 1 @ben") == ["bot> ⚠ ben has no place in beta #1."]
    assert await harness.say("mia: /beta list") == [
        "bot> Open beta tests",
        "bot> Beta #1 (picked 2026-01-05): 1 of 2 places joined, 0 invited, 0 on the waitlist.",
    ]
    ask = await harness.say("mia: /beta close 1")
    assert ask[0].startswith("bot> About to end beta #1: 1 testers;")
    assert await harness.say("mia: /beta close 1 confirm") == ["bot> Beta #1 has ended. Thanks to its testers!"]
    assert await harness.say("mia: /beta list") == ["bot> No beta test is open. Start one with /beta pick N."]
    # closed: ann's feedback is no longer tagged, and she can be picked again
    await harness.say("ann: /bug Another crash after the beta ended here")
    assert not any("beta #" in line for line in await harness.say("ann: /feedback show 2"))
    assert invited(await harness.say("mia: /beta pick 1")) == ["bot> @ann"]


async def test_bad_input_gets_one_clear_line(harness: ConsoleHarness) -> None:
    assert await harness.say("ann: /beta pick 3") == ["bot> ⚠ /beta pick is for managers only."]
    assert await harness.say("mia@manager: /beta list 9") == ["bot> ⚠ There is no beta cohort #9."]
    assert await harness.say("mia: /beta pick 3") == [
        "bot> Nobody is eligible (a grade with beta testing, active in the last 30 days, not in an open beta)."
    ]
    assert "No grade called “wizard”" in (await harness.say("mia: /beta pick 1 wizard"))[0]


async def test_an_invitation_cut_off_mid_send_goes_out_once_after_the_claim_runs_out(
    harness: ConsoleHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The process stops after claiming ann's invitation, before it went out: it is not lost (the
    sweep sends it once the claim runs out) and not sent twice (marked once it went out)."""
    await fans(harness, ann=700, ben=300)
    sent = harness.console.send_direct

    async def stops_for_ann(member: Author, reply: Reply) -> SentRef | None:
        if member.display_name == "ann":
            raise RuntimeError("the process stopped here")
        return await sent(member, reply)

    monkeypatch.setattr(harness.console, "send_direct", stops_for_ann)
    await harness.say("mia@manager: /beta pick 1")
    monkeypatch.setattr(harness.console, "send_direct", sent)
    assert invited(harness.output().splitlines()) == []
    start = len(harness.output())
    await harness.app.run_job("beta-invitations")  # another process, while the claim holds: nothing
    advance(harness, 0.1)
    await harness.app.run_job("beta-invitations")
    assert invited(harness.output()[start:].splitlines()) == []
    advance(harness, 0.1)  # 12 minutes after the claim
    await harness.app.run_job("beta-invitations")
    lines = harness.output()[start:].splitlines()
    assert invited(lines) == ["bot> @ann"]
    assert "Answer within 2 days" in lines[0]  # what is left of 72 hours, not 72 hours again
    advance(harness, 1)
    await harness.app.run_job("beta-invitations")
    assert invited(harness.output()[start:].splitlines()) == ["bot> @ann"]
    assert await harness.say("ann: [press 1]") == [
        "bot> @ann: You're in beta test #1 — thank you! The team will send you the details here."
    ]
