"""What a screen reader is told about grouped fields, as chromium's accessibility tree has it
(review 5, finding 11): a required choice is required, and a group's error is the accessible
description of its controls, which are invalid."""

from __future__ import annotations

from typing import Any

from playwright.async_api import Page, expect


async def _ax(page: Page, selector: str) -> dict[str, Any]:
    """The accessibility node of one element: role, name, description and states such as required."""
    cdp = await page.context.new_cdp_session(page)
    try:
        root = (await cdp.send("DOM.getDocument"))["root"]["nodeId"]
        node = (await cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector}))["nodeId"]
        tree = await cdp.send("Accessibility.getPartialAXTree", {"nodeId": node, "fetchRelatives": False})
        found = tree["nodes"][0]
    finally:
        await cdp.detach()
    states = {p["name"]: p["value"].get("value") for p in found.get("properties", [])}
    return {"role": found["role"]["value"], "description": found.get("description", {}).get("value", ""), **states}


async def test_a_groups_error_is_announced_on_its_controls(page: Page, base_url: str) -> None:
    await page.goto(f"{base_url}/register/newcomer?lang=en")
    # Required as a group; not yet wrong, nothing described.
    arrival = await _ax(page, "#arrival")
    assert arrival["role"] == "radiogroup" and arrival.get("required") is True
    abroad = await _ax(page, "#arrival-abroad")
    assert abroad["description"] == "" and abroad.get("invalid") == "false"

    await page.click("#register")
    await page.wait_for_selector("#error-summary")
    arrival_error = await page.inner_text("#arrival-error")
    languages_error = await page.inner_text("#languages-error")
    for radio in ("I am still abroad", "I already live in Thuringia"):
        await expect(page.get_by_role("radio", name=radio)).to_have_accessible_description(arrival_error)
    assert (await _ax(page, "#arrival-arrived")).get("invalid") == "true"
    second = page.get_by_role("group", name="Language 2").get_by_role("combobox", name="Language")
    await expect(second).to_have_accessible_description(languages_error)
    assert (await _ax(page, "#languages-0-code")).get("invalid") == "true"

    # The error summary's link to the group lands on a control that says what is wrong.
    await page.locator("#error-summary a[href='#arrival-abroad']").click()
    await expect(page.locator("#arrival-abroad")).to_be_focused()
