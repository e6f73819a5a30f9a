"""Who gets a notification, in which language, with what context — read at send time.

Events carry ids only; the address, name and language are looked up here, when the batch
is claimed, just before sending, so an erased participant gets nothing and no queue ever held
their data.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Final

import asyncpg

from lotse.notifier import email_change, match_context, registration_summary, shared_later
from lotse.shared import matches, matches_db, reference, tokens
from lotse.shared.config import Settings
from lotse.shared.i18n import SUPPORTED_LOCALES
from lotse.shared.name_search import with_latin, with_latin_inline

Context = dict[str, Any]
People = Mapping[uuid.UUID, asyncpg.Record]


#: The link whose last day an email says (Composer.links_until): an introduction's and its reminder's
#: answer links, a check-in's link (also offered again months later), a new manage link.
LINK_PURPOSE: Final = {"introduction": tokens.RESPOND, "reminder": tokens.RESPOND, "checkin": tokens.CHECKIN,
                       "checkin_again": tokens.CHECKIN, "manage_link": tokens.MANAGE}


@dataclass(frozen=True, slots=True)
class Recipient:
    email: str
    locale: str
    context: Context


# (composer, conn, row, the recipient, the batch's recipients: the other side of a match may be one)
Builder = Callable[["Composer", asyncpg.Connection, asyncpg.Record, asyncpg.Record, People], Awaitable[Context]]


class Composer:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._signer = tokens.TokenSigner(settings.secret_key)

    def link(self, path: str) -> str:
        return f"{self._settings.public_url}{path}"

    def manage_url(self, participant_id: uuid.UUID) -> str:
        return self.link(f"/manage/{self._signer.sign(tokens.MANAGE, pid=str(participant_id))}")

    @property
    def unverified_days(self) -> int:
        """How long intake keeps a registration nobody confirmed (retention.delete_unverified)."""
        return self._settings.verification_ttl_days

    def verify_url(self, participant_id: uuid.UUID, version_id: uuid.UUID | None = None) -> str:
        """``version_id``: the link confirms that version of a repeated registration, not the stored data."""
        version = {} if version_id is None else {"vid": str(version_id)}
        return self.link(f"/verify/{self._signer.sign(tokens.VERIFY, pid=str(participant_id), **version)}")

    def respond_url(self, match_id: uuid.UUID, participant_id: uuid.UUID, answer: str) -> str:
        token = self._signer.sign(tokens.RESPOND, mid=str(match_id), pid=str(participant_id))
        return self.link(f"/respond/{token}?answer={answer}")

    @staticmethod
    def links_until(type_: str, locale: str) -> str:
        """The last whole day on which the link an email of ``type_`` names (LINK_PURPOSE) still
        works, signed now, in the reader's words (review 12, F11): it expires at this time of day
        ``MAX_AGE`` later, so the day before is never one day too many."""
        last_day = reference.today() + tokens.MAX_AGE[LINK_PURPOSE[type_]] - timedelta(days=1)
        return match_context.date_in_sentence(last_day, locale)

    def checkin_url(self, match_id: uuid.UUID, participant_id: uuid.UUID) -> str:
        return self.link(f"/checkin/{self._signer.sign(tokens.CHECKIN, mid=str(match_id), pid=str(participant_id))}")

    @property
    def centre_contact(self) -> str | None:
        return self._settings.centre_contact

    def email_change_url(self, participant_id: uuid.UUID, change_id: uuid.UUID) -> str:
        token = self._signer.sign(tokens.EMAIL_CHANGE, pid=str(participant_id), cid=str(change_id))
        return self.link(f"/email-change/{token}")

    @staticmethod
    async def people(conn: asyncpg.Connection, rows: list[asyncpg.Record]) -> People:
        """The recipients of a claimed batch, in one query instead of one per email."""
        ids = list({r["participant_id"] for r in rows if r["participant_id"] is not None})
        if not ids:
            return {}
        # district, languages, profile: what an email about a match says of a newcomer (match_facts);
        # paused_until: the day a pause_ending email names; paused_by_centre: who set that pause.
        found = await conn.fetch("SELECT id, kind, status, name, email, preferred_locale, district, languages, "
                                 "profile, paused_until, paused_by_centre FROM participants WHERE id = ANY($1::uuid[])",
                                 ids)
        return {p["id"]: p for p in found}

    async def compose(self, conn: asyncpg.Connection, row: asyncpg.Record, people: People) -> Recipient | None:
        """``people``: from :meth:`people`, for the row's batch."""
        if row["type"] == "erasure_confirmation":
            return await erasure_recipient(self, conn, row)
        if row["coordinator_id"] is not None:
            return await digest_recipient(self, conn, row)
        if row["participant_id"] is None:
            return None
        person = people.get(row["participant_id"])
        if person is None or person["email"] is None or person["status"] == "erased":
            return None
        if row["type"] in email_change.TYPES:  # to the new or the old address, not the stored one
            addressed = await email_change.addressed(self, conn, row, person)
            return None if addressed is None else Recipient(addressed[0], person["preferred_locale"], addressed[1])
        if not _still_so(row["type"], person):
            return None
        builder = _BUILDERS.get(row["type"], _basic)
        context = await builder(self, conn, row, person, people)
        # A version's verification speaks as the one who submitted it (_verification).
        return Recipient(person["email"], context.pop("locale", person["preferred_locale"]), context)


