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
from lotse.shared import events
from tests.conftest import IntakeClient
from tests.integration.intake_fixtures import employer_payload, mentor_payload, newcomer_payload, provider_payload
from tests.integration.test_matcher import NURSING, _verified, deliver, matcher, open_suggestions
from tests.integration.test_self_service import manage_link

__all__ = ["matcher"]  # the fixture

GERA, JENA, EISENACH = "16052", "16053", "16063"  # Eisenach: the Wartburgkreis, 130 km from Gera


def _looking(page: str) -> list[str]:
    """The lines under "What we are still looking for", as read."""
    block = re.search(r'<ul class="still-looking">(.*?)</ul>', page, re.S)
    return [html.unescape(item) for item in re.findall(r"<li>(.*?)</li>", block.group(1), re.S)] if block else []


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
        "A German course at level A1: at the moment there is none online or within 50 km at the times you "
        "ticked. Ticking more course times below widens the search."]

    # In the newcomer's own language, from the catalogs.
    await pool.execute("UPDATE participants SET preferred_locale = 'vi' WHERE id = $1", newcomer)
    assert await _lines(intake_client, newcomer) == [
        "Khóa học tiếng Đức trình độ A1: hiện chưa có khóa nào học trực tuyến hoặc trong vòng 50 km vào các "
        "khung giờ bạn đã chọn. Chọn thêm khung giờ học ở bên dưới sẽ mở rộng tìm kiếm."]
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
        "A German course at level A1: at the moment there is none with free places online or within 50 km. "
        "We keep looking."]


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
