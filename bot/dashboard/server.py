"""Serves the dashboard on the process's HTTP server: sign-in, sessions, CSRF, roles, the
features' pages and panels, rendered server-side with Jinja2 (autoescaped; no script needed).

Every page is ``/dashboard/...``; responses are never cached, framed or given a referrer (the
sign-in link carries its secret in the query).
"""

from __future__ import annotations

import base64
import json
import logging
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp import web

from bot.clock import Clock
from bot.commands import Problem, Role
from bot.context import CommandContext
from bot.dashboard.auth import SignIn, csrf_ok
from bot.dashboard.pages import Done, Handler, NotFound, Page, PageRequest, Panel, Redirect, Refused, View, Viewer
from bot.dashboard.render import Renderer
from bot.dispatcher import Dispatcher
from bot.events import Author, ChatRef, IncomingMessage, Platform
from bot.feature import Feature
from bot.i18n import SOURCE, Domain, negotiate
from bot.web import HttpServer
from storage.repositories.dashboard import SessionView
from storage.repositories.members import MemberRepo

log = logging.getLogger(__name__)
T = Domain("core")
PREFIX = "/dashboard"
COOKIE = "fanloop_session"
FLASH = "fanloop_done"
#: the chat id a dashboard action runs in (a private chat of the manager's, with nobody else)
DASHBOARD_CHAT = "dashboard"
HERE = Path(__file__).resolve().parent
HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
}


@dataclass(frozen=True, slots=True)
class _Route:
    pattern: re.Pattern[str]
    page: Page
    feature: str


def _compile(path: str) -> re.Pattern[str]:
    parts = re.split(r"\{(\w+)\}", path)
    regex = "".join(re.escape(p) if i % 2 == 0 else f"(?P<{p}>[^/]+)" for i, p in enumerate(parts))
    return re.compile(f"^{regex}$")


