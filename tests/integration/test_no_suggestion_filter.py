"""Review 8f, finding 7: coordinators find the verified newcomers nothing has been suggested to for
N days, whom the review queue (newcomers with suggestions) never shows: the participants list's
filter ?no_suggestion_days=N (with the other filters and the CSV export), and a count with a link
on the queue."""

from __future__ import annotations

import csv
import html
import io
import re

import asyncpg

from lotse.intake.dashboard import queue
from lotse.shared import matches
from tests.conftest import IntakeClient
from tests.integration.notifier_fixtures import Person, add_match, add_participant
from tests.integration.test_dashboard import login


async def _newcomer(pool: asyncpg.Pool, name: str, verified_days: int, status: str = "verified") -> Person:
    person = await add_participant(pool, "newcomer", name=name, locale="vi")
    await pool.execute("""UPDATE participants SET status = $2, verified_at = now() - make_interval(days => $3),
                                 created_at = now() - make_interval(days => $3 + 1) WHERE id = $1""",
                       person.id, status, verified_days)
    return person


async def _people(pool: asyncpg.Pool) -> dict[str, Person]:
    mentor = await add_participant(pool, "mentor", name="Thomas Berger", locale="de", profile={"capacity": 3})
    people = {
        "an": await _newcomer(pool, "Nguyễn Văn An", 20),  # never a suggestion
        "lan": await _newcomer(pool, "Nguyễn Thị Lan", 30),  # one, declined 12 days ago
        "binh": await _newcomer(pool, "Trần Bình", 30),  # one, declined 3 days ago
        "hoa": await _newcomer(pool, "Lê Hoa", 30),  # an open suggestion
        "minh": await _newcomer(pool, "Phạm Minh", 30),  # a running match
        "new": await _newcomer(pool, "Đỗ Mai", 3),  # verified three days ago
        "paused": await _newcomer(pool, "Vũ Hạnh", 30, status="paused"),
    }
    for who, status, days in (("lan", matches.DECLINED, 12), ("binh", matches.DECLINED, 3),
                              ("hoa", matches.SUGGESTED, 20), ("minh", matches.ACTIVE, 25)):
        match_id = await add_match(pool, "mentor", people[who], mentor.id, status=status)
        await pool.execute("UPDATE matches SET created_at = now() - make_interval(days => $2) WHERE id = $1",
                           match_id, days)
    return people


def _names(page: str) -> set[str]:
    return {html.unescape(name) for name in re.findall(r'<a href="/dashboard/participants/[^"]+">(?:<bdi>)?([^<]+)',
                                                       page)}


async def test_the_participants_list_filters_newcomers_without_a_suggestion(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    await _people(pool)
    await login(intake_client)
    page = await (await intake_client.get("/dashboard/participants?no_suggestion_days=7")).text()
    assert _names(page) == {"Nguyễn Văn An", "Nguyễn Thị Lan"}
    assert 'id="no_suggestion_days"' in page and 'value="7"' in page
    assert "Ohne Vorschlag seit mindestens (Tagen)" in page
    # Over two weeks: Lan's suggestion came twelve days ago.
    page = await (await intake_client.get("/dashboard/participants?no_suggestion_days=14&order=waiting")).text()
    assert _names(page) == {"Nguyễn Văn An"}
    # With the other filters, and the export holds the same people.
    await pool.execute("UPDATE participants SET district = '16053' WHERE name = 'Nguyễn Thị Lan'")
    assert _names(await (await intake_client.get(
        "/dashboard/participants?no_suggestion_days=7&district=16053")).text()) == {"Nguyễn Thị Lan"}
    text = (await (await intake_client.get("/dashboard/export/participants.csv?no_suggestion_days=7")).read()
            ).decode("utf-8-sig")
    assert {row[3] for row in list(csv.reader(io.StringIO(text), delimiter=";"))[1:]} == {
        "Nguyễn Văn An", "Nguyễn Thị Lan"}
    # Without it, everyone (eight people and no error for a word).
    assert len(_names(await (await intake_client.get("/dashboard/participants?no_suggestion_days=x")).text())) == 8


async def test_the_queue_counts_them_and_links_to_the_list(intake_client: IntakeClient, pool: asyncpg.Pool) -> None:
    people = await _people(pool)
    await login(intake_client)
    page = await (await intake_client.get("/dashboard")).text()
    link = re.search(r'<a href="([^"]+)" class="unsuggested">([^<]+)</a>', page)
    assert link, page
    assert html.unescape(link.group(1)) == f"/dashboard/participants?no_suggestion_days={queue.NO_SUGGESTION_DAYS}" \
                                           "&order=waiting"
    assert link.group(2) == "2 Neuankommende seit 7 Tagen ohne Vorschlag"
    # Lan is suggested a course: one left, said in the singular.
    await add_match(pool, "language_course", people["lan"], people["an"].id, status=matches.SUGGESTED)
    page = await (await intake_client.get("/dashboard")).text()
    assert "1 neuankommende Person seit 7 Tagen ohne Vorschlag" in page

    # With a flagged match too, the two links are two items, not one run of words ("…need a look2
    # newcomers…", review 9c, F10).
    flagged = await add_match(pool, "language_course", people["lan"], people["an"].id, status=matches.ACTIVE)
    await pool.execute("UPDATE matches SET flagged_at = now(), flag_code = 'connect' WHERE id = $1", flagged)
    page = await (await intake_client.get("/dashboard")).text()
    assert re.search(r'<li><a href="/dashboard/matches\?flagged=1" class="flag">1 markiertes Match braucht '
                     r'Aufmerksamkeit</a></li>\s*<li><a href="[^"]+" class="unsuggested">1 neuankommende Person '
                     r"seit 7 Tagen ohne Vorschlag</a></li>", page)
