"""The one validation layer for registrations of all four participant kinds (JSON API and forms).

Pure logic: no I/O beyond the vocabularies of `lotse.shared.reference` (read lazily, cached
there). Every problem is collected, keyed by field path (`languages[0].level`,
`household.children_ages[2]`, `courses[1].starts_on`), and raised together as
`ValidationFailed`. Messages are English msgids with `%(name)s` placeholders; the caller
translates them into the requester's locale (`FieldError.render`).

General rules
    - The payload and every nested object are objects; any key not listed below is an
      "Unknown field." at its own path, at every level.
    - Text is NFC-normalised and stripped. Single-line text rejects every control character
      (C0/C1, line and paragraph separators, lone surrogates) and bidi embeddings, overrides
      and isolates; free text (`about`) allows newline and tab and turns CR/CRLF into LF.
      Lengths count code points of the stored (stripped, NFC) text.
    - Booleans are JSON booleans, integers JSON integers (not booleans, floats or strings).
    - Codes are exact: `vi` not `VI` for languages, `VN` not `vn` for countries.
    - `null` only stands for "no value" where a field is optional without a default
      (`about`, mentor `occupation_field`); an empty string means the same there.

Fields (R = required, otherwise the default in brackets)
    all kinds:
        name R (1-200) · email R (normalised: stripped, NFC, the domain in its one canonical form,
        `shared.mailaddress.canonical_domain`; one IDNA cannot write safely is invalid; ≤ 254)
        preferred_locale R (a taxonomy locale) · district R (district code, a string)
        languages R (1-20 × {code R: ISO 639-1, level R: A1..C2|native}, codes unique)
        consent R {data_processing R: must be true, share_contact [false]}
        about [None] (≤ 2000, free text; also accepted for language providers)
    newcomer and mentor:
        name_latin [None] (1-200, Latin letters only: the name as the passport writes it in them,
        for a name in another script; None, null or blank: none given)
    newcomer:
        country_of_origin R (ISO 3166-1 alpha-2, and XK for Kosovo) · occupation_field R · arrival R
        (abroad|arrived) · needs [[]] (need codes, unique) · wants_mentor [false]
        online_ok [true] (meeting a mentor online is fine; false: only mentors within their
        max_distance_km) · seeks_work [true] (looks for a job themselves; false: no positions
        suggested, not waiting for one) · max_commute_km [None] (25|50|100: km they would commute
        for a job, positions farther away are not suggested; None or null: anywhere, they would
        also move) · course_schedules [[]] (schedules, unique; empty = no course wanted)
        household [no partner, no children] {partner [false], partner_seeks_work [false],
        only true with a partner, children_ages [[]] (≤ 15 × 0-17)}
    mentor:
        capacity R (1-10) · helps_with R (1+ need codes, unique) · occupation_field [None]
        max_distance_km [30] (1-300) · online_ok [false]
    employer:
        organisation R (1-200) · contact_name R (1-200) · offers [[]] (offer codes, unique)
        positions R (1-50 × {title R (1-200), occupation_field R, openings R (1-1000),
        min_german_level R (A1..C2)})
    language_provider:
        organisation R (1-200) · courses R (1-50 × {title R (1-200), level R (A1..C1),
        schedule R, format R (course format), district R, seats R (1-500),
        starts_on R (YYYY-MM-DD, from `today` up to two years ahead; earlier only while its late
        entry is open, `matches_db.entry_until` >= `today`: a running course can be entered),
        childcare [false], late_entry_weeks [None] (1-52: newcomers may still join this many weeks
        after the start; None or null: not after the start)})

Booleans default to false because an unticked HTML checkbox sends nothing. The one exception,
the newcomer's `online_ok`, defaults to true: API clients that predate it keep the matching they
had (online mentors beyond their distance), and the form pre-ticks it and always sends it.

Updates (`validate_update`) take the same fields, all optional; `email` and `kind` cannot be
changed there. Inside `consent` both keys are optional too (data_processing, if given, must
still be true: withdrawing it is erasure, not an edit). `household`, list fields, and the
items of `positions`/`courses` are replaced whole, so they are validated whole.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Collection, Hashable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Final

from lotse.shared import reference
from lotse.shared.mailaddress import canonical_domain
from lotse.shared.matches_db import entry_until
from lotse.shared.name_search import latin_letters_only
from lotse.shared.profiles import COMMUTE_KM


def N_(message: str) -> str:
    """Mark a msgid for extraction (`pybabel extract -k N_`); translation happens later."""
    return message


REQUIRED: Final = N_("This field is required.")
UNKNOWN_FIELD: Final = N_("Unknown field.")
NOT_CHANGEABLE: Final = N_("This field cannot be changed here.")
NOT_OBJECT: Final = N_("Must be an object.")
NOT_LIST: Final = N_("Must be a list.")
NOT_TEXT: Final = N_("Must be text.")
NOT_BOOLEAN: Final = N_("Must be true or false.")
MUST_BE_TRUE: Final = N_("Must be true.")
TOO_LONG: Final = N_("Must be at most %(max)d characters.")
CONTROL_CHARACTERS: Final = N_("Must not contain control characters.")
INTEGER_RANGE: Final = N_("Must be a whole number between %(min)d and %(max)d.")
LIST_LENGTH: Final = N_("Must have between %(min)d and %(max)d items.")
UNKNOWN_CODE: Final = N_("Unknown code %(value)s.")
NOT_ONE_OF: Final = N_("Must be one of: %(choices)s.")
DUPLICATE: Final = N_("Duplicate value %(value)s.")
INVALID_EMAIL: Final = N_("Must be a valid e-mail address.")
DATE_NOT_PAST: Final = N_("Must be a date (YYYY-MM-DD) not in the past.")
DATE_TOO_LATE: Final = N_("Must be no later than %(max)s.")
FALSE_UNLESS: Final = N_("Must be false unless %(field)s is true.")
# A past start whose late entry (if any) is over: names the field that would make it acceptable.
START_PAST: Final = N_("The start is in the past. If newcomers can still join, give the weeks of late entry "
                       "in %(field)s.")
# name_latin is shown beside the name to readers of Latin letters; in another script it tells them nothing.
NOT_LATIN: Final = N_("Please write it in Latin letters (A–Z, accents are fine).")

MESSAGES: Final[tuple[str, ...]] = (
    REQUIRED, UNKNOWN_FIELD, NOT_CHANGEABLE, NOT_OBJECT, NOT_LIST, NOT_TEXT, NOT_BOOLEAN,
    MUST_BE_TRUE, TOO_LONG, CONTROL_CHARACTERS, INTEGER_RANGE, LIST_LENGTH, UNKNOWN_CODE,
    NOT_ONE_OF, DUPLICATE, INVALID_EMAIL, DATE_NOT_PAST, DATE_TOO_LATE, FALSE_UNLESS, START_PAST,
    NOT_LATIN,
)

KINDS: Final = ("newcomer", "mentor", "employer", "language_provider")

def _code_set(text: str) -> frozenset[str]:
    return frozenset(text.split())


# ISO 639-1, the 183 current two-letter codes (deprecated `bh`, `sh` left out on purpose:
# a matcher comparing shared languages needs one code per language).
ISO_639_1: Final = _code_set("""
aa ab ae af ak am an ar as av ay az ba be bg bi bm bn bo br bs ca ce ch co cr cs cu cv cy da
de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu hy
hz ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky la lb lg
li ln lo lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv ny oc oj om or
os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq sr ss st su sv sw ta
te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi yo za zh zu
""")

# ISO 3166-1 alpha-2, the 249 officially assigned codes. Reserved codes (EU, UK) are not assigned
# and so not accepted; Kosovo's XK is added in COUNTRY_CODES.
ISO_3166_1_ALPHA_2: Final = _code_set("""
AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR
BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ
EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW
GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY
KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV
MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY
QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG
TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM
ZW
""")
# What country_of_origin accepts: the assigned codes and XK, the user-assigned code for Kosovo that
# the EU, Germany's authorities and Unicode's CLDR use (Babel names it in every page language). Kosovo
# has no assigned code, and people from there came through the Serbian focus country's channels.
COUNTRY_CODES: Final = ISO_3166_1_ALPHA_2 | {"XK"}

LANGUAGE_LEVELS: Final = reference.CEFR_LEVELS  # A1..C2, native
POSITION_LEVELS: Final = ("A1", "A2", "B1", "B2", "C1", "C2")
COURSE_LEVELS: Final = ("A1", "A2", "B1", "B2", "C1")
ARRIVAL: Final = ("abroad", "arrived")

NAME_MAX: Final = 200
ABOUT_MAX: Final = 2000
EMAIL_MAX: Final = 254
EMAIL_LOCAL_MAX: Final = 64
# A course announced further ahead than this is almost certainly a typo in the year.
COURSE_START_HORIZON: Final = timedelta(days=2 * 365)
# A course takes newcomers at most this many weeks after its start (late entry): a year, the
# longest an integration course runs.
LATE_ENTRY_WEEKS_MAX: Final = 52
# Values and unknown keys are echoed back in messages; keep the echo short.
_ECHO_MAX: Final = 40


@dataclass(frozen=True, slots=True)
class FieldError:
    message: str
    params: dict[str, object] = field(default_factory=dict)

    def render(self, gettext: Callable[[str], str] = N_) -> str:
        translated = gettext(self.message)
        try:
            return translated % self.params
        except (KeyError, ValueError, TypeError):
            # A translation with a broken placeholder must not turn a 422 into a 500.
            return self.message % self.params


class ValidationFailed(Exception):
    def __init__(self, errors: Mapping[str, FieldError]) -> None:
        self.errors: dict[str, FieldError] = dict(errors)
        super().__init__(f"invalid fields: {', '.join(sorted(self.errors))}")

    def fields(self, gettext: Callable[[str], str] = N_) -> dict[str, str]:
        """Path → rendered message, the `fields` of the contract's 422 error."""
        return {path: error.render(gettext) for path, error in self.errors.items()}


