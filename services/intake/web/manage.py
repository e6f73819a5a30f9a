"""The self-service page behind "manage my registration": see, edit, pause, consent, erase."""

from __future__ import annotations

import contextlib
import uuid
from datetime import date
from functools import partial
from typing import Any

import asyncpg
from aiohttp import web

from lotse.intake import offers, own_matches, privacy, self_service
from lotse.intake.dashboard import vocabulary as dashboard_vocabulary
from lotse.intake.i18n import keep_chosen_language, request_locale, speak_as_person, switch_language
from lotse.intake.typedefs import pool_key, signer_key
from lotse.intake.validation import ValidationFailed, validate_update
from lotse.intake.web import expired_links, forms, labels, manage_offers, messages, vocabulary
from lotse.intake.web.render import gettext_for, render
from lotse.shared import tokens


async def _participant_id(request: web.Request) -> uuid.UUID:
    try:
        claims = request.app[signer_key].load(tokens.MANAGE, request.match_info["token"])
        return uuid.UUID(str(claims["pid"]))
    except (tokens.InvalidToken, KeyError, ValueError) as failure:
        await expired_links.speak_as_link_owner(request, failure)
        raise web.HTTPBadRequest(text=render(request, "lifecycle/invalid.html").text,
                                 content_type="text/html") from None


async def _speak_as_person(request: web.Request, conn: asyncpg.Connection, participant_id: uuid.UUID) -> None:
    """For pages that do not load the person: `preferred_locale` is kept after erasure, so
    "deleted" and "no longer exists" speak it too. Pages that load the person use its row."""
    speak_as_person(request, await self_service.preferred_locale(conn, participant_id))


async def _gone(request: web.Request, conn: asyncpg.Connection, participant_id: uuid.UUID) -> web.Response:
    await _speak_as_person(request, conn, participant_id)
    return render(request, "manage_gone.html", status=410)


def _emptied(kind: str, form: Any) -> set[str]:
    """Single-value fields the form sent blank: `to_payload` leaves them out, which alone would mean
    "unchanged", so an emptied "about" stayed stored and an emptied name was silently kept."""
    shown = ("name", "preferred_locale", "district", "about", *forms.SCALAR_FIELDS[kind])
    return {name for name in shown if name in form and not str(form.get(name, "")).strip()}


def _stored_values(row: Any) -> dict[str, object]:
    payload = {
        **forms.TICKED_BY_DEFAULT.get(row["kind"], {}),
        "name": row["name"], "preferred_locale": row["preferred_locale"], "district": row["district"],
        "languages": row["languages"], "about": row["about"] or "", **row["profile"],
    }
    return forms.from_payload(payload)


async def _page(request: web.Request, participant_id: uuid.UUID, *, notice: str | None = None) -> web.Response:
    async with request.app[pool_key].acquire() as conn:
        try:
            row = await self_service.load(conn, participant_id)
        except self_service.NotFound:
            return await _gone(request, conn, participant_id)
        speak_as_person(request, row["preferred_locale"])
        return await _draw(request, conn, row, values=_stored_values(row), notice=notice)


async def _draw(request: web.Request, conn: asyncpg.Connection, row: Any, *, values: dict[str, object],
                errors: dict[str, str] | None = None, notice: str | None = None, status: int = 200,
                alert: str | None = None) -> web.Response:
    """The page for a person already loaded, on the caller's connection: a refused edit is drawn
    inside its own request's transaction, with no second connection and no second load."""
    participant_id = row["id"]
    offered = await offers.listing(conn, row["kind"], participant_id) if row["kind"] in offers.OF_KIND else []
    matched = await own_matches.of_participant(conn, row)
    # In Thuringia's time and the reader's date format, as the emails and the dashboard give times.
    moment = dashboard_vocabulary.for_locale(request_locale(request)).moment
    consents = [{**c, "when": moment(c["recorded_at"])} for c in await self_service.consents(conn, participant_id)]
    gettext = gettext_for(request)
    field_errors: dict[str, str] = {}
    for path, message in (errors or {}).items():
        field_errors.setdefault(forms.field_id(path), message)
    return render(request, "manage.html", {
        "participant": row, "kind": row["kind"], "values": manage_offers.values(offered) | values,
        "field_errors": field_errors,
        "labels": labels.for_page(gettext, row["kind"], field_errors) | manage_offers.field_labels(offered, gettext),
        "rows": {"languages": max(forms.LANGUAGE_ROWS, len(row["languages"]) + 1)},
        "vocab": vocabulary.for_locale(request_locale(request)), "offers": offered, "alert": alert,
        "notice": notice, "today": date.today().isoformat(), "consents": consents,
        "day": partial(manage_offers.shown_date, locale=request_locale(request)),
        "own_matches": matched, "respond_links": _respond_links(request, matched, participant_id),
    }, status=status)


