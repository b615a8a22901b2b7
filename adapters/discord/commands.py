"""The core's command registry as Discord slash commands, synced only when they changed.

Discord allows 200 command creations per guild per day; a bot that re-syncs on every
restart in a crash loop locks itself out, so the desired set is compared first.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from typing import Any, Literal

import discord
from discord import app_commands

from bot.commands import Arg, ArgKind, CommandSpec, Role
from bot.i18n import SOURCE, Domain, negotiate

log = logging.getLogger(__name__)
Invoke = Callable[[discord.Interaction, CommandSpec, dict[str, Any]], Awaitable[None]]
ROOT_SUB = "new"  # a root command that also has subcommands becomes "/root new" on Discord


def _annotation(arg: Arg) -> Any:
    if arg.kind is ArgKind.INT:
        lo = arg.min_value if arg.min_value is not None else -(2**53)
        hi = arg.max_value if arg.max_value is not None else 2**53
        return app_commands.Range[int, lo, hi]
    if arg.kind is ArgKind.MENTION:
        return discord.Member
    if arg.kind is ArgKind.CHOICE:
        return Literal[tuple(arg.choices)]
    return app_commands.Range[str, 1, min(arg.max_length or 4000, 6000)]


def _callback(spec: CommandSpec, invoke: Invoke) -> Callable[..., Coroutine[Any, Any, None]]:
    async def callback(interaction: discord.Interaction, **values: Any) -> None:
        await invoke(interaction, spec, values)

    params = [inspect.Parameter("interaction", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=discord.Interaction)]
    for arg in spec.args:
        default = inspect.Parameter.empty if arg.required else None
        annotation = _annotation(arg) if arg.required else _annotation(arg) | None
        params.append(
            inspect.Parameter(arg.name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=annotation)
        )
    callback.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    callback.__discord_app_commands_param_description__ = {  # type: ignore[attr-defined]
        a.name: app_commands.locale_str(a.description[:100], domain=spec.domain) for a in spec.args
    }
    return callback


def _permissions(role: Role, staff_by_role: bool) -> discord.Permissions | None:
    """Who sees a command in Discord's menu (the core checks the role on every call anyway).

    Discord shows a command to members holding *all* of its default permissions, and a bot can't
    show one to a role (that takes an OAuth token of a server admin). So: manager commands need
    Manage Server (Administrators see everything) — unless managers are named by role, then they
    are shown to everyone; moderator commands are shown to everyone, since no one permission covers
    both moderators (Manage Messages) and managers (Manage Server)."""
    if role >= Role.MANAGER and not staff_by_role:
        return discord.Permissions(manage_guild=True)
    return None


def build(
    specs: Sequence[CommandSpec], invoke: Invoke, *, staff_by_role: bool = False
) -> list[app_commands.Command[Any, ..., Any] | app_commands.Group]:
    """One slash command per root; a root with subcommands becomes a group. ``staff_by_role``:
    managers/moderators are (also) named by Discord role, so permission-gated menus would hide
    commands from them."""
    roots: dict[str, list[CommandSpec]] = {}
    for spec in specs:
        if not spec.hidden:
            roots.setdefault(spec.root, []).append(spec)
    out: list[app_commands.Command[Any, ..., Any] | app_commands.Group] = []
    for root, group in sorted(roots.items()):
        lowest = min(s.min_role for s in group)
        if len(group) == 1 and group[0].sub is None:
            spec = group[0]
            cmd: app_commands.Command[Any, ..., Any] = app_commands.Command(
                name=root, description=_text(spec), callback=_callback(spec, invoke)
            )
            cmd.default_permissions = _permissions(spec.min_role, staff_by_role)
            out.append(cmd)
            continue
        top = next((s for s in group if s.sub is None), None)
        g = app_commands.Group(name=root, description=_text(top) if top else f"/{root}")
        g.default_permissions = _permissions(lowest, staff_by_role)
        for spec in sorted(group, key=lambda s: s.sub or ""):
            name = spec.sub or ROOT_SUB
            g.add_command(app_commands.Command(name=name, description=_text(spec), callback=_callback(spec, invoke)))
        out.append(g)
    return out


def _text(spec: CommandSpec) -> app_commands.locale_str:
    """A summary Discord shows in each member's client language (through :class:`CatalogTranslator`)."""
    return app_commands.locale_str(spec.summary[:100], domain=spec.domain)


