"""A year's first round proposes thousands of pairs (review 9b, F7: 5,475 pairs in one 4.1 MB page,
and 'approve the rest' one request of 14 s to a minute). The round page lists its pairs a page at a
time, the open ones first, with the lists' paging; its approve button approves the open pairs of the
page shown, at most a page per request, and comes back to the round while pairs are still open."""

from __future__ import annotations

import random
import re
import uuid

import asyncpg

from tests.conftest import IntakeClient
from tests.integration.test_dashboard import login
from tests.integration.test_dashboard_round_decide import _approve_all, _row


async def _person(pool: asyncpg.Pool, kind: str, i: int, capacity: int | None = None) -> uuid.UUID:
    pid = uuid.uuid4()
    await pool.execute(
        """INSERT INTO participants (id, kind, status, name, email, preferred_locale, district, profile, verified_at)
           VALUES ($1, $2, 'verified', $3, $4, 'de', '16053', $5::jsonb, now())""",
        pid, kind, f"{kind.title()} {i:03}", f"{kind}{i}@example.org",
        {"capacity": capacity} if capacity else {})
    return pid


async def _big_round(pool: asyncpg.Pool) -> tuple[uuid.UUID, dict[str, list[uuid.UUID]]]:
    """A completed round of 130 pairs: 125 open ones with room (two mentors of 70 places), 3 open
    ones for a mentor who is full (the best scores, so the first page holds them: approving one withdraws
    all three, review 10b F8) and 2 rejected already."""
    round_id = uuid.uuid4()
    await pool.execute("INSERT INTO rounds (id, objective, status, completed_at, result) "
                       "VALUES ($1, 'best_total_score', 'completed', now(), '{}')", round_id)
    roomy = [await _person(pool, "mentor", 1, 70), await _person(pool, "mentor", 2, 70)]
    full = await _person(pool, "mentor", 3, 1)
    await pool.execute("""INSERT INTO matches (id, kind, newcomer_id, counterpart_id, score, explanation, status)
                          VALUES ($1, 'mentor', $2, $3, 0.5, '[]', 'active')""",
                       uuid.uuid4(), await _person(pool, "newcomer", 999), full)
    rng = random.Random(7)
    pairs: dict[str, list[uuid.UUID]] = {"open": [], "conflict": [], "rejected": []}
    for i in range(130):
        group = "conflict" if i < 3 else "rejected" if i < 5 else "open"
        match_id = uuid.uuid4()
        await pool.execute(
            """INSERT INTO matches (id, kind, newcomer_id, counterpart_id, score, explanation, status, round_id)
               VALUES ($1, 'mentor', $2, $3, $4, '[]', $5, $6)""",
            match_id, await _person(pool, "newcomer", i), full if group == "conflict" else roomy[i % 2],
            0.99 - i / 1000 if group == "conflict" else round(rng.uniform(0.3, 0.9), 3),
            "rejected" if group == "rejected" else "suggested", round_id)
        pairs[group].append(match_id)
    return round_id, pairs


def _rows(page: str) -> list[str]:
    return re.findall(r'<tr(?: id="match-([^"]+)")?><th scope="row">', page)


