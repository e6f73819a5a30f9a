"""Notification type + locale + context → subject, text part and HTML part.

Each notification type is three jinja2 templates under `templates/email/`: `<type>.subject.j2`,
`<type>.txt.j2` and `<type>.html.j2` (HTML autoescaped, so a name with markup stays text).
Words come from the notifier's gettext catalog for the locale (`locales/<locale>/...`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any, Final

from jinja2 import Template

from lotse.notifier.bidi import isolated
from lotse.shared.config import Settings
from lotse.shared.i18n import SUPPORTED_LOCALES, environment

PACKAGE: Final = "lotse.notifier"
DOMAIN: Final = "notifier"
TYPES: Final = (
    "verification", "registration_confirmed", "introduction", "reminder", "match_declined", "match_ended", "checkin",
    "erasure_confirmation", "digest", "already_registered", "manage_link", "match_active", "email_change_confirm",
    "email_change_notice", "email_changed", "contact_changed", "checkin_again",
    "pause_ending", "paused_by_centre", "resumed_by_centre", "inactive_erasure_notice",
)


#: The footer of an email rendered without the notifier's settings (the preview, tests).
NO_SETTINGS_FOOTER: Final[Mapping[str, Any]] = {"replies_read": False, "centre_contact": None}


def footer(settings: Settings) -> dict[str, Any]:
    """What every email's footer says about replies and where to get help (review 12, F4)."""
    return {"replies_read": settings.mail_reply_to is not None, "centre_contact": settings.centre_contact}


class UnknownNotification(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class RenderedEmail:
    subject: str
    text: str
    html: str | None


def render_email(type_: str, locale: str, context: Mapping[str, Any],
                 footer: Mapping[str, Any] = NO_SETTINGS_FOOTER) -> RenderedEmail:
    """``footer``: :func:`footer` of the sending notifier's settings; a context's own values win."""
    if type_ not in TYPES:
        raise UnknownNotification(type_)
    subject_template, text_template, html_template = _templates(
        type_, locale if locale in SUPPORTED_LOCALES else "en")
    values = {**footer, **context}
    subject = subject_template.render(values)
    return RenderedEmail(
        # A subject is one line, whatever a translation or template left around it.
        subject=isolated(" ".join(subject.split())),
        text=isolated(text_template.render(values).strip() + "\n"),
        html=isolated(html_template.render(values)),
    )


@cache
def _templates(type_: str, locale: str) -> tuple[Template, Template, Template]:
    """A type's subject, text and HTML templates in a locale, looked up once: jinja's own lookup
    (name, loader cache, its lock) for three templates per email was about 2 % of the notifier's CPU."""
    env = environment(PACKAGE, DOMAIN, locale)
    return (env.get_template(f"email/{type_}.subject.j2"), env.get_template(f"email/{type_}.txt.j2"),
            env.get_template(f"email/{type_}.html.j2"))
