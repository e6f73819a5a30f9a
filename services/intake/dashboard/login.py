"""Login and logout with a session cookie: a new session id at every login, closed server-side."""

from __future__ import annotations

from aiohttp import web

from lotse.intake import accounts, devices, login_throttle
from lotse.intake.auth import SESSION_COOKIE
from lotse.intake.dashboard import csrf, landing, team_pages
from lotse.intake.dashboard.render import chosen_locale, locale_of, render
from lotse.intake.typedefs import pool_key, settings_key


async def login_page(request: web.Request) -> web.Response:
    expired = request.query.get("expired")
    return render(request, "login.html", {"next": landing.page_for(request, request.query.get("next")),
                                          "failed": False,
                                          "expired": expired in ("1", landing.UNSAVED, landing.PASSWORD_CHANGED),
                                          "unsaved": expired == landing.UNSAVED,
                                          "password_changed": expired == landing.PASSWORD_CHANGED})


async def login_submit(request: web.Request) -> web.StreamResponse:
    form = await csrf.check(request)
    email = str(form.get("email", "")).strip()[:254]
    password = str(form.get("password", ""))[:1024]
    target = landing.page_for(request, str(form.get("next", "")))
    try:
        coordinator = await login_throttle.authenticate(request, email, password)
    except login_throttle.Throttled:
        return render(request, "login.html", {"next": target, "failed": "throttled"}, status=429)
    if coordinator is None:
        return render(request, "login.html", {"next": target, "failed": "wrong", "email": email}, status=401)
    async with request.app[pool_key].acquire() as conn:
        old = request.cookies.get(SESSION_COOKIE)
        if old:
            await accounts.close_session(conn, old)  # a fresh session id at every login
        session = await login_throttle.logged_in(request, conn, coordinator, "cookie")
        # The language the pages are in: a choice made on the login page, or else the browser's
        # (which does not replace a choice made earlier), for the digest.
        chosen = chosen_locale(request)
        await accounts.remember_locale(conn, coordinator.id, chosen or locale_of(request), unless_chosen=not chosen)
        response = web.HTTPSeeOther(target)
        # This browser's later attempts are not locked out by others' failures (review 9a, F4).
        await devices.remember(request, response, conn, coordinator)
    secure = request.app[settings_key].public_url.startswith("https:")
    response.set_cookie(SESSION_COOKIE, session.token, httponly=True, samesite="Lax", secure=secure, path="/",
                        max_age=int(accounts.COOKIE_ABSOLUTE_LIFETIME.total_seconds()))
    response.del_cookie(csrf.PRE_SESSION_COOKIE, path="/dashboard")
    raise response


async def logout(request: web.Request) -> web.StreamResponse:
    await csrf.check(request)
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        async with request.app[pool_key].acquire() as conn:
            await accounts.close_session(conn, token)
    response = web.HTTPSeeOther("/dashboard/login")
    response.del_cookie(SESSION_COOKIE, path="/")
    response.del_cookie(team_pages.LINK_COOKIE, path=team_pages.TEAM_PATH)  # not for whoever logs in next
    raise response
