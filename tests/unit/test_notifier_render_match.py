"""What the emails about a match say concretely: shared languages and levels, the help wanted,
distance and online meetings, "where you will live" for a newcomer still abroad, nothing about
family to an employer, and why a match ended — in every locale, without English leftovers or
lines left empty by missing data."""

from __future__ import annotations

import re
from importlib import resources
from typing import Any

import pytest
from babel.messages.pofile import read_po

from lotse.notifier.match_context import ended_because, reasons
from lotse.notifier.match_facts import COVERED, facts, language_name, said
from lotse.notifier.preview import SAMPLE
from lotse.notifier.render import DOMAIN, PACKAGE, render_email
from lotse.shared.i18n import SOURCE_LOCALE, SUPPORTED_LOCALES, lower_first, translations
from lotse.shared.reference import taxonomy

# Family and children, partner, childcare in the catalogs' languages.
FAMILY = (r"(?i)famil|partner|child|kinder|enfant|дітей|дити|дете|дети|деца|деце|hүүхэд|хүүхэд|гэр бүл|孩子|托儿|"
          r"伴侣|家庭|con cái|trẻ|gia đình|dziec|rodzin|uşaq|ailə")
TRANSLATED = [locale for locale in SUPPORTED_LOCALES if locale != SOURCE_LOCALE]
SUHL, JENA, GERA = "16054", "16053", "16052"


def newcomer(**changes: Any) -> dict[str, Any]:
    person: dict[str, Any] = {
        "name": "Li Wei", "district": SUHL,
        "languages": [{"code": "zh", "level": "native"}, {"code": "de", "level": "B2"}],
        "profile": {"needs": ["school", "housing"], "arrival": "arrived", "online_ok": True,
                    "household": {"partner": True, "partner_seeks_work": True, "children_ages": [2]}},
    }
    return {**person, **changes}


MENTOR: dict[str, Any] = {
    "district": JENA, "languages": [{"code": "de", "level": "native"}, {"code": "en", "level": "C1"}],
    "profile": {"helps_with": ["school"], "max_distance_km": 30, "online_ok": True},
    "format": None, "childcare": None}
COURSE: dict[str, Any] = {"district": GERA, "languages": [], "profile": {}, "format": "in_person", "childcare": True,
                          "course_level": "B1"}
EMPLOYER: dict[str, Any] = {"district": GERA, "languages": [], "format": None, "childcare": None,
                            "profile": {"offers": ["childcare_support", "partner_job_support"]}}


def codes(found: list[dict[str, Any]]) -> list[str]:
    return [f["code"] for f in found]


def test_the_mentor_learns_the_language_the_newcomers_level_her_needs_and_that_it_is_online() -> None:
    found = facts("mentor", "counterpart", newcomer(), MENTOR, "Renate Albrecht", "en")
    assert codes(found) == ["languages", "needs_wanted", "household", "km_away", "online_beyond_you"]
    assert found[0]["items"] == [{"language": "German", "level": "B2"}] and found[0]["name"] == "Li Wei"
    assert found[1]["needs"] == ["school"]  # the needs this mentor helps with
    assert found[3]["km"] == 72 and found[3]["here"] == "Suhl"
    text = render_email("introduction", "en", {**SAMPLE, "side": "counterpart", "other_title": "Li Wei",
                                               "facts": found, "reasons": []}).text
    assert "Languages you both speak: German (Li Wei: B2)" in text
    assert "Li Wei would like help with: school" in text
    assert "Li Wei lives in Suhl, 72 km away." in text
    # Her own limit, said to her (review 8d, finding 12), and who comes along (finding 4).
    assert "That is further than you travel, so you would meet online." in text and "the mentor" not in text
    assert "Li Wei comes with family: a partner (looking for work) and 1 child (age 2)" in text


@pytest.mark.parametrize(("household", "says"), [
    ({"partner": True, "children_ages": [10, 6]}, "a partner and 2 children (ages 6 and 10)"),
    ({"partner": False, "partner_seeks_work": True, "children_ages": [4]}, "1 child (age 4)"),
    ({"partner": True, "partner_seeks_work": True}, "a partner (looking for work)"),
])
def test_the_mentor_is_told_who_comes_with_the_newcomer(household: dict[str, Any], says: str) -> None:
    li = newcomer(profile={"needs": ["school"], "arrival": "arrived", "household": household})
    found = facts("mentor", "counterpart", li, MENTOR, "Renate", "en")
    text = render_email("introduction", "en", {**SAMPLE, "side": "counterpart", "other_title": "Li Wei",
                                               "facts": found, "reasons": []}).text
    assert f"Li Wei comes with family: {says}\n" in text
    # Nobody else: the newcomer knows her family, and a single person has none to tell.
    assert "household" not in codes(facts("mentor", "newcomer", li, MENTOR, "Renate", "en"))
    alone = newcomer(profile={"needs": ["school"], "arrival": "arrived", "household": {"children_ages": []}})
    assert "household" not in codes(facts("mentor", "counterpart", alone, MENTOR, "Renate", "en"))


