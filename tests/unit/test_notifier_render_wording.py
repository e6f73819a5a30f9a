"""Sentences of the emails that must be true for their reader: the German level as the matcher's
rule weighed it (one level short, closed by the employer's course), "much in common" only when the
texts are, an employer never told about "the employer", what is free again or looked for after a
declined introduction by kind, and the link of the "already registered" email on its own line."""

from __future__ import annotations

import re
from typing import Any

import pytest

from lotse.notifier.match_context import ABOUT_IN_COMMON, reasons, unsaid
from lotse.notifier.match_facts import facts
from lotse.notifier.preview import SAMPLE
from lotse.notifier.render import render_email
from lotse.shared import german
from lotse.shared.i18n import SOURCE_LOCALE, SUPPORTED_LOCALES, translations

TRANSLATED = [locale for locale in SUPPORTED_LOCALES if locale != SOURCE_LOCALE]
GERA = "16052"
COURSE_DURING_WORK = ["language_course_during_work"]


def lan(level: str | None) -> dict[str, Any]:
    languages = [{"code": "vi", "level": "native"}] + ([{"code": "de", "level": level}] if level else [])
    return {"name": "Lan", "district": GERA, "languages": languages, "profile": {"needs": [], "arrival": "arrived"}}


def position(required: str, offers: list[str]) -> dict[str, Any]:
    return {"district": GERA, "languages": [], "format": None, "childcare": None, "min_german_level": required,
            "profile": {"offers": offers}}


def german_fact(side: str, level: str | None, required: str, offers: list[str]) -> dict[str, Any] | None:
    found = [f for f in facts("employer", side, lan(level), position(required, offers), "Klinikum", "en")
             if "german" in f["code"]]
    return found[0] if found else None


def said(side: str, level: str | None, required: str, offers: list[str]) -> dict[str, Any]:
    fact = german_fact(side, level, required, offers)
    assert fact is not None
    return fact


def introduction(locale: str, side: str, found: list[dict[str, Any]], reasons: list[str]) -> str:
    return render_email("introduction", locale, {
        **SAMPLE, "kind": "employer", "side": side, "organisation": "Klinikum Gera", "facts": found,
        "reasons": reasons, "other_title": "Lan" if side == "counterpart" else "Pflegefachkraft"}).text


@pytest.mark.parametrize(("level", "required", "offers", "newcomer_code"), [
    ("B1", "B1", [], "your_german"),
    ("C1", "B1", COURSE_DURING_WORK, "your_german"),
    ("A2", "B1", COURSE_DURING_WORK, "your_german_below"),
    (None, "A1", COURSE_DURING_WORK, "your_no_german_yet"),
    ("A2", "B1", [], "your_german"),  # no longer feasible (the offer was dropped): said plainly, not "fits"
    (None, "A2", COURSE_DURING_WORK, None),  # two levels short: never a suggestion, nothing to say
])
def test_the_german_fact_follows_the_matchers_rule_for_both_sides(level: str | None, required: str,
                                                                   offers: list[str],
                                                                   newcomer_code: str | None) -> None:
    to_newcomer, to_employer = german_fact("newcomer", level, required, offers), german_fact("counterpart", level,
                                                                                             required, offers)
    assert (to_newcomer or {}).get("code") == newcomer_code
    assert (to_employer or {}).get("code") == (newcomer_code.replace("your_", "their_") if newcomer_code else None)
    # "below" exactly where lotse.shared.german (the matcher's position rule) lets the course close the gap.
    below = german.german_fits(level, required, offers) and german.german_gap(level, required) < 0
    assert (newcomer_code in ("your_german_below", "your_no_german_yet")) is below


