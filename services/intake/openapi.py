"""The OpenAPI 3.1 document of the JSON API, built from the same vocabularies the server checks."""

from __future__ import annotations

from functools import cache
from typing import Any, Final

from lotse.intake import checkin_answers, retention
from lotse.intake.api.coordinators import PARTICIPANT_KIND_SYNONYMS
from lotse.intake.errors import ERROR_CODES
from lotse.intake.privacy import ANONYMOUS_PROFILE_FIELDS
from lotse.intake.validation import COUNTRY_CODES, ISO_639_1
from lotse.shared import matches, reference
from lotse.shared.profiles import COMMUTE_KM

JSON = "application/json"
CEFR = ["A1", "A2", "B1", "B2", "C1", "C2"]
EMAIL_RULE = (
    "An address as RFC 6531 allows, international ones included (anna@thüringen.de): a local part of "
    "1–64 characters without spaces, quotes or ()<>[]\\,;:@, not beginning or ending with a dot and "
    "without two dots together; a domain of two or more labels (letters of any script, digits, "
    "hyphens inside a label; the last label not only digits) that IDNA can write. A domain with ß, ς "
    "or a joiner is refused, as IDNA 2003 and 2008 disagree about where it leads. Stored and "
    "returned with the domain in lower case and its Unicode form (xn-- labels decoded)."
)
ERROR_LANGUAGE = (
    "Errors have the shape of the Error schema; `code` and the keys of `fields` (field paths) are "
    "stable, `message` and the field messages are text for people. The 422 of the four registration "
    "endpoints is in the language of Accept-Language when it names one of the locales of "
    "`preferred_locale`; else in the body's `preferred_locale` when that is valid; else German, so an "
    "app can show it to the person registering. Every other error, the "
    "coordinators' endpoints included, is in English, for the logs and support of the programs that "
    "call them. Every error names its language in Content-Language."
)


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {JSON: {"schema": schema}}}


_HEADERS: Final = {
    "Content-Language": "the language of the messages (a locale as in preferred_locale; en, or for a "
                        "registration's 422 the body's preferred_locale or de by default)",
    "Retry-After": "seconds to wait before trying again",
    "WWW-Authenticate": "Bearer",
}


def _error(description: str, *headers: str) -> dict[str, Any]:
    return {**_json(_ref("Error"), description),
            "headers": {name: {"description": _HEADERS[name], "schema": {"type": "string"}}
                        for name in ("Content-Language", *headers)}}


def _text(max_length: int, min_length: int = 1) -> dict[str, Any]:
    # The server strips whitespace and refuses control characters in one-line text.
    return {"type": "string", "minLength": min_length, "maxLength": max_length, "pattern": r"^\S(.*\S)?$"}


def _codes(values: Any) -> dict[str, Any]:
    return {"type": "string", "enum": sorted(values)}


def _list(items: dict[str, Any], *, unique: bool = True, min_items: int = 0, max_items: int = 50) -> dict[str, Any]:
    return {"type": "array", "items": items, "uniqueItems": unique, "minItems": min_items, "maxItems": max_items}


def _object(properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "required": required, "additionalProperties": False}


def _record(properties: dict[str, Any]) -> dict[str, Any]:
    """A closed object whose every property is always present (what the server writes)."""
    return _object(properties, list(properties))


def _body(schema: dict[str, Any], *, required: bool = True) -> dict[str, Any]:
    return {"required": required, "content": {JSON: {"schema": schema}}}


def _languages(*, min_items: int = 0) -> dict[str, Any]:
    return _list(_record({"code": _codes(ISO_639_1), "level": _codes(reference.CEFR_LEVELS)}),
                 min_items=min_items, max_items=20)


# A newcomer's or mentor's own Latin spelling of a name in another script (review 8f, finding 3).
_NAME_LATIN: Final = {
    "type": ["string", "null"], "maxLength": 200,
    "description": "The name in Latin letters as the passport writes it, for a name in another script (Arabic, "
                   "Han, Cyrillic, ...): shown beside the name to coordinators and to readers of languages written "
                   "in Latin letters (\"فاطمه حسینی (Fatemeh Hosseini)\"), and found by the coordinators' search. "
                   "Only Latin letters (accents are fine); null, blank or absent: none given (a Cyrillic name "
                   "then gets an automatic spelling). Erased with the name."}


