"""The command registry: every command is declared once, with typed arguments and a minimum role.

Adapters publish the same specs to their platform (Telegram's command menu, Discord slash
commands); the registry parses and validates arguments on every platform and answers bad
input with the command's usage line.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from enum import IntEnum, StrEnum
from typing import TYPE_CHECKING, Any

from bot.replies import Outgoing, Reply

if TYPE_CHECKING:
    from bot.context import CommandContext


def N_(msgid: str) -> str:
    """Marks a core message for the catalogs (``bot.i18n`` imports this module, so not from there)."""
    return msgid


def T(where: Any, msgid: str, **values: Any) -> str:
    """A core message in ``where``'s language (imported late: ``bot.i18n`` imports this module)."""
    from bot.i18n import Domain

    return Domain("core")(where, msgid, **values)


class Problem(ValueError):
    """Bad input: a core catalog message and its values, so whoever catches it answers in the
    reader's language (:meth:`text`); ``str()`` is the English."""

    def __init__(self, msgid: str, **values: Any) -> None:
        self.msgid, self.values = msgid, values
        super().__init__(msgid.format(**values))

    def text(self, where: Any) -> str:
        return T(where, self.msgid, **self.values)


USAGE = N_("{problem}. Usage: {usage}")
LIMITS_SEPARATOR = N_("; ")

COMMAND_NAME = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
MAX_ARGUMENT_TEXT = 4000
#: numbers a command takes when it names no range: what every database column can hold
INT_MIN, INT_MAX = -(2**31) + 1, 2**31 - 1


class Role(IntEnum):
    """Ordered privilege levels; gaps leave room for more."""

    FAN = 10
    MODERATOR = 20
    MANAGER = 30
    ADMIN = 40

    @classmethod
    def parse(cls, value: str) -> Role:
        try:
            return cls[value.strip().upper()]
        except KeyError:
            names = ", ".join(r.name.lower() for r in cls)
            raise ValueError(f"unknown role {value!r} (one of: {names})") from None


class ArgKind(StrEnum):
    WORD = "word"  # one token; quotes allowed
    TEXT = "text"  # the rest of the line
    INT = "int"
    MENTION = "mention"  # @name, <@id>, or a platform user id
    DURATION = "duration"  # 90s, 15m, 2h, 1d, 1w, or combined: 1h30m
    CHOICE = "choice"


@dataclass(frozen=True, slots=True)
class MemberRef:
    """A member named in a command; the service resolves it against stored identities."""

    raw: str
    user_id: str | None = None
    username: str | None = None
    #: ``member:12`` — the member number /audit, /feedback show and the CLI use, on any platform
    member_id: int | None = None


@dataclass(frozen=True, slots=True)
class Arg:
    name: str
    kind: ArgKind
    description: str
    required: bool = True
    choices: tuple[str, ...] = ()
    max_length: int | None = None
    min_value: int | None = None
    max_value: int | None = None

    @property
    def label(self) -> str:
        """How the usage line and error messages name it (never the internal name alone)."""
        if self.kind is ArgKind.CHOICE:
            return "|".join(self.choices)
        if self.kind is ArgKind.MENTION:
            return "@member"
        return self.name.upper()

    def usage(self) -> str:
        label = self.label + ("…" if self.kind is ArgKind.TEXT else "")
        return f"{label}" if self.required else f"[{label}]"


Result = Reply | Sequence[Reply | Outgoing] | None
Handler = Callable[["CommandContext"], Awaitable[Result]]


@dataclass(frozen=True, slots=True)
class CommandSpec:
    """One command. ``name`` may hold one space for a subcommand (``"points grant"``)."""

    name: str
    summary: str
    handler: Handler
    args: tuple[Arg, ...] = ()
    min_role: Role = Role.FAN
    #: a perk (from grades) that also grants access, e.g. ``can_triage``
    perk: str | None = None
    #: the handler may be slow (LLM, broadcast): adapters defer interactions for it
    slow: bool = False
    hidden: bool = False
    #: the handler may ask for a confirmation first (:class:`NeedsConfirmation`); a trailing
    #: ``confirm`` word then confirms it in one go
    confirmable: bool = False
    #: whose message catalog translates the summary (set to the feature's name when installed)
    domain: str = "core"

    def __post_init__(self) -> None:
        parts = self.name.split(" ")
        if len(parts) > 2 or not all(COMMAND_NAME.match(p) for p in parts):
            raise ValueError(f"invalid command name {self.name!r}")
        if not 1 <= len(self.summary) <= 100:
            raise ValueError(f"{self.name}: summary must be 1-100 characters")
        for i, arg in enumerate(self.args):
            if arg.kind is ArgKind.TEXT and i != len(self.args) - 1:
                raise ValueError(f"{self.name}: a TEXT argument must come last")

    @property
    def root(self) -> str:
        return self.name.split(" ")[0]

    @property
    def sub(self) -> str | None:
        parts = self.name.split(" ")
        return parts[1] if len(parts) == 2 else None

    def usage(self, where: Any = "en") -> str:
        line = " ".join(["/" + self.name, *(a.usage() for a in self.args)])
        limits = [
            T(where, "{label} up to {limit} characters", label=a.label, limit=f"{a.max_length:,}")
            for a in self.args
            if a.max_length
        ]
        return f"{line} ({T(where, LIMITS_SEPARATOR).join(limits)})" if limits else line

    @property
    def text_limit(self) -> int:
        """The most characters the whole argument line may have (the one limit stated)."""
        texts = [a.max_length for a in self.args if a.kind is ArgKind.TEXT and a.max_length]
        return min(MAX_ARGUMENT_TEXT, texts[0] + 200) if texts else MAX_ARGUMENT_TEXT


