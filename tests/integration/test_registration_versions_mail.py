"""Review 9c on registrations repeated while unconfirmed (c3b0a9d): each verification email says
what its link confirms (F1), /new-link sends the newest version's link (F3), a manage-page edit
made after a version is not undone by that version's link (F2), and the per-recipient limit holds
the newest link back instead of dropping it (F4). Through the real notifier and the SMTP sink."""

from __future__ import annotations

import re
from typing import Any

import asyncpg

from lotse.intake.typedefs import after_response_key
from lotse.notifier import recipient_limit
from lotse.shared import tokens
from tests.conftest import TEST_SECRET_KEY, IntakeClient
from tests.integration.intake_fixtures import (
    employer_payload,
    mentor_payload,
    newcomer_payload,
    provider_payload,
    register,
    unique_email,
)
from tests.integration.notifier_fixtures import (
    FastRetries,
    deliver_all,
    delivery,
    notify,
    sink,
    smtp_settings,
    to,
    verify_path,
)
from tests.integration.test_self_service import edit_form, manage_link

__all__ = ["delivery", "sink", "smtp_settings"]  # fixtures used by name

SIGNER = tokens.TokenSigner(TEST_SECRET_KEY)
UNCLE = {"name": "Onkel Pham", "preferred_locale": "de", "district": "16053", "country_of_origin": "VN",
         "household": {"partner": False, "partner_seeks_work": False, "children_ages": []},
         "about": "Der Onkel schreibt das"}
HOA = {"name": "Phạm Thị Hoa", "preferred_locale": "en", "district": "16052", "name_latin": "Pham Thi Hoa",
       "languages": [{"code": "vi", "level": "native"}, {"code": "de", "level": "A2"}],
       "household": {"partner": True, "partner_seeks_work": False, "children_ages": [3, 7]}}


def _text(mail: Any) -> str:
    return str(mail.text).replace("\r\n", "\n")


def _without_tokens(text: str) -> str:
    """The text with its links' signed tokens cut out (the rest of each link stays)."""
    return re.sub(r"(/(?:verify|manage)/)[A-Za-z0-9_.\-]+", r"\1", text)


async def _new_link(intake_client: IntakeClient, email: str) -> None:
    answered = await intake_client.post("/new-link?lang=en", data={"email": email}, allow_redirects=False)
    assert answered.status == 303
    await intake_client.app[after_response_key].finish()  # the request is written after the answer


async def test_each_verification_email_lists_the_registration_its_link_confirms(
    intake_client: IntakeClient, pool: asyncpg.Pool, delivery: FastRetries, sink: Any
) -> None:
    """F1: the uncle's and Hoa's emails no longer look alike; neither shows 'about' or the origin."""
    address = unique_email("hoa")
    await register(intake_client, newcomer_payload(email=address, **UNCLE))
    await register(intake_client, newcomer_payload(email=address, **HOA))
    await notify(pool)
    await deliver_all(delivery)
    mails = {m.headers["Content-Language"]: m for m in to(sink, address)}
    uncle, hoa = _text(mails["de"]), _text(mails["en"])
    assert "Diese Angaben haben Sie gemacht:\n- Name: Onkel Pham\n" in uncle
    assert "These are the details you gave:\n- Name: Phạm Thị Hoa (Pham Thi Hoa)\n" in hoa
    assert "- Haushalt: allein\n" in uncle and "- Ort: Jena\n" in uncle
    assert "- Angemeldet als: neu angekommene Person\n" in uncle
    assert "- Household: with partner, 2 children\n" in hoa
    assert "- Place: Gera\n" in hoa and "- Languages: Vietnamese, German\n" in hoa
    assert "Registered as: newcomer" in hoa and "Onkel" not in _without_tokens(hoa)
    assert "Hoa" not in _without_tokens(uncle)
    for text in (uncle, hoa):  # nothing but what tells the registrations apart
        text = _without_tokens(text)  # a signed token's random letters hold "VN" now and then
        assert "Der Onkel schreibt das" not in text and "Nurse moving" not in text and "VN" not in text
    assert "<li>Household: with partner, 2 children</li>" in (mails["en"].html or "")


async def test_a_mentor_correcting_her_places_sees_which_email_holds_which(
    intake_client: IntakeClient, pool: asyncpg.Pool, delivery: FastRetries, sink: Any
) -> None:
    address = unique_email("heike")
    heike = {"email": address, "name": "Heike Lange", "preferred_locale": "de-simple"}
    await register(intake_client, mentor_payload(capacity=1, **heike), "mentors")
    await register(intake_client, mentor_payload(capacity=3, **heike), "mentors")
    await notify(pool)
    await deliver_all(delivery)
    texts = sorted(_text(m) for m in to(sink, address))
    assert len(texts) == 2
    places = [re.findall(r"So viele Menschen begleiten Sie gleichzeitig: (\d)", t) for t in texts]
    assert sorted(places) == [["1"], ["3"]]
    assert all("Angemeldet als: Mentorin oder Mentor" in t for t in texts)