@dataclass(frozen=True, slots=True)
class Registration:
    kind: str
    name: str
    email: str
    preferred_locale: str
    district: str
    languages: tuple[tuple[str, str], ...]
    consent_data_processing: bool
    consent_share_contact: bool
    about: str | None
    # Kind-specific scalars, stored as jsonb as they are; lists, not tuples, inside.
    profile: dict[str, object]
    # Own rows because matches point at them; `starts_on` stays a `date` for asyncpg.
    courses: tuple[dict[str, object], ...] = ()
    positions: tuple[dict[str, object], ...] = ()


# --- machinery ------------------------------------------------------------------------------

class _Invalid:
    """Marks a value that produced an error; never leaves this module."""


_INVALID: Final = _Invalid()


@dataclass(slots=True)
class _Context:
    today: date
    errors: dict[str, FieldError] = field(default_factory=dict)

    def fail(self, path: str, message: str, **params: object) -> _Invalid:
        # The first problem found at a path is the one worth telling the person about.
        self.errors.setdefault(path, FieldError(message, params))
        return _INVALID


Check = Callable[[object, str, _Context], object]


@dataclass(frozen=True, slots=True)
class _Field:
    check: Check
    required: bool = True
    default: Callable[[], object] | None = None
    nullable: bool = False


def _join(path: str, key: object) -> str:
    return f"{path}.{_echo(key)}" if path else _echo(key)


