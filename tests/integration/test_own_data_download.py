"""Review 8d, finding 9: a participant downloads everything stored about them from their manage
page, the coordinators' export (one source) behind the manage link, audited as their own step;
another person's words about a match stay out, and another person's link fetches only theirs."""

from __future__ import annotations

import json
import uuid

import asyncpg

from tests.conftest import IntakeClient
from tests.integration.test_dashboard import login
from tests.integration.test_self_service import _registered, manage_link

# What the own copy adds to each match: the other side as the manage page names it (review 8e, finding 8).
NAMED = ("other_side", "other_side_organisation", "own_offer")


async def _ended_match(pool: asyncpg.Pool, newcomer: uuid.UUID, mentor: uuid.UUID, *, by: str, reason: str) -> None:
    await pool.execute(
        """INSERT INTO matches (id, kind, newcomer_id, counterpart_id, score, status, explanation, note, reason,
                                end_reason, ended_by_side, introduced_at, active_at, ended_at)
           VALUES ($1, 'mentor', $2, $3, 0.8, 'cancelled', '[]', 'Notiz des Teams über Sabine', $4,
                   'ended_by_participant', $5, now(), now(), now())""",
        uuid.uuid4(), newcomer, mentor, reason, by)


async def test_the_manage_page_downloads_the_participants_export_and_audits_it(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    oksana = await _registered(intake_client, pool, "newcomers", name="Оксана Мельник")
    sabine = await _registered(intake_client, pool, "mentors", name="Sabine Krüger")
    await _ended_match(pool, oksana, sabine, by="counterpart", reason="Sabine: Oksana kam nie zu Terminen")
    await _ended_match(pool, oksana, sabine, by="newcomer", reason="Meine eigenen Worte")

    link = manage_link(oksana)  # signed once: a second signature a second later differs
    page = await (await intake_client.get(f"{link}?lang=de")).text()
    assert f'href="{link}/export.json"' in page
    assert "Alle meine Daten herunterladen (JSON)" in page

    await login(intake_client)
    coordinators = await (await intake_client.get(f"/dashboard/participants/{oksana}/export.json")).json()
    response = await intake_client.get(f"{manage_link(oksana)}/export.json")
    assert response.status == 200 and response.content_type == "application/json"
    assert response.headers["Content-Disposition"].startswith("attachment")
    own = await response.json()
    # Her name as she wrote it, not \u escapes: the file is for her to read (review 11b, L3).
    raw = (await response.read()).decode("utf-8")
    assert "Оксана Мельник" in raw and "\\u041e" not in raw and response.charset == "utf-8"

    # The same export, but for the words others wrote about a match: the team's note, the other
    # side's reason for ending. Her own reason stays.
    assert own["participant"] == coordinators["participant"] and own["emails"] == coordinators["emails"]
    assert {k for k in own if k != "audit"} == {k for k in coordinators if k != "audit"}
    assert [m["id"] for m in own["matches"]] == [m["id"] for m in coordinators["matches"]]
    assert {m["reason"] for m in coordinators["matches"]} == {"Sabine: Oksana kam nie zu Terminen",
                                                             "Meine eigenen Worte"}
    assert {m["reason"] for m in own["matches"]} == {None, "Meine eigenen Worte"}
    assert {m["note"] for m in own["matches"]} == {None}
    for m, c in zip(own["matches"], coordinators["matches"], strict=True):
        assert {k: v for k, v in m.items() if k not in ("note", "reason", *NAMED)} == \
            {k: v for k, v in c.items() if k not in ("note", "reason")}
    body = json.dumps(own, ensure_ascii=False)
    assert "Notiz des Teams" not in body and "kam nie zu Terminen" not in body and "Оксана Мельник" in body

    entry = await pool.fetchrow("SELECT actor_id, actor_role, subject_type, subject_id FROM audit_log "
                                "WHERE action = 'participant.export_own'")
    assert entry is not None and tuple(entry) == (oksana, "participant", "participant", oksana)
    audit = await (await intake_client.get(f"/dashboard/audit?subject={oksana}")).text()
    assert "hat alle eigenen Daten heruntergeladen" in audit


async def test_another_participants_link_fetches_only_their_own_and_a_bad_or_erased_one_nothing(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    oksana = await _registered(intake_client, pool, "newcomers", name="Оксана Мельник")
    li = await _registered(intake_client, pool, "newcomers", name="Li Wei")

    theirs = await intake_client.get(f"{manage_link(li)}/export.json")
    assert theirs.status == 200
    body = await theirs.text()
    assert (await theirs.json())["participant"]["id"] == str(li)
    assert str(oksana) not in body and "Мельник" not in body

    forged = manage_link(oksana)[:-3] + "abc"
    assert (await intake_client.get(f"{forged}/export.json")).status == 400
    assert (await intake_client.get(f"/manage/{uuid.uuid4()}/export.json")).status == 400

    assert (await intake_client.post(f"{manage_link(oksana)}/erase", data={"confirm": "yes"})).status == 200
    assert (await intake_client.get(f"{manage_link(oksana)}/export.json")).status == 410
    actions = [r["action"] for r in await pool.fetch(
        "SELECT action FROM audit_log WHERE actor_id = $1 ORDER BY id", oksana)]
    assert actions == ["participant.erase_own"]  # nothing downloaded with her link


async def _match(pool: asyncpg.Pool, newcomer: uuid.UUID, mentor: uuid.UUID, status: str,
                 introduced: bool) -> uuid.UUID:
    match_id = uuid.uuid4()
    await pool.execute(
        """INSERT INTO matches (id, kind, newcomer_id, counterpart_id, score, status, explanation, decided_at,
                                introduced_at)
           VALUES ($1, 'mentor', $2, $3, 0.5, $4, '[]', now(), CASE WHEN $5 THEN now() END)""",
        match_id, newcomer, mentor, status, introduced)
    return match_id


async def test_the_own_copy_lists_the_matches_the_page_shows_named_and_the_persons_own_steps(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    """Review 8e, finding 8: suggestions the person never heard of stay out of their copy, each match
    names the other side as their page does, the e-mails are said to be a list, and "I would like a
    mentor again" is in their audit list. The coordinators' export keeps every match, unnamed."""
    oksana = await _registered(intake_client, pool, "newcomers", name="Оксана Мельник")
    iryna = await _registered(intake_client, pool, "mentors", name="Ірина Шевчук")
    unseen = [await _match(pool, oksana, iryna, status, introduced=False)
              for status in ("suggested", "rejected", "withdrawn")]
    running = await _match(pool, oksana, iryna, "active", introduced=True)
    await pool.execute("""UPDATE participants SET status = 'verified', profile = profile || '{"wants_mentor": false}'
                          WHERE id = $1""", oksana)
    again = await intake_client.post(manage_link(oksana), data={"action": "mentor_again"}, allow_redirects=False)
    assert again.status == 303

    page = " ".join((await (await intake_client.get(f"{manage_link(oksana)}?lang=de")).text()).split())
    assert "eine Liste der E-Mails, die wir Ihnen geschickt haben (Art und Datum)" in page

    own = await (await intake_client.get(f"{manage_link(oksana)}/export.json")).json()
    assert [m["id"] for m in own["matches"]] == [str(running)]
    assert {k: own["matches"][0][k] for k in NAMED} == {
        "other_side": "Ірина Шевчук", "other_side_organisation": None, "own_offer": None}
    assert [a["action"] for a in own["audit"]] == ["participant.mentor_again_own"]
    theirs = await (await intake_client.get(f"{manage_link(iryna)}/export.json")).json()
    assert [(m["id"], m["other_side"]) for m in theirs["matches"]] == [(str(running), "Оксана Мельник")]

    await login(intake_client)
    coordinators = await (await intake_client.get(f"/dashboard/participants/{oksana}/export.json")).json()
    assert {m["id"] for m in coordinators["matches"]} == {str(m) for m in (*unseen, running)}
    assert all(k not in m for m in coordinators["matches"] for k in NAMED)
    audit = " ".join((await (await intake_client.get(f"/dashboard/audit?subject={oksana}")).text()).split())
    assert "hat wieder nach einer Mentorin oder einem Mentor gefragt" in audit
