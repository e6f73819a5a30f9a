"""Who gets a notification, in which language, with what context — read at send time.

Events carry ids only; the address, name and language are looked up here, just before
sending, so an erased participant gets nothing and no queue ever held their data.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import asyncpg

from lotse.shared import tokens
from lotse.shared.config import Settings

Context = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Recipient:
    email: str
    locale: str
    context: Context


Builder = Callable[["Composer", asyncpg.Connection, asyncpg.Record, asyncpg.Record], Awaitable[Context]]


class Composer:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._signer = tokens.TokenSigner(settings.secret_key)

    def link(self, path: str) -> str:
        return f"{self._settings.public_url}{path}"

    def manage_url(self, participant_id: uuid.UUID) -> str:
        return self.link(f"/manage/{self._signer.sign(tokens.MANAGE, pid=str(participant_id))}")

    def verify_url(self, participant_id: uuid.UUID) -> str:
        return self.link(f"/verify/{self._signer.sign(tokens.VERIFY, pid=str(participant_id))}")

    async def compose(self, conn: asyncpg.Connection, row: asyncpg.Record) -> Recipient | None:
        if row["participant_id"] is None:
            return None  # coordinator notifications are composed by the digest
        person = await conn.fetchrow(
            "SELECT id, kind, status, name, email, preferred_locale FROM participants WHERE id = $1",
            row["participant_id"],
        )
        if person is None or person["email"] is None or person["status"] == "erased":
            return None
        builder = _BUILDERS.get(row["type"], _basic)
        context = await builder(self, conn, row, person)
        return Recipient(person["email"], person["preferred_locale"], context)


async def _basic(
    composer: Composer, conn: asyncpg.Connection, row: asyncpg.Record, person: asyncpg.Record
) -> Context:
    return {"name": person["name"], "manage_url": composer.manage_url(person["id"])}


async def _verification(
    composer: Composer, conn: asyncpg.Connection, row: asyncpg.Record, person: asyncpg.Record
) -> Context:
    return {**await _basic(composer, conn, row, person), "verify_url": composer.verify_url(person["id"])}


_BUILDERS: dict[str, Builder] = {
    "verification": _verification,
}
