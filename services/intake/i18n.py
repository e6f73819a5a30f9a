"""Which language a request is answered in, and translation of validation messages."""

from __future__ import annotations

from collections.abc import Mapping

from aiohttp import web

from lotse.intake.validation import FieldError
from lotse.shared.i18n import DEFAULT_LOCALE, SUPPORTED_LOCALES, negotiate_locale, translations

LOCALE_COOKIE = "lotse_locale"
# Per request: the language the person behind an emailed link chose (their preferred_locale).
person_locale_key = web.RequestKey("person_locale", str)
# Per request: the language picked with the switcher on a page's form (see switch_language).
switched_locale_key = web.RequestKey("switched_locale", str)
PACKAGE = "lotse.intake"
DOMAIN = "intake"


def request_locale(request: web.Request, fallback: object = None) -> str:
    """An explicit choice on the page (the switcher, ?lang=) wins; then, on a page behind an emailed link, the
    person's own language; then the remembered cookie; then Accept-Language, if it names a supported
    locale; then `fallback` if it is one (the API's body's preferred_locale); then German.

    The person's language beats the cookie and the header because both belong to the browser,
    which may be a shared one at a welcome centre or a phone set to another language.
    """
    candidates = (chosen_locale(request), request.get(person_locale_key), request.cookies.get(LOCALE_COOKIE))
    for candidate in candidates:
        if candidate in SUPPORTED_LOCALES:
            return candidate
    default = fallback if isinstance(fallback, str) and fallback in SUPPORTED_LOCALES else DEFAULT_LOCALE
    return negotiate_locale(request.headers.get("Accept-Language"), default)


def chosen_locale(request: web.Request) -> str | None:
    """The language picked on the page, if any: with the switcher sent along with a form, else ?lang=.

    The switcher's pick beats ?lang= because a form that was already in a chosen language posts to
    its own URL with that ?lang= (keep_chosen_language), and the switch is the newer choice.
    """
    for candidate in (request.get(switched_locale_key), request.query.get("lang")):
        if candidate in SUPPORTED_LOCALES:
            return candidate
    return None


def switch_language(request: web.Request, form: Mapping[str, object]) -> bool:
    """Whether `form` was sent with the language switcher (base.html ties it to a page's form)
    rather than to be saved. If so, the page is to be drawn again as sent, unchecked and unsaved,
    in the language picked: switching languages halfway must not cost what was typed."""
    if "switch_lang" not in form:
        return False
    request[switched_locale_key] = str(form.get("lang", ""))
    return True


def speak_as_person(request: web.Request, locale: str | None) -> None:
    """Answer this request in the language the person chose, unless the page is told otherwise."""
    if locale in SUPPORTED_LOCALES:
        request[person_locale_key] = locale


def keep_chosen_language(request: web.Request, url: str) -> str:
    """`url` with the ?lang= chosen on this page, so a form post or redirect stays in that language."""
    chosen = chosen_locale(request)
    if chosen is None:
        return url
    return f"{url}{'&' if '?' in url else '?'}lang={chosen}"


def person_lang_query(request: web.Request) -> str:
    """"?lang=…" for a link from an emailed link's page to a page without the person (/new-link):
    the language chosen on this page, else the person's own, so the next page speaks it too."""
    chosen = keep_chosen_language(request, "")
    person = request.get(person_locale_key)
    return chosen or (f"?lang={person}" if person in SUPPORTED_LOCALES else "")


def translate_field_errors(errors: Mapping[str, FieldError], locale: str) -> dict[str, str]:
    gettext = translations(PACKAGE, DOMAIN, locale).gettext
    return {path: error.render(gettext) for path, error in errors.items()}
