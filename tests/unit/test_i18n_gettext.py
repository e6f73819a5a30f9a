"""The templates' ``_()`` (shared.i18n's direct one) gives exactly what jinja's own new-style
gettext gives: every email in every locale, and the edge cases of escaping and formatting."""

from __future__ import annotations

import jinja2
import pytest

from lotse.notifier.preview import SAMPLE
from lotse.notifier.render import DOMAIN, PACKAGE, TYPES
from lotse.shared.i18n import SUPPORTED_LOCALES, environment


def jinjas_own(package: str, domain: str, locale: str) -> jinja2.Environment:
    env = environment.__wrapped__(package, domain, locale)
    env.globals["_"] = env.globals["gettext"]  # what jinja's `_` alias resolves and calls
    env.constant_gettext = None  # every `_()` a call at render time, none folded at compile time
    return env


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_every_email_renders_as_with_jinjas_own_gettext(locale: str) -> None:
    direct, reference = environment(PACKAGE, DOMAIN, locale), jinjas_own(PACKAGE, DOMAIN, locale)
    assert direct.globals["_"] is not reference.globals["_"]
    hostile = {**SAMPLE, "name": "<b>100% Lan</b> & %(x)s"}
    for notification in TYPES:
        for part in ("subject", "txt", "html"):
            name = f"email/{notification}.{part}.j2"
            assert direct.get_template(name).render(hostile) == reference.get_template(name).render(hostile), name


@pytest.mark.parametrize("source", [
    '{{ _("Hello %(name)s,", name=name) }}',
    '{{ _("100%% sure") }}',
    '{{ _("plain words") }}',
    '{{ _("Hello %(name)s,", name=name) ~ "<i>" }}',
])
@pytest.mark.parametrize("autoescape", [True, False])
def test_escaping_and_formatting_match(source: str, autoescape: bool) -> None:
    direct, reference = environment(PACKAGE, DOMAIN, "de"), jinjas_own(PACKAGE, DOMAIN, "de")
    name = "<script>1 % 2</script>"
    rendered = [env.overlay(autoescape=autoescape).from_string(source).render(name=name)
                for env in (direct, reference)]
    assert rendered[0] == rendered[1]
    if "name=name" in source:
        assert ("<script>" in rendered[0]) is not autoescape


def test_a_missing_placeholder_fails_the_same_way() -> None:
    for env in (environment(PACKAGE, DOMAIN, "de"), jinjas_own(PACKAGE, DOMAIN, "de")):
        with pytest.raises(KeyError):
            env.from_string('{{ _("Hello %(name)s,") }}').render()
