"""What an email about a match says: who the other side is, why this match, how to get in touch.

Contact details of the other side are included only when both people consented to sharing
them (their latest `share_contact` consent) and both have said yes to the match (it became
active: what the consent promises, "when a match comes about"); otherwise the welcome centre
connects them. An introduction never carries an address: with both consents it says that the
addresses follow once both have said yes (docs/decisions.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import TYPE_CHECKING, Any, Final

import asyncpg
from babel.dates import format_date

from lotse.notifier import match_facts
from lotse.shared import checkin_choices, matches, matches_db
from lotse.shared.consents import share_contact
from lotse.shared.name_search import family_name_first, first_name, latin_or_name, with_latin
from lotse.shared.reference import TIME_ZONE

if TYPE_CHECKING:
    from lotse.notifier.compose import Composer, People

Context = dict[str, Any]
# Factors that say something about the pair (not about waiting time or the model).
REASON_FACTORS: Final = ("language", "distance", "needs", "occupation", "about", "schedule", "household", "start",
                         "german", "offers")
# The matcher's `about` feature is the cosine similarity of the two texts (TF-IDF over character
# n-grams, lotse.matcher.text), weighed linearly. Texts with nothing in common but short words and
# word pieces reach 0.3 (demo data: a nurse who likes cooking and an IT manager who hikes, 0.30), texts
# that share a trade or hobbies 0.45 and more (an electrician and an electrician's wife from Serbia,
# 0.46): "much in common" only from here (docs/decisions.md).
ABOUT_IN_COMMON: Final = 0.4

_OTHER_SIDE: Final = {
    "mentor": """SELECT p.id AS owner_id, p.name AS title, NULL AS organisation, p.email, p.status, p.preferred_locale,
                        NULL AS schedule, NULL AS starts_on, p.district, p.languages, p.profile,
                        NULL AS format, NULL AS childcare, NULL AS min_german_level,
                        NULL AS occupation_field, NULL AS course_level, NULL AS closed_at, NULL AS late_entry_weeks
                 FROM participants p WHERE p.id = $1""",
    "language_course": """SELECT p.id AS owner_id, c.title, p.profile->>'organisation' AS organisation, p.email,
                                 p.preferred_locale,
                                 p.status, c.schedule, c.starts_on, c.district, '[]'::jsonb AS languages,
                                 '{}'::jsonb AS profile, c.format, c.childcare, NULL AS min_german_level,
                                 NULL AS occupation_field, c.level AS course_level, c.closed_at, c.late_entry_weeks
                          FROM courses c JOIN participants p ON p.id = c.provider_id WHERE c.id = $1""",
    "employer": """SELECT p.id AS owner_id, s.title, p.profile->>'organisation' AS organisation, p.email, p.status,
                          p.preferred_locale,
                          NULL AS schedule, NULL AS starts_on, p.district, '[]'::jsonb AS languages, p.profile,
                          NULL AS format, NULL AS childcare, s.min_german_level, s.occupation_field,
                          NULL AS course_level, s.closed_at, NULL AS late_entry_weeks
                   FROM positions s JOIN participants p ON p.id = s.employer_id WHERE s.id = $1""",
}


#: Babel's locale for a language's dates where its own default is not how our readers write them.
_DATE_LOCALE: Final = {"en": "en_GB"}


def local_date(day: date, locale: str) -> str:
    """A course start as people of that language write dates ("2. März 2026", "2026年3月2日").
    English as in Europe, day before month ("24 December 2026", review 9d D2), not US order: the
    readers live in Germany, where "12/1" is the 12th of January."""
    language = locale.split("-")[0]
    return format_date(day, format="long", locale=_DATE_LOCALE.get(language, language))


def date_in_sentence(day: date, locale: str) -> str:
    """local_date for the end of a sentence ("Starts on %(date)s."): without the full stop some
    locales' dates end in ("2026 р.", "2026 г.", "2026."), which the sentence brings itself."""
    return local_date(day, locale).removesuffix(".")


def late_entry(course: Mapping[str, Any], locale: str) -> dict[str, str] | None:
    """A course that has begun but still takes newcomers (matches_db.late_entry_open): when it
    started and until when they can join, for both sides' emails; None otherwise (not a course,
    not begun, or its late entry is over)."""
    starts_on, weeks = course["starts_on"], course["late_entry_weeks"]
    if not matches_db.late_entry_open(starts_on, weeks):
        return None
    # "started" stands mid-sentence, before the ";": its abbreviation keeps its full stop ("2026 р.;",
    # review 8e, finding 9); "until" ends the sentence, which brings the full stop itself.
    return {"started": local_date(starts_on, locale),
            "until": date_in_sentence(matches_db.entry_until(starts_on, weeks), locale)}


