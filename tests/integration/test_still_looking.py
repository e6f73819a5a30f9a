"""A verified newcomer's manage page says, for each wish with nothing open or running, what is
looked for and, by the matcher's own rules, why nothing is there yet and what they could change
(review 8f, finding 7: a newcomer who ticked only "intensive" waited in silence)."""

from __future__ import annotations

import html
import re
import uuid
from datetime import date, timedelta

import asyncpg

from lotse.matcher.consumer import MatcherConsumer
from lotse.matcher.pools import load_pools
from lotse.shared import events
from tests.conftest import IntakeClient
from tests.integration.intake_fixtures import employer_payload, mentor_payload, newcomer_payload, provider_payload
from tests.integration.test_dashboard import login
from tests.integration.test_matcher import NURSING, _verified, deliver, matcher, open_suggestions
from tests.integration.test_self_service import edit_form, manage_link

__all__ = ["matcher"]  # the fixture

GERA, JENA, EISENACH = "16052", "16053", "16063"  # Eisenach: the Wartburgkreis, 130 km from Gera
SUHL, EICHSFELD = "16054", "16061"  # 102 and 147 km from Gera


def _looking(page: str) -> list[str]:
    """The lines under "What we are still looking for", as read, without their links (_goes_to)."""
    block = re.search(r'<ul class="still-looking">(.*?)</ul>', page, re.S)
    return [html.unescape(re.sub(r" <a [^>]*>.*?</a>", "", item))
            for item in re.findall(r"<li>(.*?)</li>", block.group(1), re.S)] if block else []


def _goes_to(page: str) -> list[tuple[str, str]]:
    """Each line's link under "What we are still looking for" (target, text); ("", "") for none."""
    block = re.search(r'<ul class="still-looking">(.*?)</ul>', page, re.S)
    items = re.findall(r"<li>(.*?)</li>", block.group(1), re.S) if block else []
    found = [re.search(r'<a href="#([^"]*)">(.*?)</a>', item) for item in items]
    return [(link.group(1), html.unescape(link.group(2))) if link else ("", "") for link in found]


async def _lines(intake_client: IntakeClient, newcomer: uuid.UUID) -> list[str]:
    response = await intake_client.get(manage_link(newcomer))
    assert response.status == 200
    return _looking(await response.text())


def _course(level: str, schedule: str) -> dict[str, object]:
    return {"title": f"Deutsch {level} {schedule}", "level": level, "schedule": schedule, "format": "in_person",
            "district": JENA, "seats": 12, "starts_on": (date.today() + timedelta(days=30)).isoformat(),
            "childcare": False}


def _only(**wish: object) -> dict[str, object]:
    """A newcomer in Jena with no German who wishes for nothing but ``wish``."""
    return newcomer_payload(**{"preferred_locale": "en", "district": JENA, "wants_mentor": False,
                               "languages": [{"code": "vi", "level": "native"}], "course_schedules": [],
                               "seeks_work": False, **wish})


async def test_only_intensive_is_told_that_more_times_widen_the_search(
    intake_client: IntakeClient, pool: asyncpg.Pool, matcher: MatcherConsumer
) -> None:
    await _verified(intake_client, pool, "/api/v1/language-providers",
                    provider_payload(courses=[_course("A1", "evening"), _course("A2", "intensive")]))
    newcomer = await _verified(intake_client, pool, "/api/v1/newcomers", _only(course_schedules=["intensive"]))
    await deliver(matcher, pool, events.PARTICIPANT_VERIFIED, participant_id=newcomer, kind="newcomer")
    assert await open_suggestions(pool, newcomer) == []  # the matcher finds nothing: an A2 course is no A1

    assert await _lines(intake_client, newcomer) == [
        "A German course at level A1: at the moment there is none online or within 50 km of where you live (Jena) "
        "at the times you ticked. Ticking more course times below widens the search."]

    # In the newcomer's own language, from the catalogs.
    await pool.execute("UPDATE participants SET preferred_locale = 'vi' WHERE id = $1", newcomer)
    assert await _lines(intake_client, newcomer) == [
        "Khóa học tiếng Đức trình độ A1: hiện chưa có khóa nào học trực tuyến hoặc trong vòng 50 km quanh nơi bạn "
        "sống (Jena) vào các khung giờ bạn đã chọn. Chọn thêm khung giờ học ở bên dưới sẽ mở rộng tìm kiếm."]
    await pool.execute("UPDATE participants SET preferred_locale = 'en' WHERE id = $1", newcomer)

    # Evening ticked too: one fits, not yet suggested; once suggested, nothing more to say.
    await pool.execute("""UPDATE participants SET profile = profile || '{"course_schedules": ["intensive", "evening"]}'
                          WHERE id = $1""", newcomer)
    assert await _lines(intake_client, newcomer) == ["A German course at level A1: we are still looking."]
    await deliver(matcher, pool, events.PARTICIPANT_UPDATED, participant_id=newcomer, kind="newcomer")
    assert len(await open_suggestions(pool, newcomer, "language_course")) == 1
    assert await _lines(intake_client, newcomer) == []


