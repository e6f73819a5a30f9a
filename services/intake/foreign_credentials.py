"""Cookies and an ``Authorization`` header Lotse cannot have issued are dropped before anything reads them.

Every session token, CSRF token, signed cookie and locale cookie Lotse hands out is ASCII. A
header with other characters (latin-1 bytes, which aiohttp keeps as surrogates, or UTF-8 text) is
therefore never a credential of ours, but reading it reached ``str.encode()`` (the session's hash)
and ``hmac.compare_digest`` (the CSRF check), which raise on it: a 500 where the contract says
"never a 500 for bad input" (review 10a, finding 1). Dropped here, the request goes on as one
without that cookie or token: 401 under /api/, the login page on the dashboard.

Only such a request is copied (``Request.clone``); every other one passes untouched. The
middleware is the outermost one, so the error pages and the metrics see the same request.
"""

from __future__ import annotations

from aiohttp import hdrs, web
from multidict import CIMultiDict, CIMultiDictProxy

from lotse.intake.errors import Handler


@web.middleware
async def drop_foreign_credentials(request: web.Request, handler: Handler) -> web.StreamResponse:
    cookies = request.headers.getall(hdrs.COOKIE, [])
    authorization = request.headers.getall(hdrs.AUTHORIZATION, [])
    if all(value.isascii() for value in (*cookies, *authorization)):
        return await handler(request)
    return await handler(request.clone(headers=_without_foreign(request.headers, cookies, authorization)))


def _without_foreign(
    headers: CIMultiDictProxy[str], cookies: list[str], authorization: list[str]
) -> CIMultiDict[str]:
    kept = CIMultiDict(headers)
    kept.popall(hdrs.COOKIE, None)
    kept.popall(hdrs.AUTHORIZATION, None)
    # A cookie header is "name=value; name=value": the other cookies of that header still count.
    ascii_cookies = [part.strip() for header in cookies for part in header.split(";")
                     if part.isascii() and part.strip()]
    if ascii_cookies:
        kept[hdrs.COOKIE] = "; ".join(ascii_cookies)
    for value in authorization:
        if value.isascii():
            kept.add(hdrs.AUTHORIZATION, value)
    return kept