def test_needs_after_a_colon_read_as_a_list_in_german_and_in_lower_case_in_ukrainian() -> None:
    found = facts("mentor", "counterpart", newcomer(profile={"needs": ["authorities", "social_life"]}),
                  {**MENTOR, "profile": {**MENTOR["profile"], "helps_with": ["authorities", "social_life"]}},
                  "Renate", "de")
    context = {**SAMPLE, "side": "counterpart", "other_title": "Li Wei", "facts": found, "reasons": []}
    assert ("Dabei wünscht sich Li Wei Hilfe: Behördengänge und Menschen kennenlernen"
            in render_email("introduction", "de", context).text)
    uk = render_email("introduction", "uk", context).text
    assert "Li Wei просить допомоги в таких справах: справи з установами і знайомство з людьми" in uk
    # In English the labels are in lower case inside the sentence (review L5a), but for a name.
    assert "Li Wei would like help with: dealing with authorities and meeting people" in render_email(
        "introduction", "en", context).text
    course = render_email("introduction", "en", {**context, "facts": [{**found[1], "needs": ["language_course"]}]})
    assert "Li Wei would like help with: German course" in course.text


def test_the_newcomer_learns_the_mentors_level_and_what_she_can_help_with_in_her_language() -> None:
    found = facts("mentor", "newcomer", newcomer(), MENTOR, "Renate Albrecht", "zh")
    assert codes(found) == ["languages", "needs_offered", "km_from_you", "online"]
    text = render_email("introduction", "zh", {**SAMPLE, "facts": found, "reasons": []}).text
    assert "你们都会说的语言：德语（Renate Albrecht：母语）" in text
    assert "Renate Albrecht可以在以下方面帮助您：学校" in text and "School" not in text
    assert "72公里" in text and "在线见面" in text


def test_language_names_in_the_readers_language_and_the_code_where_babel_has_none() -> None:
    assert [language_name("uk", locale) for locale in ("de", "de-simple", "zh", "en")] == [
        "Ukrainisch", "Ukrainisch", "乌克兰语", "Ukrainian"]
    assert language_name("xx", "de") == "xx" and language_name("de", "xx-invalid") == "de"


def test_a_newcomer_abroad_is_never_told_you_live_close_to_each_other() -> None:
    lan = newcomer(name="Lan", district=GERA, profile={"arrival": "abroad", "needs": []})
    to_lan = facts("language_course", "newcomer", lan, COURSE, "VHS Gera", "vi")
    to_vhs = facts("language_course", "counterpart", lan, COURSE, "VHS Gera", "de")
    assert codes(to_lan) == ["near_your_future"]
    # The provider is told outright that Lan is still abroad, as an employer is (review 8f, finding 2).
    assert codes(to_vhs) == ["their_german_course", "their_languages_course", "still_abroad", "near_future"]
    de = render_email("introduction", "de", {**SAMPLE, "side": "counterpart", "facts": to_vhs,
                                             "reasons": ["distance"]}).text
    assert "Sie sind nah an dem Ort, an dem Lan wohnen wird (Gera)." in de
    assert "Lan ist noch im Ausland und noch nicht nach Thüringen gezogen." in de
    arrived = facts("language_course", "counterpart", {**lan, "profile": {"arrival": "arrived", "needs": []}},
                    COURSE, "VHS Gera", "de")
    assert "still_abroad" not in codes(arrived)
    assert "nah beieinander" not in de
    en = render_email("introduction", "en", {**SAMPLE, "facts": to_lan, "reasons": ["distance"]}).text
    assert "VHS Gera is close to where you will live (Gera)." in en and "close to each other" not in en
    mentor_abroad = facts("mentor", "counterpart", {**lan, "district": JENA}, MENTOR, "Renate", "de")
    assert codes(mentor_abroad)[-2:] == ["near_future", "online_until_arrival"]


def test_online_as_the_matcher_decided_it_on_the_unrounded_distance_and_only_if_both_accept() -> None:
    # Suhl–Jena is 72.2 km: beyond a 72 km limit, though the email rounds it to 72.
    limit_72 = {**MENTOR, "profile": {**MENTOR["profile"], "max_distance_km": 72}}
    assert codes(facts("mentor", "newcomer", newcomer(), limit_72, "Renate", "de"))[-1] == "online"
    declines = newcomer(profile={"needs": [], "arrival": "arrived", "online_ok": False})
    assert "online" not in codes(facts("mentor", "newcomer", declines, MENTOR, "Renate", "de"))
    # Still abroad: only who both accept online meet online until the arrival.
    abroad = {"needs": [], "arrival": "abroad"}
    near = {"district": JENA}
    offline_mentor = {**MENTOR, "profile": {**MENTOR["profile"], "online_ok": False}}
    assert codes(facts("mentor", "counterpart", newcomer(**near, profile={**abroad, "online_ok": False}),
                       MENTOR, "Renate", "de")) == ["languages", "near_future"]
    assert codes(facts("mentor", "newcomer", newcomer(**near, profile=abroad), offline_mentor, "Renate", "de")
                 )[-1] == "near_your_future"