def _echo(value: object) -> str:
    # Never repr() a foreign value: a huge int's repr raises, a deep list's recurses.
    text = value if isinstance(value, str) else f"<{type(value).__name__}>"
    text = _SINGLE_LINE_FORBIDDEN.sub("\ufffd", text[:_ECHO_MAX + 1])
    return text if len(text) <= _ECHO_MAX else text[:_ECHO_MAX] + "…"


# Exactly the categories Cc, Zl, Zp and Cs, as classes because a regex scans a long text in C.
# Cs: a lone surrogate from a "\ud800" escape cannot be encoded as UTF-8 for the database.
_CONTROL: Final = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")
_CONTROL_BUT_NEWLINE_TAB: Final = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]"
)
# Bidi embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069): in a name they reverse
# what it shows ("\u202eevil" reads "live") in the dashboard and in e-mail subjects (review 9a F6).
# Single-line text only; the other format characters stay, U+200C/U+200D above all (Persian and
# Indic names are written with them), and U+200E/U+200F, which only mark a direction. One class
# with _CONTROL's, so single-line text is scanned once.
_SINGLE_LINE_FORBIDDEN: Final = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\u202a-\u202e\u2066-\u2069]")
# NFC composes at most four code points into one (U+1F82, Greek alpha with three marks):
# anything longer than four times the limit cannot fit, and is refused before scanning it.
_NFC_SHRINK: Final = 4


