"""The admin's team page and the public page behind a one-time password link."""

from __future__ import annotations

import uuid

from aiohttp import web

from lotse.intake import team
from lotse.intake.accounts import MIN_PASSWORD_LENGTH, WeakPassword
from lotse.intake.dashboard import csrf
from lotse.intake.dashboard.render import back, render
from lotse.intake.typedefs import coordinator_key, pool_key, settings_key


async def _page(request: web.Request, *, link: team.PasswordLink | None = None, error: str | None = None,
                status: int = 200) -> web.Response:
    async with request.app[pool_key].acquire() as conn:
        rows = await team.members(conn)
    url = f"{request.app[settings_key].public_url.rstrip('/')}/dashboard/password/{link.token}" if link else None
    return render(request, "team.html", {"members": rows, "roles": team.ROLES, "link": link, "link_url": url,
                                         "error": error}, status=status)


async def team_page(request: web.Request) -> web.Response:
    return await _page(request)


async def team_action(request: web.Request) -> web.StreamResponse:
    form = await csrf.check(request)
    admin = request[coordinator_key]
    action = form.get("action")
    try:
        async with request.app[pool_key].acquire() as conn:
            if action == "invite":
                link = await team.invite(conn, admin, str(form.get("email", "")), str(form.get("role", "")))
                return await _page(request, link=link)  # shown once, never put in a URL
            try:
                member = uuid.UUID(str(form.get("id", "")))
            except ValueError:
                raise team.TeamError("gone") from None
            if action == "reset":
                return await _page(request, link=await team.reset_password(conn, admin, member))
            if action in ("deactivate", "activate"):
                await team.set_active(conn, admin, member, action == "activate")
                raise back(request, "/dashboard/team", action + "d")
    except team.TeamError as error:
        return await _page(request, error=error.code, status=409 if error.code in ("exists", "self") else 422)
    return await _page(request, error="unknown_action", status=422)


async def password_page(request: web.Request) -> web.Response:
    async with request.app[pool_key].acquire() as conn:
        email = await team.link_email(conn, request.match_info["token"])
    return render(request, "password.html", {"email": email, "error": None, "minimum": MIN_PASSWORD_LENGTH},
                  status=200 if email else 410)


async def password_submit(request: web.Request) -> web.StreamResponse:
    form = await csrf.check(request)
    token = request.match_info["token"]
    password, repeated = str(form.get("password", ""))[:1024], str(form.get("repeat", ""))[:1024]
    async with request.app[pool_key].acquire() as conn:
        email = await team.link_email(conn, token)
        if email is None:
            return render(request, "password.html", {"email": None, "error": None}, status=410)
        error = "mismatch" if password != repeated else None
        if error is None:
            try:
                await team.use_link(conn, token, password)
            except WeakPassword:
                error = "short"
    if error:
        return render(request, "password.html", {"email": email, "error": error, "minimum": MIN_PASSWORD_LENGTH},
                      status=422)
    raise back(request, "/dashboard/login", "password_set")
