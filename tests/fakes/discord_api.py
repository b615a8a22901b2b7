"""A local fake of Discord's REST API (v10) and gateway websocket that discord.py talks to.

discord.py is pointed at it through fanloop's two endpoint settings (``FANLOOP_DISCORD_API_BASE``
and ``FANLOOP_DISCORD_GATEWAY_URL``); the real library runs, only the endpoint is ours. It
records every call, rejects content over 2,000 characters like Discord (400, code 50035), and
can inject 429/403/404 on the next call to a route.

Run it on its own to watch the bot::

    python -m tests.fakes.discord_repl --port 8082
    # FANLOOP_DISCORD_TOKEN=test FANLOOP_DISCORD_API_BASE=http://127.0.0.1:8082/api/v10 \\
    #   FANLOOP_DISCORD_GATEWAY_URL=ws://127.0.0.1:8082/gateway fanloop run
    # then type "alice: hello" or "mia@manager: /chat fan" into the fake's terminal
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from tests.fakes import discord_payloads as payloads
from tests.fakes.discord_guild import GuildInvites, GuildRoles
from tests.fakes.discord_payloads import APP_ID, BOT, CHANNEL_ID, EVERYONE_PERMS, GUILD_ID, user

OWNER_ID = "3000"
DISCORD_EPOCH_MS = 1420070400000
ADMINISTRATOR = 0x8


@dataclass
class Call:
    method: str
    path: str
    body: Any
    at: float = field(default_factory=time.monotonic)


@dataclass
class Fault:
    status: int
    body: dict[str, Any]


def _json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    # discord.py compares the whole Content-Type header: no charset
    return web.Response(body=json.dumps(data).encode(), status=status, content_type="application/json", headers=headers)


class FakeDiscordAPI:
    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.messages: list[dict[str, Any]] = []  # channel messages and DMs the bot created
        self.interaction_responses: list[dict[str, Any]] = []  # callbacks and follow-ups
        self.commands: dict[str, list[dict[str, Any]]] = {}  # "global" or guild id -> commands
        self.faults: dict[str, list[Fault]] = {}
        self.members: dict[str, dict[str, Any]] = {}
        self.manager_ids: set[str] = set()
        self.forbidden_channels: set[str] = set()
        self.closed_dms: set[str] = set()
        self.identified = asyncio.Event()
        self.identify_payload: dict[str, Any] | None = None
        #: guild id -> (name, its one text channel's id); events go to the shard owning the guild
        self.guilds: dict[str, tuple[str, str]] = {GUILD_ID: ("Acme fans", CHANNEL_ID)}
        #: the open gateway sessions with their shard [id, count] (a sharded bot opens several)
        self.sessions: list[tuple[web.WebSocketResponse, int, int]] = []
        #: ids are snowflakes of now, like Discord's: they grow with time (the catch-up relies on it)
        self._ids = itertools.count((int(time.time() * 1000) - DISCORD_EPOCH_MS) << 22)
        #: every message of each channel, the fans' and the bot's, oldest first (GET .../messages)
        self.history: dict[str, list[dict[str, Any]]] = {}
        #: the servers' roles and who holds them (``discord_guild``)
        self.guild_roles = GuildRoles(self.dispatch, self.members)
        #: the servers' invites and their use counts (``discord_guild``)
        self.guild_invites = GuildInvites(self.dispatch, self.members, self._guild_of, BOT)
        self._seq = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self.port = 0
        self.add_member("4001", "Alice")
        self.add_member("4002", "Bob")
        self.add_member("4003", "Mia", manager=True)

    # -- lifecycle ---------------------------------------------------------------------
    async def start(self, port: int = 0) -> None:
        app = web.Application()
        app.router.add_get("/gateway", self._gateway)
        app.router.add_route("*", "/api/v10/{path:.*}", self._rest)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        for ws, _, _ in list(self.sessions):
            await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    # -- test controls -------------------------------------------------------------------
    def add_member(self, uid: str, name: str, manager: bool = False) -> dict[str, Any]:
        self.members[uid] = user(uid, name)
        if manager:
            self.manager_ids.add(uid)
        return self.members[uid]

    def fail_next(self, route: str, status: int = 429, retry_after: float = 0.2) -> None:
        """``route`` like ``"POST /channels/*/messages"``; 429s carry ``Via`` + ``retry_after``."""
        body: dict[str, Any] = {
            "message": {403: "Missing Permissions", 404: "Unknown Channel"}.get(status, "x"),
            "code": {403: 50013, 404: 10003}.get(status, 0),
        }
        if status == 429:
            body = {"message": "You are being rate limited.", "retry_after": retry_after, "global": False}
        self.faults.setdefault(route, []).append(Fault(status, body))

    def member_payload(self, uid: str) -> dict[str, Any]:
        found = payloads.member(self.members[uid], manager=uid in self.manager_ids)
        return {**found, "roles": self.guild_roles.of(GUILD_ID, uid)}

    def _bot_member(self, guild_id: str) -> dict[str, Any]:
        """The bot's own member, as every GUILD_CREATE carries it (``guild.me``)."""
        roles = [self.guild_roles.bot_role(guild_id)]
        return {"user": BOT, "roles": roles, "joined_at": "2024-01-01T00:00:00+00:00", "deaf": False, "mute": False,
                "flags": 0, "nick": None}  # fmt: skip

    def _guild_member(self, uid: str) -> dict[str, Any]:
        return {k: v for k, v in self.member_payload(uid).items() if k != "permissions"}

    def add_guild(self, guild_id: str, channel_id: str, name: str) -> None:
        self.guilds[guild_id] = (name, channel_id)

    def _guild_of(self, channel_id: str) -> str | None:
        return next((gid for gid, (_, cid) in self.guilds.items() if cid == channel_id), None)

    def _session_for(self, guild_id: str | None) -> web.WebSocketResponse | None:
        for ws, shard, count in self.sessions:
            if ws.closed:
                continue
            if guild_id is None or (int(guild_id) >> 22) % count == shard:
                return ws
        return None

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        """Send an event down the gateway session of the shard that owns its guild (Discord's rule:
        ``(guild_id >> 22) % shard_count``), as soon as that shard is connected."""
        await self.identified.wait()
        ws = self._session_for(data.get("guild_id"))
        assert ws is not None, f"no shard connected for guild {data.get('guild_id')}"
        await ws.send_str(json.dumps({"op": 0, "t": event, "s": next(self._seq), "d": data}))

    async def user_says(
        self, uid: str, content: str, *, reply_to: dict[str, Any] | None = None, guild_id: str = GUILD_ID
    ) -> dict[str, Any]:
        member = {k: v for k, v in self.member_payload(uid).items() if k not in ("user", "permissions")}
        channel_id = self.guilds[guild_id][1]
        msg = payloads.user_message(
            str(next(self._ids)), self.members[uid], member, content, reply_to, channel_id=channel_id, guild_id=guild_id
        )
        self.history.setdefault(channel_id, []).append(msg)
        await self.dispatch("MESSAGE_CREATE", msg)
        return msg

    def posted_while_offline(self, uid: str, content: str, *, guild_id: str = GUILD_ID) -> dict[str, Any]:
        """A message the bot's gateway never delivers (it was down): only history has it."""
        member = {k: v for k, v in self.member_payload(uid).items() if k not in ("user", "permissions")}
        channel_id = self.guilds[guild_id][1]
        msg = payloads.user_message(
            str(next(self._ids)), self.members[uid], member, content, None, channel_id=channel_id, guild_id=guild_id
        )
        self.history.setdefault(channel_id, []).append(msg)
        return msg

    def _interaction(self, uid: str, itype: int, data: dict[str, Any], locale: str = "en-US") -> dict[str, Any]:
        interaction_id, token = str(next(self._ids)), f"tok{next(self._ids)}"
        payload = payloads.interaction(interaction_id, token, self.member_payload(uid), itype, data)
        return {**payload, "locale": locale}  # the member's Discord client language

    async def slash(
        self,
        uid: str,
        name: str,
        options: list[dict[str, Any]] | None = None,
        *,
        bypass_client: bool = False,
        locale: str = "en-US",
    ) -> dict[str, Any]:
        """Invoke a synced command as Discord's client would (it hides what the member may not use).

        ``bypass_client`` skips that client-side check, as a server admin's permission override can."""
        synced = {c["name"]: c for c in self.commands.get(GUILD_ID, []) + self.commands.get("global", [])}
        cmd = synced[name]
        needed = cmd.get("default_member_permissions")
        perms = int(self.member_payload(uid)["permissions"])
        if not bypass_client and needed not in (None, "") and int(needed) & ~perms and not perms & ADMINISTRATOR:
            raise PermissionError(f"{name} is hidden from this member")
        data = {"id": cmd["id"], "name": name, "type": 1, "options": options or []}
        interaction = self._interaction(uid, 2, data, locale)
        await self.dispatch("INTERACTION_CREATE", interaction)
        return interaction

    async def press(self, uid: str, custom_id: str, message: dict[str, Any]) -> dict[str, Any]:
        interaction = self._interaction(uid, 3, {"custom_id": custom_id, "component_type": 2})
        interaction["message"] = message
        await self.dispatch("INTERACTION_CREATE", interaction)
        return interaction

    def bot_message(self) -> dict[str, Any]:
        """A message of the bot's, as the payload of a component interaction carries it."""
        return self._message(CHANNEL_ID, {})

    def contents(self) -> list[str]:
        return [m.get("content", "") for m in self.messages]

    def responses(self) -> list[dict[str, Any]]:
        return self.interaction_responses

    # -- gateway -----------------------------------------------------------------------------
    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        await ws.send_str(json.dumps({"op": 10, "d": {"heartbeat_interval": 45000}}))
        async for frame in ws:
            if frame.type != WSMsgType.TEXT:
                continue
            msg = json.loads(frame.data)
            if msg["op"] == 1:
                await ws.send_str(json.dumps({"op": 11}))
            elif msg["op"] == 2:
                self.identify_payload = msg["d"]
                shard, count = msg["d"].get("shard") or [0, 1]
                self.sessions.append((ws, shard, count))
                await self._ready(ws, shard, count)
            elif msg["op"] == 8:  # Request Guild Members (the Server Members intent's chunking)
                await self._chunk(ws, msg["d"])
            elif msg["op"] == 6:
                await ws.send_str(json.dumps({"op": 0, "t": "RESUMED", "s": next(self._seq), "d": {}}))
        self.sessions = [entry for entry in self.sessions if entry[0] is not ws]
        return ws

    async def _chunk(self, ws: web.WebSocketResponse, request: dict[str, Any]) -> None:
        guilds = request["guild_id"] if isinstance(request["guild_id"], list) else [request["guild_id"]]
        for gid in map(str, guilds):
            members = [{**self._guild_member(uid), "roles": self.guild_roles.of(gid, uid)} for uid in self.members]
            chunk = {"guild_id": gid, "members": members, "chunk_index": 0, "chunk_count": 1}
            if request.get("nonce"):
                chunk["nonce"] = request["nonce"]
            await ws.send_str(json.dumps({"op": 0, "t": "GUILD_MEMBERS_CHUNK", "s": next(self._seq), "d": chunk}))

    async def _ready(self, ws: web.WebSocketResponse, shard: int, count: int) -> None:
        mine = [gid for gid in self.guilds if (int(gid) >> 22) % count == shard]
        ready = {
            "v": 10,
            "user": BOT,
            "guilds": [{"id": gid, "unavailable": True} for gid in mine],
            "session_id": f"sess-{shard}-{next(self._ids)}",
            "resume_gateway_url": self.gateway_url,
            "shard": [shard, count],
            "application": {"id": APP_ID, "flags": 0},
        }
        await ws.send_str(json.dumps({"op": 0, "t": "READY", "s": next(self._seq), "d": ready}))
        for gid in mine:
            await ws.send_str(json.dumps({"op": 0, "t": "GUILD_CREATE", "s": next(self._seq), "d": self._guild(gid)}))
        self.identified.set()

    @staticmethod
    def _channel(guild_id: str, channel_id: str) -> dict[str, Any]:
        return {
            "id": channel_id,
            "type": 0,
            "name": "general",
            "position": 0,
            "guild_id": guild_id,
            "permission_overwrites": [],
        }

    def _guild(self, guild_id: str) -> dict[str, Any]:
        name, channel_id = self.guilds[guild_id]
        return {
            "id": guild_id,
            "name": name,
            "owner_id": OWNER_ID,
            "unavailable": False,
            "member_count": 4,
            "roles": [
                {
                    "id": guild_id,
                    "name": "@everyone",
                    "permissions": EVERYONE_PERMS,
                    "position": 0,
                    "color": 0,
                    "hoist": False,
                    "managed": False,
                    "mentionable": False,
                    "flags": 0,
                },
                *self.guild_roles.payloads(guild_id),
            ],
            "channels": [self._channel(guild_id, channel_id)],
            "members": [
                {**self._guild_member(uid), "roles": self.guild_roles.of(guild_id, uid)} for uid in self.members
            ]
            + [self._bot_member(guild_id)],
            "threads": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
            "emojis": [],
            "stickers": [],
            "features": [],
            "large": False,
        }

    # -- REST --------------------------------------------------------------------------------
    def _fault(self, method: str, path: str) -> web.Response | None:
        for route, faults in self.faults.items():
            r_method, _, r_path = route.partition(" ")
            pattern = "^" + re.escape(r_path).replace(r"\*", "[^/]+") + "$"
            if r_method == method and re.match(pattern, "/" + path) and faults:
                f = faults.pop(0)
                headers = {"Via": "1.1 google", "X-RateLimit-Scope": "user"} if f.status == 429 else None
                return _json(f.body, f.status, headers)
        return None

    async def _rest(self, request: web.Request) -> web.Response:
        path = request.match_info["path"]
        body: Any = None
        if request.can_read_body:
            raw = await request.read()
            body = (
                json.loads(raw) if raw and request.content_type == "application/json" else raw.decode(errors="replace")
            )
        self.calls.append(Call(request.method, "/" + path, body))
        if (faulty := self._fault(request.method, path)) is not None:
            return faulty
        m = request.method
        if m == "GET" and path == "users/@me":
            return _json(BOT)
        if m == "GET" and path == "oauth2/applications/@me":
            return _json(
                {
                    "id": APP_ID,
                    "name": "Fanloop",
                    "icon": None,
                    "description": "",
                    "bot_public": True,
                    "bot_require_code_grant": False,
                    "owner": user(OWNER_ID, "Owner"),
                    "verify_key": "x",
                    "flags": 0,
                }
            )
        if m == "GET" and path == "gateway/bot":
            return _json(
                {
                    "url": self.gateway_url,
                    "shards": 1,
                    "session_start_limit": {"total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1},
                }
            )
        if m == "GET" and path == "gateway":
            return _json({"url": self.gateway_url})
        if (cm := re.fullmatch(r"applications/\d+(?:/guilds/(\d+))?/commands", path)) is not None:
            scope = cm.group(1) or "global"
            if m == "PUT":
                for c in body:  # Discord answers permissions as a string, whatever was sent
                    if c.get("default_member_permissions") is not None:
                        c["default_member_permissions"] = str(c["default_member_permissions"])
                self.commands[scope] = [
                    {**c, "id": str(next(self._ids)), "application_id": APP_ID, "version": "1", "guild_id": cm.group(1)}
                    if cm.group(1)
                    else {**c, "id": str(next(self._ids)), "application_id": APP_ID, "version": "1"}
                    for c in body
                ]
            return _json(self.commands.get(scope, []))
        if (cm := re.fullmatch(r"channels/(\d+)", path)) is not None and m == "GET":
            for gid, (_, channel_id) in self.guilds.items():  # a channel of a guild on another shard
                if channel_id == cm.group(1):
                    return _json(self._channel(gid, channel_id))
            return _json({"message": "Unknown Channel", "code": 10003}, 404)
        if (cm := re.fullmatch(r"channels/(\d+)/messages", path)) is not None and m == "GET":
            return self._history(cm.group(1), request.query)
        if (cm := re.fullmatch(r"channels/(\d+)/messages", path)) is not None and m == "POST":
            return self._create_message(cm.group(1), body)
        if (cm := re.fullmatch(r"channels/(\d+)/messages/(\d+)", path)) is not None and m == "PATCH":
            self.messages.append({**body, "edited": True, "channel_id": cm.group(1), "id": cm.group(2)})
            return _json(self._message(cm.group(1), body, cm.group(2)))
        if m == "POST" and path == "users/@me/channels":
            recipient = str(body["recipient_id"])
            return _json(
                {"id": f"9{recipient}", "type": 1, "recipients": [self.members.get(recipient, user(recipient, "x"))]}
            )
        answer = await self.guild_roles.handle(m, path, body) or await self.guild_invites.handle(m, path, body)
        if answer is not None:
            status, data = answer
            return web.Response(status=204) if status == 204 else _json(data, status)
        if (cm := re.fullmatch(r"interactions/(\d+)/([^/]+)/callback", path)) is not None:
            return self._interaction_callback(cm.group(1), body)
        if (cm := re.fullmatch(r"webhooks/\d+/([^/]+)(?:/messages/(@original|\d+))?", path)) is not None:
            if len(str(body.get("content") or "")) > 2000:
                return _json({"message": "Invalid Form Body", "code": 50035}, 400)
            self.interaction_responses.append({"kind": "followup" if m == "POST" else "edit", **body})
            return _json(self._message(CHANNEL_ID, body))
        return _json({"message": f"fake: no route {m} /{path}", "code": 0}, 404)

    def _history(self, channel_id: str, query: Any) -> web.Response:
        """Like Discord: the ``limit`` messages right after ``after`` (or the newest), newest first."""
        limit = min(int(query.get("limit", 50)), 100)
        messages = self.history.get(channel_id, [])
        if "after" in query:
            later = [m for m in messages if int(m["id"]) > int(query["after"])]
            return _json(list(reversed(later[:limit])))
        return _json(list(reversed(messages[-limit:])))

    def _message(self, channel_id: str, body: dict[str, Any], mid: str | None = None) -> dict[str, Any]:
        return payloads.bot_message(mid or str(next(self._ids)), channel_id, body)

    def _create_message(self, channel_id: str, body: dict[str, Any]) -> web.Response:
        if channel_id in self.forbidden_channels:
            return _json({"message": "Missing Permissions", "code": 50013}, 403)
        if channel_id.startswith("9") and channel_id[1:] in self.closed_dms:
            return _json({"message": "Cannot send messages to this user", "code": 50007}, 403)
        if len(body.get("content") or "") > 2000:
            return _json(
                {
                    "message": "Invalid Form Body",
                    "code": 50035,
                    "errors": {"content": {"_errors": [{"code": "BASE_TYPE_MAX_LENGTH"}]}},
                },
                400,
            )
        msg = self._message(channel_id, body)
        self.messages.append({**body, "channel_id": channel_id, "id": msg["id"]})
        self.history.setdefault(channel_id, []).append(msg)
        return _json(msg)

    def _interaction_callback(self, interaction_id: str, body: dict[str, Any]) -> web.Response:
        data = body.get("data") or {}
        if len(str(data.get("content") or "")) > 2000:
            return _json({"message": "Invalid Form Body", "code": 50035}, 400)
        self.interaction_responses.append({"kind": "callback", "type": body["type"], **data})
        message = self._message(CHANNEL_ID, data)
        return _json(
            {
                "interaction": {
                    "id": interaction_id,
                    "type": 2,
                    "response_message_id": message["id"],
                    "response_message_loading": body["type"] == 5,
                    "response_message_ephemeral": bool(data.get("flags", 0) & 64),
                },
                "resource": {"type": body["type"], "message": message},
            }
        )
