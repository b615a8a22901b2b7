"""The weekly community report: what the community achieved, posted to the announcement chats."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.replies import BR, Bold, Reply, Segment, Text, say
from storage.repositories.feedback import OPEN, FeedbackRepo
from storage.repositories.members import MemberRepo
from storage.repositories.stats import StatsRepo

WEEK = timedelta(days=7)
CONTRIBUTION_KINDS = ("feedback", "vote_received", "shipped", "answer")


async def build_report(stats: StatsRepo, items: FeedbackRepo, members: MemberRepo, now: datetime) -> Reply:
    since = now - WEEK
    received = await items.acknowledgements(since)  # every item of the week, however many
    acked = sum(1 for created, at in received if at and at - created <= WEEK)
    shipped = await stats.shipped_since(since)
    top = await items.query(statuses=OPEN, order="votes", limit=3)
    faq_answers, fan_answers = await stats.answers_since(since)
    helpers = await stats.top_contributors(since, CONTRIBUTION_KINDS, 3)
    pct = f"{round(100 * acked / len(received))}%" if received else "—"
    segs: list[Segment] = [
        Bold("This week in the community"),
        BR,
        Text(f"💡 {len(received)} idea(s) and bug report(s) received; {pct} acknowledged within a week."),
        BR,
        Text(f"🚀 {shipped} shipped."),
        BR,
        Text(f"❓ {faq_answers + fan_answers} question(s) answered: {faq_answers} by the FAQ, {fan_answers} by fans."),
        BR,
    ]
    if top:
        segs += [Text("Top voted open ideas:"), BR]
        segs += [x for i in top for x in (Text(f"  #{i.id} {i.title} ({i.votes})"), BR)]
    if helpers:
        known = await members.names([member_id for member_id, _ in helpers])
        names = [f"{known.get(member_id, 'a former member')} ({points})" for member_id, points in helpers]
        segs += [Text("Top helpers (by contribution, not chatter): " + ", ".join(names)), BR]
    segs.append(Text("Thank you all — share more with /idea, help others, and see you next week!"))
    return say(*segs)
