"""The self-service page behind "manage my registration": see, edit, pause, consent, erase."""

from __future__ import annotations

import contextlib
import json
import uuid
from collections.abc import Awaitable
from datetime import datetime, timedelta
from functools import partial
from typing import Any, Final

import asyncpg
from aiohttp import web

from lotse.intake import (
    audit,
    email_change,
    inactive,
    lifecycle,
    offers,
    own_matches,
    participants_db,
    pause,
    privacy,
    self_service,
    still_looking,
)
from lotse.intake.api.public import seconds_to_wait
from lotse.intake.checkin_answers import for_participant as checkin_choices
from lotse.intake.checkin_answers import question as checkin_question
from lotse.intake.dashboard import vocabulary as dashboard_vocabulary
from lotse.intake.errors import read_form
from lotse.intake.i18n import keep_chosen_language, request_locale, speak_as_person, switch_language
from lotse.intake.typedefs import intake_attempts_key, intake_limiter_key, pool_key, settings_key, signer_key
from lotse.intake.validation import N_, ValidationFailed, validate_email, validate_update
from lotse.intake.web import (
    expired_links,
    forms,
    labels,
    manage_matches,
    manage_offers,
    messages,
    registration,
    vocabulary,
)
from lotse.intake.web.one_error import NONE, one_error
from lotse.intake.web.render import gettext_for, render
from lotse.shared import matches_db, reference, tokens

# At the manage page's "new e-mail address" field; TOO_MANY is the /new-link page's words.
SAME_ADDRESS: Final = N_("This is already your e-mail address.")
TOO_MANY: Final = N_("Too many requests came from your network in a short time. Please wait a few minutes, "
                     "then send the form again.")
# The typo hint here names its button: "send the form again" could mean any of the page's forms.
CHANGE_EMAIL: Final = N_("Change e-mail address")
EMAIL_TYPO: Final = N_("Did you mean %(address)s? If your address is right as it is, press “%(button)s” again.")


async def _participant_id(request: web.Request) -> uuid.UUID:
    try:
        claims, signed_at = request.app[signer_key].load_signed(tokens.MANAGE, request.match_info["token"])
        participant_id = uuid.UUID(str(claims["pid"]))
    except (tokens.InvalidToken, KeyError, ValueError) as failure:
        await expired_links.speak_as_link_owner(request, failure)
        raise expired_links.broken(request, failure) from None
    request[_signed_at_key] = signed_at  # checked once the person is loaded (_check_current)
    return participant_id


_signed_at_key = web.RequestKey("manage_link_signed_at", datetime)


def _check_current(request: web.Request, changed_at: datetime | None) -> None:
    """This manage link went to an address the person has since replaced: refused as match links are."""
    expired_links.refuse_outdated(request, request[_signed_at_key], changed_at)


async def _speak_as_person(request: web.Request, conn: asyncpg.Connection, participant_id: uuid.UUID) -> None:
    """For pages that do not load the person: `preferred_locale` is kept after erasure, so
    "deleted" and "no longer exists" speak it too. Pages that load the person use its row."""
    speak_as_person(request, await self_service.preferred_locale(conn, participant_id))


async def _speak_if_current(request: web.Request, conn: asyncpg.Connection, participant_id: uuid.UUID) -> None:
    """For pages that do not load the person otherwise: their language and whether this link is
    still theirs (_check_current), from one read of their row."""
    person = await participants_db.get_status(conn, participant_id)
    speak_as_person(request, person["preferred_locale"] if person else None)
    _check_current(request, person["email_changed_at"] if person else None)


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


async def _reader(
    request: web.Request, conn: asyncpg.Connection, participant_id: uuid.UUID
) -> asyncpg.Record | web.Response:
    """The participant the link is for, the page now speaking their language; their "gone" page when
    erased or withdrawn. A link sent to an address they have replaced since is refused (_check_current)."""
    try:
        row = await self_service.load(conn, participant_id)
    except self_service.NotFound:
        return await _gone(request, conn, participant_id)
    speak_as_person(request, row["preferred_locale"])
    _check_current(request, row["email_changed_at"])
    return row


async def _page(request: web.Request, participant_id: uuid.UUID, *, notice: str | None = None) -> web.Response:
    async with request.app[pool_key].acquire() as conn:
        row = await _reader(request, conn, participant_id)
        if isinstance(row, web.Response):
            return row
        return await _draw(request, conn, row, values=_stored_values(row), notice=notice)


