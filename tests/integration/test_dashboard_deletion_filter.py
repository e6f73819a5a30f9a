"""The participants list finds the people whose deletion for inactivity is announced: the filter
"Löschung angekündigt" (?deletion=announced) lists exactly those with a standing notice (the
participant page's, inactive.standing), soonest day first; their row says the day; participants.csv
follows the filter and ends with the day (announced_deletion_on); an unknown value filters by
nothing, as an unknown status does."""

from __future__ import annotations

import csv
import io
import re

import asyncpg

from lotse.intake import inactive
from tests.conftest import IntakeClient
from tests.integration.notifier_fixtures import add_participant
from tests.integration.test_dashboard import login
from tests.integration.test_inactive_erasure import _aged, _pass
from tests.integration.test_mentor_places import _list, _rows


async def _csv(client: IntakeClient, query: str) -> list[dict[str, str]]:
    text = (await (await client.get(f"/dashboard/export/participants.csv{query}")).read()).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text), delimiter=";"))


def _names_in_order(page: str) -> list[str]:
    return list(_rows(page))


async def test_the_list_finds_the_announced_deletions_soonest_first_with_their_day(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    await login(intake_client)
    # Registered Karim, Aysel, Greta (aged below): the newest first would be Greta, Aysel, Karim.
    aysel = await add_participant(pool, "newcomer", name="Aysel Məmmədova", locale="az")
    greta = await add_participant(pool, "mentor", name="Greta Sommer", locale="de")
    karim = await add_participant(pool, "newcomer", name="Karim Haddad", locale="fr")
    await add_participant(pool, "newcomer", name="Olena Koval", locale="uk")  # active: no notice
    for who, days in ((aysel, 800), (greta, 799), (karim, 802)):
        await _aged(pool, who.id, days)
    assert (await _pass(pool))["inactive_noticed"] == 3
    # Greta's day later than Aysel's: the list goes by the day, not by the registration.
    await pool.execute("UPDATE participants SET inactive_erase_on = inactive_erase_on + 5 WHERE id = $1", greta.id)
    # Karim acts after his notice: it no longer stands, though its columns are still written.
    async with pool.acquire() as conn, conn.transaction():
        await inactive.keep(conn, karim.id)
    assert await pool.fetchval("SELECT inactive_erase_on FROM participants WHERE id = $1", karim.id) is not None
    greta_on, aysel_on = [await pool.fetchval("SELECT inactive_erase_on FROM participants WHERE id = $1", who.id)
                          for who in (greta, aysel)]

    page = await _list(intake_client, deletion="announced")
    assert _names_in_order(page) == ["Aysel Məmmədova", "Greta Sommer"]
    rows = _rows(page)
    assert f"Löschung angekündigt für {greta_on:%d.%m.%Y}" in rows["Greta Sommer"][2]
    assert f"Löschung angekündigt für {aysel_on:%d.%m.%Y}" in rows["Aysel Məmmədova"][2]
    assert len(rows["Greta Sommer"]) == 5  # the list's columns as before: name, kind, status, district, waiting
    assert re.search(r'<input type="checkbox" id="deletion" name="deletion" value="announced" checked>', page)
    assert "Löschung angekündigt (früheste zuerst)" in page
    # Combined with the other filters, and the chosen order only within a day.
    assert _names_in_order(await _list(intake_client, deletion="announced", kind="mentor")) == ["Greta Sommer"]
    await pool.execute("UPDATE participants SET inactive_erase_on = $2 WHERE id = $1", greta.id, aysel_on)
    assert _names_in_order(await _list(intake_client, deletion="announced", order="name")) == [
        "Aysel Məmmədova", "Greta Sommer"]
    assert _names_in_order(await _list(intake_client, deletion="announced", order="newest")) == [
        "Greta Sommer", "Aysel Məmmədova"]
    await pool.execute("UPDATE participants SET inactive_erase_on = $2 WHERE id = $1", greta.id, greta_on)

    # Without the filter: everyone in the list's order, the day only where a notice stands.
    everyone = _rows(await _list(intake_client))
    assert set(everyone) == {"Aysel Məmmədova", "Greta Sommer", "Karim Haddad", "Olena Koval"}
    assert [name for name, cells in everyone.items() if "Löschung angekündigt" in cells[2]] == [
        "Greta Sommer", "Aysel Məmmədova"]  # newest first, as without the filter
    assert 'name="deletion" value="announced">' in await _list(intake_client)  # not ticked

    # The export link carries the filter and the CSV follows it, ending with the day.
    link = re.search(r'<a href="(/dashboard/export/participants\.csv[^"]*)" download>', page)
    assert link and link.group(1) == "/dashboard/export/participants.csv?deletion=announced"
    exported = await _csv(intake_client, "?deletion=announced")
    assert [(r["name"], r["announced_deletion_on"]) for r in exported] == [
        ("Aysel Məmmədova", aysel_on.isoformat()), ("Greta Sommer", greta_on.isoformat())]
    every_row = {r["name"]: r["announced_deletion_on"] for r in await _csv(intake_client, "")}
    assert every_row == {"Aysel Məmmədova": aysel_on.isoformat(), "Greta Sommer": greta_on.isoformat(),
                         "Karim Haddad": "", "Olena Koval": ""}
    assert list((await _csv(intake_client, ""))[0])[-1] == "announced_deletion_on"  # the new last column
    detail = await pool.fetchval("SELECT detail FROM audit_log WHERE action = 'participant.csv_export' "
                                 "ORDER BY id LIMIT 1")
    assert detail == "deletion=announced"


async def test_an_unknown_deletion_value_lists_as_an_unknown_status_does_and_an_erased_person_is_not_announced(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    await login(intake_client)
    greta = await add_participant(pool, "mentor", name="Greta Sommer", locale="de")
    await add_participant(pool, "newcomer", name="Olena Koval", locale="uk")
    await _aged(pool, greta.id)
    await _pass(pool)
    assert set(_rows(await _list(intake_client, deletion="announced"))) == {"Greta Sommer"}

    unknown = await intake_client.get("/dashboard/participants", params={"lang": "de", "deletion": "soon"})
    like_status = await intake_client.get("/dashboard/participants", params={"lang": "de", "status": "soon"})
    assert unknown.status == like_status.status == 200
    assert set(_rows(await unknown.text())) == set(_rows(await like_status.text())) == {
        "Greta Sommer", "Olena Koval"}
    assert 'name="deletion" value="announced">' in await unknown.text()  # not ticked
    assert {r["name"] for r in await _csv(intake_client, "?deletion=soon")} == {"Greta Sommer", "Olena Koval"}

    # An erased person's notice no longer stands (the day still written here): not listed.
    await pool.execute("UPDATE participants SET status = 'erased' WHERE id = $1", greta.id)
    assert _rows(await _list(intake_client, deletion="announced")) == {}
    assert await _csv(intake_client, "?deletion=announced") == []
