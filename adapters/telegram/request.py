"""python-telegram-bot's networking on aiohttp (its :class:`BaseRequest` seam).

PTB's default, :class:`HTTPXRequest`, costs about 3.8 ms of CPU per call once dozens of calls are in
flight at once (httpcore's pool serves waiting requests in a loop over all of them), which is how
fanloop calls: every chat answers in its own lane. This backend keeps one aiohttp session (already a
dependency, for discord.py and the webhook server): 0.2 ms per call at the same concurrency
(``bench/pipeline.py`` measures the difference end to end).

It keeps PTB's contract: the same timeouts (``None`` waits forever), :class:`TimedOut` and
:class:`NetworkError` for failures, and a failure that happened before the request left (no
connection could be made, or none was free in time) says so with :class:`NotSent` as its cause, so
a send is retried only when Telegram cannot have it.
"""

from __future__ import annotations

from typing import Any

import aiohttp
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData


class NotSent(Exception):
    """The cause of a :class:`TimedOut`/:class:`NetworkError` raised before any byte of the request
    was written: sending it again cannot post anything twice."""


class AiohttpRequest(BaseRequest):
    __slots__ = ("_connect", "_connections", "_media_write", "_pool", "_read", "_session", "_write")

    def __init__(
        self,
        connections: int = 256,
        *,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
        media_write_timeout: float | None = 20.0,
    ) -> None:
        self._connections = connections
        self._read, self._write, self._connect = read_timeout, write_timeout, connect_timeout
        self._pool, self._media_write = pool_timeout, media_write_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._read

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._connections),
                headers={"User-Agent": self.USER_AGENT},
            )

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        session = self._session
        if session is None or session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        files = bool(request_data and request_data.contains_files)
        read = self._read if isinstance(read_timeout, DefaultValue) else read_timeout
        write = (
            (self._media_write if files else self._write) if isinstance(write_timeout, DefaultValue) else write_timeout
        )
        connect = self._connect if isinstance(connect_timeout, DefaultValue) else connect_timeout
        pool = self._pool if isinstance(pool_timeout, DefaultValue) else pool_timeout
        # aiohttp has no write timeout of its own: writing and waiting for the answer share one
        timeout = aiohttp.ClientTimeout(
            total=None,
            connect=None if pool is None or connect is None else pool + connect,
            sock_connect=connect,
            sock_read=None if read is None else read + (write or 0.0),
        )
        try:
            async with session.request(method, url, data=_body(request_data), timeout=timeout) as response:
                return response.status, await response.read()
        except aiohttp.ConnectionTimeoutError as exc:  # no connection in time: nothing was written
            raise TimedOut("Timed out connecting to Telegram; the request was not sent") from NotSent(str(exc))
        except aiohttp.ClientConnectorError as exc:
            raise NetworkError(f"aiohttp.{type(exc).__name__}: {exc}") from NotSent(str(exc))
        except (TimeoutError, aiohttp.ServerTimeoutError) as exc:
            raise TimedOut from exc
        except aiohttp.ClientError as exc:
            raise NetworkError(f"aiohttp.{type(exc).__name__}: {exc}") from exc


def _body(data: RequestData | None) -> Any:
    """The form PTB's own backend sends: fields as form values (JSON-encoded where not strings),
    files as multipart parts."""
    if data is None:
        return None
    if not data.contains_files:
        return data.json_parameters
    form = aiohttp.FormData()
    for name, value in data.json_parameters.items():
        form.add_field(name, value)
    for name, part in data.multipart_data.items():
        filename, content, mimetype = part
        form.add_field(name, content, filename=filename, content_type=mimetype)
    return form
