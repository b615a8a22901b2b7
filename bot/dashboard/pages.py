"""What a feature writes to add to the dashboard: pages and overview panels.

A page is plain async functions over a :class:`PageRequest`, returning a :class:`View` (a
template of the feature's ``templates/`` folder and its values) or a :class:`Redirect`. It never
sees HTTP: the server checks the session, the role and the form's CSRF token first. An action
goes through :meth:`PageRequest.perform` — the same command, checks and audit as in chat, so
fans are told exactly as if a manager had typed it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from bot.commands import N_, Problem, Role

PAGE_SIZE = 50


@dataclass(frozen=True, slots=True)
class Viewer:
    """Who is looking: a signed-in member with the role they had where they asked for the link."""

    member_id: int
    identity: str
    name: str
    role: Role
    lang: str


@dataclass(frozen=True, slots=True)
class Done:
    """What an action answered, as plain lines; ``preview``: nothing happened yet, the lines say
    what would, and the same action with ``confirmed`` does it."""

    lines: tuple[str, ...]
    is_error: bool = False
    preview: bool = False


class Perform(Protocol):
    async def __call__(self, command: str, *, confirmed: bool = False) -> Done: ...


class NotFound(Exception):
    """The page's object does not exist: answered 404 with this line (in the viewer's language)."""


class Refused(Exception):
    """Bad input: answered 400 with this one line (already in the viewer's language)."""


@dataclass(slots=True)
class PageRequest:
    viewer: Viewer
    now: datetime
    perform: Perform
    #: the ``{name}`` parts of the page's path
    params: Mapping[str, str] = field(default_factory=dict)
    query: Mapping[str, str] = field(default_factory=dict)
    #: a POST's fields (a field may repeat: checkboxes)
    form: Mapping[str, list[str]] = field(default_factory=dict)

    @property
    def lang(self) -> str:
        return self.viewer.lang

    def value(self, name: str, default: str = "") -> str:
        """A form field, else a query parameter; trimmed."""
        got = self.form.get(name)
        return (got[0] if got else self.query.get(name, default)).strip()

    def values(self, name: str) -> list[str]:
        return [v for v in self.form.get(name, []) if v.strip()]

    def number(self, name: str, default: int | None = None, *, low: int = 1, high: int = 2**31 - 1) -> int:
        """A whole number from the path, form or query; bad input is a :class:`Problem`."""
        raw = self.params.get(name) or self.value(name)
        if not raw and default is not None:
            return default
        if not raw.isdigit() or not low <= int(raw) <= high:
            raise Problem(N_("'{text}' is not a whole number from {low} to {high}"), text=raw[:20], low=low, high=high)
        return int(raw)


@dataclass(frozen=True, slots=True)
class View:
    """A template of the feature's ``templates/`` folder, e.g. ``feedback/board.html``."""

    template: str
    title: str
    values: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Redirect:
    """Go to another dashboard path (``/feedback/12``); ``done`` is shown there once."""

    to: str
    done: Done | None = None


Handler = Callable[[PageRequest], Awaitable[View | Redirect]]


@dataclass(frozen=True, slots=True)
class Page:
    #: under /dashboard: ``/feedback``, ``/feedback/{number}``
    path: str
    get: Handler
    post: Handler | None = None
    #: who may open it; a POST always needs a manager unless ``post_role`` says otherwise
    min_role: Role = Role.MODERATOR
    post_role: Role = Role.MANAGER
    #: its name in the menu, in the viewer's language; None: reached from other pages only
    nav: Callable[[str], str] | None = None
    order: int = 100
    #: served to anyone, signed in or not, at ``path`` itself (not under /dashboard); GET only, and
    #: the viewer is anonymous (member 0, a fan) in their browser's language
    public: bool = False


@dataclass(frozen=True, slots=True)
class Panel:
    """A box on the overview page; ``render`` returns None when it has nothing to show."""

    name: str
    render: Callable[[PageRequest], Awaitable[View | None]]
    min_role: Role = Role.MODERATOR
    order: int = 100
