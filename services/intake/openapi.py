"""The OpenAPI 3.1 document of the JSON API, built from the same vocabularies the server checks."""

from __future__ import annotations

from functools import cache
from typing import Any

from lotse.intake.validation import ISO_639_1, ISO_3166_1_ALPHA_2
from lotse.shared import matches, reference

JSON = "application/json"
CEFR = ["A1", "A2", "B1", "B2", "C1", "C2"]


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {JSON: {"schema": schema}}}


def _error(description: str) -> dict[str, Any]:
    return _json(_ref("Error"), description)


def _text(max_length: int, min_length: int = 1) -> dict[str, Any]:
    # The server strips whitespace and refuses control characters in one-line text.
    return {"type": "string", "minLength": min_length, "maxLength": max_length, "pattern": r"^\S(.*\S)?$"}


def _codes(values: Any) -> dict[str, Any]:
    return {"type": "string", "enum": sorted(values)}


def _list(items: dict[str, Any], *, unique: bool = True, min_items: int = 0, max_items: int = 50) -> dict[str, Any]:
    return {"type": "array", "items": items, "uniqueItems": unique, "minItems": min_items, "maxItems": max_items}


def _object(properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "required": required, "additionalProperties": False}


def _registration(extra: dict[str, Any], required: list[str]) -> dict[str, Any]:
    taxonomy = reference.taxonomy()
    common = {
        "name": _text(200),
        "email": {"type": "string", "format": "email", "maxLength": 254,
                  "pattern": r"^[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$"},
        "preferred_locale": _codes(taxonomy["locales"]),
        "district": _codes(reference.districts()),
        "languages": _list(
            _object({"code": _codes(ISO_639_1), "level": _codes(reference.CEFR_LEVELS)}, ["code", "level"]),
            min_items=1, max_items=20,
        ),
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


@cache
def openapi_document() -> dict[str, Any]:
    taxonomy = reference.taxonomy()
    needs = _list(_codes(taxonomy["needs"]))
    fields = _codes(taxonomy["occupation_fields"])
    newcomer = _registration(
        {
            "country_of_origin": _codes(ISO_3166_1_ALPHA_2),
            "occupation_field": fields,
            "arrival": _codes(["abroad", "arrived"]),
            "needs": needs,
            "wants_mentor": {"type": "boolean"},
            "online_ok": {"type": "boolean", "default": True,
                          "description": "Meeting a mentor online is fine. False: only mentors within "
                                         "their max_distance_km are suggested, also while still abroad."},
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
            "capacity": {"type": "integer", "minimum": 1, "maximum": 10},
            "helps_with": {**needs, "minItems": 1},
            "occupation_field": {"anyOf": [fields, {"type": "null"}]},
            "max_distance_km": {"type": "integer", "minimum": 1, "maximum": 300, "default": 30},
            "online_ok": {"type": "boolean"},
        },
        ["capacity", "helps_with"],
    )
    position = _object(
        {"title": _text(200), "occupation_field": fields,
         "openings": {"type": "integer", "minimum": 1, "maximum": 1000}, "min_german_level": _codes(CEFR)},
        ["title", "occupation_field", "openings", "min_german_level"],
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
         "starts_on": {"type": "string", "format": "date", "description": "today or later, within two years"},
         "childcare": {"type": "boolean"}},
        ["title", "level", "schedule", "format", "district", "seats", "starts_on"],
    )
    provider = _registration(
        {"organisation": _text(200), "courses": _list(course, unique=False, min_items=1)},
        ["organisation", "courses"],
    )
    uuid_schema = {"type": "string", "format": "uuid"}
    # As read back: a course or position closed by its owner keeps its running matches but gets no
    # new suggestions. Only the added fields are described; the rest is as registered.
    closed_at = {"type": ["string", "null"], "format": "date-time",
                 "description": "when its owner closed it (no new suggestions); null while open"}
    offers_read = {"type": "array", "items": {"type": "object", "required": ["id", "closed_at"],
                                              "properties": {"id": uuid_schema, "closed_at": closed_at}}}
    participant_read = {"type": "object", "properties": {"courses": offers_read, "positions": offers_read}}
    note_schema = {"type": ["string", "null"], "maxLength": 2000}  # free text; null or blank is none
    match = {
        "type": "object",
        "required": ["id", "kind", "newcomer_id", "counterpart_id", "score", "explanation", "status",
                     "created_at", "decided_at", "decided_by"],
        "properties": {
            "id": uuid_schema, "kind": _codes(matches.KINDS), "newcomer_id": uuid_schema,
            "counterpart_id": uuid_schema, "score": {"type": "number", "minimum": 0, "maximum": 1},
            "explanation": {"type": "array", "items": {
                "type": "object", "required": ["factor", "contribution", "detail"],
                "properties": {"factor": {"type": "string"}, "contribution": {"type": "number"},
                               "detail": {"type": "string"}}}},
            "status": _codes(matches.STATES),
            "created_at": {"type": "string", "format": "date-time"},
            "decided_at": {"type": ["string", "null"], "format": "date-time"},
            "decided_by": {"type": ["string", "null"]},
        },
    }
    round_schema = {
        "type": "object", "required": ["id", "objective", "status", "requested_at", "completed_at", "result"],
        "properties": {"id": uuid_schema, "objective": _codes(["best_total_score", "most_matched"]),
                       "status": _codes(["requested", "running", "completed", "failed"]),
                       "requested_at": {"type": "string"}, "completed_at": {"type": ["string", "null"]},
                       "result": {"type": ["object", "null"]}},
    }
    error = {
        "type": "object", "required": ["error"], "additionalProperties": False,
        "properties": {"error": {
            "type": "object", "required": ["code", "message", "fields"], "additionalProperties": False,
            "properties": {"code": {"type": "string"}, "message": {"type": "string"},
                           "fields": {"type": "object", "additionalProperties": {"type": "string"}}}}},
    }
    registered = _json(
        _object({"id": uuid_schema, "status": {"const": "pending_verification"}}, ["id", "status"]),
        "Registered; a verification email is on its way.",
    )
    public_errors = {
        "400": _error("Malformed JSON"), "413": _error("Body too large"), "415": _error("Not JSON"),
        "422": _error("Invalid fields"), "429": _error("Too many requests"),
    }
    auth_errors = {"401": _error("Not logged in"), "403": _error("Not allowed")}

    def register(schema: str, summary: str) -> dict[str, Any]:
        return {"post": {
            "summary": summary, "operationId": f"register_{schema.lower()}", "security": [],
            "requestBody": {"required": True, "content": {JSON: {"schema": _ref(schema)}}},
            "responses": {"201": registered, **public_errors},
        }}

    id_param = [{"name": "id", "in": "path", "required": True, "schema": uuid_schema}]

    def query(name: str, schema: dict[str, Any]) -> dict[str, Any]:
        return {"name": name, "in": "query", "required": False, "schema": schema}

    return {
        "openapi": "3.1.0",
        "info": {"title": "Lotse API", "version": "1.0.0",
                 "description": "Registration of newcomers, mentors, employers and language providers, "
                                "and the coordinators' review of suggested matches."},
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}],
        "paths": {
            "/api/v1/newcomers": register("Newcomer", "Register a newcomer"),
            "/api/v1/mentors": register("Mentor", "Register a mentor"),
            "/api/v1/employers": register("Employer", "Register an employer"),
            "/api/v1/language-providers": register("LanguageProvider", "Register a German-course provider"),
            "/api/v1/verify": {"post": {
                "summary": "Confirm an e-mail address", "operationId": "verify", "security": [],
                "requestBody": {"required": True, "content": {JSON: {"schema": _object(
                    {"token": {"type": "string", "minLength": 1}}, ["token"])}}},
                "responses": {"200": _json(_object({"id": uuid_schema, "status": {"type": "string"}},
                                                   ["id", "status"]), "Verified"),
                              "404": _error("Registration gone"), **public_errors},
            }},
            "/api/v1/auth/login": {"post": {
                "summary": "Log in as a coordinator", "operationId": "login", "security": [],
                "requestBody": {"required": True, "content": {JSON: {"schema": _object(
                    {"email": {"type": "string", "minLength": 1, "maxLength": 254},
                     "password": {"type": "string", "minLength": 1}}, ["email", "password"])}}},
                "responses": {"200": _json(_object({"token": {"type": "string"},
                                                    "expires_at": {"type": "string"}}, ["token", "expires_at"]),
                                           "Logged in"),
                              "401": _error("Wrong e-mail or password"), **public_errors},
            }},
            "/api/v1/participants": {"get": {
                "summary": "List participants", "operationId": "list_participants",
                "parameters": [query("kind", _codes(["newcomer", "mentor", "employer", "language_provider"])),
                               query("status", _codes(["pending_verification", "verified", "paused",
                                                       "withdrawn", "erased"])),
                               query("limit", {"type": "integer", "minimum": 1, "maximum": 500}),
                               query("offset", {"type": "integer", "minimum": 0})],
                "responses": {"200": _json({"type": "object", "required": ["items"],
                                            "properties": {"items": {"type": "array"}}}, "Participants"),
                              "422": _error("Invalid query"), **auth_errors},
            }},
            "/api/v1/participants/{id}": {
                "get": {"summary": "One participant", "operationId": "get_participant", "parameters": id_param,
                        "responses": {"200": _json(participant_read, "The participant"),
                                      "404": _error("Unknown"), **auth_errors}},
                "delete": {"summary": "Erase a participant's personal data", "operationId": "erase_participant",
                           "parameters": id_param,
                           "responses": {"204": {"description": "Erased"}, "404": _error("Unknown"),
                                         **auth_errors}},
            },
            "/api/v1/participants/{id}/export": {"get": {
                "summary": "Everything stored about a participant", "operationId": "export_participant",
                "parameters": id_param,
                "responses": {"200": _json({"type": "object", "properties": {"participant": participant_read}},
                                           "Export"),
                              "404": _error("Unknown"), **auth_errors},
            }},
            "/api/v1/matches": {"get": {
                "summary": "List matches", "operationId": "list_matches",
                "parameters": [query("status", _codes(matches.STATES)), query("kind", _codes(matches.KINDS)),
                               query("newcomer_id", uuid_schema),
                               query("limit", {"type": "integer", "minimum": 1, "maximum": 500}),
                               query("cursor", {"type": "string"})],
                "responses": {"200": _json({"type": "object", "required": ["items", "next_cursor"],
                                            "properties": {"items": {"type": "array", "items": _ref("Match")},
                                                           "next_cursor": {"type": ["string", "null"]}}},
                                           "A page of matches"),
                              "422": _error("Invalid query"), **auth_errors},
            }},
            "/api/v1/matches/{id}": {"get": {
                "summary": "One match", "operationId": "get_match", "parameters": id_param,
                "responses": {"200": _json(_ref("Match"), "The match"), "404": _error("Unknown"), **auth_errors},
            }},
            "/api/v1/matches/{id}/approve": {"post": {
                "summary": "Approve a suggestion", "operationId": "approve_match", "parameters": id_param,
                "requestBody": {"required": False, "content": {JSON: {"schema": _object(
                    {"note": note_schema}, [])}}},
                "responses": {"200": _json(_ref("Match"), "Approved"), "404": _error("Unknown"),
                              "409": _error("Already decided, or no capacity left"), **public_errors, **auth_errors},
            }},
            "/api/v1/matches/{id}/reject": {"post": {
                "summary": "Reject a suggestion", "operationId": "reject_match", "parameters": id_param,
                "requestBody": {"required": True, "content": {JSON: {"schema": _object(
                    {"reason": {"type": "string", "minLength": 1, "maxLength": 1000,
                                "description": "one of " + ", ".join(matches.REJECT_REASONS)
                                               + "; any other text is kept, filed under other"},
                     "note": note_schema}, ["reason"])}}},
                "responses": {"200": _json(_ref("Match"), "Rejected"), "404": _error("Unknown"),
                              "409": _error("Already decided"), **public_errors, **auth_errors},
            }},
            "/api/v1/matching/rounds": {"post": {
                "summary": "Start a global assignment round", "operationId": "start_round",
                "requestBody": {"required": False, "content": {JSON: {"schema": _object(
                    {"objective": _codes(["best_total_score", "most_matched"])}, [])}}},
                "responses": {"202": _json(_ref("Round"), "Requested"), **public_errors, **auth_errors},
            }},
            "/api/v1/matching/rounds/{id}": {"get": {
                "summary": "A round and its result", "operationId": "get_round", "parameters": id_param,
                "responses": {"200": _json(_ref("Round"), "The round"), "404": _error("Unknown"), **auth_errors},
            }},
            "/api/v1/stats": {"get": {
                "summary": "Statistics", "operationId": "stats",
                "responses": {"200": _json({"type": "object"}, "Figures"), **auth_errors},
            }},
        },
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {"Newcomer": newcomer, "Mentor": mentor, "Employer": employer,
                        "LanguageProvider": provider, "Match": match, "Round": round_schema, "Error": error},
        },
    }
