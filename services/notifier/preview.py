"""`lotse notifier preview TYPE LOCALE`: a notification rendered with sample data, for
translators and coordinators to read (no database, no mail server)."""

from __future__ import annotations

import sys
import uuid
from typing import Any

from lotse.notifier.compose import LINK_PURPOSE, Composer
from lotse.notifier.match_facts import language_name
from lotse.notifier.render import TYPES, render_email
from lotse.notifier.text_wrap import wrapped
from lotse.shared import tokens
from lotse.shared.i18n import SUPPORTED_LOCALES

BASE = "https://lotse.example"
# Links signed as the notifier signs them, so the preview shows them at the length people get
# (~120 characters): a 13-character stand-in hid that raw URLs widened emails past a phone's
# screen (review 12, F1).
_SIGNER = tokens.TokenSigner("preview-only-key")
_PERSON = str(uuid.UUID(int=1))
_MATCH = str(uuid.UUID(int=2))
_MANAGE = _SIGNER.sign(tokens.MANAGE, pid=_PERSON)
_RESPOND = _SIGNER.sign(tokens.RESPOND, mid=_MATCH, pid=_PERSON)
SAMPLE: dict[str, Any] = {
    "name": "Nguyễn Thị Lan",
    "manage_url": f"{BASE}/manage/{_MANAGE}",
    "verify_url": f"{BASE}/verify/{_SIGNER.sign(tokens.VERIFY, pid=_PERSON)}",
    "deleted_after_days": 30,
    "accept_url": f"{BASE}/respond/{_RESPOND}?answer=accept",
    "decline_url": f"{BASE}/respond/{_RESPOND}?answer=decline",
    "checkin_url": f"{BASE}/checkin/{_SIGNER.sign(tokens.CHECKIN, mid=_MATCH, pid=_PERSON)}",
    "end_url": f"{BASE}/manage/{_MANAGE}?end={_MATCH}",  # checkin_again: the match's end step
    "confirm_url": f"{BASE}/email-change/{_SIGNER.sign(tokens.EMAIL_CHANGE, pid=_PERSON, cid=str(uuid.UUID(int=3)))}",
    "new_address": "n…@e….org",
    "centre_contact": "welcome@lotse.example, 0361 123456",
    "kind": "mentor",
    "side": "newcomer",
    "answers": ("good", "unsure", "bad", "not_in_touch"),  # checkin: a newcomer's choices (checkin_choices.for_side)
    "other_title": "Thomas Berger",
    "organisation": "",
    "wanted": "",
    "schedule": None,
    "starts_on": None,
    "contact_email": "thomas.berger@example.org",
    "named": True,
    "addresses_follow": True,  # introduction: both consented, the addresses come with both yeses
    # match_active: "" for the second yes's email; "by_me"/"by_other" after a consent given later.
    "shared_later": "",
    "other_name": "Thomas Berger",
    "first_step_name": "Thomas",  # match_active: who writes first (match_context.first_step_name)
    "reasons": ["occupation"],
    "facts": [
        # Language names are filled in the reader's language at preview time (see preview()).
        {"code": "languages", "name": "Thomas Berger", "items": [{"language": "de", "level": "native"},
                                                                 {"language": "en", "level": "B2"}]},
        {"code": "needs_offered", "name": "Thomas Berger", "needs": ["authorities", "housing"]},
        {"code": "km_from_your_future", "other": "Thomas Berger", "there": "Jena", "here": "Gera", "km": 38},
        {"code": "online_until_you_arrive"},
    ],
    "status": "completed",
    "links_until": "24 December 2026",  # introduction, reminder, check-in, manage link: the answer links' last day
    "pause_ends": "12 January 2027",  # pause_ending: the day matching resumes, in the reader's words
    "erase_on": "12 January 2027",  # inactive_erasure_notice: the day the registration is deleted
    # erasure_confirmation: "" the person's own erasure; "inactive" (with the notice's day and the way
    # back) or "centre" otherwise (compose.erasure_recipient, review 9c F7).
    "reason": "",
    "noticed_on": "12 December 2026",
    "register_url": f"{BASE}/?lang=en",
    "ended_by_me": False,
    "ended_because": "completed",
    "new_suggestions": 7,
    "open_suggestions": 23,
    "flagged": [{"kind": "mentor", "code": "unanswered", "reason": "",
                 "newcomer": "Nguyễn Thị Lan", "counterpart": "Thomas Berger",
                 "url": f"{BASE}/dashboard/matches/SAMPLE-1"},
                {"kind": "employer", "code": "other", "reason": "<b>Arbeitgeber</b> meldet sich nicht",
                 "newcomer": "Li Wei", "counterpart": "", "url": f"{BASE}/dashboard/matches/SAMPLE-2"}],
    "flagged_url": f"{BASE}/dashboard/matches?flagged=1",
    "undelivered": 1,
    "dashboard_url": f"{BASE}/dashboard",
    "digest_settings_url": f"{BASE}/dashboard/account/digest",
}

NO_MANAGE_LINK = frozenset({"digest", "email_change_confirm", "email_changed"})


def preview(type_: str | None, locale: str) -> int:
    if type_ not in TYPES:
        print(f"notifier preview: TYPE must be one of: {', '.join(TYPES)}", file=sys.stderr)
        return 2
    if locale not in SUPPORTED_LOCALES:
        print(f"notifier preview: LOCALE must be one of: {', '.join(SUPPORTED_LOCALES)}", file=sys.stderr)
        return 2
    # Coordinators' digests have no manage link: there is no participant record to manage. Nor has
    # the email to a new address: that address is not yet shown to be the person's; nor the one
    # telling the old address of a change: that mailbox no longer opens the page.
    sample = {k: v for k, v in SAMPLE.items() if not (type_ in NO_MANAGE_LINK and k == "manage_url")}
    sample["facts"] = [{**f, "items": [{**i, "language": language_name(i["language"], locale)} for i in f["items"]]}
                       if f["code"] == "languages" else f for f in SAMPLE["facts"]]
    if locale.split("-")[0] == "de":  # German says the place with its preposition (match_facts._distance)
        sample["facts"] = [{**f, "here": f"in {f['here']}", "there": f"in {f['there']}"} if "here" in f else f
                           for f in sample["facts"]]
    if type_ in LINK_PURPOSE:  # the day its link last works, as the reader writes a date
        sample["links_until"] = Composer.links_until(type_, locale)
    email = render_email(type_, locale, sample)
    # The text part as it is sent (delivery wraps it), so a translator sees where its lines break.
    print(f"Subject: {email.subject}\nContent-Language: {locale}\n\n{wrapped(email.text)}")
    print("--- HTML part ---")
    print(email.html)
    return 0