def _object(
    fields: Mapping[str, _Field],
    *,
    partial: bool = False,
    cleared: Collection[str] = (),
    after: Callable[[dict[str, object], str, _Context], None] | None = None,
    after_partly_invalid: bool = False,
) -> Check:
    def check(value: object, path: str, ctx: _Context) -> object:
        if not isinstance(value, Mapping):
            return ctx.fail(path, NOT_OBJECT)
        for key in value:
            if key not in fields:
                ctx.fail(_join(path, key), UNKNOWN_FIELD)
        cleaned: dict[str, object] = {}
        for name, spec in fields.items():
            where = _join(path, name)
            if name in value:
                raw = value[name]
                if spec.nullable and raw is None:
                    cleaned[name] = None
                else:
                    cleaned[name] = spec.check(raw, where, ctx)
            elif partial and name not in cleared:
                continue
            elif spec.required:
                ctx.fail(where, REQUIRED)
                cleaned[name] = _INVALID
            else:
                cleaned[name] = spec.default() if spec.default else None
        invalid = any(v is _INVALID for v in cleaned.values())
        # `after_partly_invalid`: a check of a few fields that must run beside others' errors.
        if after is not None and (after_partly_invalid or not invalid):
            after(cleaned, path, ctx)
        return _INVALID if invalid else cleaned

    return check


def _text(max_length: int = NAME_MAX, *, multiline: bool = False, optional: bool = False) -> Check:
    def check(value: object, path: str, ctx: _Context) -> object:
        if not isinstance(value, str):
            return ctx.fail(path, NOT_TEXT)
        # Stripping first: a trailing newline or tab pasted into a form is harmless.
        text = value.strip()
        if not text:
            return None if optional else ctx.fail(path, REQUIRED)
        if len(text) > max_length * _NFC_SHRINK:
            return ctx.fail(path, TOO_LONG, max=max_length)
        if multiline:
            text = text.replace("\r\n", "\n").replace("\r", "\n")
        if (_CONTROL_BUT_NEWLINE_TAB if multiline else _SINGLE_LINE_FORBIDDEN).search(text):
            return ctx.fail(path, CONTROL_CHARACTERS)
        text = unicodedata.normalize("NFC", text)
        if len(text) > max_length:
            return ctx.fail(path, TOO_LONG, max=max_length)
        return text

    return check


def _latin_name(value: object, path: str, ctx: _Context) -> object:
    text = _text(NAME_MAX, optional=True)(value, path, ctx)
    if isinstance(text, str) and not latin_letters_only(text):
        return ctx.fail(path, NOT_LATIN)
    return text


# A person's name in Latin letters as in their passport, for a name in another script (review 8f,
# finding 3): optional, None when absent, null or blank; stored in the profile.
_NAME_LATIN: Final = _Field(_latin_name, required=False, nullable=True)


def _code(vocabulary: Callable[[], Collection[str]], *, optional: bool = False) -> Check:
    # The vocabulary is a callable so that nothing is read at import time.
    def check(value: object, path: str, ctx: _Context) -> object:
        if not isinstance(value, str):
            return ctx.fail(path, NOT_TEXT)
        if optional and not value.strip():
            return None
        if value not in vocabulary():
            return ctx.fail(path, UNKNOWN_CODE, value=_echo(value))
        return value

    return check


def _choice(choices: tuple[str, ...]) -> Check:
    def check(value: object, path: str, ctx: _Context) -> object:
        if not isinstance(value, str):
            return ctx.fail(path, NOT_TEXT)
        if value not in choices:
            return ctx.fail(path, NOT_ONE_OF, choices=", ".join(choices))
        return value

    return check


def _integer(minimum: int, maximum: int) -> Check:
    def check(value: object, path: str, ctx: _Context) -> object:
        # bool is an int subclass, and 2.0 or "2" would hide a client bug.
        if type(value) is not int or not minimum <= value <= maximum:
            return ctx.fail(path, INTEGER_RANGE, min=minimum, max=maximum)
        return value

    return check