class CatalogTranslator(app_commands.Translator):
    """Command descriptions from fanloop's catalogs, for the Discord locales fanloop speaks exactly
    (zh-CN); names stay ASCII and the same everywhere."""

    async def translate(
        self, string: app_commands.locale_str, locale: discord.Locale, context: app_commands.TranslationContext
    ) -> str | None:
        lang = negotiate(locale.value)
        domain = string.extras.get("domain")
        if lang is None or lang == SOURCE or lang.replace("_", "-").lower() != locale.value.lower() or not domain:
            return None
        if context.location is app_commands.TranslationContextLocation.command_name:
            return None
        text = Domain(domain)(lang, string.message)
        return text[:100] if text != string.message else None


def _norm_option(o: dict[str, Any]) -> dict[str, Any]:
    keep = {k: o.get(k) for k in ("type", "name", "description", "min_value", "max_value", "min_length", "max_length")}
    keep["required"] = bool(o.get("required", False))
    keep["choices"] = sorted((c["name"], str(c["value"])) for c in o.get("choices") or [])
    keep["options"] = [_norm_option(x) for x in o.get("options") or []]
    return {k: v for k, v in keep.items() if v not in (None, [], "")}


def normalise(payload: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """A comparable form of a command list (Discord's answer adds ids and defaults)."""
    out = []
    for c in payload:
        perms = c.get("default_member_permissions")
        out.append(
            {
                "name": c["name"],
                "description": c.get("description", ""),
                "type": c.get("type", 1),
                "default_member_permissions": str(perms) if perms not in (None, "") else None,
                "description_localizations": c.get("description_localizations") or None,
                "options": [_norm_option(o) for o in c.get("options") or []],
            }
        )
    return sorted(out, key=lambda c: c["name"])


async def sync_if_changed(
    client: discord.Client, tree: app_commands.CommandTree[Any], guild_ids: Sequence[int]
) -> tuple[list[str], dict[str, str]]:
    """Sync per configured guild (instant) or globally, only where the commands changed.

    Returns the scopes synced and the configured guilds the bot cannot reach (kicked, never
    invited, or the app lacks the applications.commands scope there): those are skipped with one
    warning each, so one bad guild id never stops the bot."""
    app_id = client.application_id
    assert app_id is not None
    synced: list[str] = []
    unreachable: dict[str, str] = {}
    scopes: list[discord.Object | None] = [discord.Object(g) for g in guild_ids] or [None]
    for guild in scopes:
        try:
            if guild is not None:
                tree.copy_global_to(guild=guild)
            translator = tree.translator
            desired = [
                await c.get_translated_payload(tree, translator) if translator else c.to_dict(tree)
                for c in tree.get_commands(guild=guild)
            ]
            current = (
                await client.http.get_guild_commands(app_id, guild.id)
                if guild is not None
                else await client.http.get_global_commands(app_id)
            )
            if normalise(desired) == normalise(current):  # type: ignore[arg-type]
                continue
            await tree.sync(guild=guild)
        except (discord.Forbidden, discord.NotFound) as exc:
            if guild is None:
                raise
            why = f"{exc.status} {exc.text or 'Missing Access'}: invite the bot with the applications.commands scope"
            unreachable[str(guild.id)] = why
            log.warning("Discord guild %s skipped: %s", guild.id, why)
            continue
        synced.append(str(guild.id) if guild else "global")
        log.info("slash commands synced", extra={"scope": synced[-1], "count": len(desired)})
    return synced, unreachable