async def test_a_big_rounds_page_is_paged_open_first_and_approve_goes_on_page_by_page(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    csrf = await login(intake_client)
    round_id, pairs = await _big_round(pool)
    url = f"/dashboard/rounds/{round_id}"

    first = await (await intake_client.get(url)).text()
    assert "Angezeigt: 1–100 von 130" in first and f'href="{url}?page=2" rel="next"' in first
    assert "128 offene Vorschläge dieser Runde · 2 nicht mehr offen" in first
    assert len(_rows(first)) == 100
    # The approve form carries this page's open pairs, the page says more follow.
    on_first = _approve_all(first)
    assert len(on_first) == 100 and set(on_first) == set(_rows(first))
    assert "100 Vorschläge freigeben und vorstellen" in first
    assert "28 weitere folgen auf den nächsten Seiten" in first
    # Review 9c, F9: the form and its button come before the rows (on a phone the hundred cards were
    # 38,000 px above it); after the rows and the pager a second button of the same form, no second id.
    table, pager = first.index('<table class="stack">'), first.index('<nav class="pager"')
    form = first.index(f'<form id="approve-round" method="post" action="{url}/approve">')
    buttons = [m.start() for m in re.finditer(r'<button type="submit"(?: form="approve-round")?>100 Vorschläge '
                                              r'freigeben und vorstellen</button>', first)]
    assert form < buttons[0] < first.index("</form>", form) < table < pager < buttons[1] and len(buttons) == 2
    assert first[buttons[1]:].startswith('<button type="submit" form="approve-round">')
    assert first.count('id="approve-round"') == 1
    second = await (await intake_client.get(f"{url}?page=2")).text()
    assert "Angezeigt: 101–130 von 130" in second
    listed = _rows(second)
    assert len(listed) == 30 and set(listed[-2:]) == {str(m) for m in pairs["rejected"]}  # decided ones last
    assert _approve_all(second) == listed[:28] and "weitere folgen" not in second

    # A pair decided in its row on page 2 comes back to page 2, at the next open pair's row.
    taken = uuid.UUID(listed[5])
    rejected = await intake_client.post(f"/dashboard/matches/{taken}/reject?from=round", allow_redirects=False,
                                        data={"csrf": csrf, "reason": "distance"})
    going_on = listed[6]
    assert rejected.headers["Location"] == f"{url}?msg=rejected&at={going_on}&decided={taken}#match-{going_on}"
    back = await (await intake_client.get(rejected.headers["Location"])).text()
    assert "Angezeigt: 101–130 von 130" in back
    assert f'<p class="notice" role="status" id="match-{going_on}" tabindex="-1">' in _row(back, uuid.UUID(going_on))

    # 'Approve' page by page, as a coordinator presses it: each request at most a page.
    page, posts, messages, pages = first, 0, [], []
    while f'action="{url}/approve"' in page and posts < 5:
        shown = _approve_all(page)
        assert len(shown) <= 100
        done = await intake_client.post(f"{url}/approve", allow_redirects=False,
                                        data=[("csrf", csrf), *(("match", m) for m in shown)])
        posts += 1
        location = done.headers["Location"]
        messages.append(location.split("msg=")[1])
        if not location.startswith(url):
            break
        page = await (await intake_client.get(location)).text()
        pages.append(page)
    # 124 approvable pairs (125 open, one rejected above); the full mentor's 3 skipped, and withdrawn by
    # the first refusal, so the second page's post approves the rest and the round is done.
    assert messages == ["round_part:97:3:27", "round_approved:27:0"]
    assert ("97 freigegeben, 3 wegen Konflikten übersprungen. In dieser Runde noch offen: 27, unten aufgeführt."
            in pages[0])
    statuses = dict(await pool.fetch("SELECT id, status FROM matches WHERE round_id = $1", round_id))
    approvable = [m for m in pairs["open"] if m != taken]
    assert all(statuses[m] == "approved" for m in approvable)
    assert all(statuses[m] == "withdrawn" for m in pairs["conflict"]) and statuses[taken] == "rejected"
    # Each approval audited once and evented once (the outbox's match.approved).
    audited = await pool.fetch("SELECT subject_id, count(*) AS n FROM audit_log WHERE action = 'match.approve' "
                               "GROUP BY subject_id")
    assert {r["subject_id"]: r["n"] for r in audited} == dict.fromkeys(approvable, 1)
    evented = await pool.fetch("SELECT payload->>'match_id' AS id, count(*) AS n FROM outbox "
                               "WHERE type = 'match.approved' GROUP BY 1")
    assert {uuid.UUID(r["id"]): r["n"] for r in evented} == dict.fromkeys(approvable, 1)


async def test_an_old_tabs_form_of_every_open_pair_approves_one_page_of_them(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    """The previous round page posted every open pair at once: such a form approves at most a page
    (best first) and comes back to the round, which lists the rest."""
    csrf = await login(intake_client)
    round_id, pairs = await _big_round(pool)
    done = await intake_client.post(f"/dashboard/rounds/{round_id}/approve", allow_redirects=False,
                                    data=[("csrf", csrf), *(("match", str(m)) for m in pairs["open"])])
    assert done.headers["Location"] == f"/dashboard/rounds/{round_id}?msg=round_part:100:0:28"
    assert await pool.fetchval("SELECT count(*) FROM matches WHERE round_id = $1 AND status = 'approved'",
                               round_id) == 100
    best = await pool.fetch("SELECT id FROM matches WHERE id = ANY($1::uuid[]) ORDER BY score DESC, id LIMIT 100",
                            pairs["open"])
    assert {r["id"] for r in best} == {r["id"] for r in await pool.fetch(
        "SELECT id FROM matches WHERE round_id = $1 AND status = 'approved'", round_id)}
