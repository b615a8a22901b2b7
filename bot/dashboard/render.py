"""Rendering the dashboard's pages: one Jinja2 environment (autoescaped, strict) over the shared
layout and every feature's ``templates/`` folder, and what every template may call besides its
messages — dates, ages and numbers in the viewer's language."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_skeleton
from jinja2 import BaseLoader, Environment, FileSystemLoader, PrefixLoader, StrictUndefined

from bot.clock import Clock
from bot.commands import Role
from bot.dashboard.pages import Done, View, Viewer
from bot.i18n import N_, SOURCE, Domain, day, elapsed, moment, number

T = Domain("core")
HERE = Path(__file__).resolve().parent
FEATURES = HERE.parent / "features"
#: how the header names the viewer's role
ROLES = {Role.FAN: N_("fan"), Role.MODERATOR: N_("moderator"), Role.MANAGER: N_("manager"), Role.ADMIN: N_("admin")}
#: a menu entry: its label, its address, whether it is the page shown
NavItem = tuple[str, str, bool]


class Renderer:
    def __init__(self, features: Sequence[str], community: str, tz: str, clock: Clock) -> None:
        self.community, self.tz, self.clock = community, tz, clock
        loaders: dict[str, BaseLoader] = {"layout": FileSystemLoader(HERE / "templates")}
        for name in features:
            folder = FEATURES / name / "templates"
            if folder.is_dir():
                loaders[name] = FileSystemLoader(folder)
        self.env = Environment(
            loader=PrefixLoader(loaders),
            autoescape=True,
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )

    def values(self, feature: str, viewer: Viewer, csrf: str) -> dict[str, Any]:
        """What every template sees: ``_``/``_n`` in its feature's catalog, ``_c`` in the core's."""
        lang, own = viewer.lang, Domain(feature)
        return {
            "_": lambda msgid, **kw: own(lang, msgid, **kw),
            "_n": lambda s, p, n, **kw: own.plural(lang, s, p, n, **kw),
            "_c": lambda msgid, **kw: T(lang, msgid, **kw),
            "viewer": viewer,
            #: managers act; moderators read
            "manager": viewer.role >= Role.MANAGER,
            "role": T(lang, ROLES.get(viewer.role, ROLES[Role.FAN])),
            "csrf": csrf,
            "community": self.community,
            "lang": lang,
            **helpers(lang, self.clock.now(), self.tz),
        }

    def fragment(self, feature: str, view: View, viewer: Viewer, csrf: str) -> str:
        """A page's part (an overview panel)."""
        values = {**self.values(feature, viewer, csrf), "title": view.title, **view.values}
        return self.env.get_template(view.template).render(values)

    def page(self, feature: str, view: View, viewer: Viewer, csrf: str, done: Done | None, nav: list[NavItem]) -> str:
        values = {**self.values(feature, viewer, csrf), "title": view.title, "nav": nav, "done": done, **view.values}
        return self.env.get_template(view.template).render(values)

    def signin(self, viewer: Viewer, name: str, secret: str) -> str:
        """The sign-in link's page: who it signs in, and the button that does it."""
        title = T(viewer, "Sign in to the dashboard")
        values = {**self.values("core", viewer, ""), "title": title, "nav": [], "done": None, "name": name,
                  "secret": secret}  # fmt: skip
        return self.env.get_template("layout/signin.html").render(values)

    def message(self, lang: str, text: str, *, signed_in: bool) -> str:
        """A one-line answer as a page of its own (a refusal, "signed out")."""
        viewer = Viewer(0, "", "", Role.FAN, lang)
        values = {**self.values("core", viewer, ""), "title": text, "nav": [], "done": None, "signed_in": signed_in}
        return self.env.get_template("layout/message.html").render(values)


def _day_of(lang: str, d: date) -> str:
    if lang == SOURCE:
        return f"{d:%a %m-%d}"
    return str(format_skeleton("MMMEd", d, locale=lang))


def helpers(lang: str, now: datetime, tz: str = "UTC") -> dict[str, Callable[..., Any]]:
    zone = ZoneInfo(tz)
    return {
        "age": lambda then: elapsed(lang, now - then),
        "when": lambda at: moment(lang, at.astimezone(zone)),
        "day": lambda at: day(lang, at.astimezone(zone)),
        #: a calendar day (a date, no time): "Mon 11-24" / "11月24日周一"
        "day_of": lambda d: _day_of(lang, d),
        "num": lambda n: number(lang, n),
    }
