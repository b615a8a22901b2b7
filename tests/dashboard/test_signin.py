"""Sign-in, sessions and forms over plain HTTP (the browser tests drive the same in Chromium)."""

from __future__ import annotations

import aiohttp

from tests.dashboard.conftest import Site


async def sign_in(http: aiohttp.ClientSession, link: str) -> aiohttp.ClientResponse:
    """Open the link (a page with a button, as a link preview would see it) and press the button."""
    async with http.get(link) as page:
        assert page.status == 200 and "Sign in" in await page.text()
    secret = link.split("t=", 1)[1]
    return await http.post(link.split("?", 1)[0], data={"t": secret}, allow_redirects=False)


async def test_a_link_signs_in_once_and_sets_a_safe_cookie(site: Site) -> None:
    link = await site.link()
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        async with http.get(link) as preview, http.get(link) as again:  # previews spend nothing
            assert preview.status == again.status == 200
        async with await sign_in(http, link) as first:
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


def _client() -> aiohttp.ClientSession:
    return aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))


async def _csrf(http: aiohttp.ClientSession, url: str) -> str:
    async with http.get(url) as page:
        html = await page.text()
    return html.split('name="csrf" value="', 1)[1].split('"', 1)[0]


async def test_moderators_read_but_cannot_act(site: Site) -> None:
    await site.h.say("alice: /idea Dark mode for the settings app")
    async with _client() as http:
        (await sign_in(http, await site.link("max"))).close()
        async with http.get(site.base + "/dashboard/feedback/1") as page:
            assert page.status == 200
            assert "Change the status" not in await page.text()
        token = await _csrf(http, site.base + "/dashboard/feedback/1")
        form = {"csrf": token, "action": "status", "state": "planned"}
        async with http.post(site.base + "/dashboard/feedback/1", data=form) as refused:
            assert refused.status == 403
            assert "That is for managers." in await refused.text()
    assert (await site.h.say("alice: /feedback show 1"))[0].endswith("— idea, new")


async def test_signing_out_here_in_chat_or_from_the_cli_ends_sessions(site: Site) -> None:
    async with _client() as first, _client() as second:
        (await sign_in(first, await site.link())).close()
        (await sign_in(second, await site.link())).close()
        token = await _csrf(first, site.base + "/dashboard/")
        async with first.post(site.base + "/dashboard/signout", data={"csrf": token}) as out:
            assert out.status == 200 and "Signed out." in await out.text()
        async with first.get(site.base + "/dashboard/") as page:
            assert page.status == 401
        async with second.get(site.base + "/dashboard/") as page:
            assert page.status == 200  # only that browser
        assert await site.h.say("mia: /dashboard signout") == ["bot> @mia: Signed out of 1 browser session."]
        async with second.get(site.base + "/dashboard/") as page:
            assert page.status == 401
            assert "not signed in" in await page.text()


async def test_bad_input_is_one_clear_line(site: Site) -> None:
    async with _client() as http:
        (await sign_in(http, await site.link())).close()
        for path, status, text in (
            ("/dashboard/feedback/99", 404, "There is no #99."),
            ("/dashboard/feedback/abc", 400, "&#39;abc&#39; is not a whole number"),
            ("/dashboard/feedback?sort=sideways", 400, "Unknown filter"),
            ("/dashboard/nowhere", 404, "There is no such page."),
            ("/dashboard/members/0", 400, "&#39;0&#39; is not a whole number from 1"),
        ):
            async with http.get(site.base + path) as page:
                assert page.status == status, path
                assert text in await page.text(), path