def _respond_links(request: web.Request, matched: list[own_matches.OwnMatch],
                   participant_id: uuid.UUID) -> dict[uuid.UUID, str]:
    """The introduction emails' answer links, signed afresh: an introduction is answered on its
    own page whether the person comes from the email or from here."""
    signer, respond = request.app[signer_key], request.app.router["respond"]
    return {m.id: str(respond.url_for(token=signer.sign(tokens.RESPOND, mid=str(m.id), pid=str(participant_id))))
            for m in matched if m.status == "introduced" and not m.answer}


async def manage_page(request: web.Request) -> web.Response:
    notice = request.query.get("done")
    return await _page(request, await _participant_id(request), notice=notice)


async def manage_submit(request: web.Request) -> web.Response:
    participant_id = await _participant_id(request)
    form = await request.post()
    action = str(form.get("action", "edit"))
    async with request.app[pool_key].acquire() as conn, conn.transaction():
        try:
            row = await self_service.load(conn, participant_id)
            speak_as_person(request, row["preferred_locale"])  # the errors below are rendered in it
            if switch_language(request, form):  # the header's switcher sends the edit form along
                return await _draw(request, conn, row, values=forms.form_values(form))
            if action == "pause":
                await self_service.set_paused(conn, participant_id, True)
            elif action == "resume":
                await self_service.set_paused(conn, participant_id, False)
            elif action in ("share", "unshare"):
                await self_service.set_share_contact(conn, participant_id, action == "share")
            elif action == "edit":
                payload = {k: v for k, v in forms.to_payload(row["kind"], form).items()
                           if k not in self_service.NOT_EDITABLE_HERE}
                try:
                    cleaned = validate_update(row["kind"], payload, today=date.today(),
                                              cleared=_emptied(row["kind"], form))
                except ValidationFailed as failed:
                    gettext = gettext_for(request)
                    return await _draw(request, conn, row, values=forms.form_values(form),
                                       errors=messages.form_errors(form, failed, gettext, payload), status=422)
                await self_service.update(conn, participant_id, cleaned)
            elif action in manage_offers.ACTIONS:
                gettext = gettext_for(request)
                try:
                    if action == "offer_close" and form.get("confirm") != "yes":  # one tap must not close it
                        offer = await manage_offers.to_close(conn, row, form)
                        return render(request, "manage_offer_close.html", {"offer": offer, "kind": row["kind"]})
                    refused = await manage_offers.apply(conn, row, action, form, gettext)
                except offers.NotFound:
                    return await _draw(request, conn, row, values=_stored_values(row), status=409,
                                       alert=gettext(manage_offers.GONE))
                if refused:
                    return await _draw(request, conn, row, status=422, errors=refused,
                                       values=_stored_values(row) | forms.form_values(form)
                                       | manage_offers.unticked(form))
            else:
                raise web.HTTPBadRequest(text="unknown action")
        except self_service.NotFound:
            return await _gone(request, conn, participant_id)
    raise web.HTTPSeeOther(keep_chosen_language(request, f"{request.path}?done={action}"))


async def erase_page(request: web.Request) -> web.Response:
    participant_id = await _participant_id(request)
    async with request.app[pool_key].acquire() as conn:
        await _speak_as_person(request, conn, participant_id)
    return render(request, "manage_erase.html")


async def erase_submit(request: web.Request) -> web.Response:
    participant_id = await _participant_id(request)
    form = await request.post()
    async with request.app[pool_key].acquire() as conn:
        await _speak_as_person(request, conn, participant_id)
        if form.get("confirm") != "yes":
            return render(request, "manage_erase.html", {"missing_confirmation": True}, status=422)
        async with conn.transaction():
            with contextlib.suppress(privacy.ParticipantGone):  # erased already: the result is the same
                await privacy.erase(conn, participant_id)
    return render(request, "manage_erased.html")
