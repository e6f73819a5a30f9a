"""The manage page names its own-data fields' purpose as the registration form does (WCAG 1.3.5,
review 13, F3): a browser or assistive tool fills in or explains "name" and "organization" there too."""

from __future__ import annotations

import re

import asyncpg
import pytest

from tests.conftest import IntakeClient
from tests.integration.test_self_service import _registered, manage_link


def field(page: str, name: str) -> str:
    found = re.search(rf'<input[^>]*\bname="{name}"[^>]*>', page)
    assert found, name
    return found.group()


@pytest.mark.parametrize(("segment", "fields"), [
    ("newcomers", {"name": "name"}),
    ("mentors", {"name": "name"}),
    ("employers", {"name": "name", "organisation": "organization"}),
    ("language-providers", {"name": "name", "organisation": "organization"}),
])
async def test_own_name_and_organisation_say_their_purpose(intake_client: IntakeClient, pool: asyncpg.Pool,
                                                           segment: str, fields: dict[str, str]) -> None:
    person = await _registered(intake_client, pool, segment)
    page = await (await intake_client.get(manage_link(person))).text()
    for name, purpose in fields.items():
        assert f'autocomplete="{purpose}"' in field(page, name)
    if segment == "employers":  # the contact person is someone else: nothing to fill in from one's own
        assert "autocomplete" not in field(page, "contact_name")