@pytest.mark.parametrize(("level", "age", "shared", "childcare"), [("B1", 6, True, True), ("A2", 7, False, False)])
def test_a_shared_language_and_childcare_by_the_matchers_rules(level: str, age: int, shared: bool,
                                                               childcare: bool) -> None:
    # lotse.shared.languages and lotse.shared.childcare: English counts from B1, a child under 7 needs care.
    li = newcomer(district=GERA, languages=[{"code": "en", "level": level}],
                  profile={"needs": [], "household": {"children_ages": [age]}})
    assert ("languages" in codes(facts("mentor", "counterpart", li, MENTOR, "Renate", "de"))) is shared
    assert ("childcare_course_needed" in codes(facts("language_course", "counterpart", li, COURSE, "VHS", "de"))
            ) is childcare


def test_an_employer_hears_nothing_of_the_family_the_newcomer_hears_of_the_offers() -> None:
    to_employer = facts("employer", "counterpart", newcomer(district=GERA), EMPLOYER, "Klinikum", "de")
    to_newcomer = facts("employer", "newcomer", newcomer(district=GERA), EMPLOYER, "Klinikum", "de")
    assert codes(to_employer) == ["their_languages", "same_district"]
    assert codes(to_newcomer) == ["near_you", "childcare_job", "partner_job"]
    context = {**SAMPLE, "kind": "employer", "side": "counterpart", "other_title": "Li Wei", "wanted": "Nurse",
               "facts": to_employer, "reasons": ["household", "german"]}
    for locale in SUPPORTED_LOCALES:
        text = render_email("introduction", locale, context).text
        assert not re.search(FAMILY, text), locale


POSITION: dict[str, Any] = {**EMPLOYER, "min_german_level": "B1", "occupation_field": "nursing"}


def abroad_nurse() -> dict[str, Any]:
    """Lan: a nurse still abroad, with Vietnamese, English at B2, Russian at A2 and German at B1."""
    return newcomer(name="Lan", district=GERA, languages=[
        {"code": "ru", "level": "A2"}, {"code": "en", "level": "B2"}, {"code": "de", "level": "B1"},
        {"code": "vi", "level": "native"}],
        profile={**newcomer()["profile"], "arrival": "abroad", "occupation_field": "nursing"})


def test_an_employer_learns_the_field_the_german_the_languages_and_that_the_newcomer_is_abroad() -> None:
    """Review 5, finding 6: the employer had name, German and distance, nothing to decide on."""
    found = facts("employer", "counterpart", abroad_nurse(), POSITION, "Klinikum", "en")
    assert codes(found) == ["their_field_same", "their_german", "their_languages", "still_abroad", "near_future"]
    assert found[2]["items"] == [{"language": "Vietnamese", "level": "native"}, {"language": "English", "level": "B2"}]
    # The newcomer knows all that of themselves: their email says the job's side only (its field, review 12 F13).
    assert codes(facts("employer", "newcomer", abroad_nurse(), POSITION, "Klinikum", "en")) == [
        "position_field_yours", "your_german", "near_your_future", "childcare_job", "partner_job"]
    changed = facts("employer", "counterpart", abroad_nurse(), {**POSITION, "occupation_field": "healthcare"},
                    "Klinikum", "de")
    assert changed[0] == {"code": "their_field_other", "name": "Lan", "field": "nursing",
                          "position_field": "healthcare"}
    context = {**SAMPLE, "kind": "employer", "side": "counterpart", "other_title": "Lan", "wanted": "Nurse",
               "reasons": []}

    def to_employer(locale: str) -> str:
        found = facts("employer", "counterpart", abroad_nurse(), POSITION, "Klinikum", locale)
        return render_email("introduction", locale, {**context, "facts": found}).text

    said = {locale: to_employer(locale) for locale in ("en", "de", "vi")}
    assert "Lan's occupation field: nursing, the same as the position's." in said["en"]
    assert "Other languages Lan speaks well: Vietnamese (native speaker) and English (B2)" in said["en"]
    assert "Lan is still abroad and has not moved to Thuringia yet." in said["en"]
    assert "Berufsfeld von Lan: Pflege, dasselbe wie das der Stelle." in said["de"]
    assert "Weitere Sprachen, die Lan gut spricht: Vietnamesisch (Muttersprache) und Englisch (B2)" in said["de"]
    assert "Lan ist noch im Ausland und noch nicht nach Thüringen gezogen." in said["de"]
    assert "Lĩnh vực nghề nghiệp của Lan: điều dưỡng, trùng với lĩnh vực của vị trí." in said["vi"]
    assert "Lan hiện vẫn ở nước ngoài và chưa chuyển đến Thüringen." in said["vi"]
    assert "Russian" not in said["en"] and "Russisch" not in said["de"]  # A2: not spoken well
    other_field = render_email("introduction", "de", {**context, "facts": changed}).text
    assert "Berufsfeld von Lan: Pflege (Berufsfeld der Stelle: Gesundheitswesen)." in other_field
    for locale in SUPPORTED_LOCALES:  # and still nothing of the family, in any language
        assert not re.search(FAMILY, to_employer(locale)), locale


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_every_occupation_field_has_a_label_in_every_language(locale: str) -> None:
    # The English label may be the code's word ("nursing"): the label is looked for among the
    # catalog's texts (first letter as inside a sentence), not the code left out of the line.
    catalog = translations(PACKAGE, DOMAIN, locale)
    with (resources.files(PACKAGE) / "locales" / f"{DOMAIN}.pot").open("rb") as pot:
        labels = {lower_first(catalog.gettext(m.id), locale) for m in read_po(pot) if isinstance(m.id, str) and m.id}
    before, after = catalog.gettext("%(name)s's occupation field: %(field)s.").split("%(field)s")
    for field in taxonomy()["occupation_fields"]:
        fact = {"code": "their_field", "name": "Zora", "field": field}
        text = render_email("introduction", locale, {**SAMPLE, "side": "counterpart", "facts": [fact],
                                                     "reasons": []}).text
        [line] = [line for line in text.split("\n") if "Zora" in line]
        label = line.removeprefix("- " + before % {"name": "Zora"}).removesuffix(after)
        assert lower_first(label, locale) in labels and label != line, (locale, line)


