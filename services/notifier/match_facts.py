"""The concrete things an introduction tells each side: which languages they share, what help is
wanted, how far apart they are (and whether they would meet online), childcare and help for a partner,
the newcomer's German against what a position asks (to a course provider: against the course's
level, and the other languages they speak); to an employer also the newcomer's occupation
field against the position's, the other languages they speak well and that they are still abroad
(a course provider is told that too);
to the newcomer the position's occupation field and the employer's offers by name; to a mentor who
comes with the newcomer (a partner, the children's ages).

Read from both profiles as the matcher scored them, at send time; each fact is a code with its
values, and the templates turn it into a sentence of the recipient's language. An employer is told
job-related facts only: family status is not passed to a prospective employer (AGG). Nobody's own
words (`about`, a newcomer's or an organisation's) are passed on: docs/privacy.md promises them to
the coordinators and the matcher, and no consent covers more (docs/decisions.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any, Final

from babel import Locale, UnknownLocaleError

from lotse.shared import german, meeting
from lotse.shared.childcare import needs_childcare
from lotse.shared.languages import SPOKEN_WELL, shared_languages
from lotse.shared.reference import district_distance_km, districts, german_in_district, level_rank

Fact = dict[str, Any]
# The explanation factors these facts say concretely; the generic sentence for them is not repeated.
COVERED: Final = frozenset({"language", "needs", "distance", "household", "german"})
# Factors said by a fact only some readers get: the employer reads the newcomer's field, so not
# also "You work in the same field." under it.
_SAYS: Final = {"their_field": "occupation", "their_field_same": "occupation", "their_field_other": "occupation",
                "position_field_yours": "occupation", "position_field": "occupation", "employer_offers": "offers"}
# The employer's offers named to the newcomer (review 8a, finding 11), in the vocabulary's order. The
# household offers (childcare, the partner's job) are told only as the offer that meets a need
# (_household), as before; a German course during work is said with the German when it closes the gap.
_NAMED_OFFERS: Final = ("mentor_program", "language_course_during_work", "housing_help", "relocation_support")


def said(found: list[Fact]) -> frozenset[str]:
    """The explanation factors these facts say besides COVERED."""
    return frozenset(_SAYS[f["code"]] for f in found if f["code"] in _SAYS)


@cache
def _babel(locale: str) -> Locale | None:
    """Parsed once per process, as the dashboard's vocabulary does: every shared language of every
    introduction asks, and `Locale.parse` builds a new object and looks for the data file each time."""
    try:
        return Locale.parse(locale.split("-")[0])
    except (UnknownLocaleError, ValueError):
        return None


def language_name(code: str, locale: str) -> str:
    """"Deutsch", "德语", "німецька": the name of a language in the recipient's language."""
    babel = _babel(locale)
    name = babel.languages.get(code) if babel else None
    return str(name) if name else code


def place(code: str | None) -> str:
    district = districts().get(code or "")
    return district.name if district else ""


def _languages(raw: Any) -> dict[str, str]:
    return {str(item["code"]): str(item["level"]) for item in raw or [] if isinstance(item, Mapping)}


def _needs_childcare(profile: Mapping[str, Any]) -> bool:
    household = profile.get("household") or {}
    ages = [a for a in household.get("children_ages") or () if isinstance(a, int)]
    return needs_childcare(profile.get("needs") or (), ages)


def _shared_languages(newcomer: Mapping[str, Any], other: Mapping[str, Any], other_name: str,
                      side: str, locale: str) -> Fact | None:
    mine, theirs = _languages(newcomer["languages"]), _languages(other["languages"])
    both = [code for code, _ in shared_languages(mine, theirs)]  # as the matcher found them
    if not both:
        return None
    # Each side learns the other's level: the mentor how well Li speaks it, Li how well the mentor does.
    levels, name = (theirs, other_name) if side == "newcomer" else (mine, newcomer["name"] or "")
    return {"code": "languages", "name": name,
            "items": [{"language": language_name(c, locale), "level": levels[c]} for c in both]}


def _needs(newcomer: Mapping[str, Any], other: Mapping[str, Any], other_name: str, side: str) -> Fact | None:
    wanted = [str(n) for n in newcomer["profile"].get("needs") or ()]
    covered = [n for n in wanted if n in set(other["profile"].get("helps_with") or ())]
    if side == "newcomer":
        return {"code": "needs_offered", "name": other_name, "needs": covered} if covered else None
    shown = covered or wanted  # nothing covered: the mentor still learns what is wanted
    return {"code": "needs_wanted", "name": newcomer["name"] or "", "needs": shown} if shown else None


