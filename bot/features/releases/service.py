"""Releases: the weekly train. Shipping a release marks its fan ideas shipped (telling their
followers), pays their submitters, and announces the release crediting them by name."""

from __future__ import annotations

import logging
from datetime import datetime

from bot.clock import Clock
from bot.commands import CommandError
from bot.contracts import Announcer, Awarder, FeedbackLoop
from bot.i18n import N_, SOURCE, Domain, Where, listing
from bot.replies import Reply, say
from bot.when import WhenError, parse_when, shown
from storage.repositories.feedback import FeedbackRepo, ItemView
from storage.repositories.members import MemberRepo
from storage.repositories.releases import ReleaseRepo, ReleaseView

log = logging.getLogger(__name__)
T = Domain("releases")


STATES = {"draft": N_("draft"), "scheduled": N_("scheduled"), "shipping": N_("shipping"), "shipped": N_("shipped")}


def release_label(where: Where, status: str) -> str:
    return T.label(where, STATES, status)


class ReleaseService:
    def __init__(
        self,
        repo: ReleaseRepo,
        items: FeedbackRepo,
        members: MemberRepo,
        feedback: FeedbackLoop,
        announcer: Announcer,
        template: str,
        clock: Clock,
        *,
        points: Awarder | None = None,
        language: str = SOURCE,
    ) -> None:
        #: the community's default language: the release announcement's own words
        self.language = language
        self.repo = repo
        self.items = items
        self.members = members
        self.feedback = feedback
        self.announcer = announcer
        self.template = template
        self.clock = clock
        self.points = points

    async def get(self, version: str, where: Where = SOURCE) -> ReleaseView:
        release = await self.repo.get(version)
        if release is None:
            raise CommandError(
                T(where, "There is no release {version}. Create it with /release new {version}.", version=version)
            )
        return release

    async def create(self, version: str, notes: str | None, where: Where = SOURCE) -> Reply:
        if not await self.repo.create(version, notes or "", self.clock.now()):
            raise CommandError(T(where, "Release {version} exists already.", version=version))
        return say(
            T(
                where,
                "Created release {version} (draft). Add fan ideas with /release add {version} N; ship it with "
                "/release ship {version} or /release schedule {version} every fri 17:00.",
                version=version,
            )
        )

    async def add(self, version: str, number: int, where: Where = SOURCE) -> Reply:
        release = await self.get(version, where)
        item = await self.items.get(number)
        if item is None:
            raise CommandError(T(where, "There is no #{number}.", number=number))
        if item.status == "duplicate":
            raise CommandError(
                T(where, "#{number} is merged into #{into}; add that one.", number=number, into=item.duplicate_of)
            )
        if release.status == "shipped":
            raise CommandError(T(where, "Release {version} has shipped already.", version=version))
        if not await self.repo.add_item(release.id, item.id):
            raise CommandError(T(where, "#{number} is already in {version}.", number=number, version=version))
        return say(
            T(where, "#{number} “{title}” will ship in {version}.", number=item.id, title=item.title, version=version)
        )

    async def ideas(self, release: ReleaseView) -> list[ItemView]:
        attached = [i for n in await self.repo.items(release.id) if (i := await self.items.get(n)) is not None]
        shipped = await self.items.query(statuses=("shipped",), limit=500, order="oldest")
        in_version = [i for i in shipped if i.version == release.version]
        seen: dict[int, ItemView] = {}
        for item in [*attached, *in_version]:
            seen.setdefault(item.id, item)
        return [i for i in seen.values() if i.status != "duplicate" and i.status != "declined"]

    async def render(self, release: ReleaseView, ideas: list[ItemView]) -> str:
        lang = self.language
        names = await self.members.names([item.submitter_id for item in ideas])
        lines = []
        for item in ideas:
            name = names.get(item.submitter_id)
            who = T(lang, " — thanks {name}!", name=name) if name else ""
            lines.append(f"• #{item.id} {item.title}{who}")
        text = self.template.format(
            version=release.version,
            notes=release.notes.strip() or T(lang, "Bug fixes and improvements."),
            ideas="\n".join(lines) or T(lang, "(none this time — send yours with /idea)"),
        )
        return text.replace("\n\n\n", "\n\n").strip()

    async def preview(self, version: str, where: Where = SOURCE) -> Reply:
        release = await self.get(version, where)
        ideas = await self.ideas(release)
        return say(f"[{release_label(where, release.status)}] ", await self.render(release, ideas))

    async def ship_preview(self, version: str, where: Where = SOURCE) -> Reply:
        """What /release ship will do (asked before it happens: it can't be taken back)."""
        release = await self.get(version, where)
        if release.status not in ("draft", "scheduled"):
            raise CommandError(
                T(
                    where,
                    "Release {version} is already {status}.",
                    version=version,
                    status=release_label(where, release.status),
                )
            )
        ideas = await self.ideas(release)
        if not ideas:
            return say(
                T(
                    where,
                    "About to ship {version} (no fan ideas in it); the release is announced in every "
                    "announcement chat.",
                    version=version,
                )
            )
        return say(
            T(
                where,
                "About to ship {version}: {ideas} marked shipped (their followers are told) and the release "
                "announced in every announcement chat.",
                version=version,
                ideas=listing(where, [f"#{i.id}" for i in ideas]),
            )
        )

    async def ship(self, version: str, actor_id: int | None, where: Where = SOURCE) -> Reply:
        release = await self.get(version, where)
        if not await self.repo.start_shipping(release.id):
            raise CommandError(
                T(
                    where,
                    "Release {version} is already {status}.",
                    version=version,
                    status=release_label(where, release.status),
                )
            )
        try:
            return await self._ship(release, version, actor_id, where)
        except BaseException:
            await self.repo.stop_shipping(release.id)  # not stuck in "shipping": it can be shipped again
            raise

    async def _ship(self, release: ReleaseView, version: str, actor_id: int | None, where: Where) -> Reply:
        now = self.clock.now()
        ideas = await self.ideas(release)
        await self.render(release, ideas)  # a broken template fails here, before anything changed
        for item in ideas:
            await self.feedback.mark_shipped(item.id, version, actor_id, now)
            if self.points is not None:  # same source key as a manual /status … shipped: paid once
                await self.points.award(
                    item.submitter_id,
                    self.points.amount("shipped"),
                    "shipped",
                    f"#{item.id} shipped in {version}",
                    f"shipped:{item.id}",
                    now,
                )
        fresh = [i for item in ideas if (i := await self.items.get(item.id)) is not None]
        text = await self.render(release, fresh)
        announcement_id = await self.announcer.announce_now(text, actor_id)
        await self.repo.shipped(release.id, now, announcement_id)
        await self.announcer.tick()
        if not fresh:
            return say(
                T(
                    where,
                    "Shipped {version}: announcement #{number} is going out (no fan ideas in it).",
                    version=version,
                    number=announcement_id,
                )
            )
        shipped = listing(where, [f"#{i.id} ({self.feedback.describe(i, where)})" for i in fresh])
        return say(
            T(
                where,
                "Shipped {version}: announcement #{number} is going out; {ideas}.",
                version=version,
                number=announcement_id,
                ideas=shipped,
            )
        )

    async def schedule(self, version: str, when_text: str, default_tz: str, where: Where = SOURCE) -> Reply:
        release = await self.get(version, where)
        if release.status == "shipped":
            raise CommandError(T(where, "Release {version} has shipped already.", version=version))
        try:
            when, rest = parse_when(when_text, self.clock.now(), default_tz)
        except WhenError as exc:
            raise CommandError(exc.sentence(where)) from None
        if rest.strip():
            raise CommandError(T(where, "Usage: /release schedule VERSION every fri 17:00 [Zone]"))
        cron = when.cron or ""
        nxt = when.next_after(self.clock.now())
        if nxt is None:
            raise CommandError(T(where, "That schedule never runs."))
        await self.repo.schedule(release.id, cron or "once", when.timezone, nxt)
        return say(
            T(
                where,
                "Release {version} ships on the next slot: {time}.",
                version=version,
                time=shown(nxt, when.timezone, default_tz, where),
            )
        )

    async def ship_due(self, now: datetime) -> int:
        """Called from the announcement tick: ship scheduled releases whose slot has come."""
        shipped = 0
        for release in await self.repo.due(now):
            try:
                await self.ship(release.version, None)
                shipped += 1
            except CommandError as exc:  # another process shipped it first
                log.info("release not shipped by this worker: %s", exc)
        return shipped