def test_a_provider_is_told_a_childcare_place_is_needed_and_nothing_about_a_partner() -> None:
    found = facts("language_course", "counterpart", newcomer(district=GERA), COURSE, "VHS Gera", "de")
    assert codes(found) == ["their_german_course", "their_languages_course", "same_district",
                            "childcare_course_needed"]
    text = render_email("introduction", "de", {**SAMPLE, "kind": "language_course", "side": "counterpart",
                                               "facts": found, "reasons": ["household"]}).text
    assert "Li Wei bräuchte während des Kurses einen Platz in der Kinderbetreuung." in text
    assert "Partner" not in text
    no_child = newcomer(district=GERA, profile={"needs": [], "household": {"partner": True}})
    assert codes(facts("language_course", "counterpart", no_child, COURSE, "VHS", "de")) == [
        "their_german_course", "their_languages_course", "same_district"]


@pytest.mark.parametrize(("locale", "languages", "says"), [
    ("de", [{"code": "de", "level": "A2"}], "Deutsch von Li Wei: A2 (der Kurs: B1)."),
    ("en", [{"code": "de", "level": "A2"}], "Li Wei's German: A2 (the course: B1)."),
    ("zh", [{"code": "de", "level": "A2"}], "Li Wei的德语水平：A2（课程：B1）。"),
    ("de", [{"code": "zh", "level": "native"}], "Li Wei spricht noch kein Deutsch (der Kurs: B1)."),
])
def test_a_provider_reads_the_newcomers_german_beside_the_courses_level(locale: str, languages: list[Any],
                                                                       says: str) -> None:
    found = facts("language_course", "counterpart", newcomer(languages=languages), COURSE, "VHS Gera", locale)
    text = render_email("introduction", locale, {**SAMPLE, "kind": "language_course", "side": "counterpart",
                                                 "facts": found, "reasons": []}).text
    assert says in text
    to_her = facts("language_course", "newcomer", newcomer(languages=languages), COURSE, "VHS Gera", locale)
    assert not {"their_german_course", "their_no_german_course"} & set(codes(to_her))  # she knows her German


