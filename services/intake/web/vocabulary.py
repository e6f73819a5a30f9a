"""Labels for the codes of the shared vocabularies, in the visitor's language.

Codes stay as the API has them; only their labels are translated (msgids below, in the
intake catalog). Language names are endonyms, so everyone finds their own language.
"""

from __future__ import annotations

import unicodedata
from functools import cache
from typing import Final

from babel import Locale

from lotse.intake.i18n import DOMAIN, PACKAGE
from lotse.intake.validation import COUNTRY_CODES, N_
from lotse.intake.web.collation import collation_key
from lotse.shared.i18n import translations
from lotse.shared.reference import districts, locales, taxonomy

LABELS: Final = {
    "language_course": N_("German course"), "childcare": N_("Childcare (Kita)"), "school": N_("School"),
    "housing": N_("Housing"), "authorities": N_("Dealing with authorities"),
    "recognition": N_("Recognition of qualifications"), "health_insurance": N_("Health insurance"),
    "banking": N_("Bank account"), "partner_career": N_("Work for my partner"),
    "social_life": N_("Meeting people"), "workplace_integration": N_("Settling in at work"),
    "mobility": N_("Getting around"), "family_reunification": N_("Family reunification"),
    "nursing": N_("Nursing"), "healthcare": N_("Healthcare"), "it": N_("IT"), "engineering": N_("Engineering"),
    "crafts": N_("Crafts and trades"), "transport": N_("Transport and logistics"),
    "manufacturing": N_("Manufacturing"), "hospitality": N_("Hotels and restaurants"),
    "education": N_("Education"), "agriculture": N_("Agriculture"), "other": N_("Other"),
    "daytime": N_("Daytime"), "evening": N_("Evenings"), "weekend": N_("Weekends"), "intensive": N_("Intensive"),
    "in_person": N_("In person"), "online": N_("Online"), "hybrid": N_("Hybrid"),
    "mentor_program": N_("Mentoring programme"), "language_course_during_work": N_("German course during work"),
    "housing_help": N_("Help finding housing"), "relocation_support": N_("Relocation support"),
    "childcare_support": N_("Childcare support"), "partner_job_support": N_("Help with a job for the partner"),
    "native": N_("Native language"),
}
# What a mentor can help with, where the newcomer's words would be the mentor's own: "Work for my
# partner" read as help for the mentor's partner (review 11b, L1).
MENTOR_LABELS: Final = {"partner_career": N_("Job search for a newcomer's partner")}
# Endonyms: every visitor recognises their own language, whatever the page language.
LANGUAGE_NAMES: Final = {
    "de": "Deutsch", "en": "English", "uk": "Українська", "ru": "Русский", "vi": "Tiếng Việt", "zh": "中文",
    "mn": "Монгол", "sr": "Српски", "az": "Azərbaycanca", "pl": "Polski", "fr": "Français", "ar": "العربية",
    "tr": "Türkçe", "es": "Español", "it": "Italiano", "pt": "Português", "ro": "Română", "bg": "Български",
    "hu": "Magyar", "cs": "Čeština", "sk": "Slovenčina", "hr": "Hrvatski", "bs": "Bosanski", "sq": "Shqip",
    "el": "Ελληνικά", "fa": "فارسی", "hi": "हिन्दी", "ur": "اردو", "bn": "বাংলা", "ta": "தமிழ்", "th": "ไทย",
    "id": "Bahasa Indonesia", "tl": "Tagalog", "ja": "日本語", "ko": "한국어", "ka": "ქართული", "hy": "Հայերեն",
    "kk": "Қазақша", "uz": "Oʻzbekcha", "ky": "Кыргызча", "tg": "Тоҷикӣ", "be": "Беларуская", "lt": "Lietuvių",
    "lv": "Latviešu", "et": "Eesti", "nl": "Nederlands", "sw": "Kiswahili", "am": "አማርኛ", "ti": "ትግርኛ",
    "so": "Soomaali", "ku": "Kurdî", "ps": "پښتو",
}


def alphabetical(name: str) -> str:
    """A sort key that files "Sömmerda" under S-o as a German list does (before "Sonneberg" and
    "Suhl"), and "Čeština" under C: code point order puts every accented letter after z."""
    decomposed = unicodedata.normalize("NFKD", name)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


@cache
def for_locale(locale: str) -> dict[str, object]:
    gettext = translations(PACKAGE, DOMAIN, locale).gettext
    tax = taxonomy()

    def labelled(codes: list[str]) -> list[tuple[str, str]]:
        return [(code, gettext(LABELS[code]) if code in LABELS else code) for code in codes]

    levels = [(lvl, gettext(LABELS["native"]) if lvl == "native" else lvl) for lvl in tax["language_levels"]]
    return {
        "needs": labelled(list(tax["needs"])),
        "helps_with": [(code, gettext(MENTOR_LABELS[code]) if code in MENTOR_LABELS else label)
                       for code, label in labelled(list(tax["needs"]))],
        "occupation_fields": labelled(list(tax["occupation_fields"])),
        "schedules": labelled(list(tax["schedules"])),
        "course_formats": labelled(list(tax["course_formats"])),
        "employer_offers": labelled(list(tax["employer_offers"])),
        "levels": levels,
        "cefr_options": [(lvl, lvl) for lvl in tax["language_levels"] if lvl != "native"],
        "course_level_options": [(lvl, lvl) for lvl in ("A1", "A2", "B1", "B2", "C1")],
        "locales": list(locales().items()),
        "districts": sorted(((d.code, d.name) for d in districts().values()), key=lambda pair: alphabetical(pair[1])),
        "languages": sorted(LANGUAGE_NAMES.items(), key=lambda pair: alphabetical(pair[1])),
        "countries": countries(locale),
    }


def _named_countries(language: str) -> list[tuple[str, str]]:
    """Every accepted country of origin with its name in ``language``, in code order."""
    names = Locale.parse(language).territories
    return [(code, str(names.get(code, code))) for code in COUNTRY_CODES]


def country_names(locale: str) -> list[str]:
    """Every accepted country of origin's name in ``locale``."""
    return [name for _, name in _named_countries(locale.split("-")[0])]


def countries(locale: str) -> list[tuple[str, str]]:
    """Every accepted country of origin, named and sorted in the reader's language ("Україна", not UA);
    the form sends the two-letter code the API takes."""
    language = locale.split("-")[0]
    return sorted(_named_countries(language), key=lambda pair: collation_key(pair[1], language))
