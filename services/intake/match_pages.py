"""Pages behind the links in introduction and check-in emails: accept or decline, "how is it going".

The signed token in the URL names the match and the participant; it is the only credential,
so it is checked on every request and a token for one match never opens another, nor one sent to
an address the person has since replaced.
"""

from __future__ import annotations

import contextlib
import uuid
from datetime import datetime
from typing import Any

from aiohttp import web

from lotse.intake import checkin_answers, lifecycle, participants_db
from lotse.intake.errors import read_form
from lotse.intake.i18n import keep_chosen_language, speak_as_person
from lotse.intake.typedefs import pool_key, signer_key
from lotse.intake.validation import N_
from lotse.intake.web import expired_links
from lotse.intake.web.one_error import NONE, one_error
from lotse.intake.web.render import moment_for, render
from lotse.shared import matches, tokens


async def _claims(request: web.Request, purpose: str) -> tuple[uuid.UUID, uuid.UUID, datetime]:
    try:
        claims, signed_at = request.app[signer_key].load_signed(purpose, request.match_info["token"])
        return uuid.UUID(str(claims["mid"])), uuid.UUID(str(claims["pid"])), signed_at
    except (tokens.InvalidToken, KeyError, ValueError) as failure:
        await expired_links.speak_as_link_owner(request, failure)
        raise expired_links.broken(request, failure, from_match=True) from None


def _invalid_page(request: web.Request) -> str:
    return render(request, "lifecycle/invalid.html").text or ""


async def _view(request: web.Request, purpose: str) -> dict[str, Any]:
    match_id, participant_id, signed_at = await _claims(request, purpose)
    async with request.app[pool_key].acquire() as conn:
        person = await participants_db.get_status(conn, participant_id)
        speak_as_person(request, person["preferred_locale"] if person else None)
        # An erased person's old emails open what their manage link does: nothing of the match.
        if person is None or person["status"] == "erased":
            raise web.HTTPGone(text=render(request, "manage_gone.html").text, content_type="text/html")
        # Sent to an address the person has since replaced: as their old manage links, it opens nothing.
        expired_links.refuse_outdated(request, signed_at, person["email_changed_at"], from_match=True)
        try:
            who = await lifecycle.party(conn, match_id, participant_id)
        except lifecycle.NotYours:
            raise web.HTTPNotFound(text=_invalid_page(request), content_type="text/html") from None
        answer = await lifecycle.existing_answer(conn, match_id, who.side)
        other = await lifecycle.other_side(conn, who)
        # Whether an organisation's re-match can bring someone else: not to a closed position or
        # course, nor to a course that has started (the email after the ending says so).
        offer_state = await lifecycle.offer_state(conn, who.match)
        checkin = await conn.fetchrow(
            """SELECT answer, answered_at FROM checkins WHERE match_id = $1 AND side = $2
               ORDER BY answered_at DESC, id DESC LIMIT 1""",
            match_id, who.side,
        )
    return {
        "match": who.match,
        # Declined, cancelled or completed: the page says it ended, whatever was answered before.
        "ended": not matches.TRANSITIONS[who.match["status"]],
        "side": who.side,
        "seeking": lifecycle.seeking(who.side, who.match["kind"]),
        "offer_state": offer_state,
        # The introduction's question for this side (lifecycle.QUESTIONS), a msgid.
        "question": lifecycle.question(who.side, who.match["kind"]).asked,
        "answer": answer,
        "checkin": checkin,
        # The check-in's choices for this side: an organisation's say what became of it.
        "checkin_answers": checkin_answers.for_side(who.match["kind"], who.side),
        # ... and the question they answer, as the check-in email asks it (a msgid).
        "checkin_question": checkin_answers.question(checkin_answers.for_side(who.match["kind"], who.side)),
        "offer_to_end": checkin_answers.OFFER_TO_END,
        # In Thuringia's time and the reader's date format, as the manage page gives times.
        "moment": moment_for(request),
        "other": other,
        "match_id": match_id,
        "participant_id": participant_id,
        "person_status": person["status"],
        "too_late": False,
        "missing_answer": False,
        "preselected": None,
        "answered": None,
        **NONE,
    }


# A post without an answer: the message (the error summary labels it with the question it answers).
NO_ANSWER = N_("Please choose: accept or decline.")
NO_CHECKIN = N_("Please choose one answer.")


