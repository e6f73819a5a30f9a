"""Where a coordinator lands after logging in: a dashboard page, never an action URL (a GET there
is a 405) and never another site (no open redirect through `next`)."""

from __future__ import annotations

import re
from typing import Final
from urllib.parse import urlencode, urlsplit

from aiohttp import web

from lotse.intake import accounts

HOME: Final = "/dashboard"
LOGOUT: Final = "/dashboard/logout"
UNSAVED: Final = "unsaved"  # ?expired= of a refused post, next to "1" (a page)
PASSWORD_CHANGED: Final = "password"  # ?expired= of a page whose session a password change ended
# Actions whose form is on another page than their URL's parent; the rest land on the nearest page
# at or above their URL (a match's end -> the match, a participant's pause -> the participant).
FORM_PAGES: Final = (
    (re.compile(r"/dashboard/matches/[^/]+/(approve|reject)"), HOME),  # the review queue
    (re.compile(r"/dashboard/rounds"), HOME),  # a round's approval lands on the round's page
    (re.compile(r"/dashboard/(login|logout|password(/.*)?)"), HOME),
)


def _local(target: str) -> bool:
    if any(ord(c) < 0x20 or c in "\\\x7f" for c in target):  # a header split, or "/\\evil.example"
        return False
    parts = urlsplit(target)
    return (not parts.scheme and not parts.netloc and not target.startswith("//")
            and (parts.path == HOME or parts.path.startswith(HOME + "/")))


def _shows(request: web.Request, path: str) -> bool:
    """Whether a GET of ``path`` reaches a dashboard page (rather than a 404 or a 405)."""
    for route in request.app.router.routes():
        if route.method != "GET" or route.resource is None:
            continue
        info = route.resource.get_info()  # a plain resource's "path", a dynamic one's "pattern"
        pattern = info.get("pattern")
        if info.get("path") == path or (isinstance(pattern, re.Pattern) and pattern.fullmatch(path)):
            return True
    return False


def page_for(request: web.Request, target: str | None) -> str:
    """``target`` if it is a dashboard page; for an action, the page its form is on; else the queue."""
    if not target or not _local(target):
        return HOME
    path = urlsplit(target).path
    for pattern, page in FORM_PAGES:
        if pattern.fullmatch(path):
            return page
    if _shows(request, path):
        return target  # with its query: the filters the coordinator had chosen
    while path.count("/") > 1:
        path = path.rpartition("/")[0]
        if _shows(request, path):
            return path
    return HOME


def login_location(request: web.Request, *, expired: bool, reason: str | None = None) -> str:
    """The login page for a request without a (valid) session, with where to go afterwards;
    ``reason``: why the session was ended, if it was (accounts.why_ended)."""
    target = request.rel_url.path_qs if request.method in ("GET", "HEAD") else request.rel_url.path
    query = {"next": page_for(request, target)}
    if expired:
        # A refused post (a decision, a note) is lost: the login page says so, so it is done again.
        lost = request.method not in ("GET", "HEAD") and request.path != LOGOUT
        # A lost action outweighs the reason: the login page says it must be done again.
        query["expired"] = UNSAVED if lost else PASSWORD_CHANGED if reason == accounts.PASSWORD_CHANGED else "1"
    return f"/dashboard/login?{urlencode(query)}"