def _registration(extra: dict[str, Any], required: list[str]) -> dict[str, Any]:
    taxonomy = reference.taxonomy()
    common = {
        "name": _text(200),
        # In words, not a pattern: an ASCII pattern refused the international addresses the
        # server takes (validation._email is the rule).
        "email": {"type": "string", "format": "idn-email", "maxLength": 254, "description": EMAIL_RULE},
        "preferred_locale": _codes(taxonomy["locales"]),
        "district": _codes(reference.districts()),
        "languages": _languages(min_items=1),
        "consent": _object(
            {"data_processing": {"const": True}, "share_contact": {"type": "boolean"}}, ["data_processing"]
        ),
        "about": {"type": ["string", "null"], "maxLength": 2000,
                  "description": "Free text. Do not enter religion, health or ethnicity."},
    }
    return _object(
        {**common, **extra},
        ["name", "email", "preferred_locale", "district", "languages", "consent", *required],
    )


UUID: Final = {"type": "string", "format": "uuid"}
PARTICIPANT_KINDS: Final = ("newcomer", "mentor", "employer", "language_provider")
PARTICIPANT_STATES: Final = ("pending_verification", "verified", "paused", "withdrawn", "erased")


def _time(*, nullable: bool = False) -> dict[str, Any]:
    return {"type": ["string", "null"] if nullable else "string", "format": "date-time"}


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [schema, {"type": "null"}]}


# --- what the coordinators' endpoints return -------------------------------------------------
# Each shape the server writes is closed (additionalProperties: false): a field it starts to
# return must be described here, or tests/integration/test_openapi_conformance.py fails.

# Sent at registration, not returned as such: consent becomes `consents`, courses and positions
# are read back with their ids.
_WRITE_ONLY: Final = frozenset({"consent", "courses", "positions"})
_CLOSED_AT: Final = {**_time(nullable=True),
                     "description": "when its owner closed it (no new suggestions; running matches stay); "
                                    "null while open"}


def _pause_and_places(kind: str) -> dict[str, Any]:
    """Added later, so optional (not in `required`) for clients of an older server; always written."""
    count = {"type": ["integer", "null"] if kind == "mentor" else "null", "minimum": 0}
    mentor_only = "a mentor's; null for the other kinds and after erasure"
    return {
        "paused_until": {"type": ["string", "null"], "format": "date",
                         "description": "the day matching resumes after a pause with an end; null otherwise"},
        "places": {**count, "description": f"places offered (the profile's capacity), {mentor_only}"},
        "places_taken": {**count, "description": "places taken: their matches in a state that holds one ("
                                                 f"{', '.join(matches.HOLDS_CAPACITY)}), {mentor_only}"},
    }