async def _draw(request: web.Request, conn: asyncpg.Connection, row: Any, *, values: dict[str, object],
                errors: dict[str, str] | None = None, notice: str | None = None, status: int = 200,
                alert: str | None = None, match_alert: str | None = None,
                email_as_typed: str | None = None, email_suggested: str | None = None) -> web.Response:
    """The page for a person already loaded, on the caller's connection: a refused edit is drawn
    inside its own request's transaction, with no second connection and no second load.
    ``email_as_typed``: the new address asked "Did you mean …?" about (_change_email), and
    ``email_suggested`` the address it means, for the hint's "Use …" button."""
    participant_id = row["id"]
    offered = await offers.listing(conn, row["kind"], participant_id) if row["kind"] in offers.OF_KIND else []
    matched = await own_matches.of_participant(conn, row)
    # In Thuringia's time and the reader's date format, as the emails and the dashboard give times.
    moment = dashboard_vocabulary.for_locale(request_locale(request)).moment
    consents = [{**c, "when": moment(c["recorded_at"]), "first_when": moment(c["first_at"])}
                for c in await self_service.consents(conn, participant_id)]
    gettext = gettext_for(request)
    # The pause's end as stored, unless the post being answered typed another.
    values = {pause.FIELD: row["paused_until"].isoformat() if row["paused_until"] else ""} | values
    field_errors: dict[str, str] = {}
    for path, message in (errors or {}).items():
        field_errors.setdefault(forms.field_id(path), message)
    return render(request, "manage.html", {
        "participant": row, "kind": row["kind"], "values": manage_offers.values(offered) | values,
        "field_errors": field_errors,
        # Only the "add" fields refused: their summary stands at them, not screens above in the
        # profile's section (review 11b, M2).
        "add_errors_only": bool(field_errors) and all(manage_offers.is_add_field(f) for f in field_errors),
        "labels": labels.for_page(gettext, row["kind"], field_errors) | manage_offers.field_labels(offered, gettext)
        | manage_offers.add_field_labels(field_errors, gettext) | {pause.FIELD: gettext(pause.LABEL)},
        "rows": {"languages": max(forms.LANGUAGE_ROWS, len(row["languages"]) + 1)},
        "vocab": vocabulary.for_locale(request_locale(request)), "offers": offered, "alert": alert,
        "match_alert": match_alert,
        "notice": notice, "today": reference.today().isoformat(), "consents": consents,
        "course_started": matches_db.course_started, "late_entry_open": matches_db.late_entry_open,
        "entry_until": matches_db.entry_until,
        "day": partial(manage_offers.shown_date, locale=request_locale(request)),
        "own_matches": matched,
        # A newcomer's wishes with nothing open or running: what is looked for, and why nothing yet.
        "still_looking": await still_looking.of_newcomer(conn, row),
        "respond_links": _respond_links(request, matched, participant_id),
        "checkin_links": _checkin_links(request, matched, participant_id),
        "checkin_answers": checkin_choices(row["kind"]),
        "checkin_question": checkin_question(checkin_choices(row["kind"])),
        "email_change": await email_change.pending(conn, participant_id), "moment": moment,
        "email_as_typed": email_as_typed, "email_suggested": email_suggested,
        "pause": _pause_context(row, request_locale(request)),
        # The day a deletion for inactivity was announced for, while it stands (inactive.py, review 9b F8).
        # Only while the limit is on and the notice current (review 9d, D6).
        "erase_on": pause.shown(
            await inactive.pending(conn, participant_id, request.app[settings_key].retention_inactive_days),
            request_locale(request)),
        # All of a mentor's places taken (matches.HOLDS_CAPACITY, the rule approvals and the matcher
        # use): nobody is suggested to them, which "Active: we are looking" would deny, nor on the day
        # a pause ends, which "on that day we start looking again" would promise (review 8e, finding 5).
        "places_all_taken": row["kind"] == "mentor" and row["status"] in ("verified", "paused")
        and await matches_db.remaining_capacity(conn, "mentor", participant_id) <= 0,
    }, status=status)


def _pause_context(row: Any, locale: str) -> dict[str, str]:
    """The pause form's bounds (pause.parse_until) and the stored end, as the reader writes dates."""
    today = reference.today()
    return {"min": (today + timedelta(days=1)).isoformat(), "max": pause.latest(today).isoformat(),
            "until": pause.shown(row["paused_until"], locale)}


def _match_links(request: web.Request, route: str, purpose: str, match_ids: list[uuid.UUID],
                 participant_id: uuid.UUID) -> dict[uuid.UUID, str]:
    """The match emails' links, signed afresh: an introduction or a check-in is answered on its own
    page (its choices, its thanks and what follows) whether the person comes from the email or from
    here, where a link to a replaced address is no way in."""
    signer, page = request.app[signer_key], request.app.router[route]
    return {mid: str(page.url_for(token=signer.sign(purpose, mid=str(mid), pid=str(participant_id))))
            for mid in match_ids}