def _one_of_integers(choices: tuple[int, ...]) -> Check:
    def check(value: object, path: str, ctx: _Context) -> object:
        if type(value) is not int or value not in choices:  # not 50.0, "50" or True, as _integer
            return ctx.fail(path, NOT_ONE_OF, choices=", ".join(map(str, choices)))
        return value

    return check


def _boolean(value: object, path: str, ctx: _Context) -> object:
    return value if isinstance(value, bool) else ctx.fail(path, NOT_BOOLEAN)


def _true(value: object, path: str, ctx: _Context) -> object:
    return True if value is True else ctx.fail(path, MUST_BE_TRUE)


def _list(
    item: Check,
    minimum: int,
    maximum: int,
    *,
    unique: Callable[[object], Hashable] | None = None,
    unique_suffix: str = "",
) -> Check:
    def check(value: object, path: str, ctx: _Context) -> object:
        if not isinstance(value, list | tuple):
            return ctx.fail(path, NOT_LIST)
        if not minimum <= len(value) <= maximum:
            # Items past the limit are not looked at: the count alone is the problem.
            return ctx.fail(path, LIST_LENGTH, min=minimum, max=maximum)
        items = [item(v, f"{path}[{i}]", ctx) for i, v in enumerate(value)]
        if unique is not None:
            seen: set[Hashable] = set()
            for i, cleaned in enumerate(items):
                if cleaned is _INVALID:
                    continue
                key = unique(cleaned)
                if key in seen:
                    ctx.fail(f"{path}[{i}]{unique_suffix}", DUPLICATE, value=_echo(key))
                seen.add(key)
        return _INVALID if any(v is _INVALID for v in items) else items

    return check


_EMAIL_LOCAL_FORBIDDEN: Final = frozenset('()<>[]\\,;:"@')
# Letters (any script, for IDNs) and digits, hyphens inside; no underscores in host names.
_DOMAIN_LABEL: Final = re.compile(r"[^\W_](?:(?:[^\W_]|-){0,61}[^\W_])?")


def _email(value: object, path: str, ctx: _Context) -> object:
    if not isinstance(value, str):
        return ctx.fail(path, NOT_TEXT)
    # NFC as all text here (RFC 6532 asks it of addresses too): a decomposed ü is the ü it shows.
    address = unicodedata.normalize("NFC", value.strip())
    if not address:
        return ctx.fail(path, REQUIRED)
    if len(address) > EMAIL_MAX:
        return ctx.fail(path, TOO_LONG, max=EMAIL_MAX)
    local, at, domain = address.rpartition("@")
    if not at or not _valid_local_part(local) or not _valid_domain(domain):
        return ctx.fail(path, INVALID_EMAIL)
    try:
        # One stored spelling per domain, so the unique index and every lookup by address see
        # bücher.de, BÜCHER.de and xn--bcher-kva.de as one mailbox. A domain the notifier could
        # not send to is refused here rather than accepted and never emailed.
        domain = canonical_domain(domain)
    except ValueError:
        return ctx.fail(path, INVALID_EMAIL)
    if not _valid_domain(domain):  # an xn-- label of a name the form would refuse, such as a symbol
        return ctx.fail(path, INVALID_EMAIL)
    if len(local) + 1 + len(domain) > EMAIL_MAX:  # IDNA's mapping can lengthen a name (㎒ is mhz)
        return ctx.fail(path, TOO_LONG, max=EMAIL_MAX)
    return f"{local}@{domain}"


def _valid_local_part(local: str) -> bool:
    # Dot-atom only: quoted local parts are legal but in practice only ever typos.
    return (
        0 < len(local) <= EMAIL_LOCAL_MAX
        and not local.startswith(".")
        and not local.endswith(".")
        and ".." not in local
        and not _CONTROL.search(local)
        # No invisible format character (category Cf: bidi controls, zero-width ones, U+FEFF) is
        # ever part of an address (RFC 8264's IdentifierClass disallows them); the domain's labels
        # are letters and digits only already.
        and not any(unicodedata.category(c) == "Cf" for c in local)
        and not any(c in _EMAIL_LOCAL_FORBIDDEN or c.isspace() for c in local)
    )