def test_a2_for_b1_with_a_course_says_one_level_below_and_the_course_to_both_sides() -> None:
    found = [said(side, "A2", "B1", COURSE_DURING_WORK) for side in ("newcomer", "counterpart")]
    to_lan = introduction("en", "newcomer", [found[0]], ["german"])
    to_klinikum = introduction("en", "counterpart", [found[1]], ["german"])
    assert ("Your German (A2) is one level below what the job asks for (B1). "
            "The employer offers a German course during work.") in to_lan
    assert "Lan's German: A2, one level below what the position asks for (B1). You offer a German course" in to_klinikum
    assert "fits the job" not in to_lan + to_klinikum
    de = introduction("de", "counterpart", [found[1]], ["german"])
    assert "Deutsch von Lan: A2, eine Stufe unter dem, was die Stelle verlangt (B1)." in de
    assert "passt zur Stelle" not in de
    vi = introduction("vi", "newcomer", [found[0]], ["german"])
    assert "Tiếng Đức của bạn (A2) thấp hơn một bậc" in vi and "phù hợp với công việc" not in vi


@pytest.mark.parametrize("locale", TRANSLATED)
def test_every_german_sentence_is_translated(locale: str) -> None:
    for level, required, offers in (("B1", "B1", []), ("native", "B1", []), ("A2", "B1", COURSE_DURING_WORK),
                                    (None, "A1", COURSE_DURING_WORK)):
        for side in ("newcomer", "counterpart"):
            fact = said(side, level, required, offers)
            english, local = introduction("en", side, [fact], []), introduction(locale, side, [fact], [])
            line = next(x for x in english.splitlines() if required in x)
            assert line not in local, (locale, line)
            assert "%(" not in local and "native speaker" not in local


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_the_employers_own_email_never_speaks_of_the_employer(locale: str) -> None:
    def bullets(text: str) -> list[str]:
        return [line for line in text.splitlines() if line.startswith("- ")]

    # "The employer offers extra support for newcomers" is the newcomer's sentence.
    [offers] = bullets(introduction(locale, "newcomer", [], ["offers"]))
    assert offers not in introduction(locale, "counterpart", [], ["offers", "occupation"])
    assert "offers" in unsaid("counterpart", {"about": 0.9}) and "offers" not in unsaid("newcomer", {"about": 0.9})
    if locale == "en":
        below = said("counterpart", "A2", "B1", COURSE_DURING_WORK)
        assert "employer" not in introduction(locale, "counterpart", [below], ["offers", "occupation", "about"])


@pytest.mark.parametrize(("about", "said"), [(None, False), (0.0, False), (0.21, False), (0.3, False),
                                             (ABOUT_IN_COMMON, True), (0.46, True), (0.64, True)])
def test_much_in_common_only_above_the_threshold(about: float | None, said: bool) -> None:
    explanation = [{"factor": "about", "contribution": 0.021, "detail": "x"},
                   {"factor": "occupation", "contribution": 0.0, "detail": "y"}]
    features = None if about is None else {"about": about}
    found = reasons(explanation, exclude=unsaid("newcomer", features))
    assert ("about" in found) is said
    text = render_email("introduction", "de", {**SAMPLE, "facts": [], "reasons": found}).text
    assert ("viel gemeinsam" in text) is said


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_a_declined_introduction_says_what_is_free_again_and_what_we_look_for_by_kind(locale: str) -> None:
    def said(kind: str, side: str) -> str:
        text = render_email("match_declined", locale, {**SAMPLE, "kind": kind, "side": side, "ended_by_me": False,
                                                       "named": False}).text
        return text.split("\n-- \n")[0].strip().splitlines()[-1]

    newcomer = {kind: said(kind, "newcomer") for kind in ("mentor", "language_course", "employer")}
    assert len(set(newcomer.values())) == 3, newcomer  # someone new / another course / another job
    for kind in ("mentor", "language_course", "employer"):
        ended = render_email("match_ended", locale, {**SAMPLE, "kind": kind, "side": "counterpart", "status":
                                                     "completed", "ended_because": "completed", "named": False}).text
        # The same words for the same event as the "match ended" email: the position is open again.
        assert said(kind, "counterpart") in ended, (locale, kind)
    if locale == "en":
        assert newcomer["employer"] == "We are looking for another job for you and will write again."
        assert said("employer", "counterpart") == "The position is open again."


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
@pytest.mark.parametrize("kind", ["newcomer", "mentor", "language_provider", "employer"])
def test_the_already_registered_link_stands_on_its_own_line(locale: str, kind: str) -> None:
    url = "https://lotse.example/manage/TOKEN"
    email = render_email("already_registered", locale, {"name": "Klinikum Gera", "kind": kind, "manage_url": url})
    body = email.text.split("\n-- \n")[0]
    assert re.search(rf"\n{re.escape(url)}\n", body), body
    assert f":{url}" not in email.text


