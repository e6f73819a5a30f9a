"""Review 8b, finding 10: lists in emails are joined as the reader's language writes a list (Chinese
enumerates with "、" and joins the last two with "和", not ", "), and Chinese texts lose the Western
spacing and punctuation the reviewer found (a spaced en dash, a space before 开始, a doubled 的)."""

from __future__ import annotations

import jinja2
import pytest

from lotse.notifier.preview import SAMPLE
from lotse.notifier.render import render_email
from lotse.shared.i18n import list_joiner, translations

NEEDS = {"code": "needs_offered", "name": "Thomas Berger", "needs": ["childcare", "housing", "authorities"]}


@pytest.mark.parametrize(("locale", "joined"), [
    ("zh", "托儿（幼儿园）、住房和办理政府事务"),
    ("de", "Kinderbetreuung (Kita), Wohnung und Behördengänge"),
    ("en", "childcare (Kita), housing, and dealing with authorities"),  # inside the sentence (bd6cf60)
])
def test_needs_are_listed_as_the_language_writes_a_list(locale: str, joined: str) -> None:
    email = render_email("introduction", locale, {**SAMPLE, "facts": [NEEDS]})
    assert joined in email.text and joined in (email.html or "")


def test_chinese_emails_have_no_western_comma_between_chinese_words() -> None:
    languages = {"code": "languages", "name": "Thomas Berger",
                 "items": [{"language": "德语", "level": "native"}, {"language": "英语", "level": "B2"}]}
    text = render_email("introduction", "zh", {**SAMPLE, "facts": [NEEDS, languages]}).text
    assert "德语（Thomas Berger：母语）和英语（Thomas Berger：B2）" in text
    assert "）, " not in text and "托儿（幼儿园）, " not in text


def test_the_filter_escapes_in_html_and_not_in_text() -> None:
    env = jinja2.Environment(autoescape=jinja2.select_autoescape(default=True), extensions=["jinja2.ext.do"])
    env.filters["format_list"] = list_joiner("de-simple")  # as German
    assert env.from_string("{{ items|format_list }}").render(items=["<b>A</b>", "B"]) == "&lt;b&gt;A&lt;/b&gt; und B"
    env.autoescape = False
    assert env.from_string("{{ items|format_list }}").render(items=["<b>A</b>", "B"]) == "<b>A</b> und B"
    assert env.from_string("{{ []|format_list }}").render() == ""


def test_chinese_dates_subjects_and_headings() -> None:
    course = {**SAMPLE, "kind": "language_course", "other_title": "Deutsch B1", "organisation": "VHS Gera",
              "starts_on": "2026年12月15日"}
    assert "2026年12月15日开始。" in render_email("introduction", "zh", course).text
    assert render_email("manage_link", "zh", SAMPLE).subject == "Lotse：您注册信息的新链接"
    heading = translations("lotse.intake", "intake", "zh").gettext("Thank you – your e-mail address is confirmed")
    assert heading == "谢谢！您的电子邮件地址已确认"
