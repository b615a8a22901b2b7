"""Grades on the platforms: every member holds the platform role of their grade (Discord), across all
their linked identities, and loses it when their grade changes.

A grade change is queued with the points that caused it (``grade_role_syncs``); this job applies
each member's *current* grade, so several changes in a row cost one sync. A role the bot may not
manage is a setup problem the managers are told about once; a platform error is retried. At start
and every hour the job also compares who holds a grade role with who should (``repair``): changes
made while the bot was away, or by hand, are put right.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from bot.adapter import DeliveryError
from bot.clock import Clock
from bot.contracts import Grading
from bot.messenger import Messenger
from bot.notices import ManagerNotices
from storage.repositories.grades import GradeRepo
from storage.repositories.members import MemberRepo

log = logging.getLogger(__name__)
LEASE = timedelta(minutes=5)


class GradeRoleSync:
    def __init__(
        self,
        repo: GradeRepo,
        grading: Grading,
        members: MemberRepo,
        messenger: Messenger,
        notices: ManagerNotices,
        clock: Clock,
        worker_id: str,
    ) -> None:
        self.repo, self.grading, self.members = repo, grading, members
        self.messenger, self.notices, self.clock, self.worker_id = messenger, notices, clock, worker_id

    async def flush(self) -> int:
        """Apply the queued grade changes on the platforms this process serves; returns members synced."""
        platforms = self.messenger.grade_platforms()
        if not platforms:
            return 0  # another process (the one serving Discord) takes them
        claimed = await self.repo.claim_syncs(self.worker_id, self.clock.now(), LEASE)
        balances = await self.grading.balances(claimed)
        synced = 0
        for member_id, ids in claimed.items():
            grade = self.grading.grade_for(balances.get(member_id, 0)).name
            status, error = "done", None
            for identity in await self.members.identities(member_id):
                if identity.platform not in platforms:
                    continue
                try:
                    await self.messenger.show_grade(identity.platform, identity.user_id, grade)
                except DeliveryError as exc:
                    status, error = ("failed" if exc.permanent else "pending"), exc.reason
                    if exc.permanent:
                        await self.notices.tell_once("⚠ " + exc.reason)
                except Exception as exc:  # a bug, not an outage: logged, not retried every tick
                    log.exception("grade role not synced", extra={"member": member_id})
                    status, error = "failed", f"{type(exc).__name__}: {exc}"
            await self.repo.mark_syncs(ids, status, error)
            synced += status == "done"
        return synced

    async def repair(self) -> int:
        """Bring every grade role in step with the members' grades; returns how many were changed."""
        changed = 0
        ladder = self.grading.grades
        for platform in self.messenger.grade_platforms():
            try:
                holders = await self.messenger.grade_holders(platform)
                should = await self.repo.graded(platform, ladder[1].threshold if len(ladder) > 1 else 0)
                others = [u for u in holders if u not in should]
                should.update(await self.repo.balances_of(platform, others))
                for user_id in sorted(set(holders) | set(should)):
                    grade = self.grading.grade_for(should.get(user_id, 0)).name
                    if holders.get(user_id) != grade and await self.messenger.show_grade(platform, user_id, grade):
                        changed += 1
            except DeliveryError as exc:
                log.warning("grade roles not repaired", extra={"platform": platform, "reason": exc.reason})
                if exc.permanent:
                    await self.notices.tell_once("⚠ " + exc.reason)
        return changed
