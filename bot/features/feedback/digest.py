"""The weekly feedback digest for managers: the promise is that every fan hears back within a week."""

from __future__ import annotations

from datetime import datetime, timedelta
from statistics import median

from bot.features.feedback.text import duration, item_list
from bot.replies import BR, Bold, Reply, Segment, Text, say
from storage.repositories.feedback import OPEN, FeedbackRepo

WEEK = timedelta(days=7)


async def build_digest(items: FeedbackRepo, now: datetime) -> Reply:
    since = now - WEEK
    new = await items.query(since=since, order="newest", limit=5)
    received = await items.acknowledgements(since)  # every item of the week, however many
    top = await items.query(statuses=OPEN, order="votes", limit=5)
    stale = await items.query(statuses=OPEN, changed_before=since, order="stalest", limit=10)
    stale_total = await items.count(statuses=OPEN, changed_before=since)
    acked = [at - created for created, at in received if at]
    segs: list[Segment] = [Bold("Weekly feedback digest"), BR]
    segs.append(Text(f"{len(received)} new item(s) this week; {len(acked)} acknowledged"))
    if acked:
        segs.append(
            Text(
                f" (median time to acknowledge {duration(timedelta(seconds=median(a.total_seconds() for a in acked)))})"
            )
        )
    segs += [Text("."), BR]
    if new:
        segs += [Bold("New"), BR, *item_list(new, show_status=True)]
    if top:
        segs += [Bold("Top voted open"), BR, *item_list(top)]
    if stale:
        segs += [Bold(f"Waiting over 7 days without a status change ({stale_total})"), BR]
        for item in stale:
            segs += [
                Text(
                    f"#{item.id} “{item.title}” — {item.status.replace('_', ' ')} for "
                    f"{duration(now - item.status_changed_at)}"
                ),
                BR,
            ]
    else:
        segs += [Text("Every open item has moved within the last week. 👏"), BR]
    return say(*segs)