async def _basic(
    composer: Composer, conn: asyncpg.Connection, row: asyncpg.Record, person: asyncpg.Record, people: People
) -> Context:
    return {"name": person["name"], "manage_url": composer.manage_url(person["id"])}


async def _verification(
    composer: Composer, conn: asyncpg.Connection, row: asyncpg.Record, person: asyncpg.Record, people: People
) -> Context:
    version_id = row["registration_version_id"]
    context = {**await _basic(composer, conn, row, person, people), "deleted_after_days": composer.unverified_days,
               "verify_url": composer.verify_url(person["id"], version_id)}
    version = None
    if version_id is not None:  # review 9a, F14: greet whoever typed it, in their language
        version = await conn.fetchval("SELECT registration FROM registration_versions WHERE id = $1", version_id)
        if version is not None:
            context.update(name=version["name"], locale=version["preferred_locale"])
    # Review 9c, F1/F3: the email says what its link confirms, so the owner of a twice-registered
    # address can tell which email holds their own details.
    locale = context.get("locale", person.get("preferred_locale") or "en")
    context["summary"] = (registration_summary.of_version(version, locale) if version is not None
                          else await registration_summary.of_stored(conn, person, locale))
    return context


async def _manage_link(
    composer: Composer, conn: asyncpg.Connection, row: asyncpg.Record, person: asyncpg.Record, people: People,
) -> Context:
    return {**await _basic(composer, conn, row, person, people),
            "links_until": composer.links_until(row["type"], person["preferred_locale"])}


async def _with_kind(
    composer: Composer, conn: asyncpg.Connection, row: asyncpg.Record, person: asyncpg.Record, people: People
) -> Context:
    # The kind says where to go next: a provider adds courses on its page, an employer positions.
    return {**await _basic(composer, conn, row, person, people), "kind": person["kind"]}


async def _pause_ending(
    composer: Composer, conn: asyncpg.Connection, row: asyncpg.Record, person: asyncpg.Record, people: People
) -> Context:
    # Read at send time (people), so a pause moved since the request names its new end; one with no
    # end any more is not sent (compose).
    return {**await _basic(composer, conn, row, person, people),
            "places_all_taken": await _places_all_taken(conn, person),
            # The subject ends with the date, and no full stop follows it: "… 27 листопада 2026 р." whole.
            "pause_ends_alone": match_context.local_date(person["paused_until"], person["preferred_locale"]),
            "pause_ends": match_context.date_in_sentence(person["paused_until"], person["preferred_locale"]),
            # A pause the welcome centre set is said as theirs, not as "your pause" (review 8h, finding 3).
            "by_centre": person["paused_by_centre"]}


