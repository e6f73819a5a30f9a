"""Review 9d, D2: the inactivity notice to a newcomer Lotse never found anyone for (on the waitlist or
not) says so, instead of "nothing has happened on your registration", which reads as if they had
left while their page says we are looking; an employer's notice names its open positions, which
the erasure deletes too. Everyone else keeps the usual words. English dates day first."""

from __future__ import annotations

import asyncpg

from lotse.shared.mailsink import MailSink
from tests.integration.notifier_fixtures import FastRetries, add_participant, add_position, deliver_all, notify, to
from tests.integration.test_inactive_erasure import _aged, _match, _pass

OLD_DE = "bei Ihrer Anmeldung bei Lotse ist lange nichts mehr geschehen."
NEW_DE = "Wir haben noch kein Match für Sie gefunden. Weil wir lange nichts von Ihnen gehört haben, löschen wir"
NEW_UK = "Ми ще не знайшли для вас пару. Оскільки ми давно нічого від вас не чули, вашу реєстрацію буде видалено"
OLD_UK = "З вашою реєстрацією в Lotse давно нічого не відбувалося."
NEW_EN = "We have not found a match for you yet. Because we have not heard from you for a long time"
OLD_EN = "nothing has happened on your registration with Lotse for a long time."


def _words(text: str) -> str:
    return " ".join(text.split())


async def test_a_newcomer_never_matched_is_told_we_found_nobody_yet(
    pool: asyncpg.Pool, delivery: FastRetries, sink: MailSink
) -> None:
    waiting_de = await add_participant(pool, "newcomer", name="Amina Haddad", locale="de")
    waiting_uk = await add_participant(pool, "newcomer", name="Олена Коваль", locale="uk")
    suggested_en = await add_participant(pool, "newcomer", name="Ravi Kumar", locale="en")  # no waitlist row
    matched_uk = await add_participant(pool, "newcomer", name="Іван Петренко", locale="uk")
    mentor = await add_participant(pool, "mentor", name="Thomas Berger", locale="de")
    employer = await add_participant(pool, "employer", name="Renate Klein", locale="de",
                                     profile={"organisation": "Betrieb 30 GmbH"})
    await add_position(pool, employer, title="Pflegehelfer/in")
    closed = await add_position(pool, employer, title="Küchenhilfe")
    await pool.execute("UPDATE positions SET closed_at = now() WHERE id = $1", closed)
    for who in (waiting_de, waiting_uk, suggested_en, matched_uk, mentor, employer):
        await _aged(pool, who.id)
    await pool.executemany("INSERT INTO waitlist (newcomer_id, kind, reason_code, reason) VALUES ($1, 'mentor', "
                           "'no_language', '')", [(waiting_de.id,), (waiting_uk.id,), (matched_uk.id,)])
    await _match(pool, suggested_en.id, mentor.id, "withdrawn")  # a suggestion nobody took up: nobody found
    await _match(pool, matched_uk.id, mentor.id, "completed")  # found once, now waits for another wish

    assert (await _pass(pool))["inactive_noticed"] == 6
    await notify(pool)
    await deliver_all(delivery)
    erase_on = await pool.fetchval("SELECT inactive_erase_on FROM participants WHERE id = $1", waiting_de.id)

    [de] = to(sink, waiting_de.email)
    for part in (de.text, de.html or ""):
        words = _words(part)
        assert NEW_DE in words and OLD_DE not in words
        assert "Wenn wir weiter für Sie suchen sollen, drücken Sie auf Ihrer Seite „Meine Anmeldung behalten“:" in words
        assert "/manage/" in words
    [uk] = to(sink, waiting_uk.email)
    assert NEW_UK in _words(uk.text) and OLD_UK not in _words(uk.text)
    assert "натисніть «Зберегти мою реєстрацію» на своїй сторінці:" in _words(uk.text)
    [en] = to(sink, suggested_en.email)
    day = f"{erase_on.day} {erase_on:%B} {erase_on.year}"  # day first, not "December 24, 2026"
    assert f"{NEW_EN}, we will delete your registration on {day}." in _words(en.text)
    assert en.subject == f"We will delete your registration on {day}"

    # Everyone else: the usual words (a newcomer matched before, a mentor, an employer).
    [again] = to(sink, matched_uk.email)
    assert OLD_UK in _words(again.text) and NEW_UK not in _words(again.text)
    [berger] = to(sink, mentor.email)
    assert OLD_DE in _words(berger.text) and NEW_DE not in _words(berger.text)
    assert "offenen Stellen" not in _words(berger.text)
    [klein] = to(sink, employer.email)
    for part in (klein.text, klein.html or ""):
        words = _words(part)
        assert OLD_DE in words and NEW_DE not in words
        # Only the open position: the closed one is not said to be deleted with it.
        assert "Zusammen damit löschen wir die offenen Stellen von Betrieb 30 GmbH: Pflegehelfer/in." in words
