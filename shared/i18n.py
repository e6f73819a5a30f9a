"""Locales, message catalogs and per-locale jinja2 environments for every service.

Catalogs are gettext `.po` files under `<package>/locales/<locale>/LC_MESSAGES/<domain>.po`,
read with Babel and compiled in memory on first use: no compiled `.mo` files in the tree,
no build step that could be forgotten. `de-simple` (Einfache Sprache) falls back to `de`
for any message it does not rephrase; every locale falls back to the English msgid.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from functools import cache, partial
from importlib import resources
from typing import Any, Final

import jinja2
import markupsafe
from babel import Locale
from babel.lists import format_list
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

from lotse.shared.reference import taxonomy
from lotse.shared.templating import FoldedGettext, LocaleEnvironment

SOURCE_LOCALE: Final = "en"
DEFAULT_LOCALE: Final = "de"
SUPPORTED_LOCALES: Final[tuple[str, ...]] = tuple(taxonomy()["locales"])
_FALLBACKS: Final = {"de-simple": "de"}
# Locale keys are our own names (URLs, `?lang=`, stored preferred_locale, catalogs); `de-simple` is
# not a BCP 47 tag. HTML lang/hreflang and Content-Language need one (docs/decisions.md).
_LANGUAGE_TAGS: Final = {"de-simple": "de-x-simple"}


def language_tag(locale: str) -> str:
    """The BCP 47 tag for a locale key, for HTML `lang`/`hreflang` and `Content-Language`."""
    return _LANGUAGE_TAGS.get(locale, locale)


def negotiate_locale(accept_language: str | None, default: str = DEFAULT_LOCALE) -> str:
    """The best supported locale for an Accept-Language header (RFC 9110 weights)."""
    if not accept_language:
        return default
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(accept_language.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if tag and quality > 0:
            ranked.append((-quality, position, tag.strip().lower()))
    for _, _, tag in sorted(ranked):
        if tag in SUPPORTED_LOCALES:
            return tag
        primary = tag.split("-")[0]
        if primary in SUPPORTED_LOCALES:
            return primary
    return default


def catalog_path(package: str, domain: str, locale: str) -> resources.abc.Traversable:
    return resources.files(package) / "locales" / locale / "LC_MESSAGES" / f"{domain}.po"


def _load(package: str, domain: str, locale: str) -> NullTranslations | None:
    path = catalog_path(package, domain, locale)
    if not path.is_file():
        return None
    with path.open("rb") as po:
        catalog = read_po(po, locale=None, domain=domain)
    compiled = io.BytesIO()
    # Fuzzy entries are drafts a translator has not confirmed: they are not shown.
    write_mo(compiled, catalog, use_fuzzy=False)
    compiled.seek(0)
    return Translations(compiled, domain=domain)


@cache
def translations(package: str, domain: str, locale: str) -> NullTranslations:
    """gettext for one locale; unknown locales and missing catalogs fall back to the msgid."""
    found = _load(package, domain, locale) or NullTranslations()
    fallback = _FALLBACKS.get(locale)
    if fallback:
        found.add_fallback(translations(package, domain, fallback))
    return found


def _escapes_html(template_name: str | None) -> bool:
    """HTML templates autoescape; plain-text ones (`*.txt.j2`, subject lines) must not."""
    return template_name is None or template_name.endswith((".html", ".html.j2"))


def as_text(value: object) -> markupsafe.Markup:
    """Escape a value for HTML even when it arrives as Markup from a plain-text macro.

    Macros shared by text and HTML templates live in non-escaping files, and Jinja marks a
    macro's output safe; in HTML it must pass through this filter.
    """
    return markupsafe.escape(str(value))


def list_joiner(locale: str) -> Callable[..., str]:
    """A jinja filter that joins items as the locale writes a list: "A, B and C", "A、B和C".

    A plain ", " is not every language's comma (Chinese enumerates with "、"). In an autoescaping
    template each item is escaped (Markup stays as it is) and the joined list is Markup.
    """
    cldr = Locale.parse(locale.split("-")[0])  # de-simple writes lists as German does

    @jinja2.pass_eval_context
    def join(eval_ctx: jinja2.nodes.EvalContext, items: Iterable[object]) -> str:
        if eval_ctx.autoescape:
            return markupsafe.Markup(format_list([markupsafe.escape(i) for i in items], locale=cldr))
        return format_list([str(i) for i in items], locale=cldr)

    return join


# Turkic casing: the dotted capital İ is i, the dotless I is ı. str.lower() gives "i̇" (i and a
# combining dot) for İ and "i" for I, both wrong in Azerbaijani.
_TURKIC_LOWER: Final = str.maketrans({"İ": "i", "I": "ı"})
_TURKIC: Final = frozenset({"az"})


def lower_first(text: str, locale: str) -> str:
    """The first letter in lower case as the locale writes it ("İnsanlarla" → "insanlarla" in az)."""
    first = text[:1]
    if locale.split("-")[0] in _TURKIC:
        first = first.translate(_TURKIC_LOWER)
    return first.lower() + text[1:]


@cache
def environment(package: str, domain: str, locale: str) -> LocaleEnvironment:
    """One autoescaping environment per locale, so concurrent renders never share gettext."""
    env = LocaleEnvironment(
        loader=jinja2.PackageLoader(package, "templates"),
        autoescape=_escapes_html,
        extensions=["jinja2.ext.i18n", "jinja2.ext.do", FoldedGettext],
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        # Templates ship inside the package and change only with a new release (and restart);
        # checking every file's mtime on each render cost the notifier a tenth of its CPU.
        auto_reload=False,
    )
    env.filters["as_text"] = as_text
    env.filters["format_list"] = list_joiner(locale)
    env.filters["lower_first"] = partial(lower_first, locale=locale)
    catalog = translations(package, domain, locale)
    env.install_gettext_translations(catalog, newstyle=True)  # type: ignore[attr-defined]
    env.globals["_"] = _direct_gettext(catalog)
    env.constant_gettext = catalog.gettext
    env.globals["locale"] = locale
    env.globals["language_tag"] = language_tag
    return env


def _direct_gettext(catalog: NullTranslations) -> Any:
    """Jinja's new-style ``_()`` (translate, mark safe where the template autoescapes, always
    %-format), without the two ``Context.call`` hops of jinja's alias: those were half of an
    email's rendering time. ``tests/unit/test_i18n_gettext.py`` renders every template both ways."""
    lookup = catalog.gettext

    @jinja2.pass_context
    def gettext(context: jinja2.runtime.Context, string: str, **variables: Any) -> str:
        text = lookup(string)
        if context.eval_ctx.autoescape:
            text = markupsafe.Markup(text)
        return text % variables

    return gettext


def untranslated(package: str, domain: str, locale: str) -> list[str]:
    """Msgids of the template catalog (`<domain>.pot`) that the locale's catalog lacks.

    The run-time fallback (`de-simple` -> `de`) does not count: a message plain German only
    inherits reaches its readers in standard German, so it is untranslated until its own
    catalog says it (in the same words, if those are plain already).
    """
    pot = resources.files(package) / "locales" / f"{domain}.pot"
    with pot.open("rb") as file:
        wanted = [m.id for m in read_po(file) if m.id]
    translated = _translated_ids(package, domain, locale)
    # A plural message is named by its singular msgid.
    return [str(msgid[0] if isinstance(msgid, tuple) else msgid) for msgid in wanted if msgid not in translated]


def _translated_ids(package: str, domain: str, locale: str) -> set[Any]:
    path = catalog_path(package, domain, locale)
    if not path.is_file():
        return set()
    with path.open("rb") as file:
        return {m.id for m in read_po(file) if m.id and not m.fuzzy and _has_every_form(m.string)}


def _has_every_form(string: str | tuple[str, ...] | list[str] | None) -> bool:
    """A plural translation counts only when each of its forms is filled in."""
    forms = string if isinstance(string, (tuple, list)) else (string,)
    return all(forms)
