"""The features fanloop installs, in order: one folder each, ``build(deps) -> Feature``.

Order matters twice: a feature comes after those whose slots it needs (releases after feedback and
announcements), and data-rights hooks forget in reverse order (a feature lets go of another's rows
before their owner deletes them)."""

from __future__ import annotations

from bot.feature import Builder
from bot.features import (
    announcements,
    awards,
    beta,
    core,
    dashboard,
    faq,
    feedback,
    grades,
    invites,
    mydata,
    points,
    polls,
    releases,
    report,
)

DEFAULT_FEATURES: tuple[Builder, ...] = (
    points.build,
    grades.build,
    beta.build,
    feedback.build,
    faq.build,
    announcements.build,
    releases.build,
    awards.build,
    polls.build,
    invites.build,
    report.build,
    mydata.build,
    dashboard.build,
    core.build,
)