async def _places_all_taken(conn: asyncpg.Connection, person: asyncpg.Record) -> bool:
    # A mentor whose places are all taken is suggested again only when one is free, not on the day
    # the pause ends nor when it is resumed (matches_db.remaining_capacity, the manage page's rule;
    # review 8e, finding 5).
    return bool(person["kind"] == "mentor"
                and await matches_db.remaining_capacity(conn, "mentor", person["id"]) <= 0)


async def _resumed_by_centre(
    composer: Composer, conn: asyncpg.Connection, row: asyncpg.Record, person: asyncpg.Record, people: People
) -> Context:
    # Not "we look for matches for you again" to a mentor whose places are all taken.
    return {**await _basic(composer, conn, row, person, people),
            "places_all_taken": await _places_all_taken(conn, person)}


def _still_so(type_: str, person: asyncpg.Record) -> bool:
    """A pause_ending, paused_by_centre or resumed_by_centre email still true when it goes out: not
    for a pause resumed (or since set by the person, or made one without an end) meanwhile, nor a
    resume paused again."""
    if type_ == "pause_ending":  # resumed, or made a pause without an end: nothing ends
        return bool(person["status"] == "paused" and person["paused_until"] is not None)
    if type_ == "paused_by_centre":
        return bool(person["status"] == "paused" and person["paused_by_centre"])
    if type_ == "resumed_by_centre":
        return bool(person["status"] == "verified")
    return True


async def _paused_by_centre(
    composer: Composer, conn: asyncpg.Connection, row: asyncpg.Record, person: asyncpg.Record, people: People
) -> Context:
    # The end read at send time, as pause_ending's: a date the coordinator moved since is the one named.
    return {**await _basic(composer, conn, row, person, people),
            "pause_ends": match_context.date_in_sentence(person["paused_until"], person["preferred_locale"])
            if person["paused_until"] else None}


async def _inactive_erasure_notice(
    composer: Composer, conn: asyncpg.Connection, row: asyncpg.Record, person: asyncpg.Record, people: People
) -> Context:
    # The day intake's retention pass named when it asked for this email (inactive.py, review 9b F8),
    # whether anyone was ever found for a newcomer, and an employer's open positions (review 9d, D2).
    facts = await conn.fetchrow(_NOTICE_FACTS, person["id"], list(_NOT_FOUND))
    erase_on, locale = facts["inactive_erase_on"], person["preferred_locale"]
    positions = ", ".join(facts["open_positions"] or [])
    return {**await _basic(composer, conn, row, person, people),
            "erase_on_alone": match_context.local_date(erase_on, locale),
            "erase_on": match_context.date_in_sentence(erase_on, locale),
            # A verified newcomer nobody was ever put in touch with (on the waitlist or not): the
            # email says we found no match yet, as their page says we are looking; a paused one is
            # not looked for, and one matched before gets the usual words.
            "still_looking": person["kind"] == "newcomer" and person["status"] == "verified"
                             and facts["never_matched"],
            "open_positions": positions if person["kind"] == "employer" else "",
            "organisation": (person["profile"] or {}).get("organisation") or person["name"]}


#: Match states in which nobody was found for the newcomer: anything else (approved or later) was.
_NOT_FOUND: Final = (matches.SUGGESTED, matches.REJECTED, matches.WITHDRAWN)
_NOTICE_FACTS: Final = """
    SELECT p.inactive_erase_on,
           NOT EXISTS (SELECT FROM matches m WHERE m.newcomer_id = p.id AND m.status <> ALL($2::text[]))
               AS never_matched,
           (SELECT array_agg(s.title ORDER BY s.title) FROM positions s
            WHERE s.employer_id = p.id AND s.closed_at IS NULL) AS open_positions
    FROM participants p WHERE p.id = $1"""


