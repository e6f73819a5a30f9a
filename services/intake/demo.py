"""`lotse seed-demo`: a small, realistic population, registered and verified as real users would be.

Every record goes through the same validation and registration use case as the public API,
so the demo can never hold data the product itself would refuse. Re-running is harmless.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta
from typing import Any, Final

import asyncpg

from lotse.intake import participants_db, registrations
from lotse.intake.validation import validate_registration
from lotse.shared import events, reference
from lotse.shared.config import Settings
from lotse.shared.db import create_pool
from lotse.shared.outbox import write_event

log = logging.getLogger(__name__)

CONSENT = {"data_processing": True, "share_contact": True}
# The late-entry course began this long before the demo is loaded: on its first day it shows the
# dashboard and the pages "begun, still open for entry until …", not a course that starts today.
LATE_ENTRY_BEGUN: Final = timedelta(days=10)


def _newcomer(name: str, email: str, locale: str, district: str, country: str, field: str,
              languages: list[tuple[str, str]], needs: list[str], schedules: list[str],
              household: dict[str, Any], about: str, arrival: str = "arrived",
              seeks_work: bool = True, max_commute_km: int | None = None,
              name_latin: str | None = None) -> dict[str, Any]:
    return {
        "name": name, "name_latin": name_latin, "email": email, "preferred_locale": locale, "district": district,
        "languages": [{"code": c, "level": lv} for c, lv in languages], "consent": CONSENT,
        "country_of_origin": country, "occupation_field": field, "arrival": arrival, "needs": needs,
        "wants_mentor": True, "course_schedules": schedules, "household": household, "about": about,
        "seeks_work": seeks_work, "max_commute_km": max_commute_km,
    }


def _mentor(name: str, email: str, district: str, languages: list[tuple[str, str]], capacity: int,
            helps_with: list[str], about: str, field: str | None = None, online_ok: bool = False,
            max_km: int = 30) -> dict[str, Any]:
    mentor: dict[str, Any] = {
        "name": name, "email": email, "preferred_locale": "de", "district": district,
        "languages": [{"code": c, "level": lv} for c, lv in languages], "consent": CONSENT,
        "capacity": capacity, "helps_with": helps_with, "max_distance_km": max_km,
        "online_ok": online_ok, "about": about,
    }
    if field:
        mentor["occupation_field"] = field
    return mentor


def demo_population(today: date) -> list[tuple[str, dict[str, Any]]]:
    soon = (today + timedelta(days=21)).isoformat()
    later = (today + timedelta(days=60)).isoformat()
    begun = today - LATE_ENTRY_BEGUN
    no_family = {"partner": False, "partner_seeks_work": False, "children_ages": []}
    return [
        ("newcomer", _newcomer(
            "Nguyễn Thị Lan", "lan.nguyen@example.org", "vi", "16052", "VN", "nursing",
            [("vi", "native"), ("en", "B2"), ("de", "A2")], ["language_course", "childcare", "housing"],
            ["evening"], {"partner": True, "partner_seeks_work": True, "children_ages": [4]},
            "Nurse, starting at the hospital in Gera. I like cooking and walks.", arrival="abroad",
            seeks_work=False)),
        ("newcomer", _newcomer(
            "Olena Kovalenko", "olena.kovalenko@example.org", "uk", "16053", "UA", "it",
            [("uk", "native"), ("ru", "C1"), ("en", "C1"), ("de", "B1")], ["authorities", "social_life"],
            ["weekend"], no_family, "Software developer, hiking, board games.")),
        ("newcomer", _newcomer(
            "Bat-Erdene Ganbold", "bat.ganbold@example.org", "mn", "16051", "MN", "transport",
            [("mn", "native"), ("ru", "B2"), ("de", "A1")], ["language_course", "recognition", "mobility"],
            ["evening", "weekend"], {"partner": True, "partner_seeks_work": False, "children_ages": [7, 11]},
            "Bus driver, needs recognition of my driving licence.")),
        ("newcomer", _newcomer(
            "Marko Petrović", "marko.petrovic@example.org", "sr", "16054", "RS", "crafts",
            [("sr", "native"), ("en", "B1"), ("de", "A2")], ["housing", "workplace_integration"],
            ["evening"], no_family, "Electrician, football fan.", max_commute_km=25)),
        ("newcomer", _newcomer(
            "Li Wei", "li.wei@example.org", "zh", "16055", "CN", "engineering",
            [("zh", "native"), ("en", "C1"), ("de", "B2")], ["partner_career", "school"],
            [], {"partner": True, "partner_seeks_work": True, "children_ages": [9]},
            "Mechanical engineer; my wife is a teacher and looks for work.")),
        ("newcomer", _newcomer(
            "Aysel Məmmədova", "aysel.mammadova@example.org", "az", "16063", "AZ", "healthcare",
            [("az", "native"), ("ru", "C1"), ("tr", "B2"), ("de", "A2")],
            ["language_course", "health_insurance", "banking"], ["daytime", "evening"], no_family,
            "Medical laboratory assistant.")),
        ("newcomer", _newcomer(
            "Katarzyna Nowak", "katarzyna.nowak@example.org", "pl", "16061", "PL", "nursing",
            [("pl", "native"), ("de", "B1"), ("en", "A2")], ["childcare", "social_life"],
            ["weekend"], {"partner": False, "partner_seeks_work": False, "children_ages": [2]},
            # Would commute 50 km with a small child: Klinikum Gera (147 km) is not suggested to her.
            "Geriatric nurse with a little daughter.", max_commute_km=50)),
        # A name in Arabic script with her own spelling in Latin letters (name_latin): the dashboard
        # shows "رنا حداد (Rana Haddad)". Nurse in Gera with B1: Klinikum Gera's nursing post and a
        # mentor there are suggested to her, so she is in the review queue.
        ("newcomer", _newcomer(
            "رنا حداد", "rana.haddad@example.org", "en", "16052", "SY", "nursing",
            [("ar", "native"), ("en", "B2"), ("de", "B1")], ["recognition", "housing", "authorities"],
            ["evening"], no_family, "Nurse from Damascus, my degree is being recognised. Reading and swimming.",
            name_latin="Rana Haddad")),
        ("mentor", _mentor(
            "Renate Albrecht", "renate.albrecht@example.org", "16055",
            [("de", "native"), ("ru", "C1")], 2, ["authorities", "social_life", "school", "language_course"],
            "Retired teacher in Weimar; I love showing people our city.", field="education")),
        ("mentor", _mentor(
            "Thomas Berger", "thomas.berger@example.org", "16052",
            [("de", "native"), ("en", "B2")], 3, ["housing", "childcare", "authorities", "mobility"],
            "Social worker in Gera, father of two.", online_ok=True, max_km=60)),
        ("mentor", _mentor(
            "Sabine Krüger", "sabine.krueger@example.org", "16053",
            [("de", "native"), ("en", "C1"), ("uk", "B1")], 2, ["social_life", "workplace_integration"],
            "IT project manager in Jena; hiking and board games.", field="it", online_ok=True)),
        ("mentor", _mentor(
            "Jürgen Wolf", "juergen.wolf@example.org", "16051",
            [("de", "native"), ("ru", "B2")], 2, ["recognition", "mobility", "authorities"],
            "Former bus company manager in Erfurt.", field="transport")),
        ("mentor", _mentor(
            "Dragana Schulz", "dragana.schulz@example.org", "16054",
            [("de", "C2"), ("sr", "native"), ("en", "B1")], 1, ["housing", "workplace_integration"],
            "Came from Serbia 15 years ago; electrician's wife in Suhl.", field="crafts")),
        ("language_provider", {
            "name": "Anna Schmidt", "email": "kurse@sprachschule-jena.example.org", "preferred_locale": "de",
            "district": "16053", "languages": [{"code": "de", "level": "native"}], "consent": CONSENT,
            "organisation": "Sprachschule Jena",
            "courses": [
                {"title": "Deutsch B1 am Wochenende", "level": "B1", "schedule": "weekend", "format": "in_person",
                 "district": "16053", "seats": 12, "starts_on": soon, "childcare": False},
                {"title": "Deutsch B2 online abends", "level": "B2", "schedule": "evening", "format": "online",
                 "district": "16053", "seats": 15, "starts_on": later, "childcare": False},
            ]}),
        ("language_provider", {
            "name": "Peter Hahn", "email": "info@vhs-gera.example.org", "preferred_locale": "de",
            "district": "16052", "languages": [{"code": "de", "level": "native"}], "consent": CONSENT,
            "organisation": "Volkshochschule Gera",
            "courses": [
                {"title": "Deutsch B1 abends mit Kinderbetreuung", "level": "B1", "schedule": "evening",
                 "format": "in_person", "district": "16052", "seats": 10, "starts_on": soon, "childcare": True},
                {"title": "Deutsch A2 Abendkurs", "level": "A2", "schedule": "evening", "format": "hybrid",
                 "district": "16052", "seats": 14, "starts_on": soon, "childcare": False},
                {"title": "Deutsch A1 kompakt", "level": "A1", "schedule": "evening", "format": "in_person",
                 "district": "16051", "seats": 16, "starts_on": later, "childcare": False},
                # A late-entry course (docs/decisions.md) that began some days before the demo was
                # loaded: begun, and still suggested for the rest of its six weeks.
                {"title": "Integrationskurs A1 (Einstieg bis 6 Wochen nach Beginn)", "level": "A1",
                 "schedule": "evening", "format": "in_person", "district": "16052", "seats": 20,
                 "starts_on": begun.isoformat(), "childcare": True, "late_entry_weeks": 6},
            ]}),
        ("employer", {
            "name": "Klaus Richter", "email": "personal@elektro-richter.example.org", "preferred_locale": "de",
            "district": "16054", "languages": [{"code": "de", "level": "native"}], "consent": CONSENT,
            "organisation": "Elektro Richter GmbH", "contact_name": "Klaus Richter",
            "positions": [{"title": "Elektroniker/in", "occupation_field": "crafts", "openings": 3,
                           "min_german_level": "B1"}],
            "offers": ["mentor_program", "language_course_during_work", "housing_help"],
            "about": "Crafts business in Suhl with an in-house mentor programme."}),
        ("employer", {
            "name": "Dr. Maria Keller", "email": "jobs@klinikum-gera.example.org", "preferred_locale": "de",
            "district": "16052", "languages": [{"code": "de", "level": "native"}], "consent": CONSENT,
            "organisation": "Klinikum Gera", "contact_name": "Dr. Maria Keller",
            "positions": [
                {"title": "Pflegefachkraft", "occupation_field": "nursing", "openings": 5, "min_german_level": "B1"},
                {"title": "Medizinische/r Laborassistent/in", "occupation_field": "healthcare", "openings": 1,
                 "min_german_level": "B2"},
            ],
            "offers": ["language_course_during_work", "childcare_support", "partner_job_support",
                       "relocation_support"]}),
    ]


async def seed(pool: asyncpg.Pool, today: date | None = None) -> int:
    """Register and verify the demo population; returns how many were new."""
    created = 0
    for kind, payload in demo_population(today or reference.today()):
        registration = validate_registration(kind, payload, today=today or reference.today())
        async with pool.acquire() as conn:
            existing = await participants_db.find_by_email(conn, kind, registration.email)
        if existing is None:
            outcome = await registrations.register(pool, kind, registration)
            created += outcome.created
            participant_id = outcome.participant_id
        else:
            # register() answers a known address with a reminder email, as it must for a real
            # person; the demo already exists and its people need no mail on every start.
            participant_id = existing["id"]
        async with pool.acquire() as conn, conn.transaction():
            verified = await conn.fetchrow(
                """UPDATE participants SET status = 'verified', verified_at = now()
                   WHERE id = $1 AND status = 'pending_verification' RETURNING kind""",
                participant_id,
            )
            if verified:
                await write_event(
                    conn,
                    events.new_event(
                        events.PARTICIPANT_VERIFIED, participant_id=participant_id, kind=kind
                    ),
                )
    return created


async def seed_demo(settings: Settings) -> int:
    pool = await create_pool(settings.database_url, min_size=1, max_size=2)
    try:
        created = await seed(pool)
    finally:
        await pool.close()
    print(f"demo data: {created} participant(s) added")
    return 0
