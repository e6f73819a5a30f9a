"""Review 8e, finding 9: Ukrainian emails called a newcomer's mentor, whose gender we do not know,
"Ваш ментор повідомив нам…" (masculine) also for Ірина. Where the newcomer's emails speak of their
mentor, the words now fit anyone ("Людина, яка вас наставляла, повідомила…", "Ваш ментор або ваша
менторка: Ірина", review 8f: "Ваше менторство" read as "your mentorship"), without a split form
(test_translation_gender_forms forbids "наставник/наставниця")."""

from __future__ import annotations

import re
from typing import Any

import pytest

from lotse.notifier.preview import SAMPLE
from lotse.notifier.render import render_email

IRYNA: dict[str, Any] = {**SAMPLE, "kind": "mentor", "side": "newcomer", "other_title": "Ірина Бондар",
                         "other_name": "Ірина Бондар", "facts": [{"code": "online"}]}
# (type, extra context): every email a newcomer gets about a mentor match.
EMAILS = [
    ("introduction", {}), ("reminder", {}), ("match_active", {}), ("match_declined", {}), ("checkin", {}),
    ("checkin_again", {}),
    ("match_ended", {"status": "completed", "ended_because": "finished"}),
    ("match_ended", {"status": "cancelled", "ended_because": "erased", "named": False, "other_title": ""}),
]
# "ментор" agreeing as a man: "Ваш ментор", "ментор готовий", "місце ментора", and a past or an
# adjective in the masculine about the mentor ("повідомив", "зареєстрований").
# Both forms spelled out ("Ваш ментор або ваша менторка", review 8f) are not the masculine alone.
MASCULINE = re.compile(r"[Вв]аш ментор(?! або ваша менторка)|ментор готовий|місце ментора|повідомив\b"
                       r"|зареєстрований\b")


@pytest.mark.parametrize(("notification", "extra"), EMAILS)
def test_a_newcomers_mentor_is_spoken_of_in_words_that_fit_anyone(notification: str,
                                                                   extra: dict[str, Any]) -> None:
    email = render_email(notification, "uk", {**IRYNA, **extra})
    for part in (email.subject, email.text, email.html or ""):
        assert not MASCULINE.search(part), (notification, MASCULINE.findall(part))


def test_the_words_used_instead() -> None:
    finished = render_email("match_ended", "uk", {**IRYNA, "status": "completed", "ended_because": "finished"})
    assert "Людина, яка вас наставляла, повідомила нам" in finished.text
    # Review 8f: "Ваше менторство" said "your mentorship"; both forms, spelled out, as German does.
    assert "Ваш ментор або ваша менторка: Ірина Бондар" in render_email("introduction", "uk", IRYNA).text
    assert "ніж ця людина готова їздити" in render_email("introduction", "uk", IRYNA).text
