"""Review 4, finding 14: the error summary lists the fields in the order the form shows them (the
validator checks consent before a kind's own fields), so keyboard and screen-reader users fix
them top-down."""

from __future__ import annotations

import re

import pytest

from tests.conftest import IntakeClient


def _summary_and_page_order(page: str) -> tuple[list[str], list[str]]:
    summary = page[page.index('<div class="error-summary"'):]
    summary = summary[:summary.index("</div>")]
    linked = re.findall(r'href="#([^"]+)"', summary)
    messages = re.findall(r' id="([^"]+)-error"', page)
    return linked, messages


@pytest.mark.parametrize(("kind", "form"), [
    ("newcomer", {"name": "", "email": "kein", "district": "", "country_of_origin": "UKRAINE",
                  "occupation_field": "", "children_ages": "vier"}),
    ("mentor", {"name": "", "email": "kein", "district": "", "capacity": "0"}),
])
async def test_the_error_summary_follows_the_form(intake_client: IntakeClient, kind: str,
                                                   form: dict[str, str]) -> None:
    refused = await intake_client.post(f"/register/{kind}?lang=uk", data=form)
    page = await refused.text()
    assert refused.status == 422
    linked, messages = _summary_and_page_order(page)
    assert len(linked) == len(messages) >= 5
    # Each link leads to its field (a group's to its first control: arrival-abroad, languages-0-code),
    # whose message sits at that field: in the page's order.
    assert all(link == field or link.startswith(f"{field}-") for link, field in zip(linked, messages, strict=True))
    assert messages[-1] == "consent_data_processing"  # the form's last field, no longer in the middle