async def test_an_organisations_stored_registration_counts_its_courses_or_positions(
    intake_client: IntakeClient, pool: asyncpg.Pool, delivery: FastRetries, sink: Any
) -> None:
    """The first registration's email has no version: its list is read from the stored data, the
    courses or positions counted in the database (registration_summary.of_stored)."""
    course = provider_payload()["courses"][0]
    provider = provider_payload(preferred_locale="en", courses=[course, {**course, "title": "Deutsch A2"}])
    position = employer_payload()["positions"][0]
    employer = employer_payload(preferred_locale="en", positions=[position] * 3)
    await register(intake_client, provider, "language-providers")
    await register(intake_client, employer, "employers")
    await notify(pool)
    await deliver_all(delivery)
    (to_provider,), (to_employer,) = to(sink, provider["email"]), to(sink, employer["email"])
    assert "- Organisation: Sprachschule Jena\n" in _text(to_provider) and "- Courses: 2\n" in _text(to_provider)
    assert "- Organisation: Elektro Richter GmbH\n" in _text(to_employer)
    assert "- Positions: 3\n" in _text(to_employer) and "Courses" not in _text(to_employer)


async def test_new_link_while_versions_wait_sends_the_newest_versions_link(
    intake_client: IntakeClient, pool: asyncpg.Pool, delivery: FastRetries, sink: Any
) -> None:
    """F3: Hoa asks for a new link; it is her version's, in her language, and confirms her data."""
    address = unique_email("hoa")
    person = await register(intake_client, newcomer_payload(email=address, **UNCLE))
    await register(intake_client, newcomer_payload(email=address, **HOA))
    await notify(pool)
    await deliver_all(delivery)
    before = len(to(sink, address))
    await _new_link(intake_client, address)
    await notify(pool)
    await deliver_all(delivery)
    mail = to(sink, address)[before]
    assert mail.headers["Content-Language"] == "en" and "Hello Phạm Thị Hoa," in mail.text
    assert "- Name: Phạm Thị Hoa (Pham Thi Hoa)\n" in _text(mail)
    newest = await pool.fetchval(
        "SELECT id FROM registration_versions WHERE participant_id = $1 ORDER BY created_at DESC LIMIT 1", person)
    link = verify_path(mail)
    assert SIGNER.load(tokens.VERIFY, link.removeprefix("/verify/")) == {"pid": str(person), "vid": str(newest)}
    assert (await intake_client.get(link)).status == 200
    stored = await pool.fetchrow("SELECT status, name, preferred_locale FROM participants WHERE id = $1", person)
    assert tuple(stored) == ("verified", "Phạm Thị Hoa", "en")


async def test_new_link_with_a_version_equal_to_the_stored_data_confirms_it(
    intake_client: IntakeClient, pool: asyncpg.Pool, delivery: FastRetries, sink: Any
) -> None:
    """The same data sent twice is a version too; its link (the newest) confirms the same data."""
    payload = newcomer_payload(email=unique_email("twice"), **HOA)
    person = await register(intake_client, payload)
    await register(intake_client, payload)
    await _new_link(intake_client, payload["email"])
    await notify(pool)
    await deliver_all(delivery)
    mails = to(sink, payload["email"])
    assert len(mails) == 3 and all("- Name: Phạm Thị Hoa (Pham Thi Hoa)\n" in _text(m) for m in mails)
    link = verify_path(mails[-1])
    assert "vid" in SIGNER.load(tokens.VERIFY, link.removeprefix("/verify/"))
    assert (await intake_client.get(link)).status == 200
    stored = await pool.fetchrow("SELECT status, name, profile FROM participants WHERE id = $1", person)
    assert stored["status"] == "verified" and stored["name"] == "Phạm Thị Hoa"
    assert stored["profile"]["household"]["children_ages"] == [3, 7]


async def test_a_manage_page_edit_after_a_version_is_not_undone_by_its_link(
    intake_client: IntakeClient, pool: asyncpg.Pool, delivery: FastRetries, sink: Any
) -> None:
    """F2: the manage link (in every email's footer) works while pending; what is saved there after
    a version was stored is the owner's latest word, and the version's link then confirms it."""
    address = unique_email("oksana")
    person = await register(intake_client, newcomer_payload(email=address, **UNCLE))
    await register(intake_client, newcomer_payload(email=address, **HOA))
    await notify(pool)
    await deliver_all(delivery)
    versions_link = verify_path(next(m for m in to(sink, address) if m.headers["Content-Language"] == "en"))
    page = manage_link(person)
    form = edit_form(await (await intake_client.get(page)).text())
    saved = await intake_client.post(page, data={**form, "name": "Hoa (edited on the page)"}, allow_redirects=False)
    assert saved.status == 303
    assert (await intake_client.get(versions_link)).status == 200
    stored = await pool.fetchrow("SELECT status, name FROM participants WHERE id = $1", person)
    assert tuple(stored) == ("verified", "Hoa (edited on the page)")


