"""Each pair on a round's page is decided there with the queue's own form (review 8a: "the round
page has no per-row decisions"): the decision comes back to the round page at the row of the pair
to go on with (the same while it is open, else the next open one: decided pairs move behind the
open ones, review 9b F7), with the message naming the decided pair; a decided pair shows its
decision instead of buttons, and 'approve all' approves only the pairs still open."""

from __future__ import annotations

import html
import re
import uuid

import asyncpg

from tests.conftest import IntakeClient
from tests.integration.test_dashboard import _suggest, login
from tests.integration.test_dashboard_rounds import _mentor, _newcomer, _round_with_two_proposals


def _row(page: str, match_id: uuid.UUID) -> str:
    """The pair's table row on the round page (its id is the row's, or its message's after a decision)."""
    start = page.rindex("<tr", 0, page.index(f'id="match-{match_id}"'))
    return page[start:page.index("</tr>", start)]


def _approve_all(page: str) -> list[str]:
    """The pairs the round page's 'approve all' form sends."""
    form = page[page.index('/approve">'):]
    return re.findall(r'<input type="hidden" name="match" value="([^"]+)">', form.split("</form>")[0])


async def test_a_pair_rejected_on_the_round_page_shows_there_and_approve_all_leaves_it(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    csrf = await login(intake_client)
    round_id, (olena, taras), _ = await _round_with_two_proposals(intake_client, pool)

    page = await (await intake_client.get(f"/dashboard/rounds/{round_id}")).text()
    row = _row(page, taras)
    # The queue's form, coming back here, its buttons named by the pair (8c879ad).
    assert f'action="/dashboard/matches/{taras}/approve?from=round"' in row
    assert f'formaction="/dashboard/matches/{taras}/reject?from=round"' in row
    assert 'aria-label="Ablehnen: Mentor/in Sabine Krüger für Taras Bondarenko"' in row
    assert 'aria-label="Freigeben: Mentor/in Sabine Krüger für Taras Bondarenko"' in row
    assert f'<input type="hidden" name="csrf" value="{csrf}">' in row
    assert _approve_all(page) == [str(olena), str(taras)]

    rejected = await intake_client.post(f"/dashboard/matches/{taras}/reject?from=round", allow_redirects=False,
                                        data={"csrf": csrf, "reason": "distance", "note": "Zu weit"})
    assert rejected.status == 303
    # Taras was the last open pair: the way back goes on with the one before, Olena's.
    assert rejected.headers["Location"] == (f"/dashboard/rounds/{round_id}?msg=rejected&at={olena}"
                                            f"&decided={taras}#match-{olena}")
    assert await pool.fetchval("SELECT status FROM matches WHERE id = $1", taras) == "rejected"
    assert await pool.fetchval("SELECT detail FROM audit_log WHERE action = 'match.reject' AND subject_id = $1",
                               taras) == "distance"

    page = await (await intake_client.get(rejected.headers["Location"])).text()
    row = _row(page, olena)
    # The message at the row gone on with, naming the decided pair, where the fragment lands and
    # focuses; not at the top.
    assert f'<p class="notice" role="status" id="match-{olena}" tabindex="-1">' in row
    assert 'id="flash"' not in page
    text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", row)).split())
    assert ("Abgelehnt: Taras Bondarenko – Sabine Krüger (Mentor/in). "
            "Dieses Paar wird nicht noch einmal vorgeschlagen.") in text, text
    assert f'action="/dashboard/matches/{olena}/approve?from=round"' in row
    # The decided pair behind the open one, its decision instead of buttons.
    row = _row(page, taras)
    assert page.index(f'id="match-{olena}"') < page.index(f'id="match-{taras}"')
    assert f'<a href="/dashboard/matches/{taras}">abgelehnt</a>: Zu weit voneinander entfernt: Zu weit' in row
    assert "<button" not in row and "/approve" not in row
    assert "1 offener Vorschlag dieser Runde · 1 nicht mehr offen" in page
    assert "1 Vorschlag freigeben und vorstellen" in page
    assert _approve_all(page) == [str(olena)]

    # 'Approve all' as the page sends it: the open pair only, the rejected one stays rejected.
    approved = await intake_client.post(f"/dashboard/rounds/{round_id}/approve", allow_redirects=False,
                                        data=[("csrf", csrf), *(("match", m) for m in _approve_all(page))])
    assert approved.headers["Location"] == "/dashboard?msg=round_approved:1:0"
    statuses = dict(await pool.fetch("SELECT id, status FROM matches WHERE round_id = $1", round_id))
    assert statuses == {olena: "approved", taras: "rejected"}

    page = await (await intake_client.get(f"/dashboard/rounds/{round_id}")).text()
    assert "<button" not in page.split("<table class=\"stack\">")[1].split("</table>")[0]  # every row decided
    assert f'action="/dashboard/rounds/{round_id}/approve"' not in page
    assert "Diese Runde hat keine offenen Vorschläge" in page


async def test_a_pair_refused_for_a_full_mentor_is_withdrawn_and_the_round_page_goes_on_with_the_next(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    csrf = await login(intake_client)
    round_id, (olena, taras), _ = await _round_with_two_proposals(intake_client, pool)
    thomas = await pool.fetchval("SELECT counterpart_id FROM matches WHERE id = $1", olena)
    # Thomas (one place) took someone else meanwhile: Olena's pair cannot be approved, and goes
    # (review 10b, F8: it would only ever answer so, on top of the page).
    taken = await _suggest(pool, await _newcomer(intake_client, pool, "Nguyễn Thị Lan"), thomas)
    await pool.execute("UPDATE matches SET status = 'approved' WHERE id = $1", taken)

    refused = await intake_client.post(f"/dashboard/matches/{olena}/approve?from=round", data={"csrf": csrf},
                                       allow_redirects=False)
    assert refused.headers["Location"] == (f"/dashboard/rounds/{round_id}?msg=full&at={taras}"
                                           f"&decided={olena}#match-{taras}")
    assert await pool.fetchval("SELECT status FROM matches WHERE id = $1", olena) == "withdrawn"
    page = await (await intake_client.get(refused.headers["Location"])).text()
    # The message names the pair, at the row the coordinator goes on with; Olena's row has no buttons.
    text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", _row(page, taras))).split())
    assert ("Nicht freigegeben: Олена Шевчук (Olena Shevchuk) – Thomas Berger (Mentor/in) – dort sind inzwischen "
            "alle Plätze vergeben") in text, text
    assert f'action="/dashboard/matches/{olena}/approve?from=round"' not in _row(page, olena)

    missing = await intake_client.post(f"/dashboard/matches/{taras}/reject?from=round", data={"csrf": csrf},
                                       allow_redirects=False)
    assert missing.headers["Location"] == f"/dashboard/rounds/{round_id}?msg=reason_missing&at={taras}#match-{taras}"

    approved = await intake_client.post(f"/dashboard/matches/{taras}/approve?from=round",
                                        data={"csrf": csrf, "note": "Telefoniert"}, allow_redirects=False)
    # No open pair left: the message at the top of the round's page.
    assert approved.headers["Location"] == f"/dashboard/rounds/{round_id}?msg=approved&decided={taras}"
    page = await (await intake_client.get(approved.headers["Location"])).text()
    text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())
    assert ("Freigegeben: Taras Bondarenko – Sabine Krüger (Mentor/in). "
            "Der Matcher stellt beide Seiten per E-Mail vor.") in text
    assert html.unescape(re.sub(r"<[^>]+>", " ", _row(page, taras))).split()[-1] == "freigegeben"
    assert await pool.fetchval("SELECT note FROM matches WHERE id = $1", taras) == "Telefoniert"


async def test_from_round_goes_to_the_queue_for_a_suggestion_of_no_round(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    """The round is the match's own: a suggestion the matcher made alone goes back to the queue."""
    csrf = await login(intake_client)
    own = await _suggest(pool, await _newcomer(intake_client, pool, "Fatma Yıldız"),
                         await _mentor(intake_client, pool, "Jörg Müller"))
    approved = await intake_client.post(f"/dashboard/matches/{own}/approve?from=round", data={"csrf": csrf},
                                        allow_redirects=False)
    assert approved.headers["Location"].startswith("/dashboard?msg=approved")