def own_latin(person: Mapping[str, Any]) -> str | None:
    """A newcomer's or mentor's own spelling of their name in Latin letters (the profile's name_latin,
    review 8f, finding 3), which name_search.with_latin uses before its Cyrillic table; None for
    none given (and for a course's or position's side, whose profile is empty here)."""
    given = (person.get("profile") or {}).get("name_latin")
    return given if isinstance(given, str) else None


def first_step_name(kind: str, side: str, newcomer_name: str, newcomer: Mapping[str, Any], other_name: str,
                    other: Mapping[str, Any]) -> str:
    """Whom the "both said yes" email names when it says who writes first (review 8f, finding 5): a
    mentor and a newcomer are about to meet as people, so by first name; a course provider or an
    employer writes to the newcomer by full name, and the newcomer to its organisation. The names
    are already in the reader's script (latin_or_name)."""
    if kind != "mentor":
        return newcomer_name if side == "counterpart" else other_name
    named, person = (newcomer_name, newcomer) if side == "counterpart" else (other_name, other)
    return first_name(named, family_name_first(person.get("preferred_locale"), person.get("profile"),
                                               person.get("languages")))


def unsaid(side: str, features: Mapping[str, Any] | None) -> frozenset[str]:
    """Factors whose sentence would not be true for this reader: "much in common" below
    ABOUT_IN_COMMON, and the employer's offers told to the employer itself (it knows them, and
    "the employer offers …" is the newcomer's sentence)."""
    left_out = set()
    if float((features or {}).get("about") or 0) < ABOUT_IN_COMMON:
        left_out.add("about")
    if side == "counterpart":
        left_out.add("offers")
    return frozenset(left_out)


def _start_unsaid(other: Mapping[str, Any], profile: Mapping[str, Any]) -> frozenset[str]:
    """{"start"} when "The course starts soon" would not be true or no reason: a course that has
    begun (a reminder sent after its start; review 8a, finding 2) or starts later than
    matches_db.STARTS_SOON_DAYS (review 8f), and an in-person or hybrid course for a newcomer
    still abroad, for whom the matcher did not count a soon start (features.start_feature's
    before_arrival: it may come before the arrival)."""
    abroad = profile.get("arrival") == "abroad" and other["format"] != "online"
    return frozenset() if matches_db.starts_soon(other["starts_on"]) and not abroad else frozenset({"start"})


def reasons(explanation: list[dict[str, Any]], limit: int = 2, exclude: frozenset[str] = frozenset()) -> list[str]:
    """The factors that contributed most, as codes the templates turn into translated sentences;
    ``exclude``: factors said concretely elsewhere in the email."""
    ranked = sorted(
        (e for e in explanation
         if isinstance(e, dict) and e.get("factor") in REASON_FACTORS and e.get("factor") not in exclude
         and float(e.get("contribution") or 0) > 0),
        key=lambda e: -float(e["contribution"]),
    )
    return [str(e["factor"]) for e in ranked[:limit]]


