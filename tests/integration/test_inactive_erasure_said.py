"""Review 9c on the storage limit for people who left: the erasure's confirmation says why it
happened (F7: not "as you asked" after the limit's or a coordinator's erasure), coordinators see an
announced deletion and keep a registration for someone who phones (F12), "Keep my registration"
answers in its own words under a warning-styled notice (F5), and the audit page names the system's
erasure in words and hides logins on request (F8)."""

from __future__ import annotations

import html
import re
from pathlib import Path

import asyncpg

from lotse.intake import inactive, privacy
from lotse.shared.mailsink import MailSink
from tests.conftest import IntakeClient
from tests.integration.notifier_fixtures import FastRetries, Person, add_participant, deliver_all, notify, to
from tests.integration.test_dashboard import login
from tests.integration.test_inactive_erasure import _aged, _erase_day_comes, _pass, _status
from tests.integration.test_self_service import manage_link

CSS = Path(__file__).parents[2] / "services" / "intake" / "static" / "lotse.css"


def _plain(page: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def _erasure_mail(sink: MailSink, who: Person, subject: str) -> str:
    [mail] = [m for m in to(sink, who.email) if m.subject == subject]
    return " ".join(mail.text.split())


async def test_the_limits_erasure_is_confirmed_with_its_reason_and_the_notices_day(
    pool: asyncpg.Pool, delivery: FastRetries, sink: MailSink
) -> None:
    greta = await add_participant(pool, "mentor", name="Greta Sommer", locale="de")
    olena = await add_participant(pool, "newcomer", name="Олена Коваль", locale="uk")
    for who in (greta, olena):
        await _aged(pool, who.id)
    await _pass(pool)
    noticed = await pool.fetchval("SELECT inactive_noticed_at::date FROM participants WHERE id = $1", greta.id)
    await _erase_day_comes(pool)
    assert (await _pass(pool))["inactive_erased"] == 2

    await notify(pool)
    await deliver_all(delivery)
    german = _erasure_mail(sink, greta, "Lotse: Ihre Daten wurden gelöscht")
    assert "wie gewünscht" not in german
    assert f"Wie wir Ihnen am {noticed.day}. " in german and "haben wir deshalb Ihre Anmeldung" in german
    assert "Sie können sich jederzeit wieder anmelden: http" in german and "/?lang=de" in german
    ukrainian = _erasure_mail(sink, olena, "Lotse: Ваші дані видалено")
    assert "На ваше прохання" not in ukrainian
    assert "Як ми повідомили вам" in ukrainian and " р., ми видалили" in ukrainian  # the date keeps its dot
    assert "/?lang=uk" in ukrainian
    assert await pool.fetchval("SELECT count(*) FROM erasure_receipts") == 0  # gone once sent, reason and all


async def test_a_coordinators_erasure_is_not_confirmed_as_asked_for_and_the_persons_own_still_is(
    intake_client: IntakeClient, pool: asyncpg.Pool, delivery: FastRetries, sink: MailSink
) -> None:
    csrf = await login(intake_client)
    on_dashboard = await add_participant(pool, "mentor", name="Jan Krüger", locale="de")
    through_api = await add_participant(pool, "newcomer", name="Pierre Martin", locale="fr")
    own = await add_participant(pool, "newcomer", name="Anna Nowak", locale="de")
    erased = await intake_client.post(f"/dashboard/participants/{on_dashboard.id}",
                                      data={"csrf": csrf, "action": "erase", "confirm": "yes"}, allow_redirects=False)
    assert erased.status == 303
    async with pool.acquire() as conn, conn.transaction():
        await privacy.erase(conn, through_api.id, privacy.ERASED_BY_CENTRE)  # as api/coordinators.py does
        await privacy.erase(conn, own.id)  # the manage page's
    assert await pool.fetchval("SELECT count(*) FROM erasure_receipts WHERE reason = 'centre'") == 2

    await notify(pool)
    await deliver_all(delivery)
    german = _erasure_mail(sink, on_dashboard, "Lotse: Ihre Daten wurden gelöscht")
    assert "wie gewünscht" not in german and "das Welcome Center hat Ihre personenbezogenen Daten" in german
    french = [" ".join(m.text.split()) for m in to(sink, through_api.email)]
    assert len(french) == 1 and "comme vous l’avez demandé" not in french[0]
    assert "le centre d’accueil a supprimé vos données personnelles" in french[0]
    assert "wie gewünscht haben wir Ihre" in _erasure_mail(sink, own, "Lotse: Ihre Daten wurden gelöscht")


async def test_coordinators_see_an_announced_deletion_and_keep_the_registration_for_a_caller(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    csrf = await login(intake_client)
    aysel = await add_participant(pool, "newcomer", name="Aysel Məmmədova", locale="az")
    await pool.execute("INSERT INTO waitlist (newcomer_id, kind, reason_code, reason) "
                       "VALUES ($1, 'mentor', 'no_mentor_in_reach', 'No mentor within reach')", aysel.id)
    await _aged(pool, aysel.id)
    quiet_since = await pool.fetchval("SELECT updated_at::date FROM participants WHERE id = $1", aysel.id)
    url = f"/dashboard/participants/{aysel.id}"
    page = _plain(await (await intake_client.get(url, params={"lang": "de"})).text())
    assert "Löschung angekündigt" not in page and "Anmeldung behalten" not in page  # no notice yet

    await _pass(pool)
    erase_on = await pool.fetchval("SELECT inactive_erase_on FROM participants WHERE id = $1", aysel.id)
    raw = await (await intake_client.get(url, params={"lang": "de"})).text()
    page = _plain(raw)
    assert (f"Löschung angekündigt für {erase_on:%d.%m.%Y} (keine Aktivität seit {quiet_since:%d.%m.%Y})."
            in page)
    assert f"Wartet noch, aber die Löschung ist für {erase_on:%d.%m.%Y} angekündigt" in page
    assert 'class="notice warning"' in raw and 'value="keep"' in raw

    refused = await intake_client.post(url, data={"action": "keep"}, allow_redirects=False)  # no CSRF token
    assert refused.status == 403
    kept = await intake_client.post(url, data={"csrf": csrf, "action": "keep"}, allow_redirects=False)
    assert kept.status == 303
    page = _plain(await (await intake_client.get(kept.headers["Location"], params={"lang": "de"})).text())
    assert "Die Anmeldung bleibt: Die angekündigte Löschung findet nicht statt." in page
    assert "Löschung angekündigt für" not in page and "Wartet noch, aber" not in page
    assert "hat die Anmeldung für die Person behalten, nachdem ihre Löschung angekündigt war" in page
    [entry] = await pool.fetch("SELECT actor_role, before FROM audit_log WHERE action = $1", inactive.KEEP_BY_CENTRE)
    assert entry["actor_role"] in ("coordinator", "admin") and entry["before"] == {"erase_on": erase_on.isoformat()}

    again = await intake_client.post(url, data={"csrf": csrf, "action": "keep"}, allow_redirects=False)
    page = _plain(await (await intake_client.get(again.headers["Location"], params={"lang": "de"})).text())
    assert "Für diese Anmeldung ist keine Löschung angekündigt." in page
    assert await pool.fetchval("SELECT count(*) FROM audit_log WHERE action = $1", inactive.KEEP_BY_CENTRE) == 1

    await _erase_day_comes(pool)
    done = await _pass(pool)
    assert (done["inactive_erased"], done["inactive_noticed"]) == (0, 0)
    assert await _status(pool, aysel) == "verified"


async def test_keep_my_registration_says_so_and_the_warning_is_no_success_message(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    lan = await add_participant(pool, "language_provider", name="VHS Erfurt", locale="de")
    await _aged(pool, lan.id)
    await _pass(pool)
    raw = await (await intake_client.get(manage_link(lan.id), params={"lang": "de"})).text()
    assert '<p class="notice warning">' in raw  # not the green of "Saved."
    assert ".notice.warning {" in CSS.read_text()

    kept = await intake_client.post(manage_link(lan.id) + "?lang=de", data={"action": "keep"}, allow_redirects=False)
    assert kept.status == 303
    page = _plain(await (await intake_client.get(kept.headers["Location"])).text())
    assert "Ihre Anmeldung bleibt. Wir löschen sie nicht." in page and "Gespeichert." not in page


async def test_the_audit_page_names_the_limits_erasure_and_hides_logins_on_request(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    await login(intake_client)
    await login(intake_client)  # two logins: two rows
    gone = await add_participant(pool, "mentor", name="Petra Lang", locale="de")
    await _aged(pool, gone.id)
    await _pass(pool)
    noticed = await pool.fetchval("SELECT inactive_noticed_at::date FROM participants WHERE id = $1", gone.id)
    await _erase_day_comes(pool)
    await _pass(pool)

    page = _plain(await (await intake_client.get(
        "/dashboard/audit", params={"action": "participant.erase", "lang": "de"})).text())
    assert inactive.NOTIFICATION not in page
    assert f"gelöscht, nach der angekündigten Löschung wegen Inaktivität (Ankündigung vom {noticed:%d.%m.%Y})" in page

    everything = _plain(await (await intake_client.get("/dashboard/audit", params={"lang": "de"})).text())
    assert everything.count("hat sich angemeldet") >= 2
    raw = await (await intake_client.get("/dashboard/audit", params={"lang": "de", "logins": "hide"})).text()
    assert 'name="logins" value="hide" checked' in raw and "Logins ausblenden" in raw
    rows = re.findall(r"<tr><td>.*?</tr>", raw, re.S)
    assert rows and not any("hat sich angemeldet" in row for row in rows)
    assert any("nach der angekündigten Löschung" in row for row in rows)  # the rest stays listed
    total = await pool.fetchval("SELECT count(*) FROM audit_log WHERE action <> 'coordinator.login'")
    assert f"von {total}" in _plain(raw)  # counted without them too