def _respond_links(request: web.Request, matched: list[own_matches.OwnMatch],
                   participant_id: uuid.UUID) -> dict[uuid.UUID, str]:
    waiting = [m.id for m in matched if m.status == "introduced" and not m.answer]
    return _match_links(request, "respond", tokens.RESPOND, waiting, participant_id)


def _checkin_links(request: web.Request, matched: list[own_matches.OwnMatch],
                   participant_id: uuid.UUID) -> dict[uuid.UUID, str]:
    # Its choices while open; once answered, the answer's "change" link and the re-match offer.
    asked = [m.id for m in matched if m.checkin_open or m.checkin]
    return _match_links(request, "checkin", tokens.CHECKIN, asked, participant_id)


async def manage_page(request: web.Request) -> web.Response:
    notice = request.query.get("done")
    participant_id = await _participant_id(request)
    if "end" in request.query:
        return await _end_step(request, participant_id, request.query["end"])
    return await _page(request, participant_id, notice=notice)


async def _end_step(request: web.Request, participant_id: uuid.UUID, match_id: str) -> web.Response:
    """The end step of one match, as "End this match" opens it (nothing changes before its buttons):
    the "still going?" email links here (?end=<match id>, notifier checkin_again). The page with the
    check-in's "ended already" alert when it is no longer the reader's to end."""
    async with request.app[pool_key].acquire() as conn:
        row = await _reader(request, conn, participant_id)
        if isinstance(row, web.Response):
            return row
        try:
            match = await manage_matches.to_end(conn, row, {"match": match_id})
        except (lifecycle.NotYours, lifecycle.TooLate):
            return await _draw(request, conn, row, values=_stored_values(row),
                               match_alert=gettext_for(request)(manage_matches.ENDED_ALREADY))
        return render(request, "manage_match_end.html", {"m": match, "can_finish": manage_matches.can_finish(match)})