async def _match_parts(conn: asyncpg.Connection, row: asyncpg.Record, person: asyncpg.Record,
                       people: People) -> Context | None:
    if row["match_id"] is None:
        return None
    # features: the values the matcher scored (the `about` similarity), not in MATCH_COLUMNS;
    # began_on: the day it was introduced, or since both said yes, on Thuringia's calendar.
    match = await conn.fetchrow(
        f"""SELECT {matches_db.MATCH_COLUMNS}, features, active_at IS NOT NULL AS ran,
                   (coalesce(active_at, introduced_at) AT TIME ZONE $2)::date AS began_on
            FROM matches WHERE id = $1""", row["match_id"], TIME_ZONE)
    if match is None:
        return None
    other = await conn.fetchrow(_OTHER_SIDE[match["kind"]], match["counterpart_id"])
    if other is None:
        return None
    is_newcomer = match["newcomer_id"] == person["id"]
    # The newcomer: the reader, or often in the same batch (an event writes to both sides).
    newcomer = person if is_newcomer else people.get(match["newcomer_id"]) or await conn.fetchrow(
        """SELECT id, name, email, status, district, languages, profile, preferred_locale
           FROM participants WHERE id = $1""", match["newcomer_id"])
    reader = person["preferred_locale"]
    if is_newcomer:
        title, organisation, other_id, other_email, other_status = (
            other["title"], other["organisation"], other["owner_id"], other["email"], other["status"])
        if match["kind"] == "mentor":
            title = with_latin(title, None, reader, own_latin(other))
    else:
        title, organisation, other_id, other_email, other_status = (
            with_latin(newcomer["name"], newcomer["preferred_locale"], reader, own_latin(newcomer)), None,
            newcomer["id"], newcomer["email"], newcomer["status"])
    # answered_last: whose consent made them share (shared_later), from the same query.
    share, answered_last = (
        await share_contact(conn, person["id"], other_id)
        if other_status != "erased" and other_email is not None else (False, None)
    )
    side = "newcomer" if is_newcomer else "counterpart"
    both_said_yes = match["status"] == matches.ACTIVE or match["ran"]
    # The one the newcomer would meet: the mentor, or the organisation that runs the course or job.
    # The sentences under the heading name a Cyrillic name in the reader's script only: the heading
    # gave both ("Оксана Мельник (Oksana Melnyk)"), and each sentence would repeat the brackets.
    other_name = (latin_or_name(other["title"], None, reader, own_latin(other)) if match["kind"] == "mentor"
                  else other["organisation"]) or ""
    named_newcomer = {**newcomer, "name": latin_or_name(newcomer["name"], newcomer["preferred_locale"], reader,
                                                        own_latin(newcomer))}
    facts = (match_facts.facts(match["kind"], side, named_newcomer, other, other_name, reader)
             if newcomer["status"] != "erased" and other_status != "erased" else [])
    return {
        "match": match,
        "kind": match["kind"],
        "side": side,
        "other_title": title or "",
        "organisation": organisation or "",
        # An erased side leaves no name (nor organisation): no "Mentor: " line with nothing after it.
        "named": bool(title) and (side == "counterpart" or match["kind"] == "mentor" or bool(organisation)),
        # An employer or course provider answers for one of possibly several positions or courses.
        "wanted": "" if is_newcomer or match["kind"] == "mentor" else other["title"] or "",
        "schedule": other["schedule"] if is_newcomer else None,
        "starts_on": date_in_sentence(other["starts_on"], person["preferred_locale"])
        if is_newcomer and other["starts_on"] else None,
        # Passed on only once both said yes (active, or ended after it ran), never in an
        # introduction: someone who declines, never answers or erases meanwhile was never matched.
        "contact_email": other_email if share and both_said_yes else None,
        "addresses_follow": share and not both_said_yes,  # the introduction says they will come
        "answered_last": answered_last,
        "first_step_name": first_step_name(match["kind"], side, named_newcomer["name"] or "", newcomer,
                                           other_name, other),
        "reasons": reasons(list(match["explanation"] or []),
                           exclude=match_facts.COVERED | match_facts.said(facts) | unsaid(side, match["features"])
                           | _start_unsaid(other, newcomer["profile"])),
        "facts": facts,
        "offer_state": matches_db.offer_state(other),
        "late_entry": late_entry(other, person["preferred_locale"]),
    }


async def about_match(composer: Composer, conn: asyncpg.Connection, row: asyncpg.Record,
                      person: asyncpg.Record, people: People) -> Context:
    """For a decline or an ended match: which match, and whether this person was the one who ended it."""
    parts = await _match_parts(conn, row, person, people)
    if parts is None:
        raise LookupError("the match is gone")
    match = parts.pop("match")
    because = ended_because(match["status"], match["end_reason"])
    if because == "coordinator" and not match["ran"] and await _only_i_answered(conn, match["id"], parts["side"]):
        because = "unanswered"
    return {
        "name": person["name"],
        "manage_url": composer.manage_url(person["id"]),
        "status": match["status"],
        "ended_by_me": match["ended_by_side"] == parts["side"],
        "ended_because": because,
        # Which match an erasure ended, its name being gone: "the introduction we sent you on …",
        # or "your match that began on …" when both had said yes (ran).
        "ran": match["ran"],
        "since": local_date(match["began_on"], person["preferred_locale"]) if match["began_on"] else None,
        **parts,
    }


