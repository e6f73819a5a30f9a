"""The coordinators' JSON API (bearer tokens): login, participants, matches, decisions, rounds."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any, Final

from aiohttp import web

from lotse.intake import accounts, audit, login_throttle, match_decisions, participants_view, privacy, stats, validation
from lotse.intake.api.query import ListQuery
from lotse.intake.errors import ApiError, read_json_object
from lotse.intake.typedefs import coordinator_key, pool_key
from lotse.shared import events, matches, matches_db
from lotse.shared.outbox import write_event

PARTICIPANT_KINDS = ("newcomer", "mentor", "employer", "language_provider")
PARTICIPANT_STATUSES = ("pending_verification", "verified", "paused", "withdrawn", "erased")
# The kind as its registration route spells it (/api/v1/language-providers; review 8i, finding 6).
PARTICIPANT_KIND_SYNONYMS: Final = {"language-provider": "language_provider"}
NOTE_MAX = 2000
_NOTE: Final = validation.text_field(NOTE_MAX, required=False, multiline=True)
_LOGIN: Final = {"email": validation.text_field(validation.EMAIL_MAX), "password": validation.secret_field()}
_APPROVAL: Final = {"note": _NOTE}
REASON_MAX = 1000
# The contract's `reason` is text: a client that sends its own words keeps working, and they are
# filed under "other" with the words kept, so statistics and learning still see only the
# dashboard's codes. `note` is additive: words beside a code.
_REJECTION: Final = {"reason": validation.text_field(REASON_MAX), "note": _NOTE}


def _only(payload: dict[str, object], allowed: set[str]) -> None:
    unknown = sorted(set(payload) - allowed)
    if unknown:
        raise ApiError(422, "Unknown fields.", fields={name: "Unknown field." for name in unknown})


def _body(payload: dict[str, object], fields: Mapping[str, Any]) -> dict[str, object]:
    """The body checked as registrations are; every message in English, as the rest of this API."""
    try:
        return validation.validate_body(payload, fields)
    except validation.ValidationFailed as failed:
        raise ApiError(422, "Some fields are invalid.", fields=failed.fields()) from None


def _reason(reason: str, note: str | None) -> tuple[str, str | None]:
    """A rejection's code and words: a reason that is not one of the codes is words, under "other"."""
    if reason in matches.REJECT_REASONS:
        return reason, note
    return "other", "; ".join(part for part in (reason, note) if part)


def path_uuid(request: web.Request, name: str = "id") -> uuid.UUID:
    try:
        return uuid.UUID(request.match_info[name])
    except ValueError:
        raise ApiError(404, "No such resource.") from None


async def login(request: web.Request) -> web.Response:
    body = _body(await read_json_object(request), _LOGIN)
    email, password = str(body["email"]), str(body["password"])
    try:
        coordinator = await login_throttle.authenticate(request, email, password)
    except login_throttle.Throttled as throttled:
        raise ApiError(429, "Too many login attempts. Please wait a few minutes.",
                       headers={"Retry-After": str(throttled.retry_after_s)}) from None
    if coordinator is None:
        raise ApiError(401, "E-mail or password is wrong.")
    async with request.app[pool_key].acquire() as conn:
        session = await login_throttle.logged_in(request, conn, coordinator, "bearer")
    return web.json_response({"token": session.token, "expires_at": session.expires_at.isoformat()})


async def logout(request: web.Request) -> web.Response:
    token = request.headers.get("Authorization", "").partition(" ")[2].strip()
    async with request.app[pool_key].acquire() as conn:
        await accounts.close_session(conn, token)
    return web.Response(status=204)


async def list_participants(request: web.Request) -> web.Response:
    query = ListQuery(request)
    kind = query.choice("kind", PARTICIPANT_KINDS, PARTICIPANT_KIND_SYNONYMS)
    status = query.choice("status", PARTICIPANT_STATUSES)
    limit = query.integer("limit", 100, 1, 500)
    offset = query.integer("offset", 0, 0, 10_000_000)
    cursor = query.page_cursor()
    if cursor and offset:  # a count from a row, not from the start: one or the other
        query.problems["offset"] = "Not together with cursor."
    query.check()  # the cursor included: the lists below decode only cursors it let through
    async with request.app[pool_key].acquire() as conn:
        page = await participants_view.list_participants(
            conn, kind=kind, status=status, limit=limit, offset=offset, cursor=cursor
        )
    return web.json_response({"items": page.items, "total": page.total, "next_cursor": page.next_cursor})


async def get_participant(request: web.Request) -> web.Response:
    async with request.app[pool_key].acquire() as conn:
        detail = await participants_view.participant_detail(conn, path_uuid(request))
    if detail is None:
        raise ApiError(404, "No such participant.")
    return web.json_response(detail)


