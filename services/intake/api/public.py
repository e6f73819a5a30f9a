"""Public JSON API: registration of the four participant kinds, and verification."""

from __future__ import annotations

from aiohttp import web

from lotse.intake import registrations
from lotse.intake.errors import ApiError, read_json_object
from lotse.intake.i18n import DOMAIN, PACKAGE, request_locale, translate_field_errors
from lotse.intake.ratelimit import RateLimiter
from lotse.intake.typedefs import intake_attempts_key, intake_limiter_key, pool_key, settings_key, signer_key
from lotse.intake.validation import N_, ValidationFailed, validate_registration
from lotse.shared import reference
from lotse.shared.i18n import language_tag, translations

# The forms' heading above the same field messages, so it is translated wherever they are.
INVALID_FIELDS = N_("Please check these fields")

# URL segment -> participant kind
KINDS = {
    "newcomers": "newcomer",
    "mentors": "mentor",
    "employers": "employer",
    "language-providers": "language_provider",
}


def client_address(request: web.Request) -> str:
    """The client's address; behind N trusted proxies, the one the outermost proxy saw.

    Only the last N entries of X-Forwarded-For were written by our proxies; anything before
    them is whatever the client sent, so it is never trusted.
    """
    hops = request.app[settings_key].proxy_hops
    if hops:
        forwarded = [a.strip() for a in request.headers.get("X-Forwarded-For", "").split(",") if a.strip()]
        if len(forwarded) >= hops:
            return forwarded[-hops]
    return request.remote or "unknown"


def seconds_to_wait(request: web.Request, key: web.AppKey[RateLimiter]) -> int | None:
    """Count this request against the limiter at ``key``; the Retry-After if it is one too many."""
    limiter = request.app[key]
    address = client_address(request)
    return None if limiter.allow(address) else limiter.retry_after_s(address)


def check_rate_limit(request: web.Request, key: web.AppKey[RateLimiter], message: str) -> None:
    wait = seconds_to_wait(request, key)
    if wait is not None:
        raise ApiError(429, message, headers={"Retry-After": str(wait)})


async def register(request: web.Request) -> web.Response:
    kind = KINDS[request.match_info["kinds"]]
    # Before the body is read: a flood past the ceiling costs next to nothing.
    check_rate_limit(request, intake_attempts_key,
                     "Too many registration attempts from this address. Please try again later.")
    payload = await read_json_object(request)
    try:
        registration = validate_registration(kind, payload, today=reference.today())
    except ValidationFailed as failed:
        raise invalid_fields(request, failed, payload.get("preferred_locale")) from None
    # Only an accepted registration counts: it is what stores data and sends an email. A rejected
    # one costs a bounded body and some CPU, capped by the attempts ceiling (see docs/decisions.md).
    check_rate_limit(request, intake_limiter_key, "Too many registrations from this address. Please try again later.")
    outcome = await registrations.register(request.app[pool_key], kind, registration)
    return web.json_response(
        {"id": str(outcome.participant_id), "status": "pending_verification"}, status=201
    )


def invalid_fields(request: web.Request, failed: ValidationFailed, preferred_locale: object) -> ApiError:
    """The 422 in one language, message and fields alike. The message was an English literal
    above fields in the requester's language: Accept-Language if it names a supported locale,
    else the body's `preferred_locale` if that is valid (an app that sends no header still
    speaks the person's language), else German."""
    locale = request_locale(request, fallback=preferred_locale)
    return ApiError(422, translations(PACKAGE, DOMAIN, locale).gettext(INVALID_FIELDS),
                    fields=translate_field_errors(failed.errors, locale),
                    headers={"Content-Language": language_tag(locale)})


async def verify(request: web.Request) -> web.Response:
    payload = await read_json_object(request)
    token = payload.get("token")
    unknown = sorted(set(payload) - {"token"})
    if not isinstance(token, str) or not token or unknown:
        fields: dict[str, str] = {}
        if not isinstance(token, str) and "token" in payload:  # sent as a number or null: as registrations say
            fields["token"] = "Must be text."
        elif not token:
            fields["token"] = "This field is required."
        fields.update({name: "Unknown field." for name in unknown})
        raise ApiError(422, "Send the token from the verification link.", fields=fields)
    try:
        participant = await registrations.verify(request.app[pool_key], request.app[signer_key], token)
    except registrations.VerificationFailed as failed:
        if str(failed) == "gone":
            raise ApiError(404, "This registration no longer exists.") from None
        raise ApiError(
            422, "The link is invalid or has expired.", fields={"token": "Invalid or expired."}
        ) from None
    return web.json_response({"id": str(participant["id"]), "status": participant["status"]})