async def test_a_full_course_is_no_course(intake_client: IntakeClient, pool: asyncpg.Pool) -> None:
    await _verified(intake_client, pool, "/api/v1/language-providers",
                    provider_payload(courses=[{**_course("A1", "evening"), "seats": 1}]))
    taker = await _verified(intake_client, pool, "/api/v1/newcomers", _only(course_schedules=["evening"]))
    newcomer = await _verified(intake_client, pool, "/api/v1/newcomers", _only(course_schedules=["evening"]))
    await pool.execute("""INSERT INTO matches (id, kind, newcomer_id, counterpart_id, score, status)
                          SELECT $1, 'language_course', $2, id, 0.5, 'active' FROM courses""", uuid.uuid4(), taker)
    assert await _lines(intake_client, newcomer) == [
        "A German course at level A1: at the moment there is none with free places online or within 50 km of where "
        "you live (Jena). We keep looking."]
    # Said from where the newcomer lives (review 8h, finding 7: read as their commute answer).
    await pool.execute("UPDATE participants SET preferred_locale = 'pl', district = $2 WHERE id = $1",
                       newcomer, EICHSFELD)
    assert await _lines(intake_client, newcomer) == [
        "Kurs niemieckiego na poziomie A1: obecnie nie ma żadnego z wolnymi miejscami online ani w promieniu 50 km "
        "od miejsca zamieszkania (Eichsfeld). Szukamy dalej."]


async def test_a1_is_told_the_german_the_jobs_in_their_field_ask_for(
    intake_client: IntakeClient, pool: asyncpg.Pool, matcher: MatcherConsumer
) -> None:
    await _verified(intake_client, pool, "/api/v1/employers", employer_payload(positions=NURSING))
    nurse = await _verified(intake_client, pool, "/api/v1/newcomers", _only(
        seeks_work=True, occupation_field="nursing", languages=[{"code": "de", "level": "A1"}]))
    engineer = await _verified(intake_client, pool, "/api/v1/newcomers", _only(
        seeks_work=True, occupation_field="engineering", languages=[{"code": "de", "level": "B1"}]))
    for newcomer in (nurse, engineer):
        await deliver(matcher, pool, events.PARTICIPANT_VERIFIED, participant_id=newcomer, kind="newcomer")
        assert await open_suggestions(pool, newcomer) == []

    assert await _lines(intake_client, nurse) == [
        "A job: the open positions in your field ask for German at level B1 or better. Improving your German, "
        "for example in a German course, opens them."]
    assert await _lines(intake_client, engineer) == [
        "A job: at the moment there is no open position in your field that fits you. We keep looking."]
    # An employer who teaches German during work takes one level less (lotse.shared.german).
    await pool.execute("""UPDATE participants SET profile = profile || '{"offers": ["language_course_during_work"]}'
                          WHERE kind = 'employer'""")
    assert "German at level A2 or better" in (await _lines(intake_client, nurse))[0]