def test_a_provider_reads_every_language_besides_german_the_mother_tongue_first() -> None:
    """Review 8a, finding 11: a VHS judges from the first language whether an A1 learner needs a
    literacy or Latin-script course; any level counts, German has its own line."""
    olena = newcomer(name="Olena", languages=[{"code": "en", "level": "A2"}, {"code": "de", "level": "A1"},
                                              {"code": "ru", "level": "C1"}, {"code": "uk", "level": "native"}])
    found = facts("language_course", "counterpart", olena, COURSE, "VHS Gera", "de")
    assert found[1] == {"code": "their_languages_course", "name": "Olena", "items": [
        {"language": "Ukrainisch", "level": "native"}, {"language": "Russisch", "level": "C1"},
        {"language": "Englisch", "level": "A2"}]}
    context = {**SAMPLE, "kind": "language_course", "side": "counterpart", "other_title": "Olena",
               "wanted": "Deutsch A1", "reasons": []}
    text = render_email("introduction", "de", {**context, "facts": found}).text
    assert ("Sprachen, die Olena außer Deutsch spricht: Ukrainisch (Muttersprache), Russisch (C1) und "
            "Englisch (A2)") in text
    fr = render_email("introduction", "fr", {**context, "facts": facts(
        "language_course", "counterpart", olena, COURSE, "VHS Gera", "fr")}).text
    assert "Langues que Olena parle en plus de l’allemand : ukrainien (langue maternelle)" in fr
    only_german = newcomer(languages=[{"code": "de", "level": "native"}])
    assert "their_languages_course" not in codes(facts("language_course", "counterpart", only_german, COURSE, "",
                                                       "de"))
    # The newcomer knows her languages; the employer keeps its own, B1-or-better list.
    assert "their_languages_course" not in codes(facts("language_course", "newcomer", olena, COURSE, "VHS", "de"))
    assert "their_languages_course" not in codes(facts("employer", "counterpart", olena, POSITION, "Klinikum", "de"))


def test_the_newcomer_reads_the_employers_offers_by_name_not_extra_support() -> None:
    """Review 8a, finding 11: "The employer offers extra support" said nothing; the offers are named
    in the reader's language, and an offer another line already says is not repeated."""
    position = {**POSITION, "profile": {"offers": [
        "housing_help", "childcare_support", "language_course_during_work", "mentor_program"]}}
    pl = newcomer(name="Tomasz", district=GERA, languages=[{"code": "pl", "level": "native"},
                                                            {"code": "de", "level": "B1"}],
                  profile={"needs": [], "arrival": "arrived"})
    found = facts("employer", "newcomer", pl, position, "Klinikum", "pl")
    assert found[-1] == {"code": "employer_offers",
                         "offers": ["mentor_program", "language_course_during_work", "housing_help"]}
    # "The employer offers extra support …" is not said as well, nor "You work in the same field."
    assert said(found) == {"offers", "occupation"}
    text = _introduction("pl", "newcomer", found, []).text
    assert ("Pracodawca oferuje nowo przybyłym: program mentoringowy, kurs niemieckiego w czasie pracy "
            "i pomoc w szukaniu mieszkania") in text
    assert "Childcare" not in text and "opiece nad dziećmi" not in text  # a household offer only meets a need
    # One level short: the German line names the course, the list does not repeat it.
    a2 = {**pl, "languages": [{"code": "de", "level": "A2"}]}
    short = facts("employer", "newcomer", a2, position, "Klinikum", "en")
    assert codes(short)[:2] == ["position_field", "your_german_below"]  # the job's field, then German
    assert short[-1]["offers"] == ["mentor_program", "housing_help"]
    # Nothing to name: no line, and the employer's own email never lists its offers.
    assert "employer_offers" not in codes(facts("employer", "newcomer", pl, POSITION, "Klinikum", "en"))
    assert "employer_offers" not in codes(facts("employer", "counterpart", pl, position, "Klinikum", "en"))


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_every_offer_named_to_a_newcomer_has_a_label_in_every_language(locale: str) -> None:
    offers = [o for o in taxonomy()["employer_offers"] if o not in ("childcare_support", "partner_job_support")]
    text = render_email("introduction", locale, {**SAMPLE, "kind": "employer", "side": "newcomer", "reasons": [],
                                                 "facts": [{"code": "employer_offers", "offers": offers}]}).text
    for code in offers:
        assert code not in text, (locale, code)
    if locale != SOURCE_LOCALE:
        assert "help finding housing" not in text and "mentoring programme" not in text, locale


def test_an_online_course_says_so_instead_of_a_distance() -> None:
    found = facts("language_course", "newcomer", newcomer(), {**COURSE, "format": "online"}, "VHS", "de")
    assert codes(found)[0] == "online_course"


@pytest.mark.parametrize(("status", "end_reason", "expected"), [
    ("cancelled", "participant_erased", "erased"), ("cancelled", "rematch_requested", "rematch"),
    ("cancelled", "coordinator", "coordinator"), ("completed", "coordinator", "completed"),
])
def test_why_a_match_ended_comes_from_the_code_intake_stored(status: str, end_reason: str, expected: str) -> None:
    assert ended_because(status, end_reason) == expected


ERASED_NEWCOMER = {**SAMPLE, "side": "counterpart", "other_title": "", "named": False, "status": "cancelled",
                   "ended_because": "erased"}


def test_the_mentor_of_an_erased_newcomer_learns_what_happened_and_that_her_place_is_free() -> None:
    text = render_email("match_ended", "de", ERASED_NEWCOMER).text
    assert "Neu in Thüringen" not in text
    assert "Die neu zugezogene Person ist nicht mehr bei Lotse angemeldet." in text
    assert "Ihr Platz ist wieder frei. Danke für Ihre Zeit und Ihre Hilfe!" in text
    assert "\n\n\n" not in text


