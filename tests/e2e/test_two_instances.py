"""Two instances of every service on one machine: the work is split between them and nothing is
done twice — each registration is suggested once per counterpart and gets one verification email."""

from __future__ import annotations

import asyncio
import json
import re
from collections import Counter
from typing import Any

import aiohttp
import asyncpg

from tests.conftest import eventually
from tests.e2e.conftest import ARTIFACTS, System, free_port
from tests.integration.intake_fixtures import mentor_payload, newcomer_payload

PEOPLE = 24


def _log_offsets(names: list[str]) -> dict[str, int]:
    return {n: (ARTIFACTS / f"{n}.log").stat().st_size if (ARTIFACTS / f"{n}.log").exists() else 0 for n in names}


def _lines_since(name: str, offset: int) -> list[dict[str, Any]]:
    with (ARTIFACTS / f"{name}.log").open("rb") as log:
        log.seek(offset)
        return [json.loads(line) for line in log.read().decode().splitlines() if line.startswith("{")]


def _messages_since(name: str, offset: int, msg: str) -> int:
    return sum(1 for line in _lines_since(name, offset) if line.get("msg") == msg)


def _handled_since(name: str, offset: int) -> int:
    """Events a consumer handled: one per "message processed", a batch's count per "messages processed"."""
    lines = _lines_since(name, offset)
    return sum(1 for line in lines if line.get("msg") == "message processed") + sum(
        int(line.get("handled", 0)) for line in lines if line.get("msg") == "messages processed")


async def test_two_of_each_split_the_work_and_do_nothing_twice(system: System, pool: asyncpg.Pool) -> None:
    second_port = free_port()
    extra = {"matcher2": "matcher", "notifier2": "notifier", "intake2": "intake"}
    offsets = _log_offsets(["matcher", "notifier", *extra])
    for name, service in extra.items():
        system.start(service, name, LOTSE_HTTP_PORT=str(second_port))
    second_url = f"http://127.0.0.1:{second_port}"
    try:
        async with aiohttp.ClientSession() as http:

            async def second_ready() -> bool:
                try:
                    async with http.get(f"{second_url}/readyz") as response:
                        return response.status == 200
                except aiohttp.ClientError:
                    return False

            await eventually(second_ready, timeout=60, interval=0.2)

            async def workers_consuming() -> bool:  # else the first copies may finish the work alone
                return all(_messages_since(name, offsets[name], "consumer started")
                           for name in ("matcher2", "notifier2"))

            await eventually(workers_consuming, timeout=60, interval=0.2)
            bodies = []
            for i in range(PEOPLE):  # every third a mentor; alternating between the two intakes
                url = (system.base_url, second_url)[i % 2]
                is_mentor = i % 3 == 0
                body = mentor_payload(capacity=3) if is_mentor else newcomer_payload()
                bodies.append((f"{url}/api/v1/{'mentors' if is_mentor else 'newcomers'}", body))

            async def register(url: str, body: dict[str, object]) -> str:
                async with http.post(url, json=body) as response:
                    assert response.status == 201, await response.text()
                return str(body["email"])

            emails = await asyncio.gather(*(register(url, body) for url, body in bodies))

            async def all_mailed() -> bool:
                received = {r for m in system.mailsink.messages() for r in m.rcpt_tos}
                return set(emails) <= received

            await eventually(all_mailed, timeout=60)
            verify_links = {}
            for message in system.mailsink.messages():
                found = re.search(r"https?://[^/\s]+(/verify/\S+)", message.text)
                if found and message.rcpt_tos[0] in emails:
                    verify_links[message.rcpt_tos[0]] = found.group(1)
            await asyncio.gather(*(http.get(f"{system.base_url if i % 2 else second_url}{link}")
                                   for i, link in enumerate(verify_links.values())))

        async def suggestions_settled() -> int | None:
            verified = await pool.fetchval("SELECT count(*) FROM participants WHERE status = 'verified' "
                                           "AND email = ANY($1)", emails)
            if verified != len(emails):
                return None
            newcomers = await pool.fetchval(
                "SELECT count(DISTINCT newcomer_id) FROM matches m JOIN participants p ON p.id = m.newcomer_id "
                "WHERE p.email = ANY($1)", emails)
            return newcomers if newcomers == PEOPLE - len(range(0, PEOPLE, 3)) else None

        await eventually(suggestions_settled, timeout=60)
        await asyncio.sleep(1)  # let late duplicates, if any, surface
        pairs = await pool.fetch("SELECT newcomer_id, counterpart_id, count(*) AS n FROM matches "
                                 "WHERE status = 'suggested' GROUP BY 1, 2 HAVING count(*) > 1")
        assert pairs == [], "a pair was suggested twice"
        ids = Counter(m.headers["X-Lotse-Notification"] for m in system.mailsink.messages())
        assert [i for i, n in ids.items() if n > 1] == [], "an email went out twice"
        per_person = Counter(r for m in system.mailsink.messages() if "/verify/" in m.text for r in m.rcpt_tos)
        assert all(per_person[e] == 1 for e in emails)
    finally:
        codes = {name: system.stop(name) for name in extra}
    assert codes == {name: 0 for name in extra}
    work = {name: _handled_since(name, offsets[name]) for name in offsets if "intake" not in name}
    assert all(n > 0 for n in work.values()), f"an instance did no work: {work}"
    sent = {name: sum(int(line.get("sent", 0)) for line in _lines_since(name, offsets[name])
                      if line.get("msg") == "emails sent") for name in ("notifier", "notifier2")}
    assert all(n > 0 for n in sent.values()), f"a notifier sent nothing: {sent}"