async def test_a_mentor_wish_says_what_stands_in_the_way(intake_client: IntakeClient, pool: asyncpg.Pool) -> None:
    # Thomas in Gera: German and English, meets within 40 km, online too.
    await _verified(intake_client, pool, "/api/v1/mentors", mentor_payload(district=GERA))
    no_shared = await _verified(intake_client, pool, "/api/v1/newcomers", _only(wants_mentor=True))
    far_offline = await _verified(intake_client, pool, "/api/v1/newcomers", _only(
        wants_mentor=True, district=EISENACH, online_ok=False, languages=[{"code": "en", "level": "B2"}]))
    near = await _verified(intake_client, pool, "/api/v1/newcomers", _only(
        wants_mentor=True, district=GERA, languages=[{"code": "en", "level": "B2"}]))

    assert await _lines(intake_client, no_shared) == [
        "A mentor: at the moment no mentor with a free place speaks one of your languages (both of you at level B1 "
        "or better). If you speak other languages too, add them below: that widens the search."]
    assert await _lines(intake_client, far_offline) == [
        "A mentor: the mentors who speak your languages live too far away to meet in person. If meeting online is "
        "fine for you, tick it below: that widens the search."]
    assert await _lines(intake_client, near) == ["A mentor: we are still looking."]
    # Thomas meets in person only: online would not help the one far away.
    await pool.execute("""UPDATE participants SET profile = profile || '{"online_ok": false}' WHERE kind = 'mentor'""")
    assert await _lines(intake_client, far_offline) == [
        "A mentor: at the moment no mentor who speaks your languages has a free place within reach. We keep looking."]


