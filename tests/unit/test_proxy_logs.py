"""The proxies in front of intake must not keep signed links in their access logs (review 9a, F9).

A signed link's path is its key: a manage link opens, edits and erases a person's record, a
/dashboard/password/ link sets a new coordinator's password. The documented nginx (docs/operations.md)
logs them through a `map` that masks the token; the map's regex is kept simple enough that nginx's PCRE
and Python's re read it alike, so it is checked here on every signed route intake has.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from aiohttp import web

from lotse.intake.routes import setup_routes

ROOT = Path(__file__).resolve().parents[2]
GUIDE = (ROOT / "docs" / "operations.md").read_text()
TOKEN = "eyJwIjoiMTIzIn0.Zx-9_Ab"  # the alphabet of TokenSigner's links: base64url and dots
MAP = re.compile(r"map \$request_uri \$lotse_loggable_uri \{\n(?P<body>.*?)\n\s*\}", re.S)


def _section(title: str) -> str:
    start = GUIDE.index(title)
    end = re.compile(r"^##+ ", re.M).search(GUIDE, start + len(title))
    return GUIDE[start:end.start() if end else None]


def _nginx_site() -> str:
    section = _section("### nginx and TLS")
    return section.split("```nginx\n", 1)[1].split("```", 1)[0]


def _masker(config: str) -> tuple[re.Pattern[str], str]:
    """The map's one regex and its value, as Python's re would use them."""
    body = MAP.search(config)
    assert body, "no map $request_uri $lotse_loggable_uri"
    lines = [line.split() for line in body["body"].strip().splitlines()]
    [(regex, value)] = [(fields[0], fields[1]) for fields in lines if fields[0] != "default"]
    assert [fields for fields in lines if fields[0] == "default"] == [["default", "$request_uri;"]]
    assert regex.startswith('"~') and regex.endswith('"') and value.endswith(";")
    return re.compile(regex[2:-1]), re.sub(r"\$(\d)", r"\\\1", value[:-1])


def _signed_routes() -> list[str]:
    app = web.Application()
    setup_routes(app)
    return sorted({r.resource.canonical for r in app.router.routes()
                   if r.resource is not None and "{token}" in r.resource.canonical})


def _logged(config: str, request_uri: str) -> str:
    pattern, replacement = _masker(config)
    return pattern.sub(replacement, request_uri, count=1) if pattern.match(request_uri) else request_uri


def test_intake_has_the_signed_routes_the_guide_names() -> None:
    prefixes = {route.split("{token}")[0] for route in _signed_routes()}
    assert prefixes == {"/manage/", "/verify/", "/respond/", "/checkin/", "/email-change/", "/dashboard/password/"}


@pytest.mark.parametrize("config", [_nginx_site(), _section("### Signed links and the access log")],
                         ids=["one server", "ingress-nginx"])
def test_every_signed_link_is_logged_without_its_token(config: str) -> None:
    for route in _signed_routes():
        path = route.replace("{token}", TOKEN)
        for request_uri in (path, f"{path}?answer=yes&lang=de"):
            logged = _logged(config, request_uri)
            assert TOKEN not in logged, request_uri
            assert logged == request_uri.replace(TOKEN, "***")  # the rest of the line stays readable


@pytest.mark.parametrize("request_uri", ["/", "/register/newcomer?lang=de", "/dashboard/participants/4f1c",
                                         "/dashboard/account/password", "/new-link", "/manage", "/api/v1/mentors"])
def test_other_requests_are_logged_as_they_came(request_uri: str) -> None:
    assert _logged(_nginx_site(), request_uri) == request_uri


def test_the_one_server_nginx_writes_its_access_log_in_the_masked_format() -> None:
    site = _nginx_site()
    log_format = re.search(r"log_format lotse (.*?);", site, re.S)
    assert log_format and "$lotse_loggable_uri" in log_format[1]
    assert not re.search(r"\$request(?![_a-z])|\$request_uri", log_format[1])
    servers = site.split("server {")[1:]
    assert len(servers) == 2  # the redirect on port 80 sees the links too
    for server in servers:
        assert re.search(r"access_log \S+ lotse;", server), server


def test_the_ingress_nginx_format_uses_the_masked_uri() -> None:
    log_format = re.search(r"log-format-upstream: '(.*)'", _section("### Signed links and the access log"))
    assert log_format and "$lotse_loggable_uri" in log_format[1]
    assert not re.search(r"\$request(?![_a-z])|\$request_uri", log_format[1])