async def list_matches(request: web.Request) -> web.Response:
    query = ListQuery(request)
    wanted = matches_db.MatchFilter(
        status=query.choice("status", matches.STATES),
        kind=query.choice("kind", matches.KINDS),
        newcomer_id=query.uuid("newcomer_id"),
        limit=query.integer("limit", 50, 1, 500),
        cursor=query.page_cursor(),
    )
    query.check()
    async with request.app[pool_key].acquire() as conn:
        rows, next_cursor = await matches_db.list_matches(conn, wanted)
    return web.json_response({"items": [matches_db.to_json(r) for r in rows], "next_cursor": next_cursor})


async def get_match(request: web.Request) -> web.Response:
    async with request.app[pool_key].acquire() as conn:
        try:
            row = await matches_db.get_match(conn, path_uuid(request))
        except matches_db.MatchNotFound:
            raise ApiError(404, "No such match.") from None
    return web.json_response(matches_db.to_json(row))


async def _decide(request: web.Request, approve: bool) -> web.Response:
    match_id = path_uuid(request)
    payload = await read_json_object(request) if request.can_read_body else {}
    body = _body(payload, _APPROVAL if approve else _REJECTION)
    note = body["note"] if isinstance(body["note"], str) else None
    coordinator = request[coordinator_key]
    rejection = None if approve else _reason(str(body["reason"]), note)
    async with request.app[pool_key].acquire() as conn:
        try:
            row = await match_decisions.decide(conn, coordinator, match_id, note=note, rejection=rejection)
        except matches_db.MatchNotFound:
            raise ApiError(404, "No such match.") from None
        except matches_db.Conflict as conflict:
            raise ApiError(409, str(conflict)) from None
    return web.json_response(matches_db.to_json(row))


async def approve_match(request: web.Request) -> web.Response:
    return await _decide(request, approve=True)


async def reject_match(request: web.Request) -> web.Response:
    return await _decide(request, approve=False)


def _round_json(row: Any) -> dict[str, Any]:
    return {
        "id": str(row["id"]),
        "objective": row["objective"],
        "status": row["status"],
        "requested_at": row["requested_at"].isoformat(),
        "completed_at": row["completed_at"].isoformat() if row["completed_at"] else None,
        "result": row["result"],
    }


async def start_round(request: web.Request) -> web.Response:
    payload = await read_json_object(request) if request.can_read_body else {}
    _only(payload, {"objective"})
    objective = payload.get("objective", "best_total_score")
    if objective not in ("best_total_score", "most_matched"):
        raise ApiError(422, "Some fields are invalid.",
                       fields={"objective": "Must be one of: best_total_score, most_matched."})
    round_id = uuid.uuid4()
    async with request.app[pool_key].acquire() as conn, conn.transaction():
        row = await conn.fetchrow(
            "INSERT INTO rounds (id, objective, requested_by) VALUES ($1, $2, $3) RETURNING *",
            round_id,
            objective,
            request[coordinator_key].id,
        )
        await write_event(conn, events.new_event(events.ROUND_REQUESTED, round_id=round_id))
        await audit.record(conn, request[coordinator_key], "round.start", "round", round_id,
                           after={"objective": objective})
    # Where to GET it (review 8i, finding 3): the contract's "GET it for its result".
    location = request.app.router["api_round"].url_for(id=str(round_id))
    return web.json_response(_round_json(row), status=202, headers={"Location": str(location)})


async def get_round(request: web.Request) -> web.Response:
    async with request.app[pool_key].acquire() as conn:
        row = await conn.fetchrow("SELECT * FROM rounds WHERE id = $1", path_uuid(request))
    if row is None:
        raise ApiError(404, "No such round.")
    return web.json_response(_round_json(row))


async def export_participant(request: web.Request) -> web.Response:
    participant_id = path_uuid(request)
    async with request.app[pool_key].acquire() as conn, conn.transaction():
        try:
            data = await privacy.export(conn, participant_id)
        except privacy.ParticipantGone:
            raise ApiError(404, "No such participant.") from None
        await audit.record(conn, request[coordinator_key], "participant.export", "participant", participant_id)
    return web.json_response(data, headers={"Content-Disposition": "attachment; filename=export.json"})


async def erase_participant(request: web.Request) -> web.Response:
    participant_id = path_uuid(request)
    async with request.app[pool_key].acquire() as conn, conn.transaction():
        try:
            await privacy.erase(conn, participant_id, privacy.ERASED_BY_CENTRE)
        except privacy.ParticipantGone:
            raise ApiError(404, "No such participant, or already erased.") from None
        await audit.record(conn, request[coordinator_key], "participant.erase", "participant", participant_id,
                           after={"status": "erased"})
    return web.Response(status=204)


async def get_stats(request: web.Request) -> web.Response:
    async with request.app[pool_key].acquire() as conn:
        return web.json_response(await stats.collect(conn))
