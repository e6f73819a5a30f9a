"""Registrations repeated while the address's first one is unconfirmed (review 9a, F14).

Whoever registers an address first must not decide the data its owner confirms. A repeated
registration is kept as a version of its own; the verification email sent for it carries the
version's id in its link, and the click on that link puts the version's data in place of the
stored one before it verifies (lotse.intake.registrations.verify). Any verification deletes the
versions (participants_db.mark_verified), erasure deletes them (privacy.erase), retention deletes
them with their pending participant or once their link has expired (retention.delete_unverified).
"""

from __future__ import annotations

import dataclasses
import uuid
from datetime import date
from typing import Any

import asyncpg

from lotse.intake import participants_db
from lotse.intake.validation import Registration

_FIELDS = tuple(f.name for f in dataclasses.fields(Registration))


def to_json(reg: Registration) -> dict[str, Any]:
    """The validated registration as stored: its own fields, a course's start day as YYYY-MM-DD.

    Every registration computes it (the registration statement keeps it if the address is taken),
    so it is a shallow copy: JSON encodes the tuples as lists, as ``dataclasses.asdict``'s deep copy
    (5× slower) ended up too."""
    data = {name: getattr(reg, name) for name in _FIELDS}
    if reg.courses:
        data["courses"] = [{**c, "starts_on": _day(c.get("starts_on"))} for c in reg.courses]
    return data


def from_json(data: dict[str, Any]) -> Registration:
    """The registration :func:`to_json` stored, as validation made it (tuples, dates)."""
    return Registration(**{
        **data,
        "languages": tuple((code, level) for code, level in data["languages"]),
        "courses": tuple({**c, "starts_on": date.fromisoformat(c["starts_on"]) if c.get("starts_on") else None}
                         for c in data["courses"]),
        "positions": tuple(data["positions"]),
    })


def _day(value: object) -> object:
    return value.isoformat() if isinstance(value, date) else value


async def put_in_place(conn: asyncpg.Connection, participant_id: uuid.UUID, version_id: uuid.UUID) -> bool:
    """Before a version's link verifies: its data in place of the stored one, if the participant is
    still pending. False when it is pending and the version is gone (then the link must not verify
    data it was not sent for); True otherwise, also when it is verified already (a second click,
    or another version's: nothing is overwritten). Call inside a transaction.

    Details saved on the manage page after the version was stored are kept (review 9c, F2): the
    manage link reaches only the mailbox's owner (it is mailed to the address, also while pending),
    so an edit there is the owner's latest word and a version's link must not silently undo it."""
    person = await conn.fetchrow("SELECT kind, status, updated_at FROM participants WHERE id = $1 FOR UPDATE",
                                 participant_id)
    if person is None or person["status"] != "pending_verification":
        return True
    version = await conn.fetchrow(
        "SELECT registration, created_at FROM registration_versions WHERE id = $1 AND participant_id = $2",
        version_id, participant_id,
    )
    if version is None:
        return False
    if person["updated_at"] > version["created_at"]:  # edited on the manage page since: that stays
        return True
    return await participants_db.replace_registration(conn, participant_id, person["kind"],
                                                      from_json(version["registration"]))


async def of_participant(conn: asyncpg.Connection, participant_id: uuid.UUID) -> list[dict[str, Any]]:
    """The versions waiting for a verification, for the export (Art. 15): what was submitted, when."""
    rows = await conn.fetch(
        "SELECT id, created_at, registration FROM registration_versions WHERE participant_id = $1 ORDER BY created_at",
        participant_id,
    )
    return [{"id": str(r["id"]), "created_at": r["created_at"].isoformat(), "registration": r["registration"]}
            for r in rows]
