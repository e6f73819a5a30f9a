"""What a verification link confirms, said in its email (review 9c, F1/F3).

An address registered more than once while unconfirmed gets one verification email per version
(registration_versions), each link confirming its own data; emails that looked alike let the owner
click the one that confirms a relative's (or their own older) details. So each email lists the
registration its link is for: the version's data, or the stored data for a link without a version.
Only what tells registrations apart and what the person typed to be matched by: name, kind, place,
languages, the household in words (newcomers), places (mentors), organisation and how many courses
or positions. Never the "about" text nor the country of origin: the email may be read by whoever
typed the address, and those are not needed to recognise one's own details.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

import asyncpg

from lotse.notifier.match_facts import language_name, place
from lotse.notifier.render import DOMAIN, PACKAGE
from lotse.shared.i18n import SUPPORTED_LOCALES, translations

Summary = dict[str, Any]


def summary(kind: str, name: str | None, district: str | None, languages: list[str],
            profile: Mapping[str, Any], locale: str, courses: int = 0, positions: int = 0) -> Summary:
    """The facts of a registration and, under ``lines``, the list the verification email shows, in
    ``locale``; ``languages``: codes, as typed."""
    household = profile.get("household") or {}
    children = household.get("children_ages") or ()
    facts: Summary = {
        "kind": kind, "name": name or "", "name_latin": profile.get("name_latin") or "",
        "place": place(district),
        "languages": ", ".join(language_name(code, locale) for code in languages),
        "partner": bool(household.get("partner")), "children": len(children),
        "capacity": profile.get("capacity"), "organisation": profile.get("organisation") or "",
        "courses": courses, "positions": positions,
    }
    facts["lines"] = lines(facts, locale)
    return facts


def N_(message: str) -> str:
    """Marks a msgid for extraction (deploy/i18n.sh); translated where it is shown."""
    return message


_KINDS: Final = {"newcomer": N_("Registered as: newcomer"), "mentor": N_("Registered as: mentor"),
                 "language_provider": N_("Registered as: German course provider"),
                 "employer": N_("Registered as: employer")}


def lines(s: Summary, locale: str) -> list[str]:
    """The summary's lines in the reader's language, made once per email here: as jinja macros for
    the text and the HTML part they were two thirds of a verification email's rendering time."""
    catalog = translations(PACKAGE, DOMAIN, locale if locale in SUPPORTED_LOCALES else "en")
    _, ngettext = catalog.gettext, catalog.ngettext
    latin = f" ({s['name_latin']})" if s["name_latin"] and s["name_latin"] != s["name"] else ""
    out = [_("Name: %(name)s") % {"name": s["name"] + latin}]
    if s["organisation"]:
        out.append(_("Organisation: %(organisation)s") % {"organisation": s["organisation"]})
    if s["kind"] in _KINDS:
        out.append(_(_KINDS[s["kind"]]))
    if s["place"]:
        out.append(_("Place: %(place)s") % {"place": s["place"]})
    if s["languages"]:
        out.append(_("Languages: %(languages)s") % {"languages": s["languages"]})
    if s["kind"] == "newcomer":
        children = s["children"]
        if children and s["partner"]:
            out.append(ngettext("Household: with partner, %(num)s child", "Household: with partner, %(num)s children",
                                children) % {"num": children})
        elif children:
            out.append(ngettext("Household: %(num)s child", "Household: %(num)s children",
                                children) % {"num": children})
        else:
            out.append(_("Household: with partner") if s["partner"] else _("Household: on your own"))
    if s["kind"] == "mentor" and s["capacity"]:
        out.append(_("Newcomers at a time: %(num)s") % {"num": s["capacity"]})
    if s["kind"] == "language_provider":
        out.append(_("Courses: %(num)s") % {"num": s["courses"]})
    if s["kind"] == "employer":
        out.append(_("Positions: %(num)s") % {"num": s["positions"]})
    return out


def of_version(data: Mapping[str, Any], locale: str) -> Summary:
    """From a version as registration_versions stores it (languages as [code, level] pairs)."""
    return summary(str(data["kind"]), data.get("name"), data.get("district"),
                   [str(pair[0]) for pair in data.get("languages") or ()], data.get("profile") or {}, locale,
                   courses=len(data.get("courses") or ()), positions=len(data.get("positions") or ()))


async def of_stored(conn: asyncpg.Connection, person: Mapping[str, Any], locale: str) -> Summary:
    """From the stored registration (participants' row; its courses or positions counted)."""
    kind = str(person.get("kind") or "")
    courses = positions = 0
    if kind == "language_provider":
        courses = await conn.fetchval("SELECT count(*) FROM courses WHERE provider_id = $1", person["id"])
    if kind == "employer":
        positions = await conn.fetchval("SELECT count(*) FROM positions WHERE employer_id = $1", person["id"])
    languages = [str(item["code"]) for item in person.get("languages") or () if isinstance(item, Mapping)]
    return summary(kind, person.get("name"), person.get("district"), languages, person.get("profile") or {},
                   locale, courses=courses, positions=positions)