@pytest.mark.parametrize(("kind", "says"), [("mentor", "Your place is free again."),
                                            ("language_course", "The seat in the course is free again."),
                                            ("employer", "The position is open again.")])
def test_the_counterpart_learns_its_place_seat_or_opening_is_free(kind: str, says: str) -> None:
    for because in ("erased", "rematch", "coordinator"):
        text = render_email("match_ended", "en", {**ERASED_NEWCOMER, "kind": kind, "ended_because": because}).text
        assert says in text and "Thank you for your time and help!" in text


@pytest.mark.parametrize(("kind", "freed"), [
    ("mentor", "Your place is free again."),
    ("language_course", "Lotse counts the seat in the course as free again and may suggest someone else for it."),
    ("employer", "Lotse counts the opening as free again and may suggest someone else for it. If you have filled "
                 "it, you can lower the number of openings on your page (link below)."),
])
def test_an_erasure_names_the_match_by_its_day_and_a_running_place_is_counted_free(kind: str, freed: str) -> None:
    """Review 7, findings 4 and 10: the erased side's name is gone, so the day says which match; an
    introduction nobody answered is not "your match"; a running course or job is counted free by Lotse,
    not declared free (she may still attend or work there)."""
    # A course provider or an employer learns which of its courses or positions, in the subject too.
    wanted = {"mentor": "", "language_course": "Deutsch B1", "employer": "Pflege"}[kind]
    which = {"mentor": "", "language_course": " – Your course: Deutsch B1",
             "employer": " – Your position: Pflege"}[kind]
    ran = render_email("match_ended", "en", {**ERASED_NEWCOMER, "kind": kind, "wanted": wanted, "ran": True,
                                             "since": "3 November 2026"})
    assert ran.subject == "Your match has ended" + which
    assert "your match that began on 3 November 2026 has ended." in ran.text and freed in ran.text
    assert "Thank you for your time and help!" in ran.text and "\n\n\n" not in ran.text
    assert "your match that began on 3 November 2026 has ended." in (ran.html or "")
    introduced = render_email("match_ended", "en", {**ERASED_NEWCOMER, "kind": kind, "wanted": wanted,
                                                    "ran": False, "since": "24 November 2026"})
    assert introduced.subject == "An introduction has been withdrawn" + which
    assert "the introduction we sent you on 24 November 2026 has been withdrawn." in introduced.text
    assert "match" not in introduced.text.split("\n-- \n")[0].lower()
    assert "<title>An introduction has been withdrawn</title>" in (introduced.html or "")
    # Before both said yes the introduction held the place, and nothing else does now.
    assert render_email("match_ended", "en", {**ERASED_NEWCOMER, "kind": kind}).text.count("again") == 1


def test_the_newcomer_whose_mentor_was_erased_is_told_and_not_offered_the_same_person() -> None:
    text = render_email("match_ended", "en", {**ERASED_NEWCOMER, "side": "newcomer"}).text
    assert "Your mentor is no longer registered with Lotse." in text
    assert "Your mentor:" not in text and "same person" not in text
    assert "We are looking for someone new for you" in text


def all_facts() -> list[dict[str, Any]]:
    values = {"name": "Lan", "other": "Renate", "partner": "yes", "ages": ["4", "9"],
              "here": "Gera", "there": "Jena", "place": "Gera", "km": 38,
              "needs": ["school", "partner_career"], "items": [{"language": "Deutsch", "level": "native"}],
              "field": "crafts", "position_field": "transport", "level": "A2", "course_level": "B1",
              "offers": ["mentor_program", "relocation_support"]}
    return [{"code": code, **values} for code in (
        "languages", "needs_wanted", "needs_offered", "near_you", "near_your_future", "km_from_you",
        "km_from_your_future", "same_district", "near_future", "km_away", "km_away_future", "online",
        "online_until_arrival", "online_until_you_arrive", "online_course", "childcare_course",
        "childcare_course_needed", "childcare_job", "partner_job", "their_field", "their_field_same",
        "their_field_other", "position_field_yours", "position_field",
        "their_languages", "still_abroad", "their_german_course", "their_no_german_course",
        "their_languages_course", "employer_offers", "online_beyond_you", "household")] + [
        {"code": "household", "name": "Lan", "partner": partner, "ages": ages}
        for partner, ages in (("yes", []), ("seeks_work", ["3"]), ("", ["3", "12"]), ("", ["1", "2", "5", "11", "22"]))]


