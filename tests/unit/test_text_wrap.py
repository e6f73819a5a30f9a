"""The plain-text part as sent: lines of 72 columns, each link on its own (review 12, F8)."""

from __future__ import annotations

import pytest

from lotse.notifier.bidi import FSI, PDI, isolated
from lotse.notifier.preview import SAMPLE
from lotse.notifier.render import TYPES, render_email
from lotse.notifier.text_wrap import WIDTH, wrapped
from lotse.shared.i18n import SUPPORTED_LOCALES

LINK = "https://lotse.example/respond/eyJtaWQiOiIwMDAwMDAwMC0wMDAwLTAwMDAtMDAwMC0wMDAwMDAwMDAwMDIifQ.awZaZQ.yt?answer=accept"


def columns(line: str) -> int:
    return sum(2 if "\u4e00" <= c <= "\u9fff" or "\uff00" <= c <= "\uff60" else 0 if c in (FSI, PDI) else 1
               for c in line)


def test_a_long_paragraph_breaks_at_spaces_into_lines_of_at_most_72_columns() -> None:
    paragraph = " ".join(["Mentoring is voluntary and unpaid."] * 8)
    lines = wrapped(paragraph).split("\n")
    assert len(lines) == 4
    assert all(len(line) <= WIDTH for line in lines)
    assert " ".join(lines) == paragraph  # no word lost, broken or joined


def test_a_list_items_continuation_starts_under_its_text() -> None:
    item = "- Languages you both speak: German (Thomas Berger: native) and English (Thomas Berger: B2)"
    assert wrapped(item) == ("- Languages you both speak: German (Thomas Berger: native) and English\n"
                             "  (Thomas Berger: B2)")


def test_a_link_after_words_stands_on_a_line_of_its_own_and_is_never_broken() -> None:
    assert wrapped(f"Yes: {LINK}") == f"Yes:\n{LINK}"
    assert wrapped(f"{LINK} and then words") == f"{LINK}\nand then words"
    assert wrapped(LINK) == LINK  # longer than a line, and alone: as it is


def test_lines_that_fit_are_left_exactly_as_they_are() -> None:
    text = "Hello Lan,\n\n-- \nLotse – Welcome Centre Thuringia\n"
    assert wrapped(text) == text  # the signature's "-- " keeps its space


def test_chinese_breaks_between_characters_counting_two_columns_each_and_keeps_punctuation_with_them() -> None:
    paragraph = ("导师是志愿者，不收取报酬。在大约三个月里，你们大约每两周见面一次，"
                 "每次一到两小时，导师帮助您熟悉新环境：预约、日常问题和练习德语。")
    lines = wrapped(paragraph).split("\n")
    assert len(lines) == 2
    assert all(columns(line) <= WIDTH for line in lines)
    assert "".join(lines) == paragraph
    assert not lines[1].startswith(("，", "。", "、", "："))


def test_a_right_to_left_name_is_never_broken_so_no_line_starts_inside_it() -> None:
    name = "محمد الأحمد عبد الله"
    text = isolated(f"- Languages you both speak: German and English and Ukrainian ({name}: native), Arabic")
    out = wrapped(text)
    assert f"{FSI}{name}{PDI}" in out
    assert all(line.count(FSI) == line.count(PDI) for line in out.split("\n"))


@pytest.mark.parametrize("locale", sorted(SUPPORTED_LOCALES))
def test_every_email_type_is_sent_in_lines_of_72_columns_but_for_links(locale: str) -> None:
    for type_ in TYPES:
        text = wrapped(render_email(type_, locale, SAMPLE).text)
        for line in text.split("\n"):
            if "://" in line:
                assert line.lstrip().startswith("http") and " " not in line.strip(), (type_, line)
            else:
                assert columns(line) <= WIDTH, (type_, line)


def test_a_line_wrapped_before_is_taken_from_memory_and_memory_stays_bounded() -> None:
    from lotse.notifier import text_wrap

    text = render_email("introduction", "uk", SAMPLE).text
    text_wrap._DONE.clear()
    first, again = wrapped(text), wrapped(text)  # worked out, then taken from memory
    text_wrap._DONE.clear()
    assert first == again == wrapped(text)  # the same as worked out afresh
    assert text_wrap._DONE and not any("://" in line for line in text_wrap._DONE)  # links vary: not kept
    for number in range(text_wrap._DONE_MAX + 10):
        wrapped(f"A sentence long enough to need a look at its width, number {number}, and more words.")
    assert len(text_wrap._DONE) <= text_wrap._DONE_MAX