def _participant(kind: str, registration: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """One kind's participant as read back: the registration's fields (the kind's own ones are in
    its profile, so an erased person's row keeps only the anonymous ones) and the server's."""
    own = {name: prop for name, prop in registration["properties"].items() if name not in _WRITE_ONLY}
    return {**_object({
        **own,
        "id": UUID, "kind": {"const": kind}, "status": _codes(PARTICIPANT_STATES),
        # Gone after erasure, as are the languages and `about`.
        "name": {"type": ["string", "null"], "maxLength": 200},
        "email": {"type": ["string", "null"], "format": "idn-email", "maxLength": 254},
        "languages": _languages(),
        "created_at": _time(), "verified_at": _time(nullable=True), "updated_at": _time(),
        **_pause_and_places(kind),
        **extra,
    }, ["id", "kind", "status", "name", "email", "preferred_locale", "district", "languages", "about",
        "created_at", "verified_at", "updated_at", *extra]),
        "description": "The kind's own fields are present as registered or last changed; after erasure "
                       "only " + ", ".join(ANONYMOUS_PROFILE_FIELDS) + " remain of them."}


def _offers_read(registration: dict[str, Any], name: str) -> dict[str, Any]:
    offer = registration["properties"][name]["items"]
    properties = {**offer["properties"], "id": UUID, "closed_at": _CLOSED_AT}
    if "starts_on" in properties:  # read back it may lie in the past
        properties["starts_on"] = {"type": "string", "format": "date"}
    return {"type": "array", "items": _record(properties)}


def _read_schemas(registrations: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Participants (list item, detail, export) as the server returns them; `registrations` by
    schema name, in the order of PARTICIPANT_KINDS."""
    consent = _record({"purpose": _codes(["data_processing", "share_contact"]), "given": {"type": "boolean"},
                       "text_version": {"type": "string"}, "recorded_at": _time()})
    offers = {"language_provider": {"courses": _offers_read(registrations["LanguageProvider"], "courses")},
              "employer": {"positions": _offers_read(registrations["Employer"], "positions")}}
    kinds = list(zip(registrations.items(), PARTICIPANT_KINDS, strict=True))
    listed = {f"Participant{name}": _participant(kind, schema, {}) for (name, schema), kind in kinds}
    detailed = {
        f"ParticipantDetail{name}": _participant(
            kind, schema, {**offers.get(kind, {}), "consents": {"type": "array", "items": consent}})
        for (name, schema), kind in kinds
    }
    side = _codes(["newcomer", "counterpart"])
    export = _record({
        "participant": {"anyOf": [
            _ref("ParticipantDetail"),
            {**_record({"id": UUID, "kind": _codes(PARTICIPANT_KINDS), "status": {"const": "erased"}}),
             "description": "An erased person: only the anonymous remainder is stored. Of it the export lists "
                            "the match rows (as GET /api/v1/matches shows them: ids, codes, statuses, scores; no "
                            "words, no explanation sentences); every other list is empty."},
        ]},
        "matches": {"type": "array", "items": _ref("Match"),
                    "description": "every match the person is or was in, an erased person's included"},
        "responses": {"type": "array", "items": _record(
            {"match_id": UUID, "side": side, "answer": _codes(["accept", "decline"]),
             "reason": {"type": ["string", "null"]}, "responded_at": _time()})},
        "checkins": {"type": "array", "items": _record(
            {"match_id": UUID, "side": side, "answer": _codes(checkin_answers.ALL),
             "comment": {"type": ["string", "null"]}, "answered_at": _time()})},
        "emails": {"type": "array", "items": _record(
            {"id": UUID, "type": {"type": "string", "description": "which email, e.g. verification, introduction"},
             "locale": {"type": ["string", "null"]},
             "status": _codes(["pending", "sending", "sent", "failed", "skipped"]),
             "attempts": {"type": "integer", "minimum": 0}, "created_at": _time(), "sent_at": _time(nullable=True)})},
        "audit": {"type": "array", "items": _record(
            {"at": _time(), "actor_role": {"type": ["string", "null"]}, "action": {"type": "string"},
             "before": {"type": ["object", "null"]}, "after": {"type": ["object", "null"]}})},
        "waitlist": {"type": "array", "items": _record(
            {"kind": _codes(matches.KINDS), "reason_code": {"type": "string"}, "reason": {"type": "string"},
             "since": _time()})},
        # Requests to change the address, while their link lives (a week); the new address is theirs too.
        "email_changes": {"type": "array", "items": _record(
            {"new_email": {"type": "string"}, "requested_at": _time(),
             "outcome": {"type": ["string", "null"], "enum": ["confirmed", "cancelled", "replaced", None]},
             "ended_at": _time(nullable=True)})},
        # Review 9a, F14: the same address registered again while unconfirmed; gone once it is confirmed.
        "registration_versions": {"type": "array", "items": _record(
            {"id": UUID, "created_at": _time(),
             "registration": {"type": "object", "description": "the registration as submitted and validated "
                              "(name, email, preferred_locale, district, languages, consents, about, profile, "
                              "courses, positions); the verification link sent for it puts it in place"}}),
            "description": "registrations of the same address and kind repeated while it was unconfirmed, each "
                           "waiting for its own verification link; empty once verified or erased"},
    })
    return {
        **listed, **detailed,
        "Participant": {"oneOf": [_ref(name) for name in listed]},
        "ParticipantDetail": {"oneOf": [_ref(name) for name in detailed]},
        "Export": export,
    }


def _match_schema() -> dict[str, Any]:
    record = _record({
        "id": UUID, "kind": _codes(matches.KINDS), "newcomer_id": UUID,
        "counterpart_id": {**UUID, "description": "the mentor, the course, or the employer's position"},
        "score": {"type": "number", "minimum": 0, "maximum": 1},
        "explanation": {"type": "array", "items": {
            **_object({"factor": {"type": "string"}, "contribution": {"type": "number"},
                       "detail": {"type": "string"}}, ["factor", "contribution"]),
            "description": "`detail` is a sentence in English; it is removed when either side is erased"}},
        "status": _codes(matches.STATES),
        "model_version": {"type": "string", "description": "what scored it: `prior` (the fixed weights), "
                                                           "or the learned model as `<kind>-v<version>` (`mentor-v3`)"},
        "round_id": {**_nullable(UUID), "description": "the global round that proposed it, if one did"},
        "created_at": _time(), "decided_at": _time(nullable=True),
        "decided_by": {**_nullable(UUID), "description": "the coordinator who approved or rejected it"},
        "note": {"type": ["string", "null"], "description": "the coordinator's note"},
        "reason": {"type": ["string", "null"],
                   "description": "why it was rejected, withdrawn, declined or ended: a code, then ': ' and words"},
    })
    # Added later: present in what this server writes, optional for clients of an older one.
    record["properties"].update({
        "end_reason": {"type": ["string", "null"], "description": (
            "why it stopped, as a code: declined, rematch_requested, participant_erased, coordinator "
            "(the coordinator's words are in `reason`), ended_by_participant (one side ended it on its "
            "manage page; its words, if any, are in `reason`), finished_by_participant (one side of a mentor "
            "match said on its manage page that they are done and it went well: completed), or the "
            "withdrawal's or rejection's code")},
        "flag_code": {**_nullable(_codes(matches.FLAGS)),
                      "description": "why intake flagged it for a coordinator's look; null when it did not"},
    })
    return record


def _counts(description: str) -> dict[str, Any]:
    return {"type": "object", "additionalProperties": {"type": "integer", "minimum": 0}, "description": description}


def _rate(description: str) -> dict[str, Any]:
    return {"type": ["number", "null"], "minimum": 0, "maximum": 1, "description": description}


def _stats_schema() -> dict[str, Any]:
    by_kind = {"type": "object", "propertyNames": _codes(PARTICIPANT_KINDS)}
    return _record({
        "participants": {**by_kind, "additionalProperties": _counts("per status"), "description": "per kind"},
        "registrations_per_week": {"type": "object", "additionalProperties": {**by_kind, **_counts("per kind")},
                                   "description": "ISO weeks (2026-W47) of the last 12 weeks"},
        "newcomers_waiting_by_planning_region": _counts("verified newcomers without a match, per planning region"),
        # withdrawn: retention deletes such suggestions after WITHDRAWN_DAYS (review 9d, D5).
        "matches": {**_counts(f"per status; withdrawn counts only the suggestions withdrawn in the last "
                              f"{retention.WITHDRAWN_DAYS} days (older ones are deleted)"),
                    "propertyNames": _codes(matches.STATES)},
        "median_hours_verification_to_approval": {"type": ["number", "null"], "minimum": 0},
        "acceptance_rate": _rate("of the introductions both sides have answered (accepted or declined), the share "
                                 "both accepted, also if the match ended later; null before the first answer"),
        "completion_rate": _rate("of the accepted matches that have ended, the share completed (a re-match "
                                 "request or an erasure ended it otherwise); null before the first ends"),
        "unmet_needs": _counts("waiting list entries per reason code"),
        "mentor_load": _record({name: {"type": "integer", "minimum": 0}
                                for name in ("mentors", "places", "places_taken", "full")}),
    })


_OBJECTIVE: Final = _codes(["best_total_score", "most_matched"])


def _round_schema() -> dict[str, Any]:
    kind_result = _record({
        "waiting": {"type": "integer"}, "proposed": {"type": "integer"}, "total_score": {"type": "number"},
        "greedy": _record({"proposed": {"type": "integer"}, "total_score": {"type": "number"}}),
        "gain_over_greedy": {"type": "number"},
        "fairness": {"type": "object", "description": "waiting and proposed per country of origin and planning region"},
        "unmatched": _counts("why a waiting newcomer got nothing"),
    })
    result = _record({"objective": _OBJECTIVE,
                      "kinds": {"type": "object", "propertyNames": _codes(matches.KINDS),
                                "additionalProperties": kind_result}})
    return _record({
        "id": UUID, "objective": _OBJECTIVE, "status": _codes(["requested", "running", "completed", "failed"]),
        "requested_at": _time(), "completed_at": _time(nullable=True),
        "result": {**_nullable(result), "description": "null until the round has completed"},
    })


@cache
def openapi_document() -> dict[str, Any]:
    taxonomy = reference.taxonomy()
    needs = _list(_codes(taxonomy["needs"]))
    fields = _codes(taxonomy["occupation_fields"])
    newcomer = _registration(
        {
            "name_latin": _NAME_LATIN,
            "country_of_origin": _codes(COUNTRY_CODES),
            "occupation_field": fields,
            "arrival": _codes(["abroad", "arrived"]),
            "needs": needs,
            "wants_mentor": {"type": "boolean"},
            "online_ok": {"type": "boolean", "default": True,
                          "description": "Meeting a mentor online is fine. False: only mentors within "
                                         "their max_distance_km are suggested, also while still abroad."},
            "seeks_work": {"type": "boolean", "default": True,
                           "description": "Looks for a job themselves. False (came with a job, or not "
                                          "looking): no positions are suggested, and the newcomer is not "
                                          "counted as waiting for one."},
            "max_commute_km": {"type": ["integer", "null"], "enum": [*COMMUTE_KM, None], "default": None,
                               "description": "How far (km between district seats) they would commute for a "
                                              "job: positions farther away are not suggested. Null: anywhere, "
                                              "they would also move."},
            "course_schedules": _list(_codes(taxonomy["schedules"])),
            "household": {
                **_object(
                    {"partner": {"type": "boolean"}, "partner_seeks_work": {"type": "boolean"},
                     "children_ages": _list({"type": "integer", "minimum": 0, "maximum": 17},
                                            unique=False, max_items=15)},
                    [],
                ),
                # A partner who seeks work needs a partner.
                "if": {"not": {"properties": {"partner": {"const": True}}, "required": ["partner"]}},
                "then": {"properties": {"partner_seeks_work": {"const": False}}},
            },
        },
        ["country_of_origin", "occupation_field", "arrival"],
    )
    mentor = _registration(
        {
            "name_latin": _NAME_LATIN,
            "capacity": {"type": "integer", "minimum": 1, "maximum": 10},
            "helps_with": {**needs, "minItems": 1},
            "occupation_field": {"anyOf": [fields, {"type": "null"}]},
            "max_distance_km": {"type": "integer", "minimum": 1, "maximum": 300, "default": 30},
            "online_ok": {"type": "boolean"},
        },
        ["capacity", "helps_with"],
    )
    position = _record(
        {"title": _text(200), "occupation_field": fields,
         "openings": {"type": "integer", "minimum": 1, "maximum": 1000}, "min_german_level": _codes(CEFR)},
    )
    employer = _registration(
        {"organisation": _text(200), "contact_name": _text(200),
         "positions": _list(position, unique=False, min_items=1),
         "offers": _list(_codes(taxonomy["employer_offers"]))},
        ["organisation", "contact_name", "positions"],
    )
    course = _object(
        {"title": _text(200), "level": _codes(CEFR[:5]), "schedule": _codes(taxonomy["schedules"]),
         "format": _codes(taxonomy["course_formats"]), "district": _codes(reference.districts()),
         "seats": {"type": "integer", "minimum": 1, "maximum": 500},
         "starts_on": {"type": "string", "format": "date", "description":
                       "today or later, within two years; earlier while its late entry is still open"},
         "childcare": {"type": "boolean"},
         "late_entry_weeks": {"type": ["integer", "null"], "minimum": 1, "maximum": 52,
                              "description": "weeks after starts_on in which newcomers can still join; "
                                             "absent or null: not after the start"}},
        ["title", "level", "schedule", "format", "district", "seats", "starts_on"],
    )
    provider = _registration(
        {"organisation": _text(200), "courses": _list(course, unique=False, min_items=1)},
        ["organisation", "courses"],
    )
    registrations = {"Newcomer": newcomer, "Mentor": mentor, "Employer": employer, "LanguageProvider": provider}
    note_schema = {"type": ["string", "null"], "maxLength": 2000}  # free text; null or blank is none
    error = {
        "type": "object", "required": ["error"], "additionalProperties": False,
        "properties": {"error": {
            "type": "object", "required": ["code", "message", "fields"], "additionalProperties": False,
            "properties": {"code": {"type": "string", "description": "stable: " + ", ".join(ERROR_CODES)},
                           "message": {"type": "string"},
                           "fields": {"type": "object", "additionalProperties": {"type": "string"},
                                      "description": "field path (languages[0].code) → message; "
                                                     "empty unless the error is about fields"}}}},
        "description": ERROR_LANGUAGE,
    }
    registered = _json(
        _record({"id": UUID, "status": {"const": "pending_verification"}}),
        "Registered; a verification email is on its way.",
    )
    unavailable = {"503": _error("The database is unreachable; try again after Retry-After seconds",
                                 "Retry-After")}
    body_errors = {
        "400": _error("Malformed JSON"), "413": _error("Body too large"),
        "422": _error("Invalid fields, each named in `fields`"),
    }
    logged_in = {"401": _error("Not logged in, or the token has expired", "WWW-Authenticate"), **unavailable}
    unknown = {"404": _error("No such resource (also for an id that is no UUID)")}
    bad_query = {"422": _error("Invalid query parameters, each named in `fields`")}

    def register(schema: str, summary: str) -> dict[str, Any]:
        return {"post": {
            "summary": summary, "operationId": f"register_{schema.lower()}", "security": [],
            "description": "The same address registering again for the same kind gets the same answer and "
                           "id, and an e-mail instead of a second registration. While the first is unconfirmed, "
                           "the new data is kept as a version of its own: the verification link e-mailed for it "
                           "puts that data in place of the stored one and confirms it. A 422 speaks the language "
                           "of Accept-Language, else of a valid `preferred_locale` in the body, else "
                           "German; see Error.",
            "requestBody": _body(_ref(schema)),
            "responses": {"201": registered, **body_errors,
                          "429": _error("Too many registrations from this address", "Retry-After"),
                          **unavailable},
        }}

    id_param = [{"name": "id", "in": "path", "required": True, "schema": UUID}]

    def query(name: str, schema: dict[str, Any]) -> dict[str, Any]:
        # The contract writes these URLs as templates with blanks (?kind=&status=): blank is absent.
        return {"name": name, "in": "query", "required": False, "schema": schema, "allowEmptyValue": True,
                "description": "An empty value counts as absent."}

    page = {"type": "integer", "minimum": 1, "maximum": 500}
    return {
        "openapi": "3.1.0",
        "info": {"title": "Lotse API", "version": "1.0.0",
                 "description": "Registration of newcomers, mentors, employers and language providers, "
                                "and the coordinators' review of suggested matches. " + ERROR_LANGUAGE},
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}],
        "paths": {
            "/api/v1/newcomers": register("Newcomer", "Register a newcomer"),
            "/api/v1/mentors": register("Mentor", "Register a mentor"),
            "/api/v1/employers": register("Employer", "Register an employer"),
            "/api/v1/language-providers": register("LanguageProvider", "Register a German-course provider"),
            "/api/v1/verify": {"post": {
                "summary": "Confirm an e-mail address", "operationId": "verify", "security": [],
                "requestBody": _body(_record({"token": {"type": "string", "minLength": 1}})),
                "responses": {"200": _json(_record({"id": UUID, "status": _codes(PARTICIPANT_STATES)}),
                                           "Verified (again: harmless)"),
                              **body_errors,
                              "404": _error("Registration gone (erased or expired), or, while it is unconfirmed, the "
                                            "version of it the link was sent for"),
                              **unavailable},
            }},
            "/api/v1/auth/login": {"post": {
                "summary": "Log in as a coordinator", "operationId": "login", "security": [],
                "requestBody": _body(_record({"email": {"type": "string", "minLength": 1, "maxLength": 254},
                                              "password": {"type": "string", "minLength": 1}})),
                "responses": {"200": _json(_record({"token": {"type": "string"}, "expires_at": _time()}),
                                           "Logged in"),
                              **body_errors, "401": _error("Wrong e-mail or password"),
                              "429": _error("Too many failed attempts for this account", "Retry-After"),
                              **unavailable},
            }},
            "/api/v1/auth/logout": {"post": {
                "summary": "End the bearer token's session", "operationId": "logout",
                "responses": {"204": {"description": "Logged out"}, **logged_in},
            }},
            "/api/v1/participants": {"get": {
                "summary": "List participants", "operationId": "list_participants",
                "description": "Oldest registration first. To read them all, pass each page's "
                               "`next_cursor` back as `cursor` until it is null: every participant "
                               "the filters select is listed once, even if others change status or "
                               "are removed meanwhile (with `offset` they would shift between pages). "
                               "`total` counts all pages.",
                "parameters": [query("kind", {**_codes([*PARTICIPANT_KINDS, *PARTICIPANT_KIND_SYNONYMS]),
                                              "description": "language-provider, as the registration route "
                                                             "spells it, is language_provider"}),
                               query("status", _codes(PARTICIPANT_STATES)),
                               query("limit", {**page, "default": 100}),
                               query("offset", {"type": "integer", "minimum": 0, "maximum": 10_000_000,
                                                "default": 0, "description": "not together with cursor"}),
                               query("cursor", {"type": "string", "description": "a next_cursor of this list"})],
                "responses": {"200": _json(_record({
                                  "items": {"type": "array", "items": _ref("Participant")},
                                  "total": {"type": "integer", "minimum": 0,
                                            "description": "participants the kind and status filters select"},
                                  "next_cursor": {"type": ["string", "null"], "description": "null on the last page"},
                              }), "Participants"),
                              **bad_query, **logged_in},
            }},
            "/api/v1/participants/{id}": {
                "get": {"summary": "One participant", "operationId": "get_participant", "parameters": id_param,
                        "responses": {"200": _json(_ref("ParticipantDetail"), "The participant"),
                                      **unknown, **logged_in}},
                "delete": {"summary": "Erase a participant's personal data", "operationId": "erase_participant",
                           "parameters": id_param,
                           "responses": {"204": {"description": "Erased"},
                                         "404": _error("Unknown, or already erased"), **logged_in}},
            },
            "/api/v1/participants/{id}/export": {"get": {
                "summary": "Everything stored about a participant", "operationId": "export_participant",
                "parameters": id_param,
                "responses": {"200": _json(_ref("Export"), "Export"), **unknown, **logged_in},
            }},
            "/api/v1/matches": {"get": {
                "summary": "List matches", "operationId": "list_matches",
                "parameters": [query("status", _codes(matches.STATES)), query("kind", _codes(matches.KINDS)),
                               query("newcomer_id", UUID), query("limit", {**page, "default": 50}),
                               query("cursor", {"type": "string", "description": "a next_cursor of this API"})],
                "responses": {"200": _json(_record({"items": {"type": "array", "items": _ref("Match")},
                                                    "next_cursor": {"type": ["string", "null"],
                                                                    "description": "null on the last page"}}),
                                           "A page of matches, oldest first"),
                              **bad_query, **logged_in},
            }},
            "/api/v1/matches/{id}": {"get": {
                "summary": "One match", "operationId": "get_match", "parameters": id_param,
                "responses": {"200": _json(_ref("Match"), "The match"), **unknown, **logged_in},
            }},
            "/api/v1/matches/{id}/approve": {"post": {
                "summary": "Approve a suggestion", "operationId": "approve_match", "parameters": id_param,
                "requestBody": _body(_object({"note": note_schema}, []), required=False),
                "responses": {"200": _json(_ref("Match"), "Approved"), **body_errors, **unknown,
                              "409": _error("Already decided, or no capacity left"), **logged_in},
            }},
            "/api/v1/matches/{id}/reject": {"post": {
                "summary": "Reject a suggestion", "operationId": "reject_match", "parameters": id_param,
                "requestBody": _body(_object(
                    {"reason": {"type": "string", "minLength": 1, "maxLength": 1000,
                                "description": "one of " + ", ".join(matches.REJECT_REASONS)
                                               + "; any other text is kept, filed under other"},
                     "note": note_schema}, ["reason"])),
                "responses": {"200": _json(_ref("Match"), "Rejected"), **body_errors, **unknown,
                              "409": _error("Already decided"), **logged_in},
            }},
            "/api/v1/matching/rounds": {"post": {
                "summary": "Start a global assignment round", "operationId": "start_round",
                "requestBody": _body(_object(
                    {"objective": {**_OBJECTIVE, "default": "best_total_score"}}, []), required=False),
                "responses": {"202": {**_json(_ref("Round"), "Requested"),
                                      "headers": {"Location": {"description": "/api/v1/matching/rounds/{id}: GET "
                                                                              "it for the result",
                                                               "schema": {"type": "string"}}}},
                              **body_errors, **logged_in},
            }},
            "/api/v1/matching/rounds/{id}": {"get": {
                "summary": "A round and its result", "operationId": "get_round", "parameters": id_param,
                "responses": {"200": _json(_ref("Round"), "The round"), **unknown, **logged_in},
            }},
            "/api/v1/stats": {"get": {
                "summary": "Statistics", "operationId": "stats",
                "responses": {"200": _json(_stats_schema(), "Figures"), **logged_in},
            }},
        },
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {**registrations, "Match": _match_schema(), "Round": _round_schema(), "Error": error,
                        **_read_schemas(registrations)},
        },
    }
