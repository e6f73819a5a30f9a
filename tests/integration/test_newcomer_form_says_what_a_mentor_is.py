"""Review 8f, finding 6: the newcomer's "I would like a mentor" box said nothing of what a mentor is,
and newcomers expected a caseworker, legal help or someone paid. A one-line hint under the box
says it, described by the box (aria-describedby), as the mentor form's box and the introduction do."""

from __future__ import annotations

import re

from tests.conftest import IntakeClient
from tests.integration.test_mentor_form_says_what_it_means import text


async def test_the_mentor_box_has_a_hint_saying_what_a_mentor_is(intake_client: IntakeClient) -> None:
    page = await (await intake_client.get("/register/newcomer?lang=uk")).text()
    assert re.search(r'id="wants_mentor"[^>]*aria-describedby="wants_mentor-hint"', page)
    uk = text(page)
    assert ("Я хочу ментора або менторку Ментори допомагають як волонтери й безоплатно: ви зустрічаєтеся "
            "приблизно раз на два тижні на годину-дві протягом приблизно трьох місяців") in uk
    assert "Юридичних консультацій ментори не дають – у цьому допомагає центр прийому." in uk

    de = text(await (await intake_client.get("/register/newcomer?lang=de")).text())
    assert ("Mentorinnen und Mentoren helfen ehrenamtlich, ohne Bezahlung: Sie treffen sich etwa alle zwei Wochen "
            "für ein bis zwei Stunden, über etwa drei Monate") in de
    assert "Keine Rechtsberatung; dabei hilft das Welcome Center." in de