def _distance(kind: str, newcomer: Mapping[str, Any], other: Mapping[str, Any], other_name: str,
              side: str, locale: str) -> list[Fact]:
    if kind == "language_course" and other["format"] == "online":
        return [{"code": "online_course"}]
    here, there = newcomer["district"], other["district"]
    if here not in districts() or there not in districts():
        return []
    distance = district_distance_km(here, there)
    km = round(distance)
    abroad = newcomer["profile"].get("arrival") == "abroad"
    values = {"other": other_name, "name": newcomer["name"] or "", "here": place(here), "there": place(there),
              "place": place(here), "km": km}
    if locale.split("-")[0] == "de":
        # German needs "im" before a district with an article ("im Kyffhäuserkreis"), "in" before a
        # town's name: here and there carry their preposition, and the German catalogs say no "in"
        # before them (review 8a, finding 12). place stays the bare name, written in brackets.
        values |= {"here": german_in_district(here), "there": german_in_district(there)}
    if side == "newcomer":
        code = ("near_your_future" if abroad else "near_you") if km == 0 else (
            "km_from_your_future" if abroad else "km_from_you")
    else:
        code = ("near_future" if abroad else "same_district") if km == 0 else (
            "km_away_future" if abroad else "km_away")
    facts: list[Fact] = [{"code": code, **values}]
    if kind == "mentor":
        # As the matcher decided (lotse.shared.meeting), on the distance it measured, not the rounded one.
        mentor_online = meeting.mentor_online_ok(other["profile"])
        newcomer_online = meeting.newcomer_online_ok(newcomer["profile"])
        if meeting.meets_online(distance, meeting.mentor_max_km(other["profile"]),
                                mentor_online, newcomer_online):
            # The mentor reads of her own limit as hers ("further than you travel"), not of "the mentor".
            facts.append({"code": "online" if side == "newcomer" else "online_beyond_you"})
        elif abroad and mentor_online and newcomer_online:  # one who declines online meets after arriving
            facts.append({"code": "online_until_arrival" if side == "counterpart" else "online_until_you_arrive",
                          "name": newcomer["name"] or ""})
    return facts


def _german(newcomer: Mapping[str, Any], other: Mapping[str, Any], side: str) -> Fact | None:
    """The newcomer's German and the position's minimum, as the matcher's rule (lotse.shared.german)
    weighed them: one level short is said as such, with the employer's course that closes the gap."""
    required = other.get("min_german_level")
    if not required:
        return None
    level = _languages(newcomer["languages"]).get("de")
    offers = other["profile"].get("offers") or ()
    prefix = "your" if side == "newcomer" else "their"
    if german.closed_by_course(level, required, offers):
        code = f"{prefix}_german_below" if level else f"{prefix}_no_german_yet"
    elif level:
        code = f"{prefix}_german"
    else:
        return None  # no German and no course to close the gap: not a pair the matcher suggests
    return {"code": code, "level": level or "", "required": required, "name": newcomer["name"] or ""}


def _course_german(newcomer: Mapping[str, Any], other: Mapping[str, Any]) -> Fact:
    """To a course provider, who has to place the newcomer in a level: her German beside the course's."""
    level = _languages(newcomer["languages"]).get("de")
    return {"code": "their_german_course" if level else "their_no_german_course", "level": level or "",
            "course_level": other.get("course_level") or "", "name": newcomer["name"] or ""}


def _occupation(newcomer: Mapping[str, Any], other: Mapping[str, Any]) -> Fact | None:
    """The newcomer's occupation field, and the position's if it is another (the matcher suggests
    only the same field, but a profile may have changed since)."""
    field = newcomer["profile"].get("occupation_field")
    if not field:
        return None
    wanted = other.get("occupation_field")
    if wanted and wanted != field:
        return {"code": "their_field_other", "name": newcomer["name"] or "", "field": field, "position_field": wanted}
    return {"code": "their_field_same" if wanted else "their_field", "name": newcomer["name"] or "", "field": field}


def _position_field(newcomer: Mapping[str, Any], other: Mapping[str, Any]) -> Fact | None:
    """The position's occupation field, to the newcomer: its title is the employer's words, mostly
    German ("Pflegefachkraft (m/w/d) Intensivstation"), so the field is the job in theirs (review 12, F13)."""
    field = other.get("occupation_field")
    if not field:
        return None
    mine = newcomer["profile"].get("occupation_field")
    return {"code": "position_field_yours" if field == mine else "position_field", "field": field}


def _besides_german(newcomer: Mapping[str, Any], locale: str, minimum: int) -> list[dict[str, str]]:
    """The newcomer's languages other than German at ``minimum`` or better, best first (a mother
    tongue first of all): German has its own fact, against the position's or the course's level."""
    spoken = sorted(((code, level) for code, level in _languages(newcomer["languages"]).items()
                     if code != "de" and level_rank(level) >= minimum),
                    key=lambda pair: (-level_rank(pair[1]), pair[0]))
    return [{"language": language_name(code, locale), "level": level} for code, level in spoken]


