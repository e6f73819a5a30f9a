"""The jinja2 environment of one locale, made cheaper to render with.

Every locale has an environment of its own (see `i18n.environment`), and its templates are
compiled once, so two things a render used to redo each time are done once per template:
translating ``_()`` calls that have no variables, and flattening the globals.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, MutableMapping
from typing import Any

import jinja2
import jinja2.ext
from jinja2.lexer import Token, TokenStream

#: The tokens of ``_("words")``.
_CALL = ("name", "lparen", "string", "rparen")


class LocaleEnvironment(jinja2.Environment):
    #: The catalog's gettext, for `FoldedGettext`; None leaves every ``_()`` a call.
    constant_gettext: Callable[[str], str] | None = None

    def make_globals(self, d: MutableMapping[str, Any] | None) -> MutableMapping[str, Any]:
        # A dict, not jinja's ChainMap over the environment's globals: each render copies a
        # template's globals into its context, and iterating the ChainMap was a tenth of an
        # email's rendering. The globals are all in place before the first template loads.
        return {**self.globals, **(d or {})}


class FoldedGettext(jinja2.ext.Extension):
    """``_("words")`` without variables is translated once, when the template is compiled.

    The environment belongs to one locale, so such a call always gives the same text. Folded
    into the template as a constant (marked safe where the template autoescapes, as ``_()``
    marks it), it costs nothing per render; ``_()`` calls were a third of an email's rendering.
    A call with variables, or whose text does not format without any, stays a call, so it
    renders, or fails, exactly as before.
    """

    def filter_stream(self, stream: TokenStream) -> Iterator[Token]:
        gettext = getattr(self.environment, "constant_gettext", None)
        if gettext is None:
            yield from stream
            return
        escapes = _autoescapes(self.environment, stream.name)
        held: list[Token] = []
        previous = ""
        for token in stream:
            if held and token.type != _CALL[len(held)]:
                yield from held
                held = []
            if held or (token.type == "name" and token.value == "_" and previous != "dot"):
                held.append(token)
            else:
                yield token
            previous = token.type
            if len(held) == len(_CALL):
                text = _formatted(gettext(held[2].value))
                yield from held if text is None else _constant(held[0].lineno, text, escapes)
                held = []
        yield from held


def _formatted(text: str) -> str | None:
    """What ``_()`` does to a text given no variables (it always %-formats); None if that fails."""
    try:
        return text % {}
    except (KeyError, ValueError, TypeError):
        return None


def _constant(lineno: int, text: str, escapes: bool) -> list[Token]:
    if not escapes:
        return [Token(lineno, "string", text)]
    return [Token(lineno, "lparen", "("), Token(lineno, "string", text), Token(lineno, "pipe", "|"),
            Token(lineno, "name", "safe"), Token(lineno, "rparen", ")")]


def _autoescapes(env: jinja2.Environment, template_name: str | None) -> bool:
    return bool(env.autoescape(template_name) if callable(env.autoescape) else env.autoescape)