class CommandError(Exception):
    """Bad input or a refused action: its message is shown to the user as one line."""


class NeedsConfirmation(Exception):
    """Raised by a confirmable command's handler: what the command would do, to be confirmed by
    its author (a button, or the same command ending with ``confirm``) before anything happens."""

    def __init__(self, preview: Reply) -> None:
        super().__init__(preview.plain())
        self.preview = preview


class UsageError(CommandError):
    """Arguments that don't fit a command: the problem and the usage line, in the reader's language
    (:meth:`text`); ``str()`` is the English."""

    def __init__(self, spec: CommandSpec, msgid: str, *, described: Arg | None = None, **values: Any) -> None:
        self.spec, self.msgid, self.described, self.values = spec, msgid, described, values
        super().__init__(self.text("en"))

    def text(self, where: Any) -> str:
        from bot.i18n import Domain  # here: bot.i18n imports this module

        values = dict(self.values)
        if self.described is not None:  # an argument's description is its feature's message
            values["description"] = Domain(self.spec.domain)(where, self.described.description)
        problem = T(where, self.msgid, **values)
        return T(where, USAGE, problem=problem[:1].upper() + problem[1:], usage=self.spec.usage(where))


@dataclass(slots=True)
class CommandRegistry:
    _specs: dict[str, CommandSpec] = field(default_factory=dict)

    def add(self, spec: CommandSpec) -> None:
        if spec.name in self._specs:
            raise ValueError(f"command {spec.name!r} registered twice")
        self._specs[spec.name] = spec

    def extend(self, specs: Iterable[CommandSpec]) -> None:
        for spec in specs:
            self.add(spec)

    def get(self, name: str) -> CommandSpec | None:
        return self._specs.get(name)

    def all(self) -> list[CommandSpec]:
        return sorted(self._specs.values(), key=lambda s: s.name)

    def roots(self) -> list[str]:
        return sorted({s.root for s in self._specs.values()})

    def subcommands(self, root: str) -> list[CommandSpec]:
        return [s for s in self.all() if s.root == root and s.sub]

    def root_role(self, root: str) -> Role:
        """The lowest role that can use anything under ``root`` (for platform menus)."""
        return min((s.min_role for s in self._specs.values() if s.root == root), default=Role.ADMIN)

    def resolve(self, root: str, rest: str) -> tuple[CommandSpec, str] | None:
        """Find the spec for ``/root rest``: a subcommand if ``rest`` starts with one."""
        head, _, tail = rest.strip().partition(" ")
        sub = self._specs.get(f"{root} {head.lower()}") if head else None
        if sub is not None:
            return sub, tail
        spec = self._specs.get(root)
        if spec is not None:
            return spec, rest
        return None


def split_command(text: str, bot_username: str | None = None) -> tuple[str, str] | None:
    """``"/Help@fanloop_bot  x y"`` -> ``("help", "x y")``; None when not a command."""
    if not text.startswith("/") or len(text) < 2:
        return None
    head, _, rest = text[1:].partition(" ")
    head, _, target = head.partition("@")
    if target and bot_username and target.lower() != bot_username.lower():
        return None  # a command addressed to another bot in the group
    if not head:
        return None
    return head.lower(), rest.strip()


#: one argument: "double quoted", 'single quoted', or a run of non-space characters
_TOKEN = re.compile(r'"((?:[^"\\]|\\.)*)"(?=\s|$)|\'([^\']*)\'(?=\s|$)|([^\s"\']\S*)')
_DURATION = re.compile(r"(\d+)\s*(w|d|h|m|s)", re.IGNORECASE)
_UNITS = {"w": 604800, "d": 86400, "h": 3600, "m": 60, "s": 1}


