"""Rendering a page in the visitor's language, with what every page needs."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from functools import partial
from typing import Any

from aiohttp import web

from lotse.intake.dashboard import vocabulary as dashboard_vocabulary
from lotse.intake.i18n import (
    DOMAIN,
    LOCALE_COOKIE,
    PACKAGE,
    chosen_locale,
    keep_chosen_language,
    person_lang_query,
    request_locale,
)
from lotse.intake.typedefs import settings_key
from lotse.shared.i18n import environment, translations
from lotse.shared.name_search import with_latin
from lotse.shared.reference import locales

ONE_YEAR_S = 365 * 24 * 3600


def moment_for(request: web.Request) -> Callable[[datetime | None], Any]:
    """Times as the manage page and the dashboard give them: in Thuringia's time, in the reader's format."""
    return dashboard_vocabulary.for_locale(request_locale(request)).moment


def gettext_for(request: web.Request) -> Any:
    return translations(PACKAGE, DOMAIN, request_locale(request)).gettext


def render(
    request: web.Request, template: str, context: Mapping[str, Any] | None = None, *, status: int = 200
) -> web.Response:
    locale = request_locale(request)
    page = environment(PACKAGE, DOMAIN, locale).get_template(template)
    full = {
        "request_path": request.path,
        # The page's query but its language, which the header's switcher (a GET form) sends along, so
        # the page comes back as it was (the respond page's ?answer=, review 8c, finding 5).
        "kept_query": [(name, value) for name, value in request.query.items() if name != "lang"],
        # Appended to the page's own form actions and links ("?lang=vi" or ""), see keep_chosen_language.
        "lang_query": keep_chosen_language(request, ""),
        "person_lang_query": person_lang_query(request),
        "locale_names": locales(),
        "text_direction": "ltr",
        "centre_contact": request.app[settings_key].centre_contact,
        # A Cyrillic name with its passport spelling to a reader of Latin letters, as the emails and
        # the dashboard write it ("Оксана Мельник (Oksana Melnyk)"); as it is to anyone else.
        "latin_name": partial(with_latin, reader=locale),
        **(context or {}),
    }
    html = page.render(full)
    errors = full.get("field_errors") or {}
    if len(errors) > 1 and list(errors) != (ordered := in_page_order(html, errors)):
        html = page.render({**full, "field_errors": {field: errors[field] for field in ordered}})
    response = web.Response(text=html, content_type="text/html", status=status)
    chosen = chosen_locale(request)
    if chosen is not None:
        # Remember an explicit choice; it is not personal data, so no consent is needed for it.
        response.set_cookie(LOCALE_COOKIE, chosen, max_age=ONE_YEAR_S, samesite="Lax", httponly=True)
    return response


def in_page_order(html: str, field_errors: Mapping[str, str]) -> list[str]:
    """The fields in error as the page shows their messages (each next to its field, `<id>-error`),
    so the error summary reads top-down like the form: the validator checks in its own order (the
    common fields and consent first), and each template places the fields as it likes. A field
    whose message the page does not show keeps its place at the end."""
    where = {field: html.find(f' id="{field}-error"') for field in field_errors}
    return sorted(field_errors, key=lambda field: (where[field] < 0, where[field]))