def _valid_domain(domain: str) -> bool:
    labels = domain.split(".")
    return (
        len(labels) >= 2
        and all(_DOMAIN_LABEL.fullmatch(label) for label in labels)
        # An all-digit top label means an IP address, which nobody reads mail at.
        and not labels[-1].isdigit()
    )


_ISO_DATE: Final = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _start_date(value: object, path: str, ctx: _Context) -> object:
    if not isinstance(value, str) or not _ISO_DATE.fullmatch(value):
        return ctx.fail(path, DATE_NOT_PAST)
    try:
        day = date.fromisoformat(value)
    except ValueError:
        return ctx.fail(path, DATE_NOT_PAST)
    # A past day is checked with the course's late entry (_check_course_start), not here.
    latest = ctx.today + COURSE_START_HORIZON
    if day > latest:
        return ctx.fail(path, DATE_TOO_LATE, max=latest.isoformat())
    return day


def _check_course_start(course: dict[str, object], path: str, ctx: _Context) -> None:
    """A course may have begun while newcomers can still join it (late entry, on Thuringia's
    calendar as the matcher counts it): a provider enters a running course that way."""
    starts_on, weeks = course["starts_on"], course["late_entry_weeks"]
    if not isinstance(starts_on, date) or not (weeks is None or isinstance(weeks, int)):
        return  # either has its own error already (another field's error does not hide this one)
    if starts_on < ctx.today and entry_until(starts_on, weeks) < ctx.today:
        ctx.fail(_join(path, "starts_on"), START_PAST, field=_join(path, "late_entry_weeks"))


def _optional(check: Check, default: Callable[[], object] | None = None) -> _Field:
    return _Field(check, required=False, default=default)


def _false() -> bool:
    return False


def _empty() -> list[object]:
    return []


# --- vocabularies (callables: read on first use, cached by `reference`) ----------------------

def _districts() -> Collection[str]:
    codes: Collection[str] = reference.districts().keys()
    return codes


def _locales() -> Collection[str]:
    codes: Collection[str] = reference.locales().keys()
    return codes


def _taxonomy_list(name: str) -> tuple[str, ...]:
    return tuple(str(code) for code in reference.taxonomy()[name])


def _occupation_fields() -> Collection[str]:
    return _taxonomy_list("occupation_fields")


def _schedules() -> Collection[str]:
    return _taxonomy_list("schedules")


def _course_formats() -> Collection[str]:
    return _taxonomy_list("course_formats")


def _employer_offers() -> Collection[str]:
    return _taxonomy_list("employer_offers")


def _need_codes() -> Collection[str]:
    codes: Collection[str] = reference.need_codes()
    return codes


def _need_list(minimum: int) -> Check:
    # 13 need codes today; the bound only has to stop absurd lists, duplicates are caught anyway.
    return _list(_code(_need_codes), minimum, 50, unique=lambda v: v)


def _code_list(vocabulary: Callable[[], Collection[str]]) -> Check:
    return _list(_code(vocabulary), 0, 50, unique=lambda v: v)


# --- the fields of each kind ------------------------------------------------------------------

def _language_code(language: object) -> Hashable:
    return language["code"] if isinstance(language, dict) else language


_LANGUAGE: Final = _object({
    "code": _Field(_code(lambda: ISO_639_1)),
    "level": _Field(_choice(LANGUAGE_LEVELS)),
})


def _check_partner(household: dict[str, object], path: str, ctx: _Context) -> None:
    if household["partner_seeks_work"] and not household["partner"]:
        ctx.fail(_join(path, "partner_seeks_work"), FALSE_UNLESS, field=_join(path, "partner"))


_HOUSEHOLD_FIELDS: Final = {
    "partner": _optional(_boolean, _false),
    "partner_seeks_work": _optional(_boolean, _false),
    "children_ages": _optional(_list(_integer(0, 17), 0, 15), _empty),
}


def _no_household() -> dict[str, object]:
    return {"partner": False, "partner_seeks_work": False, "children_ages": []}


def _consent_fields(*, partial: bool) -> dict[str, _Field]:
    return {
        "data_processing": _Field(_true, required=not partial),
        "share_contact": _optional(_boolean, _false),
    }


