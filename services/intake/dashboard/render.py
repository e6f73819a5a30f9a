"""Rendering a dashboard page in the coordinator's language (German unless English is chosen)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from functools import partial
from typing import Any, Final
from urllib.parse import urlencode

from aiohttp import web

from lotse.intake import accounts
from lotse.intake.dashboard import csrf, history
from lotse.intake.dashboard.explain import explain
from lotse.intake.dashboard.vocabulary import DOMAIN, PACKAGE, for_locale
from lotse.intake.errors import Handler
from lotse.intake.typedefs import coordinator_key, pool_key, settings_key
from lotse.intake.web.labels import ORGANISATION_KINDS
from lotse.shared import matches, reference
from lotse.shared.i18n import environment, negotiate_locale, translations
from lotse.shared.name_search import with_latin
from lotse.shared.reference import districts

LOCALES: Final = ("de", "en")
LOCALE_COOKIE: Final = "lotse_dashboard_locale"


def chosen_locale(request: web.Request) -> str | None:
    """The language switched to now (?lang=) or earlier in this browser (the cookie)."""
    for candidate in (request.query.get("lang"), request.cookies.get(LOCALE_COOKIE)):
        if candidate in LOCALES:
            return candidate
    return None


def locale_of(request: web.Request) -> str:
    chosen = chosen_locale(request) or negotiate_locale(request.headers.get("Accept-Language"))
    return chosen if chosen in LOCALES else "de"


@web.middleware
async def remember_locale(request: web.Request, handler: Handler) -> web.StreamResponse:
    """A logged-in coordinator who switches the dashboard's language keeps it for the emails Lotse
    sends them (the digest) too: stored, as the cookie keeps it for the pages of this browser.
    After enforce_policies, which knows the coordinator."""
    coordinator = request.get(coordinator_key)
    chosen = request.query.get("lang")
    if coordinator is not None and chosen in LOCALES and request.path.startswith("/dashboard"):
        async with request.app[pool_key].acquire() as conn:
            await accounts.remember_locale(conn, coordinator.id, chosen)
    return await handler(request)


def gettext(request: web.Request) -> Any:
    return translations(PACKAGE, DOMAIN, locale_of(request)).gettext


def render(
    request: web.Request, template: str, context: Mapping[str, Any] | None = None, *, status: int = 200
) -> web.Response:
    locale = locale_of(request)
    other_locale = "en" if locale == "de" else "de"  # the language switch in the header offers it
    v = for_locale(locale)
    token = csrf.token_for(request)
    html = environment(PACKAGE, DOMAIN, locale).get_template(template).render(
        {
            "csrf_token": token,
            "coordinator": request.get(coordinator_key),
            "request_path": request.path,
            "other_locale": other_locale,
            "other_language_url": _other_language_url(request, other_locale),
            "query": request.query,
            "flash": request.query.get("msg"),
            "district_name": district_name,
            # A coordinator reads Latin letters (de, en): a Cyrillic name with its passport spelling.
            "latin_name": partial(with_latin, reader=locale),
            "label_of": partial(participant_label, reader=locale),
            "v": v,
            # One "today" for the page's every counted sentence ("starts in 3 days"), read once: the
            # same Thuringia day as matches_db.course_started's (reference.today).
            "explain": partial(explain, v, today=reference.today()),
            "flag_of": partial(history.flag, v),
            "ending_of": partial(history.ending, v),
            "side_of": partial(history.side, v),
            "detail_of": partial(history.detail, v),
            "state_of": partial(history.state, v),
            "who_of": partial(history.who, v),
            # The states in which a flag asks the coordinators to act, as the matches list filters them.
            "flaggable": matches.FLAGGABLE,
            **(context or {}),
        }
    )
    response = web.Response(text=html, content_type="text/html", status=status)
    response.headers["Cache-Control"] = "no-store"  # personal data: never from a shared cache
    if request.query.get("lang") in LOCALES:
        response.set_cookie(LOCALE_COOKIE, request.query["lang"], max_age=365 * 24 * 3600, httponly=True,
                            samesite="Lax", path="/dashboard")
    if not request.cookies.get(csrf.PRE_SESSION_COOKIE) and request.get(coordinator_key) is None:
        response.set_cookie(csrf.PRE_SESSION_COOKIE, token, httponly=True, samesite="Strict", path="/dashboard",
                            secure=request.app[settings_key].public_url.startswith("https:"))
    return response


def _other_language_url(request: web.Request, other: str) -> str:
    """This page in the other language, with its filters and paging (a one-time message is not kept)."""
    kept = [(name, value) for name, value in request.query.items() if name not in ("lang", "msg")]
    return f"{request.path}?{urlencode([*kept, ('lang', other)])}"


def participant_label(name: str | None, locale: str | None, kind: str | None, organisation: str | None,
                      reader: str = "de", given: str | None = None) -> str:
    """A participant as the dashboard's lists and titles name them: an employer or course provider
    (ORGANISATION_KINDS, whom a coordinator knows as "VHS Erfurt", not by whoever filled in the
    form) by its organisation with the contact in brackets ("Volkshochschule Erfurt (Jana Wendt)"),
    anyone else by their name (with its Latin spelling for one in another script: ``given``, their own
    name_latin, or a Cyrillic one's by table); "" for none."""
    person = with_latin(name, locale, reader, given)
    if kind in ORGANISATION_KINDS and organisation:
        return f"{organisation} ({person})" if person else organisation
    return person


def district_name(code: str | None) -> str:
    """A district's name ("Saale-Holzland-Kreis" for 16074); an unknown code as it is, none as ""."""
    district = districts().get(code or "")
    return district.name if district else (code or "")


def back(
    request: web.Request, path: str, message: str | None = None, *, anchor: str | None = None,
    query: Mapping[str, str] | None = None,
) -> web.HTTPSeeOther:
    """Post-redirect-get with a short message code shown once on the next page; ``anchor`` is the
    fragment to land at (the queue's newcomer just decided), ``query`` what else the page needs."""
    params = {**({"msg": message} if message else {}), **(query or {})}
    return web.HTTPSeeOther(path + (f"?{urlencode(params)}" if params else "") + (f"#{anchor}" if anchor else ""))


def path_id(request: web.Request) -> uuid.UUID:
    """The ``{id}`` in a dashboard page's path; one that is not a UUID is a page that does not exist."""
    try:
        return uuid.UUID(request.match_info["id"])
    except ValueError:
        raise web.HTTPNotFound() from None