def _spoken(newcomer: Mapping[str, Any], locale: str) -> Fact | None:
    """To an employer: the languages besides German spoken at B1 or better (the shared-language
    rule's threshold)."""
    items = _besides_german(newcomer, locale, SPOKEN_WELL)
    return {"code": "their_languages", "name": newcomer["name"] or "", "items": items} if items else None


def _course_languages(newcomer: Mapping[str, Any], locale: str) -> Fact | None:
    """To a course provider: every language besides German, at any level (review 8a, finding 11).
    The mother tongue tells a provider whether an A1 learner may need a literacy or Latin-script
    course first; a language is no health or family detail, and an employer already reads them."""
    items = _besides_german(newcomer, locale, level_rank("A1"))
    return {"code": "their_languages_course", "name": newcomer["name"] or "", "items": items} if items else None


def _offers(newcomer: Mapping[str, Any], other: Mapping[str, Any]) -> Fact | None:
    """To the newcomer: what the employer offers, by name ("German course during work, help finding
    housing") instead of "extra support" (review 8a, finding 11); an offer another fact already
    says is not repeated."""
    offers = set(other["profile"].get("offers") or ())
    required = other.get("min_german_level")
    if required and german.closed_by_course(_languages(newcomer["languages"]).get("de"), required, offers):
        offers.discard("language_course_during_work")  # "… The employer offers a German course during work."
    named = [code for code in _NAMED_OFFERS if code in offers]
    return {"code": "employer_offers", "offers": named} if named else None


def _abroad(newcomer: Mapping[str, Any]) -> Fact | None:
    """Said outright: "will live in Gera" alone left an employer guessing. The profile holds no
    arrival date, so none is promised."""
    if newcomer["profile"].get("arrival") != "abroad":
        return None
    return {"code": "still_abroad", "name": newcomer["name"] or ""}


def _family(newcomer: Mapping[str, Any]) -> Fact | None:
    """To the mentor: who comes with the newcomer (review 8d, finding 4). A mentor's place is taken
    by a family as by one person, and school enrolment or a partner's job search is part of the
    help she agrees to; the newcomer's form asks it for matching. Only partner and children's ages,
    as stored (the dashboard's queue card shows the same)."""
    household = newcomer["profile"].get("household") or {}
    ages = sorted(a for a in household.get("children_ages") or () if isinstance(a, int))
    partner = "seeks_work" if household.get("partner") and household.get("partner_seeks_work") else (
        "yes" if household.get("partner") else "")
    if not partner and not ages:
        return None
    return {"code": "household", "name": newcomer["name"] or "", "partner": partner,
            "ages": [str(a) for a in ages]}


def _household(kind: str, newcomer: Mapping[str, Any], other: Mapping[str, Any], side: str) -> list[Fact]:
    """Only what an offer means for this newcomer; an employer hears nothing of it (see the module)."""
    childcare = _needs_childcare(newcomer["profile"])
    if kind == "language_course" and childcare and other["childcare"]:
        # The provider must keep a place in its childcare: that is about the course, not the family.
        return [{"code": "childcare_course"}] if side == "newcomer" else [
            {"code": "childcare_course_needed", "name": newcomer["name"] or ""}]
    if kind != "employer" or side != "newcomer":
        return []
    offers = set(other["profile"].get("offers") or ())
    household = newcomer["profile"].get("household") or {}
    facts: list[Fact] = []
    if childcare and "childcare_support" in offers:
        facts.append({"code": "childcare_job"})
    if household.get("partner_seeks_work") and "partner_job_support" in offers:
        facts.append({"code": "partner_job"})
    return facts


def facts(kind: str, side: str, newcomer: Mapping[str, Any], other: Mapping[str, Any], other_name: str,
          locale: str) -> list[Fact]:
    """``newcomer``: name, district, languages, profile; ``other``: the mentor's, course's or position's
    district, languages, profile (the mentor's or employer's), format, childcare and course_level (a course's),
    min_german_level and occupation_field (a position's)."""
    found: list[Fact | None] = []
    if kind == "mentor":
        found += [_shared_languages(newcomer, other, other_name, side, locale),
                  _needs(newcomer, other, other_name, side),
                  _family(newcomer) if side == "counterpart" else None]  # beside the help wanted
    if kind == "employer" and side == "counterpart":  # the newcomer knows these of themselves
        found += [_occupation(newcomer, other), _german(newcomer, other, side), _spoken(newcomer, locale),
                  _abroad(newcomer)]
    elif kind == "employer":
        found += [_position_field(newcomer, other), _german(newcomer, other, side)]
    if kind == "language_course" and side == "counterpart":
        # Still abroad: the provider knows why the newcomer may start later (review 8f, finding 2).
        found += [_course_german(newcomer, other), _course_languages(newcomer, locale), _abroad(newcomer)]
    found += _distance(kind, newcomer, other, other_name, side, locale)
    found += _household(kind, newcomer, other, side)
    if kind == "employer" and side == "newcomer":
        found.append(_offers(newcomer, other))
    return [f for f in found if f]