async def test_a_line_that_asks_for_another_answer_links_to_that_field(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    """Review 8j, finding 1: "add them below", "tick it below", "change your answer below" sent people
    several sections down the page to find the field by hand; each such line now links to it."""
    await _verified(intake_client, pool, "/api/v1/mentors", mentor_payload(district=GERA))
    await _verified(intake_client, pool, "/api/v1/language-providers",
                    provider_payload(courses=[_course("A1", "evening")]))
    await _verified(intake_client, pool, "/api/v1/employers", employer_payload(district=GERA, positions=NURSING[:1]))
    in_jena = await _verified(intake_client, pool, "/api/v1/newcomers", _only(
        wants_mentor=True, course_schedules=["intensive"]))
    far = await _verified(intake_client, pool, "/api/v1/newcomers", _only(
        wants_mentor=True, district=EISENACH, online_ok=False, seeks_work=True, occupation_field="nursing",
        languages=[{"code": "de", "level": "B1"}, {"code": "en", "level": "B2"}], max_commute_km=50))
    near = await _verified(intake_client, pool, "/api/v1/newcomers", _only(
        wants_mentor=True, district=GERA, languages=[{"code": "en", "level": "B2"}]))

    for newcomer, expected in [
        (in_jena, [("languages-0-code", "Go to “Languages”"),
                   ("course_schedules-daytime", "Go to “When could you attend a German course?”")]),
        (far, [("online_ok", "Go to “Meeting my mentor online is fine for me too”"),
               ("max_commute_km-25", "Go to “How far would you commute for a job?”")]),
        (near, [("", "")]),  # nothing to change, nothing to follow
    ]:
        page = await (await intake_client.get(manage_link(newcomer))).text()
        assert _goes_to(page) == expected, newcomer
        for target, _label in expected:  # an in-page anchor: the field is on this page, in the edit form
            assert not target or f'id="{target}"' in page.split('id="edit-form"', 1)[1], target

    # In the person's language, as the line itself.
    await pool.execute("UPDATE participants SET preferred_locale = 'de' WHERE id = $1", far)
    page = await (await intake_client.get(manage_link(far))).text()
    assert [text for _target, text in _goes_to(page)] == [
        "Zu „Ein Treffen mit meiner Mentorin oder meinem Mentor ist für mich auch online in Ordnung“ springen",
        "Zu „Wie weit würden Sie für eine Stelle pendeln?“ springen"]


async def test_nothing_said_while_paused_or_matched(intake_client: IntakeClient, pool: asyncpg.Pool) -> None:
    mentor = await _verified(intake_client, pool, "/api/v1/mentors", mentor_payload(district=GERA))
    newcomer = await _verified(intake_client, pool, "/api/v1/newcomers", _only(
        wants_mentor=True, seeks_work=True, district=GERA, languages=[{"code": "en", "level": "B2"}]))
    page = await (await intake_client.get(manage_link(newcomer))).text()
    assert "What we are still looking for" in page
    assert [line.split(":")[0] for line in _looking(page)] == ["A mentor", "A job"]

    await pool.execute("""INSERT INTO matches (id, kind, newcomer_id, counterpart_id, score, status)
                          VALUES ($1, 'mentor', $2, $3, 0.5, 'suggested')""", uuid.uuid4(), newcomer, mentor)
    assert [line.split(":")[0] for line in await _lines(intake_client, newcomer)] == ["A job"]
    await pool.execute("UPDATE participants SET status = 'paused' WHERE id = $1", newcomer)
    page = await (await intake_client.get(manage_link(newcomer))).text()
    assert "What we are still looking for" not in page and _looking(page) == []


def _text(page: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


async def _waiting_because(intake_client: IntakeClient, newcomer: uuid.UUID) -> str | None:
    """The coordinator's "Wartet, weil" section of the newcomer's page, in German."""
    page = _text(await (await intake_client.get(f"/dashboard/participants/{newcomer}?lang=de")).text())
    found = re.search(r"Wartet, weil (.*?) E-Mails", page)
    return found.group(1) if found else None


async def test_a_position_beyond_the_commute_limit_is_named_and_goes_with_anywhere(
    intake_client: IntakeClient, pool: asyncpg.Pool, matcher: MatcherConsumer
) -> None:
    """Review 8h, finding 1: Katarzyna (Eichsfeld, nursing, B1, 50 km) was told no nursing position
    fits, and the coordinator read "Keine offene Stelle im Berufsfeld", with one in Gera 147 km away."""
    await login(intake_client)
    await _verified(intake_client, pool, "/api/v1/employers", employer_payload(district=GERA, positions=NURSING[:1]))
    nurse = await _verified(intake_client, pool, "/api/v1/newcomers", _only(
        preferred_locale="de", district=EICHSFELD, seeks_work=True, occupation_field="nursing",
        languages=[{"code": "de", "level": "B1"}], max_commute_km=50))
    await deliver(matcher, pool, events.PARTICIPANT_VERIFIED, participant_id=nurse, kind="newcomer")
    assert await open_suggestions(pool, nurse) == []

    assert await _lines(intake_client, nurse) == [
        "Eine Arbeitsstelle: Die nächste offene Stelle in Ihrem Berufsfeld ist weiter weg als die 50 km, die Sie "
        "pendeln würden (Gera, 147 km). Wenn Sie weiter fahren oder umziehen könnten, ändern Sie unten Ihre Antwort."]
    assert await pool.fetchval("SELECT reason_code FROM waitlist WHERE newcomer_id = $1", nurse) \
        == "opening_beyond_commute"
    assert await _waiting_because(intake_client, nurse) == \
        "Stelle: Offene Stellen nur außerhalb des angegebenen Pendelwegs"
    await pool.execute("UPDATE participants SET preferred_locale = 'pl' WHERE id = $1", nurse)
    assert await _lines(intake_client, nurse) == [
        "Praca: najbliższe wolne stanowisko w Twojej dziedzinie jest dalej niż 50 km, które możesz dojeżdżać "
        "(Gera, 147 km). Jeśli możesz dojeżdżać dalej albo się przeprowadzić, zmień swoją odpowiedź poniżej."]

    # "Egal – ich würde auch umziehen" on her page: the position is suggested, nothing left to say.
    link = manage_link(nurse)
    saved = await intake_client.post(link, data={**edit_form(await (await intake_client.get(link)).text()),
                                                 "max_commute_km": "any"}, allow_redirects=False)
    assert saved.status == 303
    assert "nächste offene Stelle" not in _text(await (await intake_client.get(link)).text())
    await deliver(matcher, pool, events.PARTICIPANT_UPDATED, participant_id=nurse, kind="newcomer")
    assert len(await open_suggestions(pool, nurse, "employer")) == 1
    assert await _lines(intake_client, nurse) == []
    assert await _waiting_because(intake_client, nurse) is None


async def test_far_and_more_german_are_said_together(
    intake_client: IntakeClient, pool: asyncpg.Pool, matcher: MatcherConsumer
) -> None:
    """Minh (Gera, crafts, A1, 25 km) and Elektro Richter in Suhl (B1): neither German alone nor
    travelling alone would open it; the dashboard said "Keine offene Stelle im Berufsfeld"."""
    await login(intake_client)
    await _verified(intake_client, pool, "/api/v1/employers", employer_payload(district=SUHL))
    minh = await _verified(intake_client, pool, "/api/v1/newcomers", _only(
        district=GERA, seeks_work=True, occupation_field="crafts", languages=[{"code": "de", "level": "A1"}],
        max_commute_km=25))
    near = await _verified(intake_client, pool, "/api/v1/newcomers", _only(
        district=SUHL, seeks_work=True, occupation_field="crafts", languages=[{"code": "de", "level": "A1"}],
        max_commute_km=25))
    for newcomer in (minh, near):
        await deliver(matcher, pool, events.PARTICIPANT_VERIFIED, participant_id=newcomer, kind="newcomer")
        assert await open_suggestions(pool, newcomer) == []

    assert await _lines(intake_client, minh) == [
        "A job: the nearest open position in your field asks for German at level B1 or better and is farther than "
        "the 25 km you would commute (Suhl, 102 km). It needs both: better German, for example after a German "
        "course, and travelling farther or moving (change your answer below)."]
    assert await _waiting_because(intake_client, minh) == (
        "Stelle: Offene Stellen nur mit besserem Deutsch und außerhalb des angegebenen Pendelwegs")
    # In Suhl itself only German stands in the way, and both pages say so.
    assert "German at level B1 or better. Improving your German" in (await _lines(intake_client, near))[0]
    assert await _waiting_because(intake_client, near) == "Stelle: Offene Stellen nur mit besserem Deutsch"
    # Anywhere, German alone.
    await pool.execute("""UPDATE participants SET profile = profile || '{"max_commute_km": null}' WHERE id = $1""",
                       minh)
    assert "German at level B1 or better. Improving your German" in (await _lines(intake_client, minh))[0]


async def test_one_reader_of_the_offers_for_the_matcher_and_the_page(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    """lotse.shared.offer_pools reads the offers for both: the matcher's pools keep a full offer with
    nothing left (its rounds count it), the page looks only at offers with room."""
    await _verified(intake_client, pool, "/api/v1/mentors", mentor_payload(district=GERA, capacity=1))
    await _verified(intake_client, pool, "/api/v1/language-providers",
                    provider_payload(courses=[{**_course("A2", "evening"), "seats": 1}]))
    await _verified(intake_client, pool, "/api/v1/employers", employer_payload(about="Pflegedienst.", positions=[
        {"title": "Pflegehilfe", "occupation_field": "nursing", "openings": 1, "min_german_level": "A1"}]))
    newcomer = await _verified(intake_client, pool, "/api/v1/newcomers", _only(
        wants_mentor=True, district=GERA, course_schedules=["evening"], seeks_work=True,
        occupation_field="nursing", languages=[{"code": "en", "level": "B2"}, {"code": "de", "level": "A1"}]))
    taker = await _verified(intake_client, pool, "/api/v1/newcomers", _only())
    async with pool.acquire() as conn:
        offers = await load_pools(conn)
        assert [len(offers.mentors), len(offers.courses), len(offers.positions)] == [1, 1, 1]
        assert offers.positions[0].about  # the employer's own words, for the matcher's scoring
        # An open suggestion holds no place; approved, introduced and active ones do.
        for kind, counterpart, status in (("mentor", offers.mentors[0].id, "suggested"),
                                          ("language_course", offers.courses[0].id, "approved"),
                                          ("employer", offers.positions[0].id, "active")):
            await conn.execute("INSERT INTO matches (id, kind, newcomer_id, counterpart_id, score, status) "
                               "VALUES ($1, $2, $3, $4, 0.5, $5)", uuid.uuid4(), kind, taker, counterpart, status)
        full = await load_pools(conn)
    assert ([m.capacity_left for m in full.mentors], [c.seats_left for c in full.courses],
            [p.openings_left for p in full.positions]) == ([1], [0], [0])
    assert await _lines(intake_client, newcomer) == [
        "A mentor: we are still looking.",
        "A German course at level A2: at the moment there is none with free places online or within 50 km of "
        "where you live (Gera). We keep looking.",
        "A job: at the moment there is no open position in your field that fits you. We keep looking."]
