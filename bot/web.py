"""The process's one HTTP server (aiohttp): /healthz and /metrics, and whatever else registers a
route — the Telegram webhook, the dashboard. Off unless ``[http] listen`` is set.

Routes may be added while it runs (an adapter registers its webhook when it starts): requests
are dispatched through a table, not aiohttp's router, which freezes at start.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from aiohttp import web

log = logging.getLogger(__name__)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class HttpServer:
    def __init__(self, listen: str) -> None:
        host, _, port = listen.rpartition(":")
        self.host, self.port = host or "127.0.0.1", int(port)
        self._routes: dict[tuple[str, str], Handler] = {}
        #: every method and path under a prefix (the dashboard routes its own pages)
        self._prefixes: dict[str, Handler] = {}
        self._runner: web.AppRunner | None = None

    def route(self, method: str, path: str, handler: Handler) -> None:
        key = (method.upper(), path)
        if key in self._routes:
            raise ValueError(f"{method} {path} is served twice")
        self._routes[key] = handler

    def route_prefix(self, prefix: str, handler: Handler) -> None:
        """``prefix`` itself and everything under ``prefix/``, whatever the method."""
        if prefix in self._prefixes:
            raise ValueError(f"{prefix} is served twice")
        self._prefixes[prefix.rstrip("/")] = handler

    def unroute(self, method: str, path: str) -> None:
        self._routes.pop((method.upper(), path), None)

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        handler = self._routes.get((request.method, request.path))
        if handler is None and request.method == "HEAD":
            handler = self._routes.get(("GET", request.path))
        if handler is None:
            for prefix, under in self._prefixes.items():
                if request.path == prefix or request.path.startswith(prefix + "/"):
                    return await under(request)
        if handler is None:
            allowed = [m for m, p in self._routes if p == request.path]
            if allowed:
                return web.Response(status=405, text="method not allowed", headers={"Allow": ", ".join(allowed)})
            return web.Response(status=404, text="not found")
        return await handler(request)

    async def start(self) -> None:
        app = web.Application(client_max_size=2**20)
        app.router.add_route("*", "/{tail:.*}", self._dispatch)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        if self.port == 0:  # tests ask for any free port
            self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        log.info("HTTP server listening", extra={"address": f"{self.host}:{self.port}"})

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"
