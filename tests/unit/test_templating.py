"""A locale's environment folds ``_("words")`` into its templates at compile time and keeps every
other ``_()`` a call; what a template renders is the same either way (see also
test_i18n_gettext.py, which renders every email in every locale both ways)."""

from __future__ import annotations

from typing import Any

import jinja2
import markupsafe
import pytest

from lotse.shared.templating import FoldedGettext, LocaleEnvironment

CATALOG = {"plain words": "schlichte Worte", "bold": "<b>fett</b> & mehr", "Hello %(name)s": "Hallo %(name)s",
           "100%% sure": "100%% sicher"}


def env(autoescape: bool, calls: list[str]) -> LocaleEnvironment:
    environment = LocaleEnvironment(autoescape=autoescape, extensions=[FoldedGettext])
    environment.constant_gettext = lambda text: CATALOG.get(text, text)

    @jinja2.pass_context
    def runtime_gettext(context: jinja2.runtime.Context, text: str, **variables: Any) -> str:
        calls.append(text)
        translated = CATALOG.get(text, text)
        return (markupsafe.Markup(translated) if context.eval_ctx.autoescape else translated) % variables

    environment.globals["_"] = runtime_gettext
    return environment


@pytest.mark.parametrize(("autoescape", "expected"), [
    (True, "schlichte Worte|<b>fett</b> & mehr|100% sicher|<B>FETT</B> & MEHR"),
    (False, "schlichte Worte|<b>fett</b> & mehr|100% sicher|<B>FETT</B> & MEHR"),
])
def test_words_without_variables_are_translated_once_at_compile_time(autoescape: bool, expected: str) -> None:
    calls: list[str] = []
    template = env(autoescape, calls).from_string(
        '{{ _("plain words") }}|{{ _("bold") }}|{{ _("100%% sure") }}|{{ _("bold")|upper }}')
    assert template.render() == template.render() == expected
    assert calls == []  # nothing left to translate per render


@pytest.mark.parametrize("autoescape", [True, False])
def test_calls_with_variables_stay_calls(autoescape: bool) -> None:
    calls: list[str] = []
    template = env(autoescape, calls).from_string('{{ _("Hello %(name)s", name=name) }}')
    rendered = template.render(name="<i>Lan</i>")
    assert rendered == ("Hallo &lt;i&gt;Lan&lt;/i&gt;" if autoescape else "Hallo <i>Lan</i>")
    assert calls == ["Hello %(name)s"]


def test_a_text_that_needs_variables_fails_at_render_as_before() -> None:
    calls: list[str] = []
    template = env(True, calls).from_string('{{ _("Hello %(name)s") }}')  # compiles
    with pytest.raises(KeyError):
        template.render()


def test_only_the_global_underscore_is_folded() -> None:
    calls: list[str] = []
    environment = env(False, calls)
    template = environment.from_string('{{ obj._("plain words") }} {{ _ ("plain words") }} {{ _("plain" ~ " words") }}')
    assert template.render(obj={"_": lambda text: f"own {text}"}) == "own plain words schlichte Worte schlichte Worte"
    assert calls == ["plain words"]  # the concatenation is a call; the attribute is the object's own


def test_without_a_catalog_nothing_is_folded() -> None:
    calls: list[str] = []
    environment = env(False, calls)
    environment.constant_gettext = None
    assert environment.from_string('{{ _("plain words") }}').render() == "schlichte Worte"
    assert calls == ["plain words"]


def test_globals_are_a_plain_dict_set_before_templates_load() -> None:
    environment = LocaleEnvironment()
    environment.globals["greeting"] = "moin"
    template = environment.from_string("{{ greeting }}")
    assert type(template.globals) is dict and template.render() == "moin"
