"""The weekly feedback digest for managers: the promise is that every fan hears back within a week."""

from __future__ import annotations

from datetime import datetime, timedelta
from statistics import median

from bot.features.feedback.text import T, duration, item_list, ref, status_label
from bot.i18n import SOURCE, Where
from bot.replies import BR, Bold, Reply, Segment, Text, say
from storage.repositories.feedback import OPEN, FeedbackRepo

WEEK = timedelta(days=7)


async def build_digest(items: FeedbackRepo, now: datetime, where: Where = SOURCE) -> Reply:
    """The digest in ``where``'s language (the manager chat's)."""
    since = now - WEEK
    new = await items.query(since=since, order="newest", limit=5)
    received = await items.acknowledgements(since)  # every item of the week, however many
    top = await items.query(statuses=OPEN, order="votes", limit=5)
    stale = await items.query(statuses=OPEN, changed_before=since, order="stalest", limit=10)
    stale_total = await items.count(statuses=OPEN, changed_before=since)
    acked = [at - created for created, at in received if at]
    segs: list[Segment] = [Bold(T(where, "Weekly feedback digest")), BR]
    count = T.plural(where, "{n} new item this week", "{n} new items this week", len(received))
    if acked:
        typical = duration(timedelta(seconds=median(a.total_seconds() for a in acked)), where)
        line = T(where, "{count}; {acked} acknowledged (median time to acknowledge {time}).", time=typical,
                 count=count, acked=len(acked))  # fmt: skip
    else:
        line = T(where, "{count}; {acked} acknowledged.", count=count, acked=len(acked))
    segs += [Text(line), BR]
    if new:
        segs += [Bold(T(where, "New")), BR, *item_list(new, show_status=True, where=where)]
    if top:
        segs += [Bold(T(where, "Top voted open")), BR, *item_list(top, where=where)]
    if stale:
        segs += [Bold(T(where, "Waiting over 7 days without a status change ({count})", count=stale_total)), BR]
        for item in stale:
            status = status_label(item.status, where)
            since_change = duration(now - item.status_changed_at, where)
            segs += [*ref(item), Text(T(where, " — {status} for {time}", status=status, time=since_change)), BR]
    else:
        segs += [Text(T(where, "Every open item has moved within the last week. 👏")), BR]
    return say(*segs)