class Dashboard:
    def __init__(
        self,
        *,
        features: Sequence[Feature],
        signin: SignIn,
        members: MemberRepo,
        dispatcher: Dispatcher,
        clock: Clock,
        community: str,
        language: str = SOURCE,
        tz: str = "UTC",
    ) -> None:
        self.signin, self.members, self.dispatcher, self.clock = signin, members, dispatcher, clock
        self.community, self.language, self.tz = community, language, tz
        self.routes: list[_Route] = []
        self.panels: list[tuple[str, Panel]] = []
        for feature in features:
            self.routes += [_Route(_compile(p.path), p, feature.name) for p in feature.pages]
            self.panels += [(feature.name, p) for p in feature.panels]
        self.routes.sort(key=lambda r: r.page.order)
        self.panels.sort(key=lambda fp: fp[1].order)
        self.render = Renderer([f.name for f in features], community, tz, clock)
        self.css = (HERE / "static" / "dashboard.css").read_bytes()

    def mount(self, http: HttpServer) -> None:
        http.route_prefix(PREFIX, self.handle)
        for route in self.routes:
            if route.page.public:
                http.route("GET", route.page.path, self._public(route))

    def _public(self, route: _Route) -> Any:
        async def serve(request: web.Request) -> web.StreamResponse:
            viewer = Viewer(0, "", "", Role.FAN, self._browser_language(request))
            req = PageRequest(viewer=viewer, now=self.clock.now(), perform=_nobody, query=dict(request.query))
            return await self._answer(route, route.page.get, req, None, None, route.page.path)

        return serve

    async def _answer(
        self,
        route: _Route,
        handler: Handler,
        req: PageRequest,
        session: SessionView | None,
        done: Done | None,
        path: str,
    ) -> web.StreamResponse:
        """A page handler's result as a response; its bad input and missing objects as one line."""
        viewer = req.viewer
        try:
            result = await handler(req)
        except Problem as exc:
            return self._refusal(viewer.lang, 400, exc.text(viewer), session=session)
        except Refused as exc:
            return self._refusal(viewer.lang, 400, str(exc), session=session)
        except NotFound as exc:
            return self._refusal(viewer.lang, 404, str(exc) or T(viewer, "There is no such page."), session=session)
        if isinstance(result, Redirect):
            return self._redirect(result)
        return self._respond(self._page(route.feature, result, viewer, session, done, path))

    # -- the one entry point --------------------------------------------------------------
    async def handle(self, request: web.Request) -> web.StreamResponse:
        path = request.path[len(PREFIX) :] or "/"
        lang = self._browser_language(request)
        try:
            if path == "/static/dashboard.css":
                return web.Response(body=self.css, content_type="text/css", headers={"Cache-Control": "max-age=3600"})
            if path == "/login":
                return await self._login(request, lang)
            session = await self.signin.current(request.cookies.get(COOKIE))
            if session is None:
                return self._refusal(
                    lang,
                    401,
                    T(
                        lang,
                        "You are not signed in (or your session ended). Send /dashboard to the bot "
                        "in chat for a sign-in link.",
                    ),
                )
            viewer = await self._viewer(session)
            form: dict[str, list[str]] = {}
            if request.method == "POST":
                posted = await request.post()
                form = {k: [str(v) for v in posted.getall(k)] for k in posted}
                if not csrf_ok(session, (form.get("csrf") or [""])[0]):
                    return self._refusal(
                        viewer.lang,
                        403,
                        T(
                            viewer,
                            "This form was not sent from your dashboard page (or is too old). Reload the page "
                            "and try again.",
                        ),
                    )
                if path == "/signout":
                    await self.signin.sign_out(request.cookies.get(COOKIE, ""))
                    return self._refusal(viewer.lang, 200, T(viewer, "Signed out."), clear=True)
            elif request.method not in ("GET", "HEAD"):
                return web.Response(status=405, headers={"Allow": "GET, POST"})
            return await self._serve(request, path, viewer, session, form)
        except Exception:
            error_id = secrets.token_hex(3)
            log.exception("dashboard page failed", extra={"error_id": error_id, "path": request.path})
            return self._refusal(
                lang, 500, T(lang, "Something went wrong on our side (error {error_id}).", error_id=error_id)
            )

    async def _serve(
        self, request: web.Request, path: str, viewer: Viewer, session: SessionView, form: dict[str, list[str]]
    ) -> web.StreamResponse:
        req = PageRequest(
            viewer=viewer, now=self.clock.now(), perform=self._performer(viewer), query=dict(request.query), form=form
        )
        done = _read_flash(request)
        response = await self._route(path, req, session, done, posted=request.method == "POST")
        if done is not None:
            response.del_cookie(FLASH, path=PREFIX)
        return response

    async def _route(
        self, path: str, req: PageRequest, session: SessionView, done: Done | None, *, posted: bool
    ) -> web.StreamResponse:
        viewer = req.viewer
        if path == "/":
            if posted:
                return web.Response(status=405, headers={"Allow": "GET"})
            return self._respond(await self._overview(req, session, done))
        for route in self.routes:
            found = route.pattern.match(path)
            if found is None or route.page.public:
                continue
            page = route.page
            req.params = found.groupdict()
            handler = page.post if posted else page.get
            needed = page.post_role if posted else page.min_role
            if handler is None:
                return web.Response(status=405, headers={"Allow": "GET"})
            if viewer.role < needed:
                only = (
                    T(viewer, "That is for managers.")
                    if needed >= Role.MANAGER
                    else T(viewer, "That is for moderators.")
                )
                return self._refusal(viewer.lang, 403, only)
            return await self._answer(route, handler, req, session, done, path)
        return self._refusal(viewer.lang, 404, T(viewer, "There is no such page."), session=session)

    # -- sign-in -----------------------------------------------------------------------------
    def _link_refused(self, lang: str, why: str) -> web.Response:
        reasons = {
            "used": T(lang, "This sign-in link was used already. Each link works once: send /dashboard again."),
            "expired": T(lang, "This sign-in link has expired (links work for 10 minutes). Send /dashboard again."),
            "fan": T(lang, "The dashboard is for the community's moderators and managers."),
        }
        text = reasons.get(why, T(lang, "This sign-in link is not valid. Send /dashboard to the bot for a new one."))
        return self._refusal(lang, 403, text)

    async def _login(self, request: web.Request, lang: str) -> web.StreamResponse:
        """GET: the link's page, a button (link previews fetch URLs; they must not spend it);
        POST: the button, which uses the link and opens the session."""
        if request.method != "POST":
            secret = request.query.get("t", "")
            grant, why = await self.signin.check(secret)
            if grant is None:
                return self._link_refused(lang, why)
            name = (await self.members.names([grant.member_id])).get(grant.member_id, grant.identity)
            viewer = Viewer(0, "", "", Role.FAN, negotiate(grant.lang) or lang)
            html = self.render.signin(viewer, name, secret)
            return self._respond(html)
        posted = await request.post()
        opened, why = await self.signin.redeem(str(posted.get("t", "")))
        if opened is None:
            return self._link_refused(lang, why)
        response = _see_other(f"{PREFIX}/")
        response.set_cookie(
            COOKIE,
            opened.secret,
            path=PREFIX,
            httponly=True,
            samesite="Lax",
            secure=_https(request),
            max_age=int((opened.session.expires_at - self.clock.now()).total_seconds()),
        )
        log.info("dashboard sign-in", extra={"identity": opened.session.grant.identity})
        return response

    async def _viewer(self, session: SessionView) -> Viewer:
        grant = session.grant
        names = await self.members.names([grant.member_id])
        return Viewer(
            grant.member_id,
            grant.identity,
            names.get(grant.member_id, grant.identity),
            Role(grant.role),
            negotiate(grant.lang) or self.language,
        )

    def _browser_language(self, request: web.Request) -> str:
        for part in request.headers.get("Accept-Language", "").split(","):
            found = negotiate(part.split(";")[0].strip())
            if found:
                return found
        return self.language

    # -- actions -------------------------------------------------------------------------------
    def _performer(self, viewer: Viewer) -> Any:
        async def perform(command: str, *, confirmed: bool = False) -> Done:
            platform, _, user_id = viewer.identity.partition(":")
            now = self.clock.now()
            author = Author(Platform(platform), user_id, viewer.name)
            chat = ChatRef(Platform(platform), DASHBOARD_CHAT, title="dashboard", is_private=True)
            event = IncomingMessage(chat, author, f"dashboard-{secrets.token_hex(8)}", command, now)
            member = await self.members.find(platform, user_id=user_id)
            if member is None:
                return Done((T(viewer, "Your account is no longer known to the bot."),), is_error=True)
            ctx = CommandContext(
                event=event,
                member=member,
                role=viewer.role,
                now=now,
                chat_kind="private",
                lang=viewer.lang,
                chat_lang=viewer.lang,
                confirmed=confirmed,
            )
            answers, preview = await self.dispatcher.perform(ctx, command)
            return Done(tuple(a.plain() for a in answers), any(a.is_error for a in answers), preview)

        return perform

    # -- rendering -------------------------------------------------------------------------------
    async def _overview(self, req: PageRequest, session: SessionView, done: Done | None) -> str:
        boxes = []
        for feature, panel in self.panels:
            if req.viewer.role < panel.min_role:
                continue
            view = await panel.render(req)
            if view is not None:
                boxes.append(self._fragment(feature, view, req.viewer, session))
        title = T(req.viewer, "Overview")
        overview = View("layout/overview.html", title, {"boxes": boxes})
        return self._page("core", overview, req.viewer, session, done, "/")

    def _fragment(self, feature: str, view: View, viewer: Viewer, session: SessionView) -> str:
        return self.render.fragment(feature, view, viewer, session.csrf)

    def _page(
        self, feature: str, view: View, viewer: Viewer, session: SessionView | None, done: Done | None, path: str
    ) -> str:
        nav = [
            (r.page.nav(viewer.lang), PREFIX + r.page.path, r.page.path == path or path.startswith(r.page.path + "/"))
            for r in self.routes
            if r.page.nav is not None and not r.page.public and viewer.role >= r.page.min_role
        ]
        return self.render.page(feature, view, viewer, session.csrf if session else "", done, nav)

    def _respond(self, html: str, status: int = 200) -> web.Response:
        return web.Response(text=html, status=status, content_type="text/html", charset="utf-8", headers=HEADERS)

    def _refusal(
        self, lang: str, status: int, text: str, *, clear: bool = False, session: SessionView | None = None
    ) -> web.Response:
        response = self._respond(self.render.message(lang, text, signed_in=session is not None), status)
        if clear:
            response.del_cookie(COOKIE, path=PREFIX)
        return response

    def _redirect(self, to: Redirect) -> web.StreamResponse:
        response = _see_other(PREFIX + to.to)
        if to.done is not None:
            lines = [line[:300] for line in to.done.lines[:8]]
            data = {"l": lines, "e": to.done.is_error, "p": to.done.preview}
            response.set_cookie(
                FLASH,
                base64.urlsafe_b64encode(json.dumps(data).encode()).decode(),
                path=PREFIX,
                httponly=True,
                samesite="Lax",
                max_age=60,
            )
        return response


async def _nobody(command: str, *, confirmed: bool = False) -> Done:
    raise RuntimeError("a public page acts for no one")


def _read_flash(request: web.Request) -> Done | None:
    raw = request.cookies.get(FLASH)
    if not raw:
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(raw.encode()))
        return Done(tuple(str(x) for x in data["l"]), bool(data["e"]), bool(data["p"]))
    except (ValueError, KeyError, TypeError):
        return None


def _see_other(location: str) -> web.Response:
    return web.Response(status=303, headers={**HEADERS, "Location": location})


def _https(request: web.Request) -> bool:
    return request.secure or request.headers.get("X-Forwarded-Proto", "") == "https"
