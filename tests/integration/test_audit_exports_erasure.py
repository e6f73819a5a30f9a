"""Review 7, finding 9: the audit log reads back the bulk CSV exports of personal data (with the
list's filters, never a search's words) and a participant's own erasure (no name kept), pause,
resume and withdrawn consent to share contact details."""

from __future__ import annotations

import asyncpg

from tests.conftest import IntakeClient
from tests.integration.intake_fixtures import mentor_payload, newcomer_payload
from tests.integration.test_dashboard import _verified, login
from tests.integration.test_self_service import _registered, manage_link


async def test_the_csv_exports_are_in_the_audit_log_without_the_search_words(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    await login(intake_client)
    await _verified(intake_client, pool, "/api/v1/mentors", mentor_payload(name="Sabine Krüger", district="16053"))
    await _verified(intake_client, pool, "/api/v1/newcomers", newcomer_payload(name="Оксана Мельник"))
    assert (await intake_client.get("/dashboard/export/participants.csv?q=Krüger&kind=mentor")).status == 200
    assert (await intake_client.get("/dashboard/export/matches.csv")).status == 200

    entries = await pool.fetch("SELECT actor_role, action, subject_type, subject_id, after, detail FROM audit_log "
                               "WHERE action LIKE '%csv_export' ORDER BY id")
    assert [(e["action"], e["subject_type"], e["subject_id"], e["after"]) for e in entries] == [
        ("participant.csv_export", "participant", None, {"rows": 1}), ("match.csv_export", "match", None, {"rows": 0})]
    assert entries[0]["actor_role"] == "admin"
    assert entries[0]["detail"] == "q=…, kind=mentor" and entries[1]["detail"] is None

    page = await (await intake_client.get("/dashboard/audit")).text()
    assert "hat die Teilnehmenden als CSV heruntergeladen" in page and "hat die Matches als CSV heruntergeladen" in page
    assert "1 Zeilen" in page and "Krüger" not in page
    english = await (await intake_client.get("/dashboard/audit?action=participant.csv_export&lang=en")).text()
    assert "downloaded the participants as CSV" in english and "q=…, kind=mentor" in english


async def test_a_participants_own_erasure_is_in_the_audit_log(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    participant_id = await _registered(intake_client, pool, "newcomers", name="Оксана Мельник")
    erased = await intake_client.post(f"{manage_link(participant_id)}/erase", data={"confirm": "yes"})
    assert erased.status == 200
    entry = await pool.fetchrow("SELECT actor_id, actor_role, subject_id, after FROM audit_log "
                                "WHERE action = 'participant.erase_own'")
    assert entry is not None
    assert (entry["actor_id"], entry["actor_role"], entry["subject_id"]) == (participant_id, "participant",
                                                                             participant_id)
    assert entry["after"] == {"status": "erased"}

    await login(intake_client)
    page = await (await intake_client.get(f"/dashboard/audit?subject={participant_id}")).text()
    assert "hat die eigenen Daten gelöscht" in page and "Мельник" not in page


async def test_a_participants_own_pause_resume_and_withdrawn_consent_are_in_the_audit_log(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    participant_id = await _registered(intake_client, pool, "newcomers", name="Оксана Мельник")
    link = manage_link(participant_id)
    for action in ("pause", "pause", "resume", "unshare", "unshare"):  # repeated clicks change nothing
        assert (await intake_client.post(link, data={"action": action}, allow_redirects=False)).status == 303

    entries = await pool.fetch("SELECT actor_id, actor_role, action, subject_id, before, after FROM audit_log "
                               "ORDER BY id")
    assert [(e["action"], e["before"], e["after"]) for e in entries] == [
        ("participant.pause_own", {"status": "verified"}, {"status": "paused"}),
        ("participant.resume_own", {"status": "paused"}, {"status": "verified"}),
        ("participant.share_contact_withdrawn", None, None),
    ]
    assert {(e["actor_id"], e["actor_role"], e["subject_id"]) for e in entries} == {
        (participant_id, "participant", participant_id)}

    await login(intake_client)
    page = await (await intake_client.get(f"/dashboard/audit?subject={participant_id}")).text()
    for label in ("hat das eigene Matching pausiert", "hat das eigene Matching fortgesetzt",
                  "hat die Einwilligung zur Weitergabe der Kontaktdaten widerrufen"):
        assert label in page
