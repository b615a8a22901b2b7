"""python-telegram-bot's calls over the aiohttp backend (adapters/telegram/request.py): a real Bot
against the fake Bot API, and what each failure tells delivery — sent again only when it never left."""

from __future__ import annotations

import asyncio
import socket
from typing import Any

import pytest
from aiohttp import web
from telegram import Bot
from telegram.error import NetworkError, TimedOut

from adapters.telegram.delivery import _never_left
from adapters.telegram.request import AiohttpRequest, NotSent
from tests.adapters.waits import until
from tests.fakes.telegram_api import GROUP, FakeTelegramAPI


def bot_on(fake: FakeTelegramAPI, request: AiohttpRequest) -> Bot:
    return Bot(fake.token, base_url=fake.base_url, request=request)


async def test_a_message_goes_out_and_its_answer_comes_back(fake: FakeTelegramAPI) -> None:
    async with bot_on(fake, AiohttpRequest()) as bot:
        sent = await bot.send_message(GROUP["id"], "Logged your idea as #1 — 你好 <b>")
    assert sent.text == "Logged your idea as #1 — 你好 <b>" and sent.chat.id == GROUP["id"]
    assert fake.texts() == ["Logged your idea as #1 — 你好 <b>"]


async def test_a_file_goes_as_a_multipart_part_next_to_the_other_fields(unused_tcp_port: int) -> None:
    """What PTB's own backend sends for an upload: the file as a part with its name and type, the
    other parameters as form fields."""
    received: dict[str, Any] = {}

    async def handle(request: web.Request) -> web.Response:
        form = await request.post()
        part = form["document"]
        assert isinstance(part, web.FileField)
        received.update(caption=form["caption"], chat_id=form["chat_id"], name=part.filename, body=part.file.read())
        message = {"message_id": 1, "date": 0, "chat": {"id": 5, "type": "private"}, "caption": form["caption"]}
        return web.json_response({"ok": True, "result": message})

    app = web.Application()
    app.router.add_post("/bot1:T/sendDocument", handle)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", unused_tcp_port).start()
    request = AiohttpRequest()
    await request.initialize()
    try:
        bot = Bot("1:T", base_url=f"http://127.0.0.1:{unused_tcp_port}/bot", request=request)
        await bot.send_document(5, b'{"points": 12}', filename="my-data.json", caption="Your data")
    finally:
        await request.shutdown()
        await runner.cleanup()
    assert received == {"caption": "Your data", "chat_id": "5", "name": "my-data.json", "body": b'{"points": 12}'}


async def test_no_connection_means_it_never_left() -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    request = AiohttpRequest()
    await request.initialize()
    try:
        bot = Bot("1:T", base_url=f"http://127.0.0.1:{port}/bot", request=request)
        with pytest.raises(NetworkError) as failed:
            await bot.send_message(5, "hello")
    finally:
        await request.shutdown()
    assert isinstance(failed.value.__cause__, NotSent)


async def test_waiting_for_a_free_connection_never_left_but_a_late_answer_may_have(fake: FakeTelegramAPI) -> None:
    """One connection: while it waits for a slow answer, a second send times out before it is
    written (safe to send again); the first one's answer never comes in time (Telegram may have it)."""
    request = AiohttpRequest(1, read_timeout=0.3, write_timeout=0.0, connect_timeout=0.1, pool_timeout=0.1)
    async with bot_on(fake, request) as bot:
        fake.answer_slowly("sendMessage", 1.0)
        first = asyncio.create_task(bot.send_message(GROUP["id"], "first"))
        await until(lambda: fake.calls_to("sendMessage"))  # it holds the one connection
        with pytest.raises(TimedOut) as queued:
            await bot.send_message(GROUP["id"], "second")
        with pytest.raises(TimedOut) as late:
            await first
    assert _never_left(queued.value)
    assert not _never_left(late.value)
    assert fake.texts() == ["first"]
