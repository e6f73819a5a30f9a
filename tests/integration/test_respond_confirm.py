"""The email's "Yes" or "No" link opens a page that asks to confirm (review 8b, finding 1). Opening
it records nothing (link scanners open links too), so the page must say that the answer is still to
be sent: the heading names the answer and the match, one button sends that answer, and a link leads
to the page with both answers. Before, it looked like an unanswered introduction with one radio
ticked, and people who closed the tab thought they had answered."""

from __future__ import annotations

import re

import asyncpg

from lotse.shared import tokens
from tests.conftest import IntakeClient
from tests.integration.intake_fixtures import mentor_payload, newcomer_payload
from tests.integration.test_match_life import _introduced, _link, _verified
from tests.integration.test_register_form_markup import parse


def _h1(page: str) -> str:
    found = re.search(r"<h1>(.*?)</h1>", page, re.S)
    assert found
    return " ".join(re.sub(r"<[^>]+>", "", found.group(1)).split())


def _main(page: str) -> str:
    found = re.search(r"<main\b.*?</main>", page, re.S)
    assert found
    return found.group(0)


async def test_a_preselected_answer_is_confirmed_by_one_button(intake_client: IntakeClient, pool: asyncpg.Pool) -> None:
    newcomer = await _verified(intake_client, pool, "/api/v1/newcomers", newcomer_payload())
    mentor = await _verified(intake_client, pool, "/api/v1/mentors", mentor_payload())
    match_id = await _introduced(pool, newcomer, mentor)
    path = f"/respond/{_link(tokens.RESPOND, match_id, newcomer)}"

    accept = await (await intake_client.get(f"{path}?answer=accept&lang=en")).text()
    # A short heading, the match below it in normal text (review 8c, finding 6: on a phone the heading
    # with the match was 8 lines and the button below the first screen).
    assert _h1(accept) == "Please confirm: you accept"
    assert re.search(r'<p class="notice">\s*Your mentor: <bdi>Thomas Berger</bdi>\s*</p>', _main(accept))
    assert "Your answer has not been sent yet." in accept
    elements = parse(_main(accept))  # the header's language switcher carries ?answer= too (review 8c, finding 5)
    assert not [a for tag, a in elements.order if tag == "input" and a.get("type") == "radio"]
    assert [a.get("value") for tag, a in elements.order if tag == "input" and a.get("name") == "answer"] == ["accept"]
    assert re.search(r'<button type="submit">Send: yes, I accept</button>', accept)
    assert f'href="{path}?lang=en">Change my answer</a>' in accept
    assert "reason" not in elements.by_id  # nothing to explain when saying yes
    assert await pool.fetchval("SELECT count(*) FROM match_responses WHERE match_id = $1", match_id) == 0

    decline = await (await intake_client.get(f"{path}?answer=decline&lang=en")).text()
    assert _h1(decline) == "Please confirm: you decline"
    assert "Send: no, I decline</button>" in decline and "reason" in parse(decline).by_id
    # They have declined already: the reason's label does not ask "if you decline".
    assert '<label for="reason">Why? (optional)</label>' in decline and "If you decline" not in decline

    # "Change my answer": both answers, nothing chosen.
    both = await (await intake_client.get(f"{path}?lang=en")).text()
    assert _h1(both) == "Your introduction" and 'value="accept"' in both and 'value="decline"' in both
    assert "checked" not in both and '<label for="reason">If you decline: why? (optional)</label>' in both

    vi = await (await intake_client.get(f"{path}?answer=accept&lang=vi")).text()
    # In the reader's language, not only without the English: the confirmation, not the plain page.
    assert _h1(vi) == "Vui lòng xác nhận: bạn đồng ý"
    assert "Gửi: Có, tôi đồng ý</button>" in vi and "Thay đổi câu trả lời</a>" in vi
    assert "Please confirm" not in vi and "Send: yes" not in vi and "Change my answer" not in vi

    sent = await intake_client.post(f"{path}?lang=en", data={"answer": "accept"}, allow_redirects=False)
    assert sent.status == 303
    assert await pool.fetchval("SELECT answer FROM match_responses WHERE match_id = $1", match_id) == "accept"
    # Answered: the preselecting link now only says so.
    again = await (await intake_client.get(f"{path}?answer=decline&lang=en")).text()
    assert _h1(again) == "Your introduction" and "You have accepted this introduction." in again