def _common_fields(*, partial: bool) -> dict[str, _Field]:
    return {
        "name": _Field(_text(NAME_MAX)),
        "email": _Field(_email),
        "preferred_locale": _Field(_code(_locales)),
        "district": _Field(_code(_districts)),
        "languages": _Field(_list(_LANGUAGE, 1, 20, unique=_language_code, unique_suffix=".code")),
        "consent": _Field(_object(_consent_fields(partial=partial), partial=partial)),
        "about": _Field(_text(ABOUT_MAX, multiline=True, optional=True),
                        required=False, nullable=True),
    }


_KIND_FIELDS: Final[dict[str, dict[str, _Field]]] = {
    "newcomer": {
        "name_latin": _NAME_LATIN,
        "country_of_origin": _Field(_code(lambda: COUNTRY_CODES)),
        "occupation_field": _Field(_code(_occupation_fields)),
        "arrival": _Field(_choice(ARRIVAL)),
        "needs": _optional(_need_list(0), _empty),
        "wants_mentor": _optional(_boolean, _false),
        "online_ok": _optional(_boolean, lambda: True),
        "seeks_work": _optional(_boolean, lambda: True),
        # How far they would commute for a job; None (absent or null): anywhere, as before it was asked.
        "max_commute_km": _Field(_one_of_integers(COMMUTE_KM), required=False, nullable=True),
        "course_schedules": _optional(_code_list(_schedules), _empty),
        "household": _optional(_object(_HOUSEHOLD_FIELDS, after=_check_partner), _no_household),
    },
    "mentor": {
        "name_latin": _NAME_LATIN,
        "capacity": _Field(_integer(1, 10)),
        "helps_with": _Field(_need_list(1)),
        "occupation_field": _Field(_code(_occupation_fields, optional=True),
                                   required=False, nullable=True),
        "max_distance_km": _optional(_integer(1, 300), lambda: 30),
        "online_ok": _optional(_boolean, _false),
    },
    "employer": {
        "organisation": _Field(_text(NAME_MAX)),
        "contact_name": _Field(_text(NAME_MAX)),
        "positions": _Field(_list(_object({
            "title": _Field(_text(NAME_MAX)),
            "occupation_field": _Field(_code(_occupation_fields)),
            "openings": _Field(_integer(1, 1000)),
            "min_german_level": _Field(_choice(POSITION_LEVELS)),
        }), 1, 50)),
        "offers": _optional(_code_list(_employer_offers), _empty),
    },
    "language_provider": {
        "organisation": _Field(_text(NAME_MAX)),
        "courses": _Field(_list(_object({
            "title": _Field(_text(NAME_MAX)),
            "level": _Field(_choice(COURSE_LEVELS)),
            "schedule": _Field(_code(_schedules)),
            "format": _Field(_code(_course_formats)),
            "district": _Field(_code(_districts)),
            "seats": _Field(_integer(1, 500)),
            "starts_on": _Field(_start_date),
            "childcare": _optional(_boolean, _false),
            # Weeks after the start a newcomer may still join (docs/decisions.md, late-entry courses).
            "late_entry_weeks": _Field(_integer(1, LATE_ENTRY_WEEKS_MAX), required=False, nullable=True),
        }, after=_check_course_start, after_partly_invalid=True), 1, 50)),
    },
}

# Not part of the profile: stored in columns or tables of their own.
_TOP_LEVEL: Final = frozenset({"name", "email", "preferred_locale", "district", "languages",
                               "consent", "about", "courses", "positions"})
_IMMUTABLE: Final = ("email", "kind")


def _fields_for(kind: str, *, partial: bool) -> dict[str, _Field]:
    try:
        specific = _KIND_FIELDS[kind]
    except KeyError:
        # The route, not the requester, picks the kind: an unknown one is a programming error.
        raise ValueError(f"unknown participant kind {kind!r}") from None
    return _common_fields(partial=partial) | specific


def _language_pairs(languages: list[dict[str, str]]) -> tuple[tuple[str, str], ...]:
    return tuple((language["code"], language["level"]) for language in languages)


# --- public API -------------------------------------------------------------------------------

