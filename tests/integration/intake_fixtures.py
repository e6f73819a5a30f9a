"""Building the real intake app (same factory as production) and realistic payloads."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from html.parser import HTMLParser
from typing import Any

from tests.conftest import IntakeClient


async def register(client: IntakeClient, payload: dict[str, Any], segment: str = "newcomers") -> uuid.UUID:
    """Register through the API (POST /api/v1/<segment>): the 201's participant id."""
    created = await client.post(f"/api/v1/{segment}", json=payload)
    assert created.status == 201, await created.text()
    return uuid.UUID((await created.json())["id"])


def unique_email(prefix: str) -> str:
    return f"{prefix}.{uuid.uuid4().hex[:10]}@example.org"


def newcomer_payload(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "Nguyễn Thị Lan",
        "email": unique_email("lan"),
        "preferred_locale": "vi",
        "district": "16052",
        "languages": [{"code": "vi", "level": "native"}, {"code": "en", "level": "B2"},
                      {"code": "de", "level": "A2"}],
        "consent": {"data_processing": True, "share_contact": True},
        "country_of_origin": "VN",
        "occupation_field": "nursing",
        "arrival": "abroad",
        "needs": ["language_course", "childcare"],
        "wants_mentor": True,
        "course_schedules": ["evening"],
        "household": {"partner": True, "partner_seeks_work": True, "children_ages": [4]},
        "about": "Nurse moving to Gera with my daughter.",
    }
    body.update(overrides)
    return body


def mentor_payload(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "Thomas Berger",
        "email": unique_email("thomas"),
        "preferred_locale": "de",
        "district": "16052",
        "languages": [{"code": "de", "level": "native"}, {"code": "en", "level": "B2"}],
        "consent": {"data_processing": True, "share_contact": True},
        "capacity": 1,
        "helps_with": ["childcare", "housing"],
        "max_distance_km": 40,
        "online_ok": True,
        "about": "Social worker in Gera.",
    }
    body.update(overrides)
    return body


def employer_payload(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "Klaus Richter",
        "email": unique_email("richter"),
        "preferred_locale": "de",
        "district": "16054",
        "languages": [{"code": "de", "level": "native"}],
        "consent": {"data_processing": True},
        "organisation": "Elektro Richter GmbH",
        "contact_name": "Klaus Richter",
        "positions": [{"title": "Elektroniker/in", "occupation_field": "crafts", "openings": 3,
                       "min_german_level": "B1"}],
        "offers": ["mentor_program"],
    }
    body.update(overrides)
    return body


def provider_payload(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "Anna Schmidt",
        "email": unique_email("schule"),
        "preferred_locale": "de",
        "district": "16053",
        "languages": [{"code": "de", "level": "native"}],
        "consent": {"data_processing": True},
        "organisation": "Sprachschule Jena",
        "courses": [{"title": "Deutsch B1 am Wochenende", "level": "B1", "schedule": "weekend",
                     "format": "in_person", "district": "16053", "seats": 12,
                     "starts_on": (date.today() + timedelta(days=30)).isoformat(), "childcare": False}],
    }
    body.update(overrides)
    return body


class _Forms(HTMLParser):
    """What a browser would submit from each form of a page, as (name, value) pairs: inputs,
    checked boxes and radios, a select's selected option ("" when none is) and textareas. A field
    outside its form names it with form= (the manage page's "add" and new address fields)."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[list[tuple[str, str]]] = []
        self._ids: dict[str, list[tuple[str, str]]] = {}  # form id -> its fields
        self._open: list[tuple[str, str]] | None = None  # the form the parser is inside
        self._owner: list[tuple[str, str]] = []  # where the current field goes
        self._select: str | None = None
        self._textarea: str | None = None

    def _form_of(self, form_id: str) -> list[tuple[str, str]]:
        """The fields of the form with ``form_id``, which may come later in the page."""
        return self._ids.setdefault(form_id, [])

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._open = self._form_of(a["id"]) if a.get("id") else []
            self.forms.append(self._open)
        if tag in ("input", "select", "textarea"):
            if a.get("form"):
                self._owner = self._form_of(a["form"])
            elif self._open is not None:
                self._owner = self._open
            else:
                return
        fields = self._owner
        if tag == "input" and a.get("type") in ("checkbox", "radio"):
            if "checked" in a:
                fields.append((a["name"], a.get("value") or "on"))
        elif tag == "input" and a.get("name"):
            fields.append((a["name"], a.get("value", "")))
        elif tag == "select":
            self._select = a["name"]
            fields.append((self._select, ""))
        elif tag == "option" and self._select and "selected" in a:
            fields[:] = [f for f in fields if f[0] != self._select] + [(self._select, a["value"])]
        elif tag == "textarea":
            self._textarea = a["name"]
            fields.append((self._textarea, ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._open = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea:
            name, fields = self._textarea, self._owner
            fields[:] = [(k, v + data if k == name else v) for k, v in fields]


def form_fields(page: str, field: str) -> list[tuple[str, str]]:
    """What a browser would send from the page's first form that has `field` (the page's other
    forms, such as the language switch, are left out)."""
    parser = _Forms()
    parser.feed(page)
    return next(form for form in parser.forms if any(name == field for name, _ in form))
