"""The error of a page that asks one thing (an introduction's answer, a check-in, the erasure's
tick box), in the shape the register and manage forms give theirs, so the same _fields.html macros
show it: "Error:" first in the title (page_title), a summary that takes focus on load without
JavaScript (error_summary), and the controls described by the message and marked invalid
(err, described). A message already in the page at load, even with role="alert", is not reliably
read out; the focused summary is (review 8b, finding 4)."""

from __future__ import annotations

from typing import Any, Final

from aiohttp import web

from lotse.intake.i18n import request_locale
from lotse.intake.web import vocabulary
from lotse.intake.web.render import gettext_for

# What those macros need when nothing is wrong.
NONE: Final[dict[str, Any]] = {"field_errors": {}, "labels": {}}


def one_error(request: web.Request, field: str, message: str, label: str) -> dict[str, Any]:
    """`field`'s error: `message` and `label` are msgids, said in the page's language."""
    gettext = gettext_for(request)
    # error_summary names the first control of the register form's groups from the vocabulary.
    return {"field_errors": {field: gettext(message)}, "labels": {field: gettext(label)},
            "vocab": vocabulary.for_locale(request_locale(request))}
