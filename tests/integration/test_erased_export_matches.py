"""Review 8i, finding 5: after erasure the export said `"matches": []` while the match list still
listed the person's (anonymous) match rows. The contract's export is "everything stored about that
person", so it lists those rows too, as the match list shows them, and nothing erased."""

from __future__ import annotations

import json
from datetime import date, timedelta

import asyncpg

from lotse.matcher.consumer import MatcherConsumer
from lotse.shared import events
from tests.conftest import IntakeClient
from tests.integration.intake_fixtures import employer_payload, mentor_payload, newcomer_payload, provider_payload
from tests.integration.test_dashboard import _verified

# A course and a position the newcomer below fits (Gera, evening, nursing at A2).
GERA_EVENING_B1 = {"title": "Deutsch B1 am Abend", "level": "B1", "schedule": "evening", "format": "in_person",
                   "district": "16052", "seats": 8, "childcare": True,
                   "starts_on": (date.today() + timedelta(days=20)).isoformat()}
NURSING = {"title": "Pflegehilfskraft", "occupation_field": "nursing", "openings": 2, "min_german_level": "A2"}


async def test_an_erased_newcomers_export_lists_the_match_rows_the_match_list_shows(
    intake_client: IntakeClient, pool: asyncpg.Pool, coordinator_headers: dict[str, str]
) -> None:
    auth = coordinator_headers
    newcomer_body = newcomer_payload(name="Oksana Melnyk", about="Pflegerin, zieht mit Sohn nach Gera.")
    newcomer = await _verified(intake_client, pool, "/api/v1/newcomers", newcomer_body)
    others = {
        "mentor": await _verified(intake_client, pool, "/api/v1/mentors",
                                  mentor_payload(name="Sabine Krüger", capacity=2)),
        "language_provider": await _verified(intake_client, pool, "/api/v1/language-providers",
                                             provider_payload(courses=[GERA_EVENING_B1])),
        "employer": await _verified(intake_client, pool, "/api/v1/employers",
                                    employer_payload(district="16052", positions=[NURSING])),
    }
    matcher = MatcherConsumer(pool, None)  # type: ignore[arg-type]  # handle() needs no broker
    for kind, participant_id in [*others.items(), ("newcomer", newcomer)]:
        async with pool.acquire() as conn, conn.transaction():
            await matcher.handle(conn, events.new_event(events.PARTICIPANT_VERIFIED,
                                                        participant_id=participant_id, kind=kind))
    listed = await (await intake_client.get("/api/v1/matches", params={"newcomer_id": str(newcomer)},
                                            headers=auth)).json()
    suggested = [m["id"] for m in listed["items"]]
    assert len(suggested) >= 2, listed  # the real matcher's suggestions, with explanation sentences
    # One approved with a note, one rejected with words: both are the team's words about the person.
    approved = await intake_client.post(f"/api/v1/matches/{suggested[0]}/approve",
                                        json={"note": "Oksana ruft Montag an"}, headers=auth)
    rejected = await intake_client.post(f"/api/v1/matches/{suggested[1]}/reject",
                                        json={"reason": "other", "note": "Oksana hat kein Auto"}, headers=auth)
    assert (approved.status, rejected.status) == (200, 200)

    assert (await intake_client.delete(f"/api/v1/participants/{newcomer}", headers=auth)).status == 204

    export = await intake_client.get(f"/api/v1/participants/{newcomer}/export", headers=auth)
    assert export.status == 200
    data = await export.json()
    page = await (await intake_client.get("/api/v1/matches", params={"newcomer_id": str(newcomer), "limit": "100"},
                                          headers=auth)).json()
    assert page["next_cursor"] is None
    assert sorted(m["id"] for m in data["matches"]) == sorted(m["id"] for m in page["items"]) \
        == sorted(suggested), "the export lists every match row still stored under the person's id"
    by_id = {m["id"]: m for m in page["items"]}
    assert all(m == by_id[m["id"]] for m in data["matches"]), "the same fields as the match list"
    assert data["participant"] == {"id": str(newcomer), "kind": "newcomer", "status": "erased"}
    assert all(not data[part] for part in ("responses", "checkins", "audit", "emails", "waitlist",
                                           "email_changes"))
    # Nothing erased, and nothing personal of the other side: ids, codes, statuses and scores only.
    text = json.dumps(data, ensure_ascii=False)
    for trace in ("Oksana", "Melnyk", "Gera", newcomer_body["email"], "Krüger", "Montag", "kein Auto", "@"):
        assert trace not in text, trace
    assert all("detail" not in e for m in data["matches"] for e in m["explanation"])
    assert all(m["note"] is None and m["status"] in {"withdrawn", "rejected", "cancelled"} for m in data["matches"])
    assert {m["newcomer_id"] for m in data["matches"]} == {str(newcomer)}