KINDS = ("mentor", "language_course", "employer")
# A word each locale's course / job / mentor sentences use, and only they (checked below).
COURSE_WORD = {"en": "course", "de": "Kurs", "de-simple": "Kurs", "fr": "cours", "pl": "kurs", "ru": "курс",
               "uk": "курс", "sr": "курс", "az": "kurs", "mn": "сургалт", "vi": "khóa", "zh": "课程"}
JOB_WORD = {"en": "job", "de": "Stelle", "de-simple": "Arbeit", "fr": "emploi", "pl": "prac", "ru": "работ",
            "uk": "робот", "sr": "посао", "az": " iş ", "mn": "ажил", "vi": "công việc", "zh": "工作"}
MENTOR_WORD = {"en": "mentor", "de": "Mentor", "de-simple": "Mentor", "fr": "mentor", "pl": "mentor",
               "ru": "ментор", "uk": "ментор", "sr": "ментор", "az": "mentor", "mn": "зөвлөгч", "vi": "cố vấn",
               "zh": "导师"}


def last_line(template: str, locale: str, kind: str, side: str, **extra: Any) -> tuple[str, str, str]:
    """The closing sentence of the plain-text body, and the whole text and HTML it closes."""
    email = render_email(template, locale, {**SAMPLE, "kind": kind, "side": side, "named": False, **extra})
    assert email.html is not None
    return email.text.split("\n-- \n")[0].strip().splitlines()[-1], email.text, email.html


