"""The weekly community report: what the community achieved, posted to the announcement chats."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.i18n import SOURCE, Domain, Where, listing
from bot.replies import BR, Bold, Reply, Segment, Text, say
from storage.repositories.feedback import OPEN, FeedbackRepo
from storage.repositories.members import MemberRepo
from storage.repositories.stats import StatsRepo

T = Domain("report")
WEEK = timedelta(days=7)


async def build_report(
    stats: StatsRepo,
    items: FeedbackRepo,
    members: MemberRepo,
    now: datetime,
    where: Where = SOURCE,
    *,
    contributors: int = 0,
    season: tuple[int, datetime] | None = None,
) -> Reply:
    """The week's report in ``where``'s language (the community's default when it is posted);
    ``contributors`` names the week's top contributors, ``season`` (number, start) the season's leaders so far."""
    since = now - WEEK
    received = await items.acknowledgements(since)  # every item of the week, however many
    acked = sum(1 for created, at in received if at and at - created <= WEEK)
    shipped = await stats.shipped_since(since)
    top = await items.query(statuses=OPEN, order="votes", limit=3)
    faq_answers, fan_answers = await stats.answers_since(since)
    helpers = await stats.helpers(since, 3)
    awards = await stats.awards(since)
    pct = f"{round(100 * acked / len(received))}%" if received else "—"
    received_line = T.plural(
        where,
        "💡 {n} idea or bug report received; {pct} acknowledged within a week.",
        "💡 {n} ideas and bug reports received; {pct} acknowledged within a week.",
        len(received),
        pct=pct,
    )
    answered = T.plural(
        where,
        "❓ {n} question answered: {faq} by the FAQ, {fans} by fans.",
        "❓ {n} questions answered: {faq} by the FAQ, {fans} by fans.",
        faq_answers + fan_answers,
        faq=faq_answers,
        fans=fan_answers,
    )
    segs: list[Segment] = [
        Bold(T(where, "This week in the community")),
        BR,
        Text(received_line),
        BR,
        Text(T(where, "🚀 {count} shipped.", count=shipped)),
        BR,
        Text(answered),
        BR,
    ]
    if top:
        segs += [Text(T(where, "Top voted open ideas:")), BR]
        segs += [x for i in top for x in (Text(f"  #{i.id} {i.title} ({i.votes})"), BR)]
    if awards:  # the team's pick of the week's feedback, before the numbers
        awarded = await members.names([a.member_id for a in awards])
        for a in awards:
            name = awarded.get(a.member_id) or T(where, "a former member")
            line = T(where, "🏆 Best feedback: #{number} “{title}” by {name} — {reason}", number=a.feedback_id,
                     title=a.title, name=name, reason=a.reason)  # fmt: skip
            segs += [Text(line), BR]
    if helpers:
        known = await members.names([member_id for member_id, *_ in helpers])
        names = [
            T(where, "{name} ({count})", name=known.get(m) or T(where, "a former member"), count=a + b + c)
            for m, a, b, c in helpers
        ]
        line = T(
            where,
            "Top helpers (answers accepted, bug reports confirmed, ideas shipped): {names}",
            names=listing(where, names),
        )
        segs += [Text(line), BR]
    if contributors and (leaders := await stats.contributors(since, contributors)):
        line = T(where, "🏅 Top contributors this week: {names}", names=await _ranked(members, leaders, where))
        segs += [Text(line), BR]
    if season is not None and (leaders := await stats.contributors(season[1], 3)):
        line = T(where, "🏁 Season {n} so far: {names}", n=season[0], names=await _ranked(members, leaders, where))
        segs += [Text(line), BR]
    segs.append(Text(T(where, "Thank you all — share more with /idea, help others, and see you next week!")))
    return say(*segs)


async def _ranked(members: MemberRepo, leaders: list[tuple[int, int]], where: Where) -> str:
    """``alice (55), bob (30)`` — names with their points, best first."""
    names = await members.names([m for m, _ in leaders])
    return listing(
        where,
        [T(where, "{name} ({count})", name=names.get(m) or T(where, "a former member"), count=n) for m, n in leaders],
    )
