"""Properties of the validation layer: hostile input never crashes it, valid input always passes."""

from __future__ import annotations

import copy
import json
import math
import sys
import unicodedata
from datetime import date, timedelta
from typing import Any, Final

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lotse.intake.validation import (
    ISO_639_1,
    ISO_3166_1_ALPHA_2,
    KINDS,
    MESSAGES,
    Registration,
    ValidationFailed,
    validate_registration,
    validate_update,
)
from lotse.shared import reference

BOUNDED = settings(max_examples=200, deadline=None,
                   suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

TODAY = date(2025, 3, 10)

# Every code point, lone surrogates and NUL included: what a JSON "\uXXXX" escape can produce.
any_char = st.characters(codec=None, exclude_categories=())
hostile_text = st.one_of(
    st.text(any_char, max_size=50),
    st.text(any_char, min_size=190, max_size=2100),
    st.sampled_from(["", " ", "\x00", "16052", "de", "B1", "VN", "nursing", "evening",
                     "2025-04-05", "\ud800", "a@b.de", "true", "٣", "Ⅻ", "ǅ", "İ"]),
)
scalars = st.one_of(
    st.none(), st.booleans(),
    st.integers(), st.integers(min_value=-(10**400), max_value=10**400),
    st.floats(allow_nan=True, allow_infinity=True),
    hostile_text,
)
json_ish = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=6),
        st.dictionaries(hostile_text, children, max_size=6),
    ),
    max_leaves=30,
)


def check_only_validation_failed(kind: str, payload: object) -> None:
    try:
        result = validate_registration(kind, payload, today=TODAY)
    except ValidationFailed as failed:
        assert failed.errors
        for path, error in failed.errors.items():
            assert isinstance(path, str)
            assert error.message in MESSAGES
            error.render()  # every error can be shown to its person
        json.dumps(failed.fields())  # and sent back in the contract's error body
        return
    assert isinstance(result, Registration)
    json.dumps(result.profile, allow_nan=False)


@BOUNDED
@given(kind=st.sampled_from(KINDS), payload=json_ish)
def test_arbitrary_values_only_fail_validation(kind: str, payload: object) -> None:
    check_only_validation_failed(kind, payload)