def test_the_english_closing_lines_by_kind_and_side() -> None:
    closing = {(kind, side): last_line("introduction", "en", kind, side)[0]
               for kind in KINDS for side in ("newcomer", "counterpart")}
    assert closing == {
        ("mentor", "newcomer"): "If you decline, we will look for someone else. Nobody has to give a reason.",
        ("language_course", "newcomer"): "If you decline, we will look for another course for you. "
                                         "Nobody has to give a reason.",
        ("employer", "newcomer"): "If you decline, we will look for another job for you. Nobody has to give a reason.",
        ("mentor", "counterpart"): "If you decline, we will look for another mentor for the newcomer. "
                                   "Nobody has to give a reason.",
        ("language_course", "counterpart"): "If you decline, we will look for another course for the newcomer. "
                                            "Nobody has to give a reason.",
        ("employer", "counterpart"): "If you decline, we will look for another job for the newcomer. "
                                     "Nobody has to give a reason.",
    }
    ended = {kind: last_line("match_ended", "en", kind, "newcomer", status="completed",
                             ended_because="completed")[0] for kind in KINDS}
    # A completed mentorship starts no new search: the newcomer asks on their page (review 8d, finding 1).
    assert ended == {
        "mentor": "If you would like a mentor again, press “I would like a mentor again” on your page (link "
                  "below). We look for a new mentor only when you ask.",
        "language_course": "If you would like another course, for example at the next level, we will look for "
                           "one for you.",
        "employer": "If you are looking for work again, we will look for a job for you.",
    }
    # A cancelled match of any kind: the matcher looks again at once (consumer: match.ended), and says so.
    assert last_line("match_ended", "en", "mentor", "newcomer", status="cancelled", ended_because="coordinator")[0] \
        == "We are looking for someone new for you and will write again."
    course = last_line("match_ended", "en", "language_course", "newcomer", status="cancelled",
                       ended_because="coordinator")
    assert course[0] == "We are looking for another course for you and will write again."


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("side", ["newcomer", "counterpart"])
def test_the_introductions_closing_line_names_what_is_looked_for(locale: str, kind: str, side: str) -> None:
    line, text, html = last_line("introduction", locale, kind, side)
    assert line in html and "%(" not in line
    if locale != "en":
        assert line != last_line("introduction", "en", kind, side)[0], "untranslated"
    course, job, mentor = (w in f" {line} " for w in (COURSE_WORD[locale], JOB_WORD[locale], MENTOR_WORD[locale]))
    assert (course, job) == (kind == "language_course", kind == "employer"), (line, course, job)
    # Only the mentor's counterpart is told of "another mentor"; the newcomer reads "someone else".
    assert mentor is (kind == "mentor" and side == "counterpart"), line
    others = {last_line("introduction", locale, k, s)[0] for k in KINDS for s in ("newcomer", "counterpart")}
    assert len(others) == 6
    if kind != "mentor":
        # No mentor's wording anywhere in a course's or a job's introduction.
        assert last_line("introduction", locale, "mentor", side)[0] not in text + html
        assert MENTOR_WORD[locale] not in text


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("ended_because", ["completed", "coordinator"])
def test_a_newcomers_match_ended_line_follows_the_kind(locale: str, kind: str, ended_because: str) -> None:
    status = "completed" if ended_because == "completed" else "cancelled"
    line, text, html = last_line("match_ended", locale, kind, "newcomer", status=status, ended_because=ended_because)
    assert line in html.replace("&#39;", "'") and "%(" not in line
    if locale != "en":
        assert line != last_line("match_ended", "en", kind, "newcomer", status=status,
                                 ended_because=ended_because)[0], "untranslated"
    course, job = (w in f" {line} " for w in (COURSE_WORD[locale], JOB_WORD[locale]))
    assert (course, job) == (kind == "language_course", kind == "employer"), line
    mentors = last_line("match_ended", locale, "mentor", "newcomer", status=status, ended_because=ended_because)[0]
    if ended_because == "coordinator":
        # No page lets a newcomer ask for the same mentor again, and the matcher never suggests them
        # again (offer_pools.excluded_pairs): the line tells of the new search it starts, in every language.
        assert mentors == translations("lotse.notifier", "notifier", locale).gettext(
            "We are looking for someone new for you and will write again."), mentors
    if kind != "mentor":
        # "someone new" is a mentor's sentence; neither course nor job repeats.
        assert mentors not in text + html and MENTOR_WORD[locale] not in text


@pytest.mark.parametrize(("locale", "press", "quoted"), [
    ("en", "press", "“{}”"), ("de", "drücken Sie", "„{}“"), ("uk", "натисніть", "«{}»")])
def test_the_email_change_email_says_to_press_the_pages_button(locale: str, press: str, quoted: str) -> None:
    """Opening the link changes nothing since 2849b51 (review 9a, finding 8): the email names the step
    that does, with the button's label as the intake page shows it in the reader's language."""
    label = translations("lotse.intake", "intake", locale).gettext("Confirm new address")
    email = render_email("email_change_confirm", locale, SAMPLE)
    for part in (email.text, email.html or ""):
        assert press in part and quoted.format(label) in part, part
    # The old address is told the same: opening the link alone changes nothing.
    notice = render_email("email_change_notice", locale, SAMPLE).text
    assert translations("lotse.notifier", "notifier", locale).gettext(
        "on your registration page, someone asked to use another e-mail address for your registration with Lotse. We "
        "sent a link to the new address; your address changes only when that link is opened and the change is "
        "confirmed on its page.") in notice
