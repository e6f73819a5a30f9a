"""The admin's team page and the public page behind a one-time password link."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Final

from aiohttp import web

from lotse.intake import team
from lotse.intake.accounts import MIN_PASSWORD_LENGTH, WeakPassword, too_short
from lotse.intake.dashboard import csrf
from lotse.intake.dashboard.render import back, render
from lotse.intake.typedefs import coordinator_key, pool_key, settings_key

# A new link travels from the POST to the page after the redirect in a cookie, never in a URL
# (history, logs); the team page shows it from there for a while, so a reload keeps it, and
# stops once the colleague has used it.
LINK_COOKIE: Final = "lotse_team_link"
LINK_SHOWN_FOR: Final = timedelta(minutes=30)
TEAM_PATH: Final = "/dashboard/team"


async def _page(request: web.Request, *, link: team.PasswordLink | None = None, error: str | None = None,
                typed: dict[str, str] | None = None, status: int = 200) -> web.Response:
    """`typed`: a refused invitation's address and role, kept in its form as the public forms keep theirs."""
    async with request.app[pool_key].acquire() as conn:
        rows = await team.members(conn)
    url = f"{request.app[settings_key].public_url.rstrip('/')}/dashboard/password/{link.token}" if link else None
    return render(request, "team.html", {"members": rows, "roles": team.ROLES, "link": link, "link_url": url,
                                         "link_minutes": int(LINK_SHOWN_FOR.total_seconds() // 60), "error": error,
                                         "typed": typed or {}},
                  status=status)


async def team_page(request: web.Request) -> web.Response:
    token = request.cookies.get(LINK_COOKIE)
    if not token:
        return await _page(request)
    async with request.app[pool_key].acquire() as conn:
        link = await team.live_link(conn, token)
    response = await _page(request, link=link)
    if link is None:
        response.del_cookie(LINK_COOKIE, path=TEAM_PATH)
    return response


def _show_link(request: web.Request, link: team.PasswordLink) -> web.HTTPSeeOther:
    """Post-redirect-get: a reload shows the page again instead of sending the form twice."""
    response = back(request, TEAM_PATH)
    response.set_cookie(LINK_COOKIE, link.token, httponly=True, samesite="Strict", path=TEAM_PATH,
                        secure=request.app[settings_key].public_url.startswith("https:"),
                        max_age=int(LINK_SHOWN_FOR.total_seconds()))
    return response


# A refused action's status; the rest are 422 (the form's input).
_STATUS: Final = {"exists": 409, "self": 409, "not_admin": 403}


async def team_action(request: web.Request) -> web.StreamResponse:
    form = await csrf.check(request)
    admin = request[coordinator_key]
    action = form.get("action")
    try:
        async with request.app[pool_key].acquire() as conn:
            if action == "invite":
                link = await team.invite(conn, admin, str(form.get("email", "")), str(form.get("role", "")))
                raise _show_link(request, link)
            try:
                member = uuid.UUID(str(form.get("id", "")))
            except ValueError:
                raise team.TeamError("gone") from None
            if action == "reset":
                raise _show_link(request, await team.reset_password(conn, admin, member))
            if action in ("deactivate", "activate"):
                await team.set_active(conn, admin, member, action == "activate")
                raise back(request, TEAM_PATH, action + "d")
    except team.TeamError as error:
        typed = {"email": str(form.get("email", ""))[:254], "role": str(form.get("role", ""))} \
            if action == "invite" else None
        return await _page(request, error=error.code, typed=typed,
                           status=_STATUS.get(error.code, 422))
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
        # Too short first: "they differ", then retyped alike, only to hear "too short" (review 13b, F7).
        error = "short" if too_short(password) else "mismatch" if password != repeated else None
        if error is None:
            try:
                await team.use_link(conn, token, password)
            except WeakPassword:
                error = "short"
    if error:
        return render(request, "password.html", {"email": email, "error": error, "minimum": MIN_PASSWORD_LENGTH},
                      status=422)
    raise back(request, "/dashboard/login", "password_set")
