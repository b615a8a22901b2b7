"""The platforms this bot can run on, as their adapters describe themselves.

An adapter package publishes one :class:`PlatformPlugin` under the ``fanloop.adapters`` entry-point
group (``pyproject.toml``: ``[project.entry-points."fanloop.adapters"]``). The core has no list of
platforms: names, the settings section, how a member is written in a command and how a chat is
named as an announcement target all come from the plugin. A third-party adapter (Matrix, Slack)
is a package with its own entry point; nothing in ``bot/`` changes.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, SecretStr, ValidationError

from bot.settings import ConfigError, Settings, describe

if TYPE_CHECKING:
    from bot.adapter import Adapter
    from bot.clock import Clock

log = logging.getLogger(__name__)
GROUP = "fanloop.adapters"
PLATFORM_NAME = re.compile(r"^[a-z][a-z0-9_]{0,15}$")


@dataclass(frozen=True, slots=True)
class PlatformPlugin:
    """One platform's adapter, described to the core.

    ``settings`` is the model of the ``[name]`` config section (a pydantic-settings class reading
    ``FANLOOP_NAME_*`` from the environment); ``create`` builds the adapter from it."""

    name: str
    settings: type[BaseModel]
    create: Callable[[Any, Clock, Mapping[str, Any]], Adapter]
    #: whether the section has what the adapter needs to start (e.g. a token)
    configured: Callable[[Any], bool] = lambda _section: True
    #: how a member is written in a command's text; group 1 is the user id (``<@123>``)
    mention: re.Pattern[str] | None = None
    #: a chat id as managers type it in a target (``telegram:-100123/55``)
    chat_id: re.Pattern[str] = re.compile(r"-?[\w.]{1,64}")
    #: run when no other platform is configured (the console)
    fallback: bool = False
    #: chats set up as fan channels from the start (the console's simulated channel)
    fan_channels: tuple[str, ...] = ()
    #: user ids on this platform are names that ignore case (the console's ``Mia`` is ``mia``)
    fold_case: bool = False
    #: the secrets in a section, so logs can redact them
    secrets: Callable[[Any], Iterable[SecretStr | None]] = lambda _section: ()

    def __post_init__(self) -> None:
        if not PLATFORM_NAME.match(self.name):
            raise ValueError(f"invalid platform name {self.name!r} (lowercase letters, digits, _; at most 16)")


@dataclass(frozen=True, slots=True)
class Target:
    """A chat named explicitly: ``platform:chat_id`` or ``platform:chat_id/topic``."""

    platform: str
    chat_id: str
    thread_id: str | None = None


_TARGET = re.compile(r"^([a-z][a-z0-9_]{0,15}):(\S+?)(?:/(\d{1,20}))?$")


@dataclass(slots=True)
class PlatformRegistry:
    _plugins: dict[str, PlatformPlugin] = field(default_factory=dict)

    @classmethod
    def discover(cls) -> PlatformRegistry:
        """Every platform installed as a ``fanloop.adapters`` entry point."""
        registry = cls()
        for ep in sorted(entry_points(group=GROUP), key=lambda e: e.name):
            try:
                plugin = ep.load()
            except Exception as exc:  # a broken third-party adapter must not stop the others
                log.warning("platform %r cannot be loaded: %s", ep.name, exc)
                continue
            if not isinstance(plugin, PlatformPlugin):
                log.warning("entry point %r is not a PlatformPlugin; skipped", ep.name)
                continue
            registry.add(plugin)
        return registry

    def add(self, plugin: PlatformPlugin) -> None:
        if plugin.name in self._plugins:
            raise ValueError(f"platform {plugin.name!r} registered twice")
        self._plugins[plugin.name] = plugin

    def names(self) -> list[str]:
        return sorted(self._plugins)

    def get(self, name: str) -> PlatformPlugin | None:
        return self._plugins.get(name)

    def __contains__(self, name: object) -> bool:
        return name in self._plugins

    def folds_case(self, name: str) -> bool:
        plugin = self._plugins.get(name)
        return plugin is not None and plugin.fold_case

    # -- syntax every command shares ------------------------------------------------------
    def mention_patterns(self) -> tuple[re.Pattern[str], ...]:
        return tuple(p.mention for p in self._plugins.values() if p.mention is not None)

    def parse_target(self, text: str) -> Target | None:
        """``telegram:-100123/55`` → Target; None when it is not a known platform's chat."""
        m = _TARGET.match(text.strip())
        if m is None:
            return None
        plugin = self._plugins.get(m.group(1))
        if plugin is None or not plugin.chat_id.fullmatch(m.group(2)):
            return None
        return Target(plugin.name, m.group(2), m.group(3))

    # -- settings -------------------------------------------------------------------------
    def section(self, name: str, raw: Mapping[str, Any]) -> Any:
        """The validated ``[name]`` section (environment overrides the file)."""
        plugin = self._plugins[name]
        try:
            return plugin.settings(**raw)
        except ValidationError as exc:
            lines = describe(exc).splitlines()  # "key: why", or "config: why" for the whole section
            raise ConfigError("\n".join(_in_section(name, line) for line in lines)) from None

    def sections(self, settings: Settings) -> dict[str, Any]:
        """Every installed platform's validated section (raises ConfigError naming the key)."""
        return {name: self.section(name, settings.platforms.get(name, {})) for name in self.names()}

    def configured(self, sections: Mapping[str, Any]) -> list[str]:
        """The platforms (not the fallback) whose validated section has what their adapter needs."""
        return [n for n, p in sorted(self._plugins.items()) if not p.fallback and p.configured(sections[n])]

    def fallback(self) -> str | None:
        """The platform that runs when none is configured (the console), if one is installed."""
        return next((n for n in self.names() if self._plugins[n].fallback), None)

    def check_identities(self, keys: Iterable[str]) -> list[str]:
        """Problems with ``platform:user_id`` names in the config (unknown platforms)."""
        problems = []
        for key in keys:
            platform, _, uid = key.partition(":")
            if platform not in self._plugins or not uid:
                known = ", ".join(f"{n}:ID" for n in self.names())
                problems.append(f"{key!r} must name an installed platform ({known})")
        return problems


def _in_section(name: str, line: str) -> str:
    return f"{name}:{line.removeprefix('config:')}" if line.startswith("config:") else f"{name}.{line}"