@BOUNDED
@given(kind=st.sampled_from(KINDS), payload=json_ish)
def test_arbitrary_updates_only_fail_validation(kind: str, payload: object) -> None:
    try:
        validate_update(kind, payload, today=TODAY)
    except ValidationFailed as failed:
        assert all(error.message in MESSAGES for error in failed.errors.values())


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place inside a payload where a value could be swapped for something else."""
    found = [prefix]
    if isinstance(value, dict):
        for key, child in value.items():
            found += _paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found += _paths(child, (*prefix, index))
    return found


# --- valid payloads, generated --------------------------------------------------------------

# Refused in single-line text (review 9a, F6): they reverse what a name shows.
BIDI_CONTROLS: Final = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"


def printable(min_size: int, max_size: int, *, multiline: bool = False) -> st.SearchStrategy[str]:
    """Text the validator must accept: any script, no control characters, something visible; a
    single line also no bidi embedding, override or isolate (validation._SINGLE_LINE_FORBIDDEN)."""
    allowed = st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Zl", "Zp"),
                            include_characters="\n\t" if multiline else "",
                            exclude_characters="" if multiline else BIDI_CONTROLS)
    # The limit applies to the stored, NFC-normalised text, which can be longer than the input.
    return st.text(allowed, min_size=min_size, max_size=max_size).filter(
        lambda s: len(s.strip()) > 0
        and len(unicodedata.normalize("NFC", s.strip())) <= max_size)


def codes(vocabulary: list[str] | tuple[str, ...], min_size: int = 0) -> st.SearchStrategy[list[str]]:
    return st.lists(st.sampled_from(sorted(vocabulary)), min_size=min_size, unique=True)


def taxonomy(name: str) -> list[str]:
    return list(reference.taxonomy()[name])


languages = st.lists(
    st.fixed_dictionaries({"code": st.sampled_from(sorted(ISO_639_1)),
                           "level": st.sampled_from(reference.CEFR_LEVELS)}),
    min_size=1, max_size=20, unique_by=lambda lang: lang["code"],
)
local_part = st.text(st.sampled_from("abcxyz0189._+-'!#$%&*/=?^`{|}~"), min_size=1, max_size=64)\
    .filter(lambda s: not s.startswith(".") and not s.endswith(".") and ".." not in s)
label = st.from_regex(r"[a-zA-Zа-яё0-9]([a-zA-Z0-9-]{0,20}[a-zA-Z0-9])?", fullmatch=True)
email = st.builds(lambda local, labels, tld: f"{local}@{'.'.join(labels)}.{tld}",
                  local_part, st.lists(label, min_size=1, max_size=3),
                  st.from_regex(r"[a-zA-Z]{2,10}", fullmatch=True))\
    .filter(lambda s: len(s) <= 254)

common = {
    "name": printable(1, 200),
    "email": email,
    "preferred_locale": st.sampled_from(sorted(reference.locales())),
    "district": st.sampled_from(sorted(reference.districts())),
    "languages": languages,
    "consent": st.fixed_dictionaries({"data_processing": st.just(True)},
                                     optional={"share_contact": st.booleans()}),
}
optional_common = {"about": st.one_of(st.none(), printable(1, 2000, multiline=True))}


@st.composite
def household(draw: st.DrawFn) -> dict[str, object]:
    partner = draw(st.booleans())
    return {"partner": partner,
            "partner_seeks_work": draw(st.booleans()) if partner else False,
            "children_ages": draw(st.lists(st.integers(0, 17), max_size=15))}


def course_start() -> st.SearchStrategy[str]:
    return st.dates(TODAY, TODAY + timedelta(days=730)).map(date.isoformat)


specific: dict[str, tuple[dict[str, st.SearchStrategy[Any]], dict[str, st.SearchStrategy[Any]]]] = {
    "newcomer": ({
        "country_of_origin": st.sampled_from(sorted(ISO_3166_1_ALPHA_2)),
        "occupation_field": st.sampled_from(taxonomy("occupation_fields")),
        "arrival": st.sampled_from(["abroad", "arrived"]),
    }, {
        "needs": codes(reference.need_codes()),
        "wants_mentor": st.booleans(),
        "course_schedules": codes(taxonomy("schedules")),
        "household": household(),
    }),
    "mentor": ({
        "capacity": st.integers(1, 10),
        "helps_with": codes(reference.need_codes(), min_size=1),
    }, {
        "occupation_field": st.one_of(st.none(), st.sampled_from(taxonomy("occupation_fields"))),
        "max_distance_km": st.integers(1, 300),
        "online_ok": st.booleans(),
    }),
    "employer": ({
        "organisation": printable(1, 200),
        "contact_name": printable(1, 200),
        "positions": st.lists(st.fixed_dictionaries({
            "title": printable(1, 200),
            "occupation_field": st.sampled_from(taxonomy("occupation_fields")),
            "openings": st.integers(1, 1000),
            "min_german_level": st.sampled_from(["A1", "A2", "B1", "B2", "C1", "C2"]),
        }), min_size=1, max_size=5),
    }, {"offers": codes(taxonomy("employer_offers"))}),
    "language_provider": ({
        "organisation": printable(1, 200),
        "courses": st.lists(st.fixed_dictionaries({
            "title": printable(1, 200),
            "level": st.sampled_from(["A1", "A2", "B1", "B2", "C1"]),
            "schedule": st.sampled_from(taxonomy("schedules")),
            "format": st.sampled_from(taxonomy("course_formats")),
            "district": st.sampled_from(sorted(reference.districts())),
            "seats": st.integers(1, 500),
            "starts_on": course_start(),
        }, optional={"childcare": st.booleans()}), min_size=1, max_size=5),
    }, {}),
}


@st.composite
def valid_payload(draw: st.DrawFn) -> tuple[str, dict[str, Any]]:
    kind = draw(st.sampled_from(KINDS))
    required, optional = specific[kind]
    payload = draw(st.fixed_dictionaries({**common, **required},
                                         optional={**optional_common, **optional}))
    return kind, payload


@BOUNDED
@given(valid_payload())
def test_valid_payloads_always_pass(case: tuple[str, dict[str, Any]]) -> None:
    kind, payload = case
    original = copy.deepcopy(payload)
    reg = validate_registration(kind, payload, today=TODAY)
    assert payload == original  # the caller's data is left alone
    assert reg.kind == kind
    assert reg.name == reg.name.strip() and 1 <= len(reg.name) <= 200
    assert reg.email.rpartition("@")[2] == payload["email"].rpartition("@")[2].lower()
    assert [code for code, _ in reg.languages] == [lang["code"] for lang in payload["languages"]]
    assert reg.consent_data_processing is True
    assert reg.consent_share_contact is payload["consent"].get("share_contact", False)
    json.dumps(reg.profile, allow_nan=False)
    assert len(reg.courses) == len(payload.get("courses", []))
    assert len(reg.positions) == len(payload.get("positions", []))
    # What a registration accepts, an update of the same fields accepts too.
    changes = dict(payload)
    del changes["email"]
    validate_update(kind, changes, today=TODAY)


@BOUNDED
@given(valid_payload(), st.data())
def test_each_required_field_is_missed(case: tuple[str, dict[str, Any]], data: st.DataObject) -> None:
    kind, payload = case
    required = [*common, *specific[kind][0]]
    name = data.draw(st.sampled_from(required))
    del payload[name]
    with pytest.raises(ValidationFailed) as failed:
        validate_registration(kind, payload, today=TODAY)
    assert {p: e.message for p, e in failed.value.errors.items()} == {
        name: "This field is required."}


@st.composite
def mutated(draw: st.DrawFn) -> tuple[str, object]:
    """A valid payload with one value replaced, one key added, or one key dropped."""
    kind, payload = draw(valid_payload())
    path = draw(st.sampled_from(_paths(payload)[1:]))
    parent: Any = payload
    for step in path[:-1]:
        parent = parent[step]
    action = draw(st.sampled_from(["replace", "add", "drop"]))
    if action == "replace":
        parent[path[-1]] = draw(json_ish)
    elif action == "add" and isinstance(parent, dict):
        parent[draw(hostile_text)] = draw(json_ish)
    elif isinstance(parent, dict):
        del parent[path[-1]]
    else:
        parent.pop(path[-1])
    return kind, payload


@BOUNDED
@given(mutated())
def test_one_bad_value_in_a_good_payload_only_fails_validation(case: tuple[str, object]) -> None:
    check_only_validation_failed(*case)


def _deep(depth: int) -> object:
    value: object = "x"
    for level in range(depth):
        value = [value] if level % 2 else {"k": value}
    return value


@settings(BOUNDED, max_examples=12)
@given(valid_payload())
def test_deep_nesting_and_extremes_in_every_field(case: tuple[str, dict[str, Any]]) -> None:
    kind, valid = case
    # Far deeper than the recursion limit: the validator must never walk into foreign values.
    deep = _deep(sys.getrecursionlimit() * 3)
    extremes: list[object] = [deep, 10**5000, -(10**5000), math.nan, math.inf, -0.0, 1e308,
                              "\x00" * 10_000, "x" * 1_000_000, {"": None}, [[]] * 1000]
    for path in _paths(valid)[1:]:
        for extreme in extremes:
            payload = copy.deepcopy(valid)
            parent: Any = payload
            for step in path[:-1]:
                parent = parent[step]
            parent[path[-1]] = extreme
            check_only_validation_failed(kind, payload)
    check_only_validation_failed(kind, deep)
    check_only_validation_failed(kind, {"x" * 100_000: deep})