async def test_a_version_stored_after_the_edit_still_replaces_it(
    intake_client: IntakeClient, pool: asyncpg.Pool, delivery: FastRetries, sink: Any
) -> None:
    address = unique_email("later")
    person = await register(intake_client, newcomer_payload(email=address, **UNCLE))
    page = manage_link(person)
    form = edit_form(await (await intake_client.get(page)).text())
    assert (await intake_client.post(page, data={**form, "name": "Edited first"}, allow_redirects=False)).status == 303
    await register(intake_client, newcomer_payload(email=address, **HOA))
    await notify(pool)
    await deliver_all(delivery)
    versions_link = verify_path(next(m for m in to(sink, address) if m.headers["Content-Language"] == "en"))
    assert (await intake_client.get(versions_link)).status == 200
    assert await pool.fetchval("SELECT name FROM participants WHERE id = $1", person) == "Phạm Thị Hoa"


STATUSES = ("SELECT status FROM notifications WHERE participant_id = $1 AND type = 'verification' "
            "ORDER BY created_at, id")


async def test_the_limit_holds_the_owners_newest_link_back_instead_of_dropping_it(
    intake_client: IntakeClient, pool: asyncpg.Pool, delivery: FastRetries, sink: Any
) -> None:
    """F4: a stranger registers the owner's address three times; the owner's own registration, the
    fourth in the hour, is held back and goes out when the hour allows; a newer request replaces it."""
    address = unique_email("owner")
    person = await register(intake_client, newcomer_payload(email=address, **{**UNCLE, "name": "Stranger 0"}))
    for n in (1, 2):
        await register(intake_client, newcomer_payload(email=address, **{**UNCLE, "name": f"Stranger {n}"}))
    await register(intake_client, newcomer_payload(email=address, **HOA))
    await notify(pool)
    await deliver_all(delivery)
    assert len(to(sink, address)) == 3
    assert [r["status"] for r in await pool.fetch(STATUSES, person)] == ["sent"] * 3 + ["pending"]
    held = await pool.fetchrow("SELECT next_attempt_at - now() AS wait, last_error FROM notifications "
                               "WHERE participant_id = $1 AND status = 'pending'", person)
    assert held["last_error"] == recipient_limit.REASON and held["wait"].total_seconds() > 3000

    # The hour passes: the held-back email goes out, and it is the owner's.
    await pool.execute("UPDATE notifications SET created_at = created_at - interval '61 minutes', "
                       "next_attempt_at = next_attempt_at - interval '61 minutes' WHERE participant_id = $1", person)
    await deliver_all(delivery)
    mails = to(sink, address)
    assert len(mails) == 4 and "Hello Phạm Thị Hoa," in mails[-1].text
    assert [r["status"] for r in await pool.fetch(STATUSES, person)] == ["sent"] * 4


async def test_only_the_newest_held_back_request_goes_out(
    intake_client: IntakeClient, pool: asyncpg.Pool, delivery: FastRetries, sink: Any
) -> None:
    address = unique_email("many")
    person = await register(intake_client, newcomer_payload(email=address, **UNCLE))
    for n in range(2):
        await register(intake_client, newcomer_payload(email=address, **{**UNCLE, "name": f"Again {n}"}))
    await notify(pool)
    await deliver_all(delivery)
    for _ in range(2):  # the fourth, held back; then the fifth takes its place
        await _new_link(intake_client, address)
        await notify(pool)
        await deliver_all(delivery)
    await register(intake_client, newcomer_payload(email=address, **HOA))
    await notify(pool)
    await deliver_all(delivery)
    # Each one held back takes the place of the one held before it.
    assert [r["status"] for r in await pool.fetch(STATUSES, person)] == ["sent"] * 3 + ["skipped"] * 2 + ["pending"]
    await pool.execute("UPDATE notifications SET created_at = created_at - interval '61 minutes', "
                       "next_attempt_at = next_attempt_at - interval '61 minutes' WHERE participant_id = $1", person)
    await deliver_all(delivery)
    mails = to(sink, address)
    assert len(mails) == 4 and "Hello Phạm Thị Hoa," in mails[-1].text
    # The two held back before it were not sent: only the newest request counts.
    assert [r["status"] for r in await pool.fetch(STATUSES, person)] == ["sent"] * 3 + ["skipped"] * 2 + ["sent"]
