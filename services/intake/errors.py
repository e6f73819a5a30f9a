"""The contract's error shape, and the middleware that guarantees it for every API response."""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Mapping

import asyncpg
from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError
from multidict import MultiDictProxy

from lotse.shared.db import CONNECTION_LOST

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

_CODES = {
    400: "malformed_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "body_too_large",
    415: "unsupported_media_type",
    422: "validation_failed",
    429: "rate_limited",
    503: "unavailable",
}
ERROR_CODES = (*sorted(set(_CODES.values())), "internal_error")

# A body aiohttp cannot take apart: not in the Content-Encoding it claims (RequestPayloadError), or
# a multipart part whose headers are broken (HttpProcessingError). Bad input, so 400, never 500.
UNREADABLE_BODY = (web.RequestPayloadError, HttpProcessingError)


class ApiError(Exception):
    def __init__(
        self,
        status: int,
        message: str,
        *,
        code: str | None = None,
        fields: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code or _CODES.get(status, "error")
        self.message = message
        self.fields = dict(fields or {})
        self.headers = dict(headers or {})


def error_response(error: ApiError) -> web.Response:
    body = {"error": {"code": error.code, "message": error.message, "fields": error.fields}}
    # English unless the error says otherwise (a registration's 422), so a client can tell.
    return web.json_response(body, status=error.status, headers={"Content-Language": "en", **error.headers})


# The database is away or going: a connection lost (lotse.shared.db.CONNECTION_LOST, which the
# background loops ride out as well) or lost mid-query (ConnectionDoesNotExistError, a
# PostgresConnectionError), a server shutting down or still starting (OperatorInterventionError),
# or out of room for us: "too many clients already" when a new pool connection is refused, a full
# disk (InsufficientResourcesError); or held up: a row or table locked by another session for longer
# than LOTSE_LOCK_WAIT (LockNotAvailableError, review 10b F4), so waiting requests do not pile up and
# take every pool connection. Each passes, so "try again shortly" is true; a 500 is not, and neither
# is a 503 for any other error of the server (a bug of ours).
DATABASE_DOWN = (*CONNECTION_LOST, asyncpg.exceptions.PostgresConnectionError,
                 asyncpg.exceptions.OperatorInterventionError, asyncpg.exceptions.InsufficientResourcesError,
                 asyncpg.exceptions.LockNotAvailableError, TimeoutError)


# Text PostgreSQL cannot store (a NUL character): input the validation of that route did not look
# at, such as a dashboard filter or note (review 11a, F1, F2). Nothing was stored; a 400, not a 500.
UNSTORABLE_TEXT = (asyncpg.exceptions.CharacterNotInRepertoireError, asyncpg.exceptions.UntranslatableCharacterError)
UNSTORABLE_MESSAGE = "The request contains a character that cannot be stored (such as NUL)."


def unavailable() -> ApiError:
    """The contract's 503: a dependency is away (or, at start-up, not there yet); try again shortly.
    Under /api/ in the error shape, elsewhere web.error_pages draws the page; both keep Retry-After."""
    return ApiError(503, "The service is temporarily unavailable. Please try again shortly.",
                    headers={"Retry-After": "5"})


def _is_api(request: web.Request) -> bool:
    return request.path.startswith("/api/")


@web.middleware
async def api_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every failure under /api/ leaves in the contract's shape; never a trace. Elsewhere a refusal,
    an unavailable database or an unexpected error goes on to web.error_pages, which draws the page."""
    try:
        return await handler(request)
    except ApiError as error:
        if _is_api(request):
            return error_response(error)
        raise
    except web.HTTPException as exc:
        if not _is_api(request) or exc.status < 400:
            raise
        message = exc.reason if exc.status != 413 else "Request body is too large."
        return error_response(ApiError(exc.status, message, headers=_keep_headers(exc)))
    except DATABASE_DOWN as exc:
        log.warning("dependency unavailable", extra={"path": request.path, "error": repr(exc)})
        away = unavailable()
        if _is_api(request):
            return error_response(away)
        raise web.HTTPServiceUnavailable(text=away.message, headers=away.headers) from None
    except UNSTORABLE_TEXT:
        # The route, not the path: a link's path carries its token.
        log.info("request refused: text that cannot be stored",
                 extra={"route": getattr(request.match_info.route, "name", None)})
        if _is_api(request):
            return error_response(ApiError(400, UNSTORABLE_MESSAGE))
        raise web.HTTPBadRequest(text=UNSTORABLE_MESSAGE) from None
    except Exception:
        if not _is_api(request):
            raise  # web.error_pages logs it, once, with the reference its page shows
        log.exception("unhandled error", extra={"path": request.path, "method": request.method})
        return error_response(ApiError(500, "Internal error.", code="internal_error"))


def _keep_headers(exc: web.HTTPException) -> dict[str, str]:
    return {k: v for k, v in exc.headers.items() if k in ("Allow", "Retry-After")}


async def read_json_object(request: web.Request) -> dict[str, object]:
    """The request body as a JSON object, or the contract's 400/413.

    Read as JSON whatever the Content-Type says: the contract knows 400 for a body that is not
    JSON, not 415, and clients send JSON without the header (``curl -d``, ``requests``' ``data=``;
    aiohttp reports a missing header as application/octet-stream). No cross-site form can use
    this to act for someone: the API's only credential is a bearer token, never a cookie.
    """
    try:
        raw = await request.read()  # raises 413 past client_max_size
    except UNREADABLE_BODY as exc:
        raise ApiError(400, f"Body could not be read: {_what(exc)}") from None
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError) as exc:  # incl. JSONDecodeError, huge ints
        raise ApiError(400, f"Body is not valid JSON: {exc}") from None
    if not isinstance(body, dict):
        raise ApiError(422, "Body must be a JSON object.", fields={"": "Must be an object."})
    return body


async def read_form(request: web.Request) -> MultiDictProxy[str | bytes | bytearray | web.FileField]:
    """The posted form of a page, or 400 for a body no browser sends: not in its charset (invalid
    UTF-8, an unknown charset), a broken multipart body, or a ``Content-Encoding`` its bytes are
    not in. ``request.post()`` raises on each, which was a 500 (review 10a, finding 1); the 400
    goes on to web.error_pages as any refusal does. Its 413 past client_max_size stays a 413."""
    try:
        return await request.post()
    # ValueError: invalid UTF-8 (a UnicodeDecodeError), a multipart body without its boundary;
    # LookupError: an unknown charset.
    except (*UNREADABLE_BODY, LookupError, ValueError) as exc:
        raise web.HTTPBadRequest(text=f"The form could not be read: {_what(exc)}") from None


def _what(exc: BaseException) -> str:
    # aiohttp says "400, message:" on one line and what went wrong on the last.
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return lines[-1] if lines else type(exc).__name__