async def manage_submit(request: web.Request) -> web.Response:
    participant_id = await _participant_id(request)
    form = await read_form(request)
    # The typo hint's "Use …" button sends no action of its own (its name carries the address meant).
    action = "email_change" if registration.EMAIL_SUGGESTED in form else str(form.get("action", "edit"))
    form = registration.taking_suggestion(form, "new_email")
    async with request.app[pool_key].acquire() as conn, conn.transaction():
        try:
            row = await self_service.load(conn, participant_id)
            speak_as_person(request, row["preferred_locale"])  # the errors below are rendered in it
            _check_current(request, row["email_changed_at"])
            if switch_language(request, form):  # the header's switcher sends the edit form along
                return await _draw(request, conn, row, values=forms.form_values(form))
            pressed, action = action, _saving_the_profile_too(action, row["kind"], form)
            if action in ("pause", "resume"):
                try:
                    until = pause.parse_until(form.get(pause.FIELD), reference.today()) if action == "pause" else None
                except pause.Refused as not_a_pause:
                    return await _draw(request, conn, row, values=_stored_values(row) | forms.form_values(form),
                                       errors={pause.FIELD: _refusal(request, not_a_pause)}, status=422)
                row = await self_service.load(conn, participant_id, lock=True)  # a second click: the first's result
                status = await self_service.set_paused(conn, row, action == "pause", until)
                # A second click changes nothing and leaves no second entry; a new end date does.
                if status != row["status"] or (status == "paused" and until != row["paused_until"]):
                    await audit.record_by_participant(conn, participant_id, f"participant.{action}_own",
                                                      "participant", participant_id,
                                                      before=pause.audit_state(row["status"], row["paused_until"]),
                                                      after=pause.audit_state(status, until))
            elif action in ("share", "unshare"):
                await self_service.set_share_contact(conn, participant_id, action == "share")
                if action == "unshare" and row["shares_contact"]:
                    # A given consent taken back (a yes is audited when it shares addresses: match.contact_shared).
                    await audit.record_by_participant(conn, participant_id, "participant.share_contact_withdrawn",
                                                      "participant", participant_id)
            elif action == "mentor_again":
                # Audited as the person's own step, as a pause is: it starts a new search (review 8e, finding 8).
                if await self_service.want_mentor_again(conn, participant_id):
                    await audit.record_by_participant(conn, participant_id, "participant.mentor_again_own",
                                                      "participant", participant_id)
            elif action == "email_change":
                if (not_asked := await _change_email(request, conn, row, form)) is not None:
                    return not_asked
            elif action == "keep":  # "Keep my registration": the announced deletion does not happen
                await inactive.keep(conn, participant_id)
            elif action == "email_cancel":
                await email_change.cancel(conn, participant_id)
            elif action == "edit":
                payload = {k: v for k, v in forms.to_payload(row["kind"], form).items()
                           if k not in self_service.NOT_EDITABLE_HERE}
                try:
                    cleaned = validate_update(row["kind"], payload, today=reference.today(),
                                              cleared=_emptied(row["kind"], form))
                except ValidationFailed as failed:
                    gettext = gettext_for(request)
                    return await _draw(request, conn, row, values=forms.form_values(form),
                                       errors=messages.form_errors(form, failed, gettext, payload), status=422,
                                       email_as_typed=_confirmed(form))
                # So do a provider's or employer's "add" fields: typed, they are added too. Checked
                # before anything is stored, so a refusal saves nothing and shows all as typed.
                added: list[Any] = []
                if manage_offers.typed_addition(row["kind"], form):
                    added, not_added = manage_offers.to_add(row["kind"], form, gettext_for(request))
                    if not_added:
                        return await _draw(request, conn, row, values=forms.form_values(form), errors=not_added,
                                           status=422, email_as_typed=_confirmed(form))
                # The address field belongs to this form (so a language switch keeps it): typed, and
                # then Enter or "Save changes", it is asked for too; asked first, so a refused address
                # saves nothing and comes back with the edits still typed.
                if str(form.get("new_email", "")).strip():
                    if (not_asked := await _change_email(request, conn, row, form)) is not None:
                        return not_asked
                    action = "email_change"  # its notice ("we sent a link") is the one to show
                elif pressed == "offer_add":
                    action = pressed  # "added", the button's own notice
                await manage_offers.add(conn, row["kind"], participant_id, added)
                await self_service.update(conn, participant_id, cleaned)
                # A mentor's places are planned with: a change is audited as a pause or resume is.
                if "capacity" in cleaned and cleaned["capacity"] != row["profile"].get("capacity"):
                    await audit.record_by_participant(
                        conn, participant_id, "participant.capacity_own", "participant", participant_id,
                        before={"capacity": row["profile"].get("capacity")}, after={"capacity": cleaned["capacity"]})
            elif action == "match_end":
                try:
                    if form.get("confirm") != "yes":  # one tap must not end it: asked on a page of its own
                        match = await manage_matches.to_end(conn, row, form)
                        return render(request, "manage_match_end.html",
                                      {"m": match, "can_finish": manage_matches.can_finish(match)})
                    await manage_matches.end(conn, row, form)
                except (lifecycle.NotYours, lifecycle.TooLate):
                    return await _draw(request, conn, row, values=_stored_values(row), status=409,
                                       match_alert=gettext_for(request)(manage_matches.ENDED_ALREADY))
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
                    # "Add" sends the edit form along (its fields belong to it): shown as typed, as
                    # _change_email does; a course's or position's own form, over what is stored.
                    typed = forms.form_values(form)
                    return await _draw(request, conn, row, status=422, errors=refused,
                                       values=(typed if "name" in form else _stored_values(row) | typed)
                                       | manage_offers.unticked(form))
            else:
                raise web.HTTPBadRequest(text="unknown action")
        except self_service.NotFound:
            return await _gone(request, conn, participant_id)
    raise web.HTTPSeeOther(keep_chosen_language(request, f"{request.path}?done={action}"))


def _saving_the_profile_too(action: str, kind: str, form: Any) -> str:
    """The edit form's other buttons ("Change e-mail address", "Add position") post the profile as
    typed too: with something to ask for, they save it as "Save changes" would, which asks for a
    typed address and adds a typed course or position (review 11b, M1: the edits were dropped while
    the page said "Saved"). With nothing typed, their own refusal is shown and nothing is saved."""
    if "name" not in form:  # a post of that field alone (not from the page): only that
        return action
    if action == "email_change" and str(form.get("new_email", "")).strip():
        return "edit"
    if action == "offer_add" and manage_offers.typed_addition(kind, form):
        return "edit"
    return action


def _confirmed(form: Any) -> str | None:
    """The new address already kept as typed after the "Did you mean …?" question, carried over a
    refused edit, so fixing that edit does not ask about the address again."""
    kept = form.get(registration.EMAIL_AS_TYPED)
    return kept if isinstance(kept, str) and kept else None


def _refusal(request: web.Request, refused: pause.Refused) -> str:
    """A refused pause date, said in the page's language with the last day allowed as it writes dates."""
    message: str = gettext_for(request)(refused.message)
    # Without the full stop some locales end a date in ("2027 р."): the sentence brings its own.
    return message % {"max": manage_offers.shown_date(refused.latest, request_locale(request)).removesuffix(".")}


