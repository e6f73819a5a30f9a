"""The dashboard's participant search finds a name however a coordinator typed it: without
accents, in any case and word order, in the German second spelling, Cyrillic in Latin letters;
the address search stays literal (see test_dashboard's participants test)."""

from __future__ import annotations

import uuid

import asyncpg

from lotse.intake import privacy, self_service
from lotse.shared import name_search
from tests.conftest import IntakeClient
from tests.integration.intake_fixtures import mentor_payload, newcomer_payload, unique_email
from tests.integration.test_dashboard import _verified, login

# The review's people (round 4, finding 4); no address contains a name, so only the name can match.
PEOPLE = ["Fatma Yıldız", "Jörg Ölschläger-Müller", "Nguyễn Thị Lan", "Олена Шевчук", "Тарас Бондаренко",
          "Hans Mueller", "Petro Koval"]
SEARCHES = [
    ("Yildiz", "Fatma Yıldız"), ("YILDIZ fatma", "Fatma Yıldız"),
    ("Jorg", "Jörg Ölschläger-Müller"), ("Muller", "Jörg Ölschläger-Müller"),
    ("Mueller", {"Jörg Ölschläger-Müller", "Hans Mueller"}), ("Olschlager", "Jörg Ölschläger-Müller"),
    ("oelschlaeger joerg", "Jörg Ölschläger-Müller"), ("Kruger", "Sabine Krüger"), ("Krueger", "Sabine Krüger"),
    ("Thi Lan", "Nguyễn Thị Lan"), ("lan nguyen", "Nguyễn Thị Lan"),
    ("Olena Shevchuk", "Олена Шевчук"), ("шевчук", "Олена Шевчук"), ("Bondarenko Taras", "Тарас Бондаренко"),
    # The typed word in its other spellings: an umlaut for "ue", Cyrillic for a Latin name.
    ("Müller", {"Jörg Ölschläger-Müller", "Hans Mueller"}), ("Коваль", "Petro Koval"),
]


def _found(html: str) -> set[str]:
    return {name for name in [*PEOPLE, "Sabine Krüger"] if name in html}


async def test_names_are_found_however_they_were_typed(intake_client: IntakeClient, pool: asyncpg.Pool) -> None:
    await login(intake_client)
    for name in PEOPLE:
        await _verified(intake_client, pool, "/api/v1/newcomers",
                        newcomer_payload(name=name, email=unique_email("p")))
    await _verified(intake_client, pool, "/api/v1/mentors", mentor_payload(name="Sabine Krüger",
                                                                           email=unique_email("m")))
    for query, expected in SEARCHES:
        html = await (await intake_client.get("/dashboard/participants", params={"q": query})).text()
        assert _found(html) == ({expected} if isinstance(expected, str) else expected), query
    # Every word must occur: a second word nobody has finds no one.
    html = await (await intake_client.get("/dashboard/participants", params={"q": "Yildiz Shevchuk"})).text()
    assert _found(html) == set()


async def test_the_folded_name_follows_a_rename_an_erasure_and_a_row_without_one(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    person = await _verified(intake_client, pool, "/api/v1/newcomers",
                             newcomer_payload(name="Fatma Yıldız", email=unique_email("p")))
    async with pool.acquire() as conn, conn.transaction():
        await self_service.update(conn, person, {"name": "Fatma Öztürk"})
    assert await pool.fetchval("SELECT name_search FROM participants WHERE id = $1", person) == \
        "fatma ozturk fatma oeztuerk"
    async with pool.acquire() as conn, conn.transaction():
        await privacy.erase(conn, person)
    assert await pool.fetchval("SELECT name_search FROM participants WHERE id = $1", person) is None

    # A row written without the copy (by hand, or before the column existed) gets it at `lotse migrate`.
    by_hand = uuid.uuid4()
    await pool.execute("INSERT INTO participants (id, kind, name, email, preferred_locale, district) "
                       "VALUES ($1, 'mentor', 'Łukasz Wójcik', $2, 'pl', '16052')", by_hand, unique_email("h"))
    async with pool.acquire() as conn:
        assert await name_search.fill_missing(conn) >= 1
    assert await pool.fetchval("SELECT name_search FROM participants WHERE id = $1", by_hand) == "lukasz wojcik"


async def test_a_nul_in_the_search_is_a_space_not_an_error(intake_client: IntakeClient, pool: asyncpg.Pool) -> None:
    """PostgreSQL text cannot hold U+0000: `?q=%00` answered 500 (review 9a F7)."""
    await login(intake_client)
    await _verified(intake_client, pool, "/api/v1/newcomers",
                    newcomer_payload(name="Fatma Yıldız", email=unique_email("p")))
    for path in ("/dashboard/participants", "/dashboard"):  # the list and the review queue
        for typed in ("\x00", "a\x00b"):
            response = await intake_client.get(path, params={"q": typed})
            assert response.status == 200, (path, typed)
    found = await (await intake_client.get("/dashboard/participants", params={"q": "Fatma\x00Yildiz"})).text()
    assert "Fatma Yıldız" in found
