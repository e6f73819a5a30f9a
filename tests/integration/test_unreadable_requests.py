"""Requests no client of ours sends are refused with a 4xx, never a 500 (review 10a, finding 1).

Bytes a browser or HTTP library would not write (latin-1 in a header, a body not in the
Content-Encoding it claims, a form not in its charset, a broken multipart body) are written on
the socket itself: aiohttp's client would encode or refuse them first.
"""

from __future__ import annotations

import asyncio
import json

import pytest

from tests.conftest import IntakeClient
from tests.integration.test_dashboard import login


async def _raw(
    client: IntakeClient, method: str, path: str, headers: bytes = b"", body: bytes = b""
) -> tuple[int, bytes]:
    """The status and body of one request written byte for byte."""
    reader, writer = await asyncio.open_connection(client.host, client.port)
    try:
        writer.write(f"{method} {path} HTTP/1.1\r\nHost: {client.host}:{client.port}\r\nConnection: close\r\n"
                     f"Content-Length: {len(body)}\r\n".encode() + headers + b"\r\n" + body)
        await writer.drain()
        answer = await reader.read()
    finally:
        writer.close()
    head, _, content = answer.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), content


def _error(content: bytes) -> dict[str, object]:
    body = json.loads(content)
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "fields"}, body
    return dict(body["error"])


async def test_a_bearer_token_with_bytes_we_never_issue_is_401_in_the_contracts_shape(
    intake_client: IntakeClient,
) -> None:
    status, content = await _raw(intake_client, "GET", "/api/v1/stats", b"Authorization: Bearer \xe4\xf6\r\n")
    assert status == 401 and _error(content)["code"] == "unauthorized"


async def test_a_session_cookie_with_bytes_we_never_issue_is_no_session(intake_client: IntakeClient) -> None:
    status, _ = await _raw(intake_client, "GET", "/dashboard", b"Cookie: lotse_session=\xe4\r\n")
    assert status == 303  # to the login page, as without a cookie
    status, _ = await _raw(intake_client, "GET", "/dashboard/login", b"Cookie: lotse_session=\xe4\xf6\r\n")
    assert status == 200


async def test_the_other_cookies_of_that_header_still_count(intake_client: IntakeClient) -> None:
    await login(intake_client)
    session = next(c.value for c in intake_client.session.cookie_jar if c.key == "lotse_session")
    cookie = b"Cookie: lotse_locale=\xe4; lotse_session=" + session.encode() + b"\r\n"
    status, _ = await _raw(intake_client, "GET", "/dashboard", cookie)
    assert status == 200


@pytest.mark.parametrize("cookie", [b"lotse_csrf=abc", b"lotse_csrf=\xe4"])
async def test_a_csrf_token_we_never_issue_is_refused_not_a_500(intake_client: IntakeClient, cookie: bytes) -> None:
    status, _ = await _raw(intake_client, "POST", "/dashboard/login",
                           b"Content-Type: application/x-www-form-urlencoded\r\nCookie: " + cookie + b"\r\n",
                           "csrf=ä&email=a%40example.org&password=x".encode())
    assert status == 403


async def test_a_json_body_not_in_its_content_encoding_is_400_in_the_contracts_shape(
    intake_client: IntakeClient,
) -> None:
    for encoding in (b"gzip", b"deflate"):
        status, content = await _raw(
            intake_client, "POST", "/api/v1/verify",
            b"Content-Type: application/json\r\nContent-Encoding: " + encoding + b"\r\n", b'{"token": "x"}')
        assert status == 400, encoding
        assert _error(content)["code"] == "malformed_request"


UNREADABLE_FORMS = {
    "invalid UTF-8": (b"application/x-www-form-urlencoded", b"", b"name=\xff\xfe&email=a"),
    "unknown charset": (b"application/x-www-form-urlencoded; charset=no-such-charset", b"", b"name=a"),
    "multipart without boundary": (b"multipart/form-data", b"", b"abc"),
    "multipart cut short": (b"multipart/form-data; boundary=xx", b"", b"--xx\r\nbroken"),
    "not gzip": (b"application/x-www-form-urlencoded", b"Content-Encoding: gzip\r\n", b"name=a"),
}


@pytest.mark.parametrize("path", ["/register/newcomer", "/new-link", "/dashboard/login"])
@pytest.mark.parametrize("form", UNREADABLE_FORMS.values(), ids=UNREADABLE_FORMS.keys())
async def test_a_form_no_browser_sends_is_400_not_500(
    intake_client: IntakeClient, path: str, form: tuple[bytes, bytes, bytes]
) -> None:
    content_type, more_headers, body = form
    status, page = await _raw(intake_client, "POST", path, b"Content-Type: " + content_type + b"\r\n" + more_headers,
                              body)
    assert status == 400, page[:200]
    assert b"<html" in page  # the error page, not a bare text


@pytest.mark.parametrize(("body", "said"), [
    ({"token": 5}, "Must be text."),
    ({"token": None}, "Must be text."),
    ({"token": ""}, "This field is required."),
    ({}, "This field is required."),
])
async def test_verify_names_a_wrong_type_as_registrations_do(
    intake_client: IntakeClient, body: dict[str, object], said: str
) -> None:
    response = await intake_client.post("/api/v1/verify", json=body)
    assert response.status == 422
    assert (await response.json())["error"]["fields"] == {"token": said}
