"""The registration forms' markup as a browser parses it: real attributes, escaped values."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from tests.conftest import IntakeClient


class _Elements(HTMLParser):
    """Every element with an id, as the attributes a browser's DOM would hold."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.by_id: dict[str, dict[str, str | None]] = {}
        self.order: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        self.order.append((tag, attributes))
        if attributes.get("id"):
            self.by_id[str(attributes["id"])] = attributes


def parse(html: str) -> _Elements:
    parser = _Elements()
    parser.feed(html)
    return parser


# Finding 7: these were rendered as min=&#34;1&#34;, so the DOM held '"1"' and no constraint worked.
EXPECTED = {
    # The country is a select of names since review 4 (finding 15); the typed fields still carry theirs.
    "newcomer": {"name": {"autocomplete": "name", "aria-required": "true"},
                 "email": {"type": "email", "autocomplete": "email", "aria-describedby": "email-hint"}},
    "mentor": {"capacity": {"min": "1", "max": "10", "inputmode": "numeric"},
               "max_distance_km": {"min": "1", "max": "300", "inputmode": "numeric"}},
    "employer": {"positions-0-openings": {"min": "1", "inputmode": "numeric"}},
    "language-provider": {"courses-0-seats": {"min": "1", "inputmode": "numeric"},
                          "courses-0-starts_on": {"type": "date"}},  # no min: a running course may be entered
}


@pytest.mark.parametrize("segment", list(EXPECTED))
async def test_input_constraints_are_real_attributes(intake_client: IntakeClient, segment: str) -> None:
    html = await (await intake_client.get(f"/register/{segment}?lang=en")).text()
    assert "&#34;" not in html
    elements = parse(html).by_id
    for field, attributes in EXPECTED[segment].items():
        for name, value in attributes.items():
            assert elements[field].get(name) == value, (field, name, elements[field])


async def test_a_typed_value_stays_escaped_next_to_the_attributes(intake_client: IntakeClient) -> None:
    hostile = '"><script>alert(1)</script>'
    response = await intake_client.post("/register/newcomer?lang=en", data={
        "country_of_origin": hostile, "children_ages": hostile, "name": hostile})
    assert response.status == 422
    html = await response.text()
    assert "<script>" not in html and "&#34;&gt;&lt;script&gt;" in html
    elements = parse(html).by_id
    assert elements["name"]["value"] == hostile  # kept as text, inside its attribute
    assert elements["name"]["autocomplete"] == "name"
    assert elements["children_ages"]["value"] == hostile


@pytest.mark.parametrize("segment", list(EXPECTED))
async def test_the_first_submit_button_registers(intake_client: IntakeClient, segment: str) -> None:
    """Enter in a text field presses the form's first submit button (finding 11): the first in document
    order whose form owner is the form, which counts the header's language switcher (form=)."""
    html = await (await intake_client.get(f"/register/{segment}?lang=en")).text()
    start = html.index('<form method="post"')
    end = html.index("</form>", start)
    assert 'id="register-form"' in html[start:html.index(">", start)]
    owned: list[tuple[dict[str, str | None], str | None]]
    owned = [(attrs, "register-form") for tag, attrs in parse(html[:start]).order if tag == "button"]
    owned += [(attrs, None) for tag, attrs in parse(html[start:end]).order if tag == "button"]
    buttons = [attrs for attrs, owner in owned if attrs.get("form") == owner and attrs.get("type") == "submit"]
    first = buttons[0]
    assert "name" not in first  # not add_row, not the language switcher
    assert first.get("tabindex") == "-1" and first.get("aria-hidden") == "true"  # no second tab stop
    assert buttons[-1].get("id") == "register"


@pytest.mark.parametrize(("segment", "lang", "title", "groups"), [
    ("newcomer", "en", "Error: Register as a newcomer – Lotse", {"languages-0-code", "arrival-abroad"}),
    ("newcomer", "de", "Fehler: Als neu Ankommende oder neu Ankommender anmelden – Lotse", {"languages-0-code"}),
    ("mentor", "zh", "错误：", {"helps_with-language_course"}),
    ("employer", "uk", "Помилка: ", {"positions-0-title"}),
    ("language-provider", "fr", "Erreur : ", {"courses-0-title"})])
async def test_after_errors_the_title_and_summary_say_so(intake_client: IntakeClient, segment: str, lang: str,
                                                         title: str, groups: set[str]) -> None:
    """Finding 12: the title has an error prefix, the summary takes focus, its links lead to controls."""
    html = await (await intake_client.post(f"/register/{segment}?lang={lang}", data={"name": "Lan"})).text()
    assert title in html[html.index("<title>"):html.index("</title>")]
    elements = parse(html)
    assert "autofocus" in elements.by_id["error-summary"]
    summary = html[html.index('id="error-summary"'):]
    summary = summary[:summary.index("</div>")]
    targets = [str(attrs["href"])[1:] for tag, attrs in parse(summary).order if tag == "a"]
    assert groups <= set(targets), targets
    controls = [attrs for tag, attrs in elements.order if tag in ("input", "select", "textarea")]
    for target in targets:  # every link leads to something that takes focus, never a fieldset
        assert any(attrs is elements.by_id[target] for attrs in controls), target


async def test_a_page_without_errors_keeps_its_title(intake_client: IntakeClient) -> None:
    html = await (await intake_client.get("/register/mentor?lang=en")).text()
    assert "<title>Register as a mentor or welcome guide – Lotse</title>" in html
    assert "autofocus" not in html
