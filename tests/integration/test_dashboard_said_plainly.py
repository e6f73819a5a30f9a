"""Review 8j, findings 6–8, on the coordinators' dashboard: the participant page's title says a
refused pause date is an error and its message says what was done ("paused until …"); a day filter
that cannot filter says so at its field and filters by nothing; a suggestion's "Reject …"
disclosure is named for its pair, and names in the queue's and round's headings are isolated."""

from __future__ import annotations

import html
import re
import uuid
from datetime import timedelta

import asyncpg

from lotse.shared import reference
from tests.conftest import IntakeClient
from tests.integration.notifier_fixtures import add_participant
from tests.integration.test_dashboard import login
from tests.integration.test_dashboard_queue_filters import _person, _suggest
from tests.integration.test_no_suggestion_filter import _names, _people
from tests.integration.test_pause_until import ONE_PLACE


def _title(page: str) -> str:
    found = re.search(r"<title>(.*?)</title>", page, re.S)
    assert found, page
    return html.unescape(found[1])


def _flash(page: str) -> str:
    found = re.search(r'<p class="notice" role="status" id="flash"[^>]*>(.*?)</p>', page, re.S)
    assert found, page
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", found[1])).split())


async def test_the_participant_page_says_a_refused_date_in_its_title_and_what_an_action_did(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    csrf = await login(intake_client)
    mentor = await add_participant(pool, "mentor", name="Renate Albrecht", locale="de", profile=ONE_PLACE)
    page_url = f"/dashboard/participants/{mentor.id}"
    assert _title(await (await intake_client.get(f"{page_url}?lang=de")).text()) == "Renate Albrecht – Lotse"

    today = reference.today()
    refused = await intake_client.post(f"{page_url}?lang=de", data={"csrf": csrf, "action": "pause",
                                                                     "paused_until": today.isoformat()})
    assert refused.status == 422
    assert _title(await refused.text()) == "Fehler: Renate Albrecht – Lotse"

    async def done(data: dict[str, str], lang: str = "de") -> str:
        response = await intake_client.post(page_url, data={"csrf": csrf, **data}, allow_redirects=False)
        assert response.status == 303
        page = await (await intake_client.get(response.headers["Location"], params={"lang": lang})).text()
        assert "Fehler" not in _title(page)
        return _flash(page)

    until = today + timedelta(days=40)
    assert await done({"action": "pause", "paused_until": until.isoformat()}) == \
        f"Vermittlung pausiert bis {until:%d.%m.%Y}."
    assert await done({"action": "resume"}) == "Pause beendet, die Vermittlung läuft wieder."
    assert await done({"action": "pause", "paused_until": ""}) == "Vermittlung pausiert, bis jemand sie fortsetzt."
    assert await done({"action": "resume"}, lang="en") == "Pause ended: matching resumed."
    assert await done({"action": "erase", "confirm": "yes"}) == "Die personenbezogenen Daten sind gelöscht."


async def test_a_day_filter_that_is_no_number_of_days_is_said_at_its_field_and_filters_nothing(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    await _people(pool)
    await login(intake_client)
    for typed in ("-3", "abc", "²"):  # "²" passed str.isdigit and failed int(): a server error
        response = await intake_client.get("/dashboard/participants", params={"no_suggestion_days": typed})
        assert response.status == 200, typed
        page = await response.text()
        assert len(_names(page)) == 8, typed  # everyone, as before
        field = re.search(r'<input type="number" id="no_suggestion_days"[^>]*>', page)
        assert field, page
        assert 'aria-invalid="true"' in field[0] and 'aria-describedby="no_suggestion_days-error"' in field[0]
        assert "autofocus" in field[0]
        error = re.search(r'<span class="error" id="no_suggestion_days-error">([^<]*)</span>', page)
        assert error and html.unescape(error[1]) == (
            f"Nicht danach gefiltert: „{typed}“ ist keine Anzahl von Tagen. Bitte eine ganze Zahl ab 0 eingeben.")
        # Nor does the export link pretend: all of them, without the filter.
        assert "Alle 8 Personen als CSV exportieren" in page
        assert 'href="/dashboard/export/participants.csv"' in page
    # The other day filter alike, each said at its own field; the first one takes focus.
    page = await (await intake_client.get("/dashboard/participants?min_days=-1&no_suggestion_days=x")).text()
    assert 'aria-describedby="min_days-error" autofocus' in page
    assert 'aria-describedby="no_suggestion_days-error">' in page
    assert 'id="min_days-error"' in page
    # A number of days filters as before, without a word.
    page = await (await intake_client.get("/dashboard/participants?no_suggestion_days=7")).text()
    assert _names(page) == {"Nguyễn Văn An", "Nguyễn Thị Lan"}
    assert "aria-invalid" not in page and 'class="error"' not in page


async def test_the_reject_disclosure_names_its_pair_and_names_in_headings_are_isolated(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    await login(intake_client)
    rana = await _person(pool, "newcomer", "رنا حداد", profile={"name_latin": "Rana Haddad"})
    mentor = await _person(pool, "mentor", "Thomas Berger", profile={"capacity": 3})
    match = await _suggest(pool, "mentor", rana, mentor)
    named = "Ablehnen: Mentor/in Thomas Berger für رنا حداد (Rana Haddad)"

    queue = await (await intake_client.get("/dashboard?lang=de")).text()
    assert [html.unescape(s) for s in re.findall(r'<summary aria-label="([^"]*)">Ablehnen …</summary>', queue)] \
        == [named]
    assert f'<h2><a href="/dashboard/participants/{rana}"><bdi>رنا حداد (Rana Haddad)</bdi></a>' in queue
    assert f'<h3><a href="/dashboard/matches/{match}">Mentor/in: <bdi>Thomas Berger</bdi></a></h3>' in queue
    # The match page's form is the queue's.
    page = await (await intake_client.get(f"/dashboard/matches/{match}?lang=de")).text()
    assert f'<summary aria-label="{named}">' in html.unescape(page)

    # A round's row is headed by the newcomer's name, isolated too.
    round_id = uuid.uuid4()
    await pool.execute("INSERT INTO rounds (id, objective, status, completed_at, result) "
                       "VALUES ($1, 'most_matched', 'completed', now(), '{}')", round_id)
    await pool.execute("UPDATE matches SET round_id = $1 WHERE id = $2", round_id, match)
    page = await (await intake_client.get(f"/dashboard/rounds/{round_id}?lang=de")).text()
    assert f'<th scope="row"><a href="/dashboard/participants/{rana}"><bdi>رنا حداد (Rana Haddad)</bdi></a>' in page
    assert f'<summary aria-label="{named}">' in html.unescape(page)
