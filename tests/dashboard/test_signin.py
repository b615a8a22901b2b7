"""Sign-in, sessions and forms over plain HTTP (the browser tests drive the same in Chromium)."""

from __future__ import annotations

import aiohttp

from tests.dashboard.conftest import Site


async def test_a_link_signs_in_once_and_sets_a_safe_cookie(site: Site) -> None:
    link = await site.link()
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        async with http.get(link, allow_redirects=False) as first:
            assert first.status == 303
            cookie = first.headers["Set-Cookie"]
            assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/dashboard" in cookie
            assert "Secure" not in cookie  # plain http on this machine
        async with http.get(site.base + "/dashboard/") as page:
            assert page.status == 200
            assert page.headers["Cache-Control"] == "no-store"
            assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
            assert "Sign out" in await page.text()
    async with aiohttp.ClientSession() as other, other.get(link) as again:
        assert again.status == 403
        assert "used already" in await again.text()
