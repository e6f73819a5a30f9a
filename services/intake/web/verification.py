"""The page behind the link in the verification email."""

from __future__ import annotations

from aiohttp import web

from lotse.intake import registrations
from lotse.intake.i18n import speak_as_person
from lotse.intake.typedefs import pool_key, settings_key, signer_key
from lotse.intake.web import expired_links
from lotse.intake.web.own_page import manage_url
from lotse.intake.web.render import render
from lotse.shared import tokens


async def verify_page(request: web.Request) -> web.Response:
    """The contract makes the GET itself verify; it is idempotent, so a second click is harmless."""
    try:
        verified = await registrations.verify(request.app[pool_key], request.app[signer_key],
                                              request.match_info["token"])
    except registrations.OutdatedLink as outdated:
        speak_as_person(request, outdated.person["preferred_locale"])
        raise expired_links.outdated(request) from None
    except registrations.VerificationFailed as failure:
        status = 400 if failure.reason == "invalid" else 410
        context: dict[str, object] = {"outcome": failure.reason}
        if failure.token_error is not None:
            await expired_links.speak_as_link_owner(request, failure.token_error)
            if isinstance(failure.token_error, tokens.ExpiredToken):
                # Still ours, only too old: said plainly, as the other links' pages do (a8f71d0).
                context["expired_days"] = _link_days(request)
        return render(request, "verify.html", context, status=status)
    speak_as_person(request, verified["preferred_locale"])
    # A mentor is told what is looked for her, not the newcomer's "matches for you" (review 8d, finding 3).
    # The way on to what they entered (review 11b, L7: the page was a dead end): to check it, add a
    # second course or position, or pause, without going back to the mailbox.
    return render(request, "verify.html", {"outcome": "verified", "kind": verified["kind"],
                                           "manage_url": manage_url(request, verified["id"])})


def _link_days(request: web.Request) -> int:
    """How long a verification link works: until the token expires, and no longer than the
    registration it confirms, which retention deletes after LOTSE_VERIFICATION_TTL_DAYS."""
    return min(tokens.MAX_AGE[tokens.VERIFY].days, request.app[settings_key].verification_ttl_days)
