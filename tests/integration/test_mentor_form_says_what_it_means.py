"""Review 8d, findings 3, 4 and 11: what the mentor registration form and the verify page tell a
volunteer. The form says what being a mentor means, counts places in families or single people,
says who reads "About you", and explains languages by the matcher's rule; a newcomer's form keeps
its own hints. The verify page of a mentor does not promise her "good matches for you"."""

from __future__ import annotations

import html
import re

import pytest

from lotse.shared import tokens
from tests.conftest import TEST_SECRET_KEY, IntakeClient
from tests.integration.intake_fixtures import mentor_payload, newcomer_payload


def text(page: str) -> str:
    """The page's words, without markup, one space between them."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


async def test_the_mentor_form_says_what_it_means_how_places_count_who_reads_and_why_languages(
    intake_client: IntakeClient,
) -> None:
    de = text(await (await intake_client.get("/register/mentor?lang=de")).text())
    assert "Was heißt Mentorin oder Mentor sein?" in de
    assert ("Sie treffen sich etwa alle zwei Wochen für ein bis zwei Stunden, vor Ort oder online, "
            "über etwa drei Monate.") in de
    assert "Rechtsberatung gehört nicht dazu" in de
    assert "Sie können jede Vorstellung ablehnen, ohne einen Grund zu nennen." in de
    assert "Nach drei Wochen fragt Lotse Sie beide, wie es läuft." in de
    assert "Auf Ihrer Seite können Sie die Vermittlung jederzeit pausieren oder ein Match beenden" in de
    # Places, counted in families or single people (finding 4).
    assert "Plätze * Wie viele Familien oder Einzelpersonen gleichzeitig (1 bis 10)." in de
    assert "Neuankommende gleichzeitig" not in de and "Anzahl Neuankommender" not in de
    # Who reads "About you", and the languages by the matcher's rule, not the newcomer's hint (finding 11).
    assert ("was Sie sich wünschen. Nur das Welcome Center liest das, und unsere Vermittlung vergleicht es mit "
            "anderen; es wird nicht weitergegeben.") in de
    assert "Wir stellen Ihnen Menschen vor, mit denen Sie eine Sprache teilen, beide mindestens auf Niveau B1." in de
    assert "Geben Sie auch Deutsch an, selbst wenn Sie gerade erst anfangen." not in de

    uk = text(await (await intake_client.get("/register/mentor?lang=uk")).text())
    assert "Що означає бути ментором?" in uk and "Скільки сімей або окремих людей одночасно (від 1 до 10)." in uk


async def test_the_newcomer_form_has_no_mentor_box_and_keeps_its_language_hint(intake_client: IntakeClient) -> None:
    de = text(await (await intake_client.get("/register/newcomer?lang=de")).text())
    assert "Was heißt Mentorin oder Mentor sein?" not in de
    assert "Geben Sie auch Deutsch an, selbst wenn Sie gerade erst anfangen." in de
    assert "Nur das Welcome Center liest das, und unsere Vermittlung vergleicht es mit anderen" in de


@pytest.mark.parametrize(("kind", "says"), [
    ("mentor", "Wir suchen jetzt Neuankommende, die Sie begleiten könnten."),
    ("newcomer", "Wir suchen jetzt passende Kontakte für Sie."),
])
async def test_the_verify_page_speaks_to_a_mentor_as_a_mentor(intake_client: IntakeClient, kind: str,
                                                              says: str) -> None:
    payload = mentor_payload() if kind == "mentor" else newcomer_payload(preferred_locale="de")
    created = await (await intake_client.post(f"/api/v1/{kind}s", json=payload)).json()
    token = tokens.TokenSigner(TEST_SECRET_KEY).sign(tokens.VERIFY, pid=created["id"])
    page = text(await (await intake_client.get(f"/verify/{token}")).text())
    assert says in page
    if kind == "mentor":
        assert "passende Kontakte" not in page


@pytest.mark.parametrize(("lang", "mentor_says", "newcomer_says"), [
    ("de", "Arbeitssuche für die Partnerin oder den Partner", "Arbeit für meine Partnerin oder meinen Partner"),
    ("en", "Job search for a newcomer's partner", "Work for my partner"),
])
async def test_a_mentor_offers_help_with_the_partners_job_search_not_work_for_their_own_partner(
        intake_client: IntakeClient, lang: str, mentor_says: str, newcomer_says: str) -> None:
    """Review 11b, L1: the newcomer's "Work for my partner" read, on the mentor form, as help for the
    mentor's own partner."""
    mentor = text(await (await intake_client.get(f"/register/mentor?lang={lang}")).text())
    newcomer = text(await (await intake_client.get(f"/register/newcomer?lang={lang}")).text())
    assert mentor_says in mentor and newcomer_says not in mentor
    assert newcomer_says in newcomer and mentor_says not in newcomer
