"""Which language a request is answered in, and translation of validation messages."""

from __future__ import annotations

from collections.abc import Mapping

from aiohttp import web

from lotse.intake.validation import FieldError
from lotse.shared.i18n import SUPPORTED_LOCALES, negotiate_locale, translations

LOCALE_COOKIE = "lotse_locale"
PACKAGE = "lotse.intake"
DOMAIN = "intake"


def request_locale(request: web.Request) -> str:
    """An explicit choice (?lang=, then the remembered cookie) wins over Accept-Language."""
    for candidate in (request.query.get("lang"), request.cookies.get(LOCALE_COOKIE)):
        if candidate in SUPPORTED_LOCALES:
            return candidate
    return negotiate_locale(request.headers.get("Accept-Language"))


def translate_field_errors(errors: Mapping[str, FieldError], locale: str) -> dict[str, str]:
    gettext = translations(PACKAGE, DOMAIN, locale).gettext
    return {path: error.render(gettext) for path, error in errors.items()}