def _reason(form: Any, name: str) -> str | None:
    text = str(form.get(name, "")).strip()
    return text[: lifecycle.REASON_MAX] or None


async def respond_page(request: web.Request) -> web.Response:
    view = await _view(request, tokens.RESPOND)
    preselected = request.query.get("answer") if request.query.get("answer") in lifecycle.ANSWERS else None
    return render(request, "lifecycle/respond.html", {**view, "preselected": preselected,
                                                      "pause_url": _pause_url(request, view)})


async def respond_submit(request: web.Request) -> web.Response:
    view = await _view(request, tokens.RESPOND)
    form = await read_form(request)
    answer = str(form.get("answer", ""))
    if answer not in lifecycle.ANSWERS:
        return render(request, "lifecycle/respond.html",
                      {**view, "missing_answer": True, **one_error(request, "answer", NO_ANSWER, view["question"])},
                      status=422)
    async with request.app[pool_key].acquire() as conn, conn.transaction():
        try:
            status = await lifecycle.respond(conn, view["match_id"], view["participant_id"], answer,
                                             _reason(form, "reason"))
        except lifecycle.TooLate:
            return render(request, "lifecycle/respond.html", {**view, "too_late": True},
                          status=409)
    raise web.HTTPSeeOther(keep_chosen_language(request, f"{request.path}/done?status={status}&answer={answer}"))


async def respond_done(request: web.Request) -> web.Response:
    view = await _view(request, tokens.RESPOND)
    # Both said yes without both letting their address be passed on: the page says what the
    # "both said yes" email says, that the welcome centre puts them in touch, not "get in touch as
    # described in the e-mail" (review 8h, finding 6).
    to_connect = False
    if view["match"]["status"] == matches.ACTIVE:
        async with request.app[pool_key].acquire() as conn:
            to_connect = await lifecycle.still_to_connect(conn, view["match"])
    return render(request, "lifecycle/respond_done.html", {**view, "answered": request.query.get("answer"),
                                                           "pause_url": _pause_url(request, view),
                                                           "still_to_connect": to_connect})


def _pause_url(request: web.Request, view: dict[str, Any]) -> str | None:
    """"No time right now – pause matching" after a mentor declined (review 8d, finding 8): their manage
    page's pause form, so the next introduction does not find them on holiday. Not for a newcomer
    (declining already asks for someone else, and a pause would stop their courses and jobs too) nor
    an organisation (it closes its course or position instead); not when paused already."""
    if view["side"] != "counterpart" or view["match"]["kind"] != "mentor" or view["person_status"] != "verified":
        return None
    token = request.app[signer_key].sign(tokens.MANAGE, pid=str(view["participant_id"]))
    return keep_chosen_language(request, f"/manage/{token}") + "#pause"


async def checkin_page(request: web.Request) -> web.Response:
    return render(request, "lifecycle/checkin.html", await _view(request, tokens.CHECKIN))


async def checkin_submit(request: web.Request) -> web.Response:
    view = await _view(request, tokens.CHECKIN)
    form = await read_form(request)
    answer = str(form.get("answer", ""))
    if answer not in view["checkin_answers"]:
        return render(request, "lifecycle/checkin.html",
                      {**view, "missing_answer": True, **one_error(request, "answer", NO_CHECKIN,
                                                                       view["checkin_question"])},
                      status=422)
    async with request.app[pool_key].acquire() as conn, conn.transaction():
        try:
            await lifecycle.check_in(conn, view["match_id"], view["participant_id"], answer, _reason(form, "comment"))
        except lifecycle.TooLate:
            return render(request, "lifecycle/checkin.html", {**view, "too_late": True}, status=409)
    raise web.HTTPSeeOther(keep_chosen_language(request, f"{request.path}/done?answer={answer}"))


async def checkin_done(request: web.Request) -> web.Response:
    view = await _view(request, tokens.CHECKIN)
    return render(request, "lifecycle/checkin_done.html", {**view, "answered": request.query.get("answer")})


async def rematch_submit(request: web.Request) -> web.Response:
    view = await _view(request, tokens.CHECKIN)
    async with request.app[pool_key].acquire() as conn, conn.transaction():
        # Already ended: the page below says what happens next either way.
        with contextlib.suppress(lifecycle.TooLate):
            await lifecycle.request_rematch(conn, view["match_id"], view["participant_id"])
    return render(request, "lifecycle/rematch_done.html", view)
