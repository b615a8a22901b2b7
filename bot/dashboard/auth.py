"""Sign-in without passwords: a one-time link (10 minutes, single use) opens a browser session
(12 hours, revocable) that carries its own form token against CSRF. Opening the link shows a
"Sign in" button; only its POST uses the link (chat apps fetch links to preview them).

Links and cookies are 256-bit random secrets; the database keeps only their SHA-256, and every
check is a database lookup, so any number of processes share sign-ins with no key to distribute
(a signed token would need a shared secret, and a revocation list anyway for single use).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import quote

from bot.clock import Clock
from bot.commands import Role
from bot.settings import HttpSettings
from storage.repositories.dashboard import DashboardRepo, Grant, SessionView

LINK_TTL = timedelta(minutes=10)
SESSION_TTL = timedelta(hours=12)
LOGIN_PATH = "/dashboard/login"
#: `fanloop web`'s port when none is given
DEFAULT_PORT = 8080


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class Opened:
    """A new session: the cookie's secret and the session as the server sees it."""

    secret: str
    session: SessionView


class SignIn:
    def __init__(self, repo: DashboardRepo, clock: Clock, base_url: str) -> None:
        self.repo, self.clock = repo, clock
        #: where browsers reach this dashboard (``[http] public_url``, else the listen address)
        self.base_url = base_url.rstrip("/")

    async def link(self, member_id: int, identity: str, role: Role, lang: str) -> str:
        """A one-time sign-in URL for the member, with the role they have now."""
        secret = secrets.token_urlsafe(32)
        now = self.clock.now()
        await self.repo.add_link(digest(secret), Grant(member_id, identity, int(role), lang), now, now + LINK_TTL)
        return f"{self.base_url}{LOGIN_PATH}?t={quote(secret)}"

    async def check(self, secret: str) -> tuple[Grant | None, str]:
        """Whether a link would sign someone in, without using it: link previews (Telegram and
        Discord fetch every URL posted) must not spend it, so opening it shows a button, and
        only the button's POST redeems it. The reason as for :meth:`redeem`."""
        if not secret or len(secret) > 100:
            return None, "unknown"
        grant, why = await self.repo.peek_link(digest(secret), self.clock.now())
        if grant is not None and grant.role < Role.MODERATOR:
            return None, "fan"
        return grant, why

    async def redeem(self, secret: str) -> tuple[Opened | None, str]:
        """A session for a link's secret, or why not: "unknown", "used", "expired" or "fan"."""
        if not secret or len(secret) > 100:
            return None, "unknown"
        now = self.clock.now()
        grant, why = await self.repo.take_link(digest(secret), now)
        if grant is None:
            return None, why
        if grant.role < Role.MODERATOR:
            return None, "fan"
        cookie, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        expires = now + SESSION_TTL
        await self.repo.open_session(digest(cookie), grant, csrf, now, expires)
        return Opened(cookie, SessionView(grant, csrf, expires)), ""

    async def current(self, cookie: str | None) -> SessionView | None:
        if not cookie or len(cookie) > 100:
            return None
        return await self.repo.find_session(digest(cookie), self.clock.now())

    async def sign_out(self, cookie: str) -> None:
        await self.repo.revoke(digest(cookie), self.clock.now())

    async def sign_out_everywhere(self, member_id: int) -> int:
        return await self.repo.revoke_member(member_id, self.clock.now())

    async def prune(self) -> None:
        await self.repo.prune(self.clock.now() - timedelta(days=1))


def csrf_ok(session: SessionView, sent: str | None) -> bool:
    return bool(sent) and hmac.compare_digest(session.csrf.encode(), (sent or "").encode())


def base_url(http: HttpSettings, port: int | None = None) -> str:
    """Where a browser reaches the dashboard: ``[http] public_url``, else this machine's address."""
    if http.public_url:
        return http.public_url
    if port is not None:
        return f"http://127.0.0.1:{port}"
    host, _, listen_port = (http.listen or f"127.0.0.1:{DEFAULT_PORT}").rpartition(":")
    return f"http://{'127.0.0.1' if host in ('0.0.0.0', '', '::') else host}:{listen_port}"