def validate_registration(kind: str, payload: object, *, today: date) -> Registration:
    """A new participant of `kind` from a decoded JSON body or form; see the module docstring."""
    ctx = _Context(today)
    cleaned = _object(_fields_for(kind, partial=False))(payload, "", ctx)
    if ctx.errors:
        raise ValidationFailed(ctx.errors)
    assert isinstance(cleaned, dict)
    languages = cleaned["languages"]
    consent = cleaned["consent"]
    assert isinstance(languages, list) and isinstance(consent, dict)
    return Registration(
        kind=kind,
        name=str(cleaned["name"]),
        email=str(cleaned["email"]),
        preferred_locale=str(cleaned["preferred_locale"]),
        district=str(cleaned["district"]),
        languages=_language_pairs(languages),
        consent_data_processing=bool(consent["data_processing"]),
        consent_share_contact=bool(consent["share_contact"]),
        about=cleaned["about"] if isinstance(cleaned["about"], str) else None,
        profile={k: v for k, v in cleaned.items() if k not in _TOP_LEVEL},
        courses=tuple(cleaned.get("courses") or ()),
        positions=tuple(cleaned.get("positions") or ()),
    )


def validate_body(payload: object, fields: Mapping[str, _Field]) -> dict[str, object]:
    """Another endpoint's small JSON body, by the rules and with the messages of registrations
    (a wrong type is "Must be text.", not "This field is required."); fields from
    :func:`text_field`, :func:`choice_field`, :func:`secret_field`."""
    ctx = _Context(reference.today())
    cleaned = _object(fields)(payload, "", ctx)
    if ctx.errors:
        raise ValidationFailed(ctx.errors)
    assert isinstance(cleaned, dict)
    return cleaned


def text_field(max_length: int, *, required: bool = True, multiline: bool = False) -> _Field:
    """Text as a registration's; an optional one is None when absent, null or blank."""
    if required:
        return _Field(_text(max_length, multiline=multiline))
    return _Field(_text(max_length, multiline=multiline, optional=True), required=False, nullable=True)


def choice_field(choices: tuple[str, ...]) -> _Field:
    return _Field(_choice(choices))


def _secret(value: object, path: str, ctx: _Context) -> object:
    if not isinstance(value, str):
        return ctx.fail(path, NOT_TEXT)
    return value if value else ctx.fail(path, REQUIRED)


def secret_field() -> _Field:
    """A password: text and not empty, but taken as typed (never stripped or normalised)."""
    return _Field(_secret)


def validate_update(
    kind: str, payload: object, *, today: date, cleared: Collection[str] = ()
) -> dict[str, object]:
    """The given fields of a self-service edit, cleaned; absent fields stay as they are.

    `cleared` names fields the person emptied: absent from `payload`, they are treated as a
    registration treats a missing field (required: "This field is required.", optional: its
    default, so an emptied `about` becomes None) instead of being left unchanged.

    Keys are the payload's field names. Values are cleaned as for `validate_registration`:
    `languages` a tuple of (code, level), `courses`/`positions` tuples of dicts, `consent` a
    dict holding only the keys given, `household` whole (defaults filled in).
    """
    ctx = _Context(today)
    fields = _fields_for(kind, partial=True)
    for name in _IMMUTABLE:
        fields.pop(name, None)
    if isinstance(payload, Mapping):
        for name in _IMMUTABLE:
            if name in payload:
                ctx.fail(name, NOT_CHANGEABLE)
        payload = {k: v for k, v in payload.items() if k not in _IMMUTABLE}
    cleaned = _object(fields, partial=True, cleared=cleared)(payload, "", ctx)
    if ctx.errors:
        raise ValidationFailed(ctx.errors)
    assert isinstance(cleaned, dict)
    for name, value in cleaned.items():
        if name == "languages" and isinstance(value, list):
            cleaned[name] = _language_pairs(value)
        elif name in ("courses", "positions") and isinstance(value, list):
            cleaned[name] = tuple(value)
    return cleaned


def validate_email(value: object, path: str = "email") -> str:
    """One address on its own (the "get a new link" form), normalised as a registration's is."""
    ctx = _Context(today=reference.today())
    checked = _email(value, path, ctx)
    if ctx.errors:
        raise ValidationFailed(ctx.errors)
    return str(checked)