async def _change_email(request: web.Request, conn: asyncpg.Connection, row: Any,
                        form: Any) -> web.Response | None:
    """Ask for the change (nothing changes until the link sent to the new address is opened);
    the page again, with the reason at the field, when it cannot be asked for. Limited as /new-link
    is: it sends email, so it shares the registrations' budget per client address."""
    # From the page the edit form comes along (manage.html: the field belongs to it), typed edits
    # and unticked boxes included; a post with the address alone shows what is stored.
    typed = forms.form_values(form)
    values = typed if "name" in form else _stored_values(row) | {"new_email": typed.get("new_email", "")}
    gettext = gettext_for(request)

    def refused(message: str, status: int) -> Awaitable[web.Response]:
        return _draw(request, conn, row, values=values, errors={"new_email": gettext(message)}, status=status)

    wait = seconds_to_wait(request, intake_attempts_key)
    if wait is None:
        try:
            new_email = validate_email(form.get("new_email"), path="new_email")
        except ValidationFailed as failed:
            return await _draw(request, conn, row, values=values, errors=failed.fields(gettext), status=422)
        # The registration form's question about a well-known domain slip, asked once the same way
        # (review 8h, finding 5): here it is always the page's only error (edits are checked before
        # the address), so sent again unchanged, the address is kept as typed.
        # Its hint names the button to press again: this page has several forms (review 8j, finding 5).
        if (asked := registration.typo_question(form, new_email, gettext, EMAIL_TYPO,
                                                button=gettext(CHANGE_EMAIL))) is not None:
            meant, question = asked
            return await _draw(request, conn, row, values=values, status=422, email_as_typed=new_email,
                               email_suggested=meant, errors={"new_email": question})
        wait = seconds_to_wait(request, intake_limiter_key)
    if wait is not None:
        limited = await refused(TOO_MANY, 429)
        limited.headers["Retry-After"] = str(wait)
        return limited
    try:
        await email_change.request(conn, row["id"], new_email)
    except email_change.SameAddress:
        return await refused(SAME_ADDRESS, 422)
    return None


async def export_own(request: web.Request) -> web.Response:
    """"Download all my data (JSON)": the coordinators' export (privacy.export, one source) with the
    manage link as the credential, as every other step on the page; audited as the person's own step
    (review 8d, finding 9). Gone once erased, like the page."""
    participant_id = await _participant_id(request)
    async with request.app[pool_key].acquire() as conn, conn.transaction():
        person = await participants_db.get_status(conn, participant_id)
        if person is None or person["status"] == "erased":
            return await _gone(request, conn, participant_id)
        speak_as_person(request, person["preferred_locale"])  # a refused outdated link speaks it
        _check_current(request, person["email_changed_at"])
        data = await privacy.export(conn, participant_id, for_themselves=True)
        await audit.record_by_participant(conn, participant_id, "participant.export_own", "participant",
                                          participant_id)
    # Readable in any text editor: the person's own name in their script, not \u escapes, and
    # indented (review 11b, L3); charset=utf-8 says how to read it.
    return web.json_response(data, dumps=_readable_json,
                             headers={"Content-Disposition": 'attachment; filename="lotse-my-data.json"',
                                      "Cache-Control": "no-store"})


def _readable_json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2)


# Erasure posted without its tick box.
NOT_CONFIRMED: Final = N_("Please tick the box to confirm.")


async def erase_page(request: web.Request) -> web.Response:
    participant_id = await _participant_id(request)
    async with request.app[pool_key].acquire() as conn:
        await _speak_if_current(request, conn, participant_id)
    return render(request, "manage_erase.html", NONE)


async def erase_submit(request: web.Request) -> web.Response:
    participant_id = await _participant_id(request)
    form = await read_form(request)
    async with request.app[pool_key].acquire() as conn:
        await _speak_if_current(request, conn, participant_id)
        if form.get("confirm") != "yes":
            return render(request, "manage_erase.html",
                          one_error(request, "confirm", NOT_CONFIRMED, N_("Yes, delete my data")), status=422)
        async with conn.transaction():
            with contextlib.suppress(privacy.ParticipantGone):  # erased already: the result is the same
                await privacy.erase(conn, participant_id)
                # Their own step, as their other manage-page changes: the entry keeps only their id.
                await audit.record_by_participant(conn, participant_id, "participant.erase_own", "participant",
                                                  participant_id, after={"status": "erased"})
    return render(request, "manage_erased.html")
