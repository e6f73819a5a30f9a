"""The public registration forms: one per kind, POST-redirect-GET to a confirmation page."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any, Final

from aiohttp import web
from multidict import MultiDict, MultiDictProxy

from lotse.intake import email_typos, participants_db, registrations
from lotse.intake.api.public import seconds_to_wait
from lotse.intake.errors import read_form
from lotse.intake.i18n import request_locale, switch_language
from lotse.intake.typedefs import intake_attempts_key, intake_limiter_key, pool_key, settings_key, signer_key
from lotse.intake.validation import N_, FieldError, ValidationFailed, validate_registration
from lotse.intake.web import forms, labels, messages, vocabulary
from lotse.intake.web.render import gettext_for, render
from lotse.shared import reference, tokens

# URL segment → participant kind
KINDS: Final = {
    "newcomer": "newcomer",
    "mentor": "mentor",
    "employer": "employer",
    "language-provider": "language_provider",
}
# A hidden field of the form: the language the page was drawn in (see _email_language_follows).
PAGE_LOCALE: Final = "page_locale"
# A hidden field: the address the form asked "Did you mean …?" about. Sent again unchanged, it is
# kept as typed: a real mailbox at a look-alike domain must not be refused (email_typos).
EMAIL_AS_TYPED: Final = "email_as_typed"
EMAIL_TYPO: Final = N_("Did you mean %(address)s? If your address is right as it is, send the form again.")
# The hint's button that takes the address meant (review 8j, finding 4): a submit button's name and
# value are sent only when it is pressed, so no JavaScript is needed and nobody edits "gmial" by hand.
EMAIL_SUGGESTED: Final = "email_suggested"  # its label: "Use %(address)s" (_fields.use_suggested)
# From the form's POST to its thanks page (POST-redirect-GET): whom the verification went to, signed
# (tokens.REGISTERED), so the page can show the address without it in the URL (review 8f, finding 1).
REGISTERED_COOKIE: Final = "lotse_registered"


def _kind(request: web.Request) -> tuple[str, str]:
    segment = request.match_info["kind"]
    if segment not in KINDS:
        raise web.HTTPNotFound()
    return segment, KINDS[segment]


async def index(request: web.Request) -> web.Response:
    return render(request, "index.html")


def _page(request: web.Request, segment: str, kind: str, values: dict[str, Any], errors: dict[str, str],
          rows: dict[str, int], status: int = 200, template: str = "register.html",
          email_as_typed: str | None = None, email_suggested: str | None = None,
          added_row: str | None = None) -> web.Response:
    gettext = gettext_for(request)
    field_errors: dict[str, str] = {}
    for path, message in errors.items():
        field_errors.setdefault(forms.field_id(path), message)
    names = labels.for_page(gettext, kind, field_errors)
    return render(
        request,
        template,
        {
            "segment": segment,
            "kind": kind,
            "values": values,
            "field_errors": field_errors,
            "labels": names,
            "rows": rows,
            # "Add another course" without JavaScript: the new row's first field takes focus (and
            # the page opens there), not the top of a long form (review 11b, L2).
            "added_row": added_row,
            "vocab": vocabulary.for_locale(request_locale(request)),
            "today": reference.today().isoformat(),
            "email_as_typed": email_as_typed,
            "email_suggested": email_suggested,
        },
        status=status,
    )


def _rows(form: forms.Form | None, add: str | None = None) -> dict[str, int]:
    rows = {
        "languages": max(forms.LANGUAGE_ROWS, forms.row_count(form, "languages") if form else 0),
        "positions": max(forms.MIN_ROWS["positions"], forms.row_count(form, "positions") if form else 0),
        "courses": max(forms.MIN_ROWS["courses"], forms.row_count(form, "courses") if form else 0),
    }
    if add in rows:
        rows[add] = min(forms.MAX_ROWS, rows[add] + 1)
    return rows


async def form_page(request: web.Request) -> web.Response:
    segment, kind = _kind(request)
    values = {"preferred_locale": request_locale(request), **forms.TICKED_BY_DEFAULT.get(kind, {})}
    return _page(request, segment, kind, values, {}, _rows(None))


def _email_language_follows(request: web.Request, values: dict[str, Any]) -> None:
    """After a switch, "Language for e-mails" shows the new page language unless the person chose
    it: its default is the language the page was drawn in (form_page), which the form sends back as
    PAGE_LOCALE, so an e-mail language equal to it is taken for that default. Kept as sent, a
    newcomer who switched from German to Vietnamese would get every e-mail in German."""
    if values.get("preferred_locale") == values.get(PAGE_LOCALE):
        values["preferred_locale"] = request_locale(request)


async def submit(request: web.Request) -> web.Response:
    segment, kind = _kind(request)
    form = taking_suggestion(await read_form(request), "email")
    add_row = form.get("add_row")
    adding = add_row if isinstance(add_row, str) and add_row else None
    switched = switch_language(request, form)
    if switched or adding:
        # Another language, or "Add another position/course", without JavaScript: show the form
        # again as sent (one row more for the latter), nothing checked, counted or stored.
        values = forms.form_values(form)
        if switched:
            _email_language_follows(request, values)
        return _page(request, segment, kind, values, {}, _rows(form, adding), added_row=adding)
    if (wait := seconds_to_wait(request, intake_attempts_key)) is not None:
        return _limited(request, segment, kind, form, wait)
    payload = forms.to_payload(kind, form)
    gettext = gettext_for(request)
    typed = _typed_email(form)
    asked = typo_question(form, typed, gettext)
    try:
        registration = validate_registration(kind, payload, today=reference.today())
    except ValidationFailed as failed:
        errors = messages.form_errors(form, failed, gettext, payload)
        if asked is not None and "email" in errors:
            asked = None  # the address is wrong anyway: its error, not the hint (nor its button), is shown
        if asked is not None:  # asked now, not after the other fields are fixed
            errors["email"] = asked[1]
        # Not set beside other errors: sent again, such a page answers those, not the hint (review
        # 8h, finding 2), so the hint comes back until it is the page's only error.
        return _page(request, segment, kind, forms.form_values(form), errors, _rows(form), status=422,
                     email_as_typed=_confirmed(form, typed), email_suggested=asked[0] if asked else None)
    if asked is not None:
        meant, question = asked
        return _page(request, segment, kind, forms.form_values(form), {"email": question}, _rows(form),
                     status=422, email_as_typed=typed, email_suggested=meant)
    # Counted only once accepted, as in the API: typing mistakes at a shared address cost nothing.
    if (wait := seconds_to_wait(request, intake_limiter_key)) is not None:
        return _limited(request, segment, kind, form, wait)
    registered = await registrations.register(request.app[pool_key], kind, registration)
    thanks = str(request.app.router["registered"].url_for(kind=segment))
    answer = web.HTTPSeeOther(thanks)
    # HttpOnly, for this one page, and as short-lived as its signature: the id, not the address.
    answer.set_cookie(REGISTERED_COOKIE, request.app[signer_key].sign(tokens.REGISTERED,
                                                                      pid=str(registered.participant_id)),
                      path=thanks, max_age=int(tokens.MAX_AGE[tokens.REGISTERED].total_seconds()),
                      httponly=True, samesite="Lax",
                      secure=request.app[settings_key].public_url.startswith("https:"))
    raise answer


def _typed_email(form: forms.Form) -> str:
    """The address as typed, trimmed; "" when none was sent."""
    typed = form.get("email")
    return typed.strip() if isinstance(typed, str) else ""


def typo_question(form: Any, address: str, gettext: Callable[[str], str], message: str = EMAIL_TYPO,
                  **params: str) -> tuple[str, str] | None:
    """The address meant and the "Did you mean …?" error (``message``, with ``params`` beside the
    address) for an address the page validated alone (the manage page's new address, /new-link), so
    it is that page's only error: None when its domain is no known slip, or when the person sent it
    again unchanged after being asked (EMAIL_AS_TYPED), which keeps it as typed."""
    if form.get(EMAIL_AS_TYPED) == address or (meant := email_typos.suggestion(address)) is None:
        return None
    return meant, FieldError(message, {"address": meant, **params}).render(gettext)


def taking_suggestion(form: MultiDictProxy[Any], field: str) -> MultiDictProxy[Any]:
    """``form`` with ``field`` set to the address meant when the hint's "Use …" button sent it
    (EMAIL_SUGGESTED); as sent otherwise. Checked afterwards like any typed address."""
    meant = form.get(EMAIL_SUGGESTED)
    if not isinstance(meant, str):
        return form
    taken = MultiDict(form)
    taken[field] = meant
    return MultiDictProxy(taken)


def _confirmed(form: forms.Form, typed: str) -> str | None:
    """``typed`` when the person has confirmed it already (sent it again from a page on which the
    hint was the only error), so fixing another field later does not ask about it once more."""
    return typed if typed and form.get(EMAIL_AS_TYPED) == typed else None


def _limited(request: web.Request, segment: str, kind: str, form: forms.Form, wait: int) -> web.Response:
    """The same form, filled in as sent, so nobody has to type five minutes of answers again."""
    page = _page(request, segment, kind, forms.form_values(form), {}, _rows(form), status=429,
                 template="too_many.html")
    page.headers["Retry-After"] = str(wait)
    return page


async def registered(request: web.Request) -> web.Response:
    segment, kind = _kind(request)
    return render(request, "registered.html", {
        "kind": kind,
        "segment": segment,
        "email": await _registered_email(request),
        # Unconfirmed registrations are deleted after this (retention.delete_unverified).
        "unverified_days": request.app[settings_key].verification_ttl_days,
    })


async def _registered_email(request: web.Request) -> str | None:
    """The address the form just registered, from the signed cookie; None without one (cookies
    off, or opened later), and the page then says "we have sent you an e-mail" as before."""
    cookie = request.cookies.get(REGISTERED_COOKIE)
    if not cookie:
        return None
    try:
        participant_id = uuid.UUID(str(request.app[signer_key].load(tokens.REGISTERED, cookie)["pid"]))
    except (tokens.InvalidToken, KeyError, ValueError):
        return None
    async with request.app[pool_key].acquire() as conn:
        return await participants_db.email_of(conn, participant_id)
