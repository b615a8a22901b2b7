"""A local fake of the Telegram Bot API that python-telegram-bot talks to via ``base_url``.

It speaks the wire format PTB uses (form-encoded, JSON-encoded values), keeps updates with
Telegram's offset semantics and long polling, validates messages the way Telegram does
(4,096 visible characters, HTML that must parse), records every call, and can inject
errors (429 with retry_after, 403, 400) on the next call to a method.

Run it on its own to watch the real bot talk to it::

    python -m tests.fakes.telegram_repl --port 8081
    # then: FANLOOP_TELEGRAM_TOKEN=123:TEST FANLOOP_TELEGRAM_BASE_URL=http://127.0.0.1:8081/bot fanloop run
    # and type lines like "alice: it would be great if ..." into the fake's terminal
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.fakes.telegram_community import ApiError as _ApiError
from tests.fakes.telegram_community import CommunityApi, user
from tests.fakes.telegram_html import ParseError, utf16_len, visible_text

BOT_USER = {
    "id": 7000001,
    "is_bot": True,
    "first_name": "Fanloop",
    "username": "fanloop_test_bot",
    "can_join_groups": True,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}
#: for :meth:`FakeTelegramAPI.answer_slowly`: the call takes effect and the connection drops unanswered
HANG_UP = -1.0
GROUP = {"id": -1001234567890, "type": "supergroup", "title": "Acme fans"}


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    at: float = field(default_factory=time.monotonic)


@dataclass
class Fault:
    status: int
    description: str
    parameters: dict[str, Any] | None = None


class FakeTelegramAPI(CommunityApi):
    def __init__(self, token: str = "123456:TEST-TOKEN") -> None:
        self.token = token
        self.me = dict(BOT_USER)
        self.calls: list[Call] = []
        self.sent: list[dict[str, Any]] = []  # every accepted sendMessage/editMessageText
        self.updates: list[dict[str, Any]] = []
        self.confirmed = 0  # highest offset a getUpdates has confirmed
        self.webhook: dict[str, Any] | None = None
        self.blocked_chats: set[int] = set()
        self.commands: dict[str, list[dict[str, Any]]] = {}  # scope type -> commands
        self.community_state()
        self.faults: dict[str, list[Fault]] = {}
        self.slow_answers: dict[str, list[float]] = {}
        #: a per-second limit on sendMessage across all chats (None: unlimited)
        self.rate_limit: int | None = None
        self.rate_limited = 0  # how many 429s the rate limit answered
        #: Telegram's limit on messages a minute in one group (None: unlimited); 429 past it
        self.group_rate_limit: int | None = None
        self._window: list[float] = []
        self._group_windows: dict[int, list[float]] = {}
        self._ids = itertools.count(1)
        self._msg_ids = itertools.count(1000)
        self._new = asyncio.Event()
        self._poller: asyncio.Future[None] | None = None
        self._runner: web.AppRunner | None = None
        self.port = 0

    # -- lifecycle ---------------------------------------------------------------------
    async def start(self, port: int = 0) -> None:
        app = web.Application(client_max_size=2**22)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    # -- test controls -------------------------------------------------------------------
    def fail_next(
        self, method: str, status: int = 429, *, retry_after: int | None = None, description: str = ""
    ) -> None:
        params = {"retry_after": retry_after} if retry_after is not None else None
        if not description:
            description = {
                429: f"Too Many Requests: retry after {retry_after}",
                403: "Forbidden: bot was kicked from the supergroup chat",
                400: "Bad Request: chat not found",
            }.get(status, "Internal Server Error")
        self.faults.setdefault(method, []).append(Fault(status, description, params))

    def answer_slowly(self, method: str, seconds: float) -> None:
        """The next call of ``method`` takes effect at once but is answered after ``seconds``
        (``HANG_UP``: never; the connection is dropped instead)."""
        self.slow_answers.setdefault(method, []).append(seconds)

    def push(self, update: dict[str, Any]) -> dict[str, Any]:
        update = {"update_id": next(self._ids), **update}
        self.updates.append(update)
        self._new.set()
        return update

    def message(
        self,
        text: str,
        *,
        sender: dict[str, Any] | None = None,
        chat: dict[str, Any] | None = None,
        thread_id: int | None = None,
        reply_to: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        sender = sender or user(42, "Alice")
        chat = chat or GROUP
        msg: dict[str, Any] = {
            "message_id": next(self._msg_ids),
            "date": int(time.time()),
            "chat": chat,
            "from": sender,
            "text": text,
        }
        if text.startswith("/"):
            length = len(text.split(" ", 1)[0])
            msg["entities"] = [{"type": "bot_command", "offset": 0, "length": utf16_len(text[:length])}]
        if thread_id is not None:
            msg["message_thread_id"] = thread_id
            msg["is_topic_message"] = True
        if reply_to is not None:
            msg["reply_to_message"] = reply_to
        return msg

    def push_message(self, text: str, **kwargs: Any) -> dict[str, Any]:
        return self.push({"message": self.message(text, **kwargs)})

    def push_callback(self, data: str, message: dict[str, Any], sender: dict[str, Any] | None = None) -> dict[str, Any]:
        return self.push(
            {
                "callback_query": {
                    "id": str(next(self._ids) + 90000),
                    "from": sender or user(42, "Alice"),
                    "chat_instance": "1",
                    "data": data,
                    "message": message,
                }
            }
        )

    def redeliver(self, update: dict[str, Any]) -> None:
        """Deliver an update again (what Telegram does for an unconfirmed one)."""
        self.updates.append(dict(update))
        self._new.set()

    def _chat_of(self, chat_id: int) -> dict[str, Any]:
        """A chat as the Bot API describes it in a message the bot sent there."""
        return GROUP if chat_id == GROUP["id"] else {"id": chat_id, "type": "private" if chat_id > 0 else "group"}

    def calls_to(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    def texts(self) -> list[str]:
        return [m["text"] for m in self.sent]

    # -- the API ---------------------------------------------------------------------------
    async def _params(self, request: web.Request) -> dict[str, Any]:
        data: dict[str, Any] = {}
        if request.content_type == "application/json":
            data = await request.json()
        elif request.can_read_body:
            form = await request.post()
            for key, value in form.items():
                text = str(value)
                try:
                    data[key] = json.loads(text) if text[:1] in "[{" or text in ("true", "false") else text
                except json.JSONDecodeError:
                    data[key] = text
        data.update({k: v for k, v in request.query.items() if k not in data})
        return data

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return self._error(404, "Not Found")
        method = request.match_info["method"]
        params = await self._params(request)
        self.calls.append(Call(method, params))
        faults = self.faults.get(method)
        if faults:
            f = faults.pop(0)
            return self._error(f.status, f.description, f.parameters)
        handler = getattr(self, f"api_{method}", None)
        if handler is None:
            return self._error(404, f"Not Found: method {method} not implemented by the fake")
        try:
            result = await handler(params)
        except _ApiError as exc:
            return self._error(exc.status, exc.description, exc.parameters)
        slow = self.slow_answers.get(method)
        if slow:  # the call took effect, the answer comes late (the client may have given up)
            delay = slow.pop(0)
            if delay == HANG_UP and request.transport is not None:
                request.transport.abort()  # or never: the connection drops
            await asyncio.sleep(max(delay, 0.0))
        return web.json_response({"ok": True, "result": result})

    @staticmethod
    def _error(status: int, description: str, parameters: dict[str, Any] | None = None) -> web.Response:
        body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
        if parameters:
            body["parameters"] = parameters
        return web.json_response(body, status=status)

    async def api_getMe(self, p: dict[str, Any]) -> Any:
        return self.me

    async def api_deleteWebhook(self, p: dict[str, Any]) -> Any:
        self.webhook = None
        if str(p.get("drop_pending_updates")).lower() == "true":
            self.updates.clear()
        return True

    async def api_setWebhook(self, p: dict[str, Any]) -> Any:
        self.webhook = p
        return True

    async def api_getWebhookInfo(self, p: dict[str, Any]) -> Any:
        return {
            "url": (self.webhook or {}).get("url", ""),
            "has_custom_certificate": False,
            "pending_update_count": len(self.updates),
        }

    async def api_getUpdates(self, p: dict[str, Any]) -> Any:
        if self.webhook is not None:
            raise _ApiError(409, "Conflict: can't use getUpdates method while webhook is active")
        if self._poller is not None and not self._poller.done():
            self._poller.set_exception(
                _ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running",
                )
            )
        offset = int(p.get("offset") or 0)
        timeout = float(p.get("timeout") or 0)
        if offset:
            self.confirmed = max(self.confirmed, offset)
            self.updates = [u for u in self.updates if u["update_id"] >= offset]
        deadline = time.monotonic() + timeout
        me: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._poller = me
        while not self.updates and time.monotonic() < deadline:
            self._new.clear()
            waiter = asyncio.ensure_future(self._new.wait())
            done, _ = await asyncio.wait(
                [waiter, me], timeout=deadline - time.monotonic(), return_when=asyncio.FIRST_COMPLETED
            )
            waiter.cancel()
            if me in done:
                me.result()  # raises the 409
        if not me.done():
            me.set_result(None)  # this poll is over: a later one has nothing to terminate
        limit = int(p.get("limit") or 100)
        return sorted(self.updates, key=lambda u: u["update_id"])[:limit]

    def _check_rate(self) -> None:
        if self.rate_limit is None:
            return
        now = time.monotonic()
        self._window = [t for t in self._window if now - t < 1.0]
        if len(self._window) >= self.rate_limit:
            self.rate_limited += 1
            raise _ApiError(429, "Too Many Requests: retry after 1", {"retry_after": 1})
        self._window.append(now)

    def _check_group_rate(self, chat_id: int) -> None:
        if self.group_rate_limit is None or chat_id > 0:
            return
        now = time.monotonic()
        window = [t for t in self._group_windows.get(chat_id, []) if now - t < 60.0]
        self._group_windows[chat_id] = window
        if len(window) >= self.group_rate_limit:
            self.rate_limited += 1
            wait = max(1, int(60.0 - (now - window[0])) + 1)
            raise _ApiError(429, f"Too Many Requests: retry after {wait}", {"retry_after": wait})
        window.append(now)

    def _check_text(self, p: dict[str, Any]) -> str:
        text = str(p.get("text", ""))
        shown = text
        if str(p.get("parse_mode", "")).upper() == "HTML":
            try:
                shown = visible_text(text)
            except ParseError as exc:
                raise _ApiError(400, f"Bad Request: {exc}") from None
        if not shown.strip():
            raise _ApiError(400, "Bad Request: message text is empty")
        if utf16_len(shown) > 4096:
            raise _ApiError(400, "Bad Request: message is too long")
        return shown

    async def api_sendMessage(self, p: dict[str, Any]) -> Any:
        chat_id = int(p["chat_id"])
        if chat_id in self.blocked_chats:
            raise _ApiError(403, "Forbidden: bot was blocked by the user")
        self._check_rate()
        self._check_group_rate(chat_id)
        shown = self._check_text(p)
        chat = self._chat_of(chat_id)
        msg = {
            "message_id": next(self._msg_ids),
            "date": int(time.time()),
            "chat": chat,
            "from": self.me,
            "text": shown,
        }
        if p.get("message_thread_id"):
            msg["message_thread_id"] = int(p["message_thread_id"])
        self.sent.append({**p, "visible": shown, "message_id": msg["message_id"]})
        return msg

    async def api_editMessageText(self, p: dict[str, Any]) -> Any:
        shown = self._check_text(p)
        self.sent.append({**p, "visible": shown, "edited": True})
        return {
            "message_id": int(p.get("message_id", 0)),
            "date": int(time.time()),
            "chat": {"id": int(p.get("chat_id", 0)), "type": "supergroup"},
            "text": shown,
        }

    @staticmethod
    def _menu(p: dict[str, Any]) -> str:
        """A menu's key: its scope type, and ":xx" for a language's own menu (Telegram's language_code)."""
        scope = (p.get("scope") or {"type": "default"})["type"]
        return f"{scope}:{p['language_code']}" if p.get("language_code") else scope

    async def api_setMyCommands(self, p: dict[str, Any]) -> Any:
        self.commands[self._menu(p)] = p["commands"]
        return True

    async def api_getMyCommands(self, p: dict[str, Any]) -> Any:
        return self.commands.get(self._menu(p), [])

    async def api_deleteMyCommands(self, p: dict[str, Any]) -> Any:
        self.commands.pop(self._menu(p), None)
        return True

    async def api_answerCallbackQuery(self, p: dict[str, Any]) -> Any:
        return True