def match_variants() -> list[tuple[str, dict[str, Any]]]:
    found: list[tuple[str, dict[str, Any]]] = []
    for f in all_facts():
        found.append(("introduction", {**SAMPLE, "facts": [f], "reasons": []}))
    for kind in ("mentor", "language_course", "employer"):
        for side in ("newcomer", "counterpart"):
            for because in ("erased", "rematch", "coordinator", "completed"):
                for by_me in (False, True):
                    found.append(("match_ended", {
                        **SAMPLE, "kind": kind, "side": side, "ended_because": because, "ended_by_me": by_me,
                        "status": "completed" if because == "completed" else "cancelled",
                        "named": because != "erased", "other_title": "" if because == "erased" else "Renate"}))
            # An erasure names the match by its day, as an introduction or as a match that ran.
            for ran in (False, True):
                found.append(("match_ended", {**SAMPLE, "kind": kind, "side": side, "ended_because": "erased",
                                              "status": "cancelled", "named": False, "other_title": "",
                                              "wanted": "Pflege", "ran": ran, "since": "3 November 2026"}))
    return found


def sentences(text: str) -> set[str]:
    """The lines of the body that are words (not links, names or the signature)."""
    body = text.split("\n-- \n")[0]
    return {line.strip("- ").strip() for line in body.split("\n")
            if line.strip() and "http" not in line and line.strip("- ").strip() not in ("", "Renate")}


@pytest.mark.parametrize("locale", TRANSLATED)
def test_every_new_sentence_is_translated_and_leaves_no_empty_line(locale: str) -> None:
    for notification, context in match_variants():
        english = render_email(notification, "en", context).text
        local = render_email(notification, locale, context).text
        leftovers = {s for s in sentences(english) & sentences(local) if re.search(r"[a-z]{3}", s)}
        assert not leftovers, (notification, context.get("facts"), context.get("ended_because"), leftovers)
        for line in local.split("\n"):
            assert line.strip() != "-", (locale, notification)  # a bullet whose sentence came out empty
            # "Newcomer: " with the name gone, "(Gera)" without the place: a value left empty.
            assert not line.endswith(": "), (locale, line)
            assert "()" not in line and "（）" not in line, (locale, line)
        assert "\n\n\n" not in local, (notification, locale)


def _introduction(locale: str, side: str, found: list[dict[str, Any]], reasons: list[str]) -> Any:
    return render_email("introduction", locale, {
        **SAMPLE, "kind": "employer", "side": side, "other_title": "Lan" if side == "counterpart" else "Pflege",
        "organisation": "Klinikum", "wanted": "Pflege" if side == "counterpart" else "", "facts": found,
        "reasons": reasons})


def test_the_employer_reads_the_newcomers_facts_under_her_name_not_as_reasons() -> None:
    found = facts("employer", "counterpart", abroad_nurse(), POSITION, "Klinikum", "en")
    text = _introduction("en", "counterpart", found, ["about"]).text
    about, fits = text.index("About Lan:"), text.index("Why we think it fits:")
    assert about < text.index("Lan is still abroad") < fits  # not a reason
    assert fits < text.index("What you wrote about yourselves")  # the reasons keep their heading
    alone = _introduction("en", "counterpart", found, []).text
    assert "About Lan:" in alone and "Why we think it fits" not in alone
    html = _introduction("en", "counterpart", found, []).html or ""
    assert re.search(r"<h2[^>]*>About Lan:</h2>\n<ul><li>Lan&#39;s occupation field", html)
    # The newcomer's own email keeps "Why we think it fits:" over the job's facts.
    own = _introduction("en", "newcomer", facts("employer", "newcomer", abroad_nurse(), POSITION, "Klinikum", "en"),
                        []).text
    assert "Why we think it fits:\n- The position is in your field: nursing.\n- Your German: B1." in own
    assert "About" not in own


def _heading(text: str) -> str:
    """The line over the first listed fact."""
    lines = text.splitlines()
    return lines[next(i for i, line in enumerate(lines) if line.startswith("- ")) - 1]


@pytest.mark.parametrize("locale", TRANSLATED)
def test_the_heading_over_the_newcomers_facts_in_every_language(locale: str) -> None:
    found = facts("employer", "counterpart", abroad_nurse(), POSITION, "Klinikum", locale)
    heading = _heading(_introduction(locale, "counterpart", found, []).text)
    fits = _heading(_introduction(locale, "newcomer", found, []).text)  # "Why we think it fits:" translated
    assert "Lan" in heading and heading not in ("About Lan:", fits)


def test_the_field_said_to_the_employer_is_not_said_again_as_a_reason() -> None:
    to_employer = facts("employer", "counterpart", abroad_nurse(), POSITION, "Klinikum", "en")
    assert said(to_employer) == {"occupation"}
    # The newcomer reads the position's field (review 12, F13): not "You work in the same field." under it.
    assert said(facts("employer", "newcomer", abroad_nurse(), POSITION, "Klinikum", "en")) == {"occupation"}