_BUILDERS: dict[str, Builder] = {
    "verification": _verification,
    "registration_confirmed": _with_kind,
    "already_registered": _with_kind,
    "introduction": match_context.introduction,
    "reminder": match_context.introduction,
    "match_declined": match_context.about_match,
    "match_active": shared_later.match_active,
    "match_ended": match_context.about_match,
    "checkin": match_context.checkin,
    "checkin_again": match_context.checkin_again,
    "manage_link": _manage_link,
    email_change.CONTACT_CHANGED: email_change.contact_changed,
    "pause_ending": _pause_ending,
    "paused_by_centre": _paused_by_centre,
    "resumed_by_centre": _resumed_by_centre,
    "inactive_erasure_notice": _inactive_erasure_notice,
}


async def erasure_recipient(composer: Composer, conn: asyncpg.Connection, row: asyncpg.Record) -> Recipient | None:
    """The erased person's address survives only in the receipt, until this email is sent. Its
    reason (intake's privacy.erase, migration 0046) picks the wording: not "as you asked" after a
    coordinator's erasure or the storage limit's, which also names the notice's day and how to
    register again (review 9c, F7)."""
    receipt = await conn.fetchrow(
        "SELECT email, name, locale, reason, noticed_on FROM erasure_receipts WHERE participant_id = $1",
        row["participant_id"],
    )
    if receipt is None:
        return None
    locale = receipt["locale"]
    context: Context = {"name": receipt["name"] or "", "reason": receipt["reason"] or "",
                        "register_url": composer.link(f"/?lang={locale}")}
    if receipt["noticed_on"] is not None:  # mid-sentence: the date as written alone ("2026 р.")
        context["noticed_on"] = match_context.local_date(receipt["noticed_on"], locale)
    return Recipient(receipt["email"], locale, context)


# The digest's wording of each matches.flag_code (_digest.j2's flag macro); an introduction's
# unanswered flag names the side still silent (`silent`, review 8d, finding 10), the others none.
_DIGEST_FLAGS: Final = {
    matches.FLAG_UNANSWERED: "unanswered",
    matches.FLAG_CHECKIN_NEWCOMER: "checkin_bad",
    matches.FLAG_CHECKIN_COUNTERPART: "checkin_bad",
    matches.FLAG_CONNECT: "connect",
    matches.FLAG_CHECKIN_MESSAGE: "checkin_unsure",
    matches.FLAG_CHECKIN_DID_NOT_HAPPEN: "checkin_did_not_happen",
    matches.FLAG_CHECKIN_NOT_IN_TOUCH: "checkin_not_in_touch",
}


def flag_code(code: str | None) -> str:
    """A match's flag_code as the digest template words it; "other" shows the flag_reason as written."""
    return _DIGEST_FLAGS.get(code or "", "other")


def _silent(flagged: asyncpg.Record) -> list[str]:
    """The sides a flagged match's line names as silent, as the dashboard does (matches.unanswered_flag_sides)."""
    return matches.unanswered_flag_sides(flagged["flag_code"], flagged["status"], flagged["answered"])


