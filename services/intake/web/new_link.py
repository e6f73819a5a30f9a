"""The public "Get a new link to your registration" page: POST-redirect-GET, no JavaScript needed."""

from __future__ import annotations

from aiohttp import web

from lotse.intake.api.public import seconds_to_wait
from lotse.intake.errors import read_form
from lotse.intake.i18n import keep_chosen_language
from lotse.intake.manage_links import send_new_links
from lotse.intake.typedefs import after_response_key, intake_attempts_key, intake_limiter_key, pool_key
from lotse.intake.validation import ValidationFailed, validate_email
from lotse.intake.web import registration
from lotse.intake.web.render import gettext_for, render


async def form_page(request: web.Request) -> web.Response:
    return _form(request, {}, {})


async def submit(request: web.Request) -> web.Response:
    form = registration.taking_suggestion(await read_form(request), "email")
    typed = form.get("email")
    values = {"email": typed if isinstance(typed, str) else ""}
    if (wait := seconds_to_wait(request, intake_attempts_key)) is not None:
        return _limited(request, values, wait)
    try:
        email = validate_email(typed)
    except ValidationFailed as failed:
        return _form(request, values, failed.fields(gettext_for(request)), status=422)
    # A slip like …@gmial.com found no registration and sent nothing, unnoticed: asked once, as the
    # registration form and the manage page do; sent again unchanged, the address is used as typed.
    if (asked := registration.typo_question(form, email, gettext_for(request))) is not None:
        meant, question = asked
        return _form(request, values, {"email": question}, status=422, email_as_typed=email, email_suggested=meant)
    # Counted like a registration: each one sends email, so both share one budget per address.
    if (wait := seconds_to_wait(request, intake_limiter_key)) is not None:
        return _limited(request, values, wait)
    # Looked up and written after the answer: in the request, a registered address cost an outbox
    # write that an unknown one did not, measurably slower (review 9a F10; docs/decisions.md).
    request.app[after_response_key].start(send_new_links(request.app[pool_key], email), name="new-links")
    raise web.HTTPSeeOther(keep_chosen_language(request, str(request.app.router["new_link_sent"].url_for())))


def _limited(request: web.Request, values: dict[str, str], wait: int) -> web.Response:
    page = _form(request, values, {}, limited=True, status=429)
    page.headers["Retry-After"] = str(wait)
    return page


def _form(request: web.Request, values: dict[str, str], errors: dict[str, str], *, limited: bool = False,
          status: int = 200, email_as_typed: str | None = None, email_suggested: str | None = None) -> web.Response:
    return render(request, "new_link.html", {"values": values, "field_errors": errors, "limited": limited,
                                             "email_as_typed": email_as_typed, "email_suggested": email_suggested},
                  status=status)


async def sent(request: web.Request) -> web.Response:
    return render(request, "new_link_sent.html")