def shared_with(context: Context) -> str:
    """Who the reader now shares addresses with, for the emails that exist only to say so
    (contact_changed, a later match_active); LookupError (the row is skipped) once the match is no
    longer active or the addresses are no longer both shared: nothing true is left to say."""
    if context["status"] != matches.ACTIVE:
        raise LookupError("the match is no longer active")
    if not context["contact_email"]:
        raise LookupError("the contact details are no longer shared")
    # The newcomer, the mentor, or the organisation behind the course or job.
    named_by_title = context["side"] == "counterpart" or context["kind"] == "mentor"
    return str(context["other_title"] if named_by_title else context["organisation"])


async def _only_i_answered(conn: asyncpg.Connection, match_id: Any, side: str) -> bool:
    """Whether `side` answered the introduction and the other side never did: a coordinator who
    ends it then withdraws an introduction left unanswered (about_match: "unanswered", review 8d,
    finding 10), which the side that said yes should read rather than "the match has ended"."""
    answered = {r["side"] for r in await conn.fetch("SELECT side FROM match_responses WHERE match_id = $1",
                                                    match_id)}
    return answered == {side}


def ended_because(status: str, end_reason: str | None) -> str:
    """Why a match ended, from the code intake stored: the other side was erased (the recipient was
    not, or they would get no email), someone asked for a re-match, someone ended it on their manage
    page ("participant": their words are for the team, never passed on), or a coordinator ended it. A
    coordinator's own words are a note for the team, not for the participants. A completed match is
    "finished" when one side said on its page that they are done and it went well (review 8d,
    finding 1), else "completed" (a coordinator completed it)."""
    if status == matches.COMPLETED:
        return "finished" if end_reason == matches.END_FINISHED else "completed"
    if end_reason == matches.END_ERASED:
        return "erased"
    if end_reason == matches.END_REMATCH:
        return "rematch"
    if end_reason == matches.END_PARTICIPANT:
        return "participant"
    return "coordinator"


async def introduction(composer: Composer, conn: asyncpg.Connection, row: asyncpg.Record,
                       person: asyncpg.Record, people: People) -> Context:
    parts = await _match_parts(conn, row, person, people)
    if parts is None:
        raise LookupError("the match is gone")
    match = parts.pop("match")
    return {
        "name": person["name"],
        "manage_url": composer.manage_url(person["id"]),
        "accept_url": composer.respond_url(match["id"], person["id"], "accept"),
        "decline_url": composer.respond_url(match["id"], person["id"], "decline"),
        "links_until": composer.links_until(row["type"], person["preferred_locale"]),
        **parts,
    }


async def checkin(composer: Composer, conn: asyncpg.Connection, row: asyncpg.Record,
                  person: asyncpg.Record, people: People) -> Context:
    return _checkin(composer, row, person, await _match_parts(conn, row, person, people))


def _checkin(composer: Composer, row: asyncpg.Record, person: asyncpg.Record, found: Context | None) -> Context:
    """The check-in's words and link from the match's parts (_match_parts, read by the caller)."""
    parts = found or {"kind": "mentor", "side": "newcomer", "other_title": "", "organisation": "", "wanted": "",
                      "named": False}
    parts.pop("match", None)
    return {
        "name": person["name"],
        "manage_url": composer.manage_url(person["id"]),
        "checkin_url": composer.checkin_url(row["match_id"], person["id"]),
        "links_until": composer.links_until(row["type"], person["preferred_locale"]),
        # The choices the page behind the link offers this side, for the email to name them.
        "answers": checkin_choices.for_side(parts["kind"], parts["side"]),
        **parts,
    }


async def checkin_again(composer: Composer, conn: asyncpg.Connection, row: asyncpg.Record,
                        person: asyncpg.Record, people: People) -> Context:
    """"Still going, or finished?" months into a mentor match (intake lifecycle_jobs.send_checkins_again):
    the check-in's words and link, and `end_url`, the manage page's end step of this match, where
    "We are done – it went well" completes it. LookupError (the row is skipped) once the match is no
    longer running: the question would be about nothing."""
    # The match's status from the parts' own read of it, not a query of its own before them.
    parts = await _match_parts(conn, row, person, people)
    if parts is None or parts["match"]["status"] != matches.ACTIVE:
        raise LookupError("the match is no longer active")
    context = _checkin(composer, row, person, parts)
    return {**context, "end_url": f"{context['manage_url']}?end={row['match_id']}"}