def parse_duration(raw: str) -> timedelta:
    text = raw.strip().lower().replace(" ", "")
    if not text or _DURATION.sub("", text):
        raise Problem(N_("'{text}' is not a duration (e.g. 90s, 15m, 2h, 1d, 1h30m)"), text=raw)
    seconds = sum(int(n) * _UNITS[u] for n, u in _DURATION.findall(text))
    if seconds <= 0:
        raise Problem(N_("a duration must be longer than zero"))
    return timedelta(seconds=seconds)


def parse_mention(raw: str, patterns: Sequence[re.Pattern[str]] = ()) -> MemberRef:
    """``@name``, a bare user id, ``member:N``, or a platform's own mention syntax (``patterns``,
    from the adapters' plugins; group 1 is the user id)."""
    token = raw.strip()
    for pattern in patterns:
        if m := pattern.match(token):
            return MemberRef(raw=token, user_id=m.group(1))
    if m := re.fullmatch(r"member:(\d{1,10})", token, re.IGNORECASE):
        return MemberRef(raw=token, member_id=int(m.group(1)))
    if token.startswith("@") and len(token) > 1 and re.fullmatch(r"@[\w.\-]{1,64}", token):
        return MemberRef(raw=token, username=token[1:])
    if re.fullmatch(r"-?\d{1,25}", token):
        return MemberRef(raw=token, user_id=token)
    raise Problem(N_("'{text}' is not a member (use @name)"), text=token)


def parse_args(
    spec: CommandSpec, raw: str | dict[str, Any], mentions: Sequence[re.Pattern[str]] = ()
) -> dict[str, Any]:
    """Parse and validate arguments; raises :class:`UsageError` with the usage line."""
    if isinstance(raw, dict):
        values: dict[str, Any] = {k: v for k, v in raw.items() if v is not None and v != ""}
    else:
        if len(raw) > spec.text_limit:
            texts = [a for a in spec.args if a.kind is ArgKind.TEXT and a.max_length]
            limit = texts[0].max_length if texts else MAX_ARGUMENT_TEXT
            raise UsageError(
                spec,
                N_("that is too long ({length} characters, at most {limit})"),
                length=f"{len(raw):,}",
                limit=f"{limit:,}",
            )
        values = _split_positional(spec, raw)
    parsed: dict[str, Any] = {}
    for arg in spec.args:
        value = values.pop(arg.name, None)
        if value is None:
            if arg.required:
                raise UsageError(spec, N_("missing {label} — {description}"), described=arg, label=arg.label)
            parsed[arg.name] = None
            continue
        parsed[arg.name] = _convert(spec, arg, value, mentions)
    if values:
        raise UsageError(spec, N_("too many arguments"))
    return parsed


def _split_positional(spec: CommandSpec, raw: str) -> dict[str, Any]:
    text = raw.strip()
    values: dict[str, Any] = {}
    for arg in spec.args:
        if not text:
            break
        if arg.kind is ArgKind.TEXT:
            values[arg.name] = text
            text = ""
            break
        m = _TOKEN.match(text)
        if m is None:
            raise UsageError(spec, N_("unbalanced quotes"))
        values[arg.name] = next(g for g in m.groups() if g is not None)
        text = text[m.end() :].strip()
    if text:
        values["\0extra"] = text
    return values


def _convert(spec: CommandSpec, arg: Arg, value: Any, mentions: Sequence[re.Pattern[str]]) -> Any:
    try:
        if arg.kind is ArgKind.INT:
            digits = str(value).strip().lstrip("#")
            if not re.fullmatch(r"[-+]?\d+", digits):
                raise Problem(N_("{label} must be a whole number, like 12"), label=arg.label)
            low = arg.min_value if arg.min_value is not None else INT_MIN
            high = arg.max_value if arg.max_value is not None else INT_MAX
            number = int(digits) if len(digits) <= 12 else (high + 1 if not digits.startswith("-") else low - 1)
            if number < low:
                raise Problem(N_("{label} must be at least {limit}"), label=arg.label, limit=f"{low:,}")
            if number > high:
                raise Problem(N_("{label} must be at most {limit}"), label=arg.label, limit=f"{high:,}")
            return number
        text = str(value).strip()
        if arg.kind is ArgKind.MENTION:
            return parse_mention(text, mentions)
        if arg.kind is ArgKind.DURATION:
            return parse_duration(text)
        if arg.kind is ArgKind.CHOICE:
            choice = text.lower()
            if choice not in arg.choices:
                raise UsageError(
                    spec, N_("choose one of {choices} ({description})"), described=arg, choices=", ".join(arg.choices)
                )
            return choice
        if not text:
            raise Problem(N_("{label} must not be empty"), label=arg.label)
        if arg.max_length is not None and len(text) > arg.max_length:
            raise Problem(
                N_("{label} is too long ({length} characters, at most {limit})"),
                label=arg.label,
                length=f"{len(text):,}",
                limit=f"{arg.max_length:,}",
            )
        return text
    except Problem as exc:
        raise UsageError(spec, exc.msgid, described=None, **exc.values) from None
