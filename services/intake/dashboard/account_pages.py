"""A signed-in coordinator's own settings: the password (review 8d, finding 6: the first admin's
comes from an environment variable, and whoever suspects theirs leaked must not have to wait for
an admin's reset link while their other sessions keep working), and whether the digest e-mail
comes (review 12, F10: it went to every coordinator, with no way to stop it)."""

from __future__ import annotations

from typing import Final

from aiohttp import web

from lotse.intake import accounts, devices, login_throttle, team
from lotse.intake.accounts import MIN_PASSWORD_LENGTH
from lotse.intake.auth import SESSION_COOKIE
from lotse.intake.dashboard import csrf
from lotse.intake.dashboard.render import back, render
from lotse.intake.typedefs import coordinator_key, pool_key

PATH: Final = "/dashboard/account/password"
DIGEST_PATH: Final = "/dashboard/account/digest"


def _page(request: web.Request, errors: dict[str, str] | None = None, *, status: int = 200) -> web.Response:
    return render(request, "account_password.html", {"errors": errors or {}, "minimum": MIN_PASSWORD_LENGTH},
                  status=status)


async def password_page(request: web.Request) -> web.Response:
    return _page(request)


async def password_submit(request: web.Request) -> web.StreamResponse:
    """Each wrong field is named at once (field -> error code). The current password is checked as
    a login is (login_throttle): a wrong one counts against the same limits, so a session left open
    on a shared computer is no way round them; too many failures refuse before any check (429)."""
    form = await csrf.check(request)
    coordinator: accounts.Coordinator = request[coordinator_key]
    current = str(form.get("current", ""))[:1024]
    password, repeated = str(form.get("password", ""))[:1024], str(form.get("repeat", ""))[:1024]
    errors: dict[str, str] = {}
    if not current:  # the form is sent without the browser's checks (novalidate): not an attempt
        errors["current"] = "missing"
    else:
        try:
            confirmed = await login_throttle.authenticate(request, coordinator.email, current)
        except login_throttle.Throttled:
            return _page(request, {"current": "throttled"}, status=429)
        if confirmed is None or confirmed.id != coordinator.id:
            errors["current"] = "wrong"
    if accounts.too_short(password):
        errors["password"] = "short"
    elif password != repeated:
        errors["repeat"] = "mismatch"
    if errors:
        return _page(request, errors, status=422)
    response = back(request, PATH, "password_changed")
    async with request.app[pool_key].acquire() as conn:
        await team.change_own_password(conn, coordinator, password, keep_session=request.cookies[SESSION_COOKIE])
        # The new password made every device cookie of the account worthless (devices); this
        # browser, whose session stays, stays a trusted device too.
        await devices.remember(request, response, conn, coordinator)
    raise response


async def digest_page(request: web.Request) -> web.Response:
    coordinator: accounts.Coordinator = request[coordinator_key]
    wanted = await request.app[pool_key].fetchval("SELECT digest FROM coordinators WHERE id = $1", coordinator.id)
    return render(request, "account_digest.html", {"wanted": bool(wanted)})


async def digest_submit(request: web.Request) -> web.StreamResponse:
    """A checkbox: ticked sends ``digest=on``, unticked sends nothing, which is "off"."""
    form = await csrf.check(request)
    coordinator: accounts.Coordinator = request[coordinator_key]
    wanted = form.get("digest") == "on"
    await request.app[pool_key].execute("UPDATE coordinators SET digest = $2 WHERE id = $1", coordinator.id, wanted)
    raise back(request, DIGEST_PATH, "digest_on" if wanted else "digest_off")