# Review 12, F13: the job was named only by its German title ("Pflegefachkraft (m/w/d) Intensivstation").
POSITION_FIELD = {  # locale -> (the newcomer's field, another field)
    "en": ("The position is in your field: nursing.", "The position's field: healthcare."),
    "uk": ("Вакансія у вашій галузі: медсестринство та догляд (Pflege).", "Галузь вакансії: охорона здоров’я."),
    "vi": ("Vị trí này thuộc lĩnh vực của bạn: điều dưỡng.", "Lĩnh vực của vị trí: y tế."),
}


@pytest.mark.parametrize("locale", POSITION_FIELD)
def test_the_newcomer_reads_the_positions_field_in_her_language(locale: str) -> None:
    yours, other = POSITION_FIELD[locale]
    explanation = [{"factor": "occupation", "contribution": 0.4}, {"factor": "german", "contribution": 0.2}]
    for position, says in ((POSITION, yours), ({**POSITION, "occupation_field": "healthcare"}, other)):
        found = facts("employer", "newcomer", abroad_nurse(), position, "Klinikum", locale)
        why = reasons(explanation, exclude=COVERED | said(found))
        assert "occupation" not in why  # not "You work in the same field." under it
        email = _introduction(locale, "newcomer", found, why)
        assert f"\n- {says}\n" in email.text
        assert "<li>" + says.replace("'", "&#39;") + "</li>" in (email.html or "")
    # A position without a field: no line.
    unfielded = facts("employer", "newcomer", abroad_nurse(), {**POSITION, "occupation_field": None}, "Klinikum",
                      locale)
    assert not {"position_field", "position_field_yours"} & set(codes(unfielded))


def test_a_job_introduction_in_english_writes_the_labels_inside_its_sentences_in_lower_case() -> None:
    """Review L5a: "The employer's offers for newcomers: Mentoring programme, Help finding housing, and
    Relocation support" and "Lan's occupation field: Nursing, …": labels written for a form kept their
    capitals in the middle of an English sentence. A name keeps its capital, and so do German nouns."""
    offers = {"code": "employer_offers",
              "offers": ["mentor_program", "language_course_during_work", "housing_help", "relocation_support"]}
    fields = [{"code": "their_field_same", "name": "Lan", "field": "nursing"},
              {"code": "their_field_other", "name": "Kim", "field": "it", "position_field": "hospitality"}]

    def lines(locale: str) -> str:
        to_newcomer: str = _introduction(locale, "newcomer", [offers], []).text
        to_employer: str = _introduction(locale, "counterpart", fields, []).text
        return to_newcomer + to_employer

    english, german = lines("en"), lines("de")
    assert ("The employer's offers for newcomers: mentoring programme, German course during work, help finding "
            "housing, and relocation support\n") in english
    assert "Lan's occupation field: nursing, the same as the position's." in english
    assert "Kim's occupation field: IT (the position's field: hotels and restaurants)." in english
    assert ("Angebote des Arbeitgebers für Neuankommende: Mentoring-Programm, Deutschkurs während der Arbeit, "
            "Hilfe bei der Wohnungssuche und Unterstützung beim Umzug\n") in german
    assert "Berufsfeld von Kim: IT (Berufsfeld der Stelle: Hotel und Gastronomie)." in german
    # An abbreviation is not lowered where a list after a colon is written in lower case.
    assert "Kim — профессиональная сфера: ИТ (сфера вакансии: гостиницы и рестораны)." in lines("ru")


def test_azerbaijani_lowers_a_label_after_a_colon_with_its_own_i() -> None:
    """Review L5a left Azerbaijani out: "İnsanlarla tanışlıq" after a colon, since str.lower() makes
    "İ" "i̇" (i and a combining dot) and "I" "i" where Azerbaijani writes "i" and "ı". An
    abbreviation ("İT") keeps its capitals."""
    context = {**SAMPLE, "side": "counterpart", "other_title": "Li Wei", "reasons": [],
               "facts": [{"code": "needs_wanted", "name": "Li Wei",
                          "needs": ["social_life", "workplace_integration", "housing"]}]}
    needs = render_email("introduction", "az", context)
    assert "Li Wei bu mövzularda kömək istəyir: insanlarla tanışlıq, iş yerinə uyğunlaşma və mənzil" in needs.text
    assert "insanlarla tanışlıq" in str(needs.html) and "i\u0307" not in needs.text + str(needs.html)
    offers = {"code": "employer_offers", "offers": ["mentor_program", "language_course_during_work"]}
    fields = [{"code": "their_field_other", "name": "Kim", "field": "manufacturing", "position_field": "it"}]
    text = _introduction("az", "newcomer", [offers], []).text + _introduction("az", "counterpart", fields, []).text
    assert "İşəgötürənin yeni gələnlər üçün təklifləri: mentorluq proqramı və iş zamanı alman dili kursu" in text
    assert "Kim – peşə sahəsi: istehsalat (vakansiyanın sahəsi: İT)." in text
    assert [lower_first(word, "az") for word in ("Isti", "İş", "Ev")] == ["ısti", "iş", "ev"]