async def digest_recipient(composer: Composer, conn: asyncpg.Connection, row: asyncpg.Record) -> Recipient | None:
    """What changed since this coordinator's last digest; None when there is nothing to tell."""
    coordinator = await conn.fetchrow("SELECT email, active, locale FROM coordinators WHERE id = $1",
                                      row["coordinator_id"])
    if coordinator is None or not coordinator["active"]:
        return None
    since = await conn.fetchval(
        """SELECT coalesce(max(created_at), now() - interval '1 day') FROM notifications
           WHERE coordinator_id = $1 AND type = 'digest' AND status = 'sent'""",
        row["coordinator_id"],
    )
    new = await conn.fetchval("SELECT count(*) FROM matches WHERE status = 'suggested' AND created_at > $1", since)
    waiting = await conn.fetchval("SELECT count(*) FROM matches WHERE status = 'suggested'")
    # Both sides by name: a flag is a reason to phone someone, so the mail must say whom.
    flagged = await conn.fetch(
        """SELECT m.id, m.kind, m.status, m.flag_code, m.flag_reason, coalesce(n.name, '') AS newcomer,
                  n.preferred_locale AS newcomer_locale, mp.preferred_locale AS mentor_locale,
                  n.profile->>'name_latin' AS newcomer_latin, mp.profile->>'name_latin' AS mentor_latin,
                  coalesce(CASE m.kind
                               WHEN 'mentor' THEN mp.name
                               WHEN 'language_course' THEN c.title || ' (' || (cp.profile->>'organisation') || ')'
                               ELSE s.title || ' (' || (sp.profile->>'organisation') || ')' END, '') AS counterpart,
                  coalesce(cp.profile->>'organisation', sp.profile->>'organisation', '') AS organisation,
                  ARRAY(SELECT r.side FROM match_responses r WHERE r.match_id = m.id) AS answered
           FROM matches m
           LEFT JOIN participants n ON n.id = m.newcomer_id
           LEFT JOIN participants mp ON m.kind = 'mentor' AND mp.id = m.counterpart_id
           LEFT JOIN courses c ON m.kind = 'language_course' AND c.id = m.counterpart_id
           LEFT JOIN participants cp ON cp.id = c.provider_id
           LEFT JOIN positions s ON m.kind = 'employer' AND s.id = m.counterpart_id
           LEFT JOIN participants sp ON sp.id = s.employer_id
           WHERE m.flagged_at IS NOT NULL AND m.status IN ('introduced', 'active') ORDER BY m.flagged_at LIMIT 20"""
    )
    # Permanent refusals and given-up retries: the coordinators are the ones who can phone.
    undelivered = await conn.fetchval(
        "SELECT count(*) FROM notifications WHERE status = 'failed' AND participant_id IS NOT NULL AND created_at > $1",
        since,
    )
    if not (new or waiting or flagged or undelivered):
        return None  # everything was decided meanwhile: an empty summary is noise
    # The dashboard language the coordinator chose (intake stores it); German, the welcome
    # centre's, when none was chosen.
    locale = coordinator["locale"] if coordinator["locale"] in SUPPORTED_LOCALES else "de"
    return Recipient(
        coordinator["email"],
        locale,
        {
            "new_suggestions": int(new),
            "open_suggestions": int(waiting),
            "undelivered": int(undelivered),
            "flagged": [
                {"kind": f["kind"], "code": flag_code(f["flag_code"]), "reason": f["flag_reason"] or "",
                 # Names as the dashboard shows them: one in another script with its Latin spelling (the
                 # person's own name_latin, or a Cyrillic one's by table).
                 "newcomer": with_latin(f["newcomer"], f["newcomer_locale"], locale, f["newcomer_latin"]),
                 "counterpart": with_latin(f["counterpart"], f["mentor_locale"], locale, f["mentor_latin"])
                 if f["kind"] == "mentor" else f["counterpart"],
                 # The silent person inside the flag's brackets: "(Оксана Мельник / Oksana Melnyk)".
                 "silent_name": with_latin_inline(f["newcomer"], f["newcomer_locale"], locale, f["newcomer_latin"])
                 if _silent(f) == ["newcomer"]
                 else with_latin_inline(f["counterpart"], f["mentor_locale"], locale, f["mentor_latin"]),
                 "organisation": f["organisation"], "silent": _silent(f),
                 "url": composer.link(f"/dashboard/matches/{f['id']}")}
                for f in flagged
            ],
            "dashboard_url": composer.link("/dashboard"),
            "flagged_url": composer.link("/dashboard/matches?flagged=1"),
            "digest_settings_url": composer.link("/dashboard/account/digest"),
        },
    )
