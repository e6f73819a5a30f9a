"""Codes on the dashboard shown by their labels in the coordinator's language, numbers in its format.

The API keeps its codes; only the dashboard turns them into words. Codes that the public forms
already label (needs, occupation fields, offers, course times and formats, "native") take the
forms' labels from the intake catalog, so a coordinator reads the words the participant chose;
the dashboard's own codes (kinds, states, reasons, score factors) are labelled here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import Any, Final

from babel import Locale
from babel.dates import format_date, format_skeleton, format_time
from babel.numbers import format_decimal, format_percent
from markupsafe import Markup

from lotse.intake import i18n as intake_i18n
from lotse.intake.validation import N_
from lotse.intake.web.vocabulary import LABELS as FORM_LABELS
from lotse.intake.web.vocabulary import LANGUAGE_NAMES
from lotse.shared.i18n import translations
from lotse.shared.reference import time_zone

PACKAGE: Final = "lotse.intake.dashboard"
DOMAIN: Final = "dashboard"

GROUPS: Final[dict[str, dict[str, str]]] = {
    "match_kind": {"mentor": N_("Mentor"), "language_course": N_("German course"), "employer": N_("Job")},
    "match_status": {
        "suggested": N_("suggested"), "approved": N_("approved"), "rejected": N_("rejected"),
        "withdrawn": N_("suggestion withdrawn"), "introduced": N_("introduced"), "declined": N_("declined"),
        "active": N_("active"), "completed": N_("completed"), "cancelled": N_("cancelled"),
    },
    "participant_kind": {"newcomer": N_("Newcomer"), "mentor": N_("Mentor"), "employer": N_("Employer"),
                         "language_provider": N_("Course provider")},
    "participant_status": {"pending_verification": N_("not yet verified"), "verified": N_("verified"),
                           "paused": N_("paused"), "withdrawn": N_("registration withdrawn"), "erased": N_("erased")},
    "unmet": {"no_mentor_in_reach": N_("No mentor within reach"), "no_fitting_course": N_("No fitting course"),
              "no_opening_in_field": N_("No opening in their field"),
              # lotse.shared.job_wait's more precise reasons for a job
              "opening_beyond_commute": N_("Openings only beyond their commute"),
              "opening_needs_german": N_("Openings only with better German"),
              "opening_needs_german_beyond_commute": N_("Openings only with better German and beyond their commute")},
    "factor": {
        "language": N_("Language"), "distance": N_("Distance"), "needs": N_("Needs"),
        "occupation": N_("Occupation field"), "about": N_("Own words"), "waiting": N_("Waiting time"),
        "schedule": N_("Course times"), "household": N_("Household"), "start": N_("Course start"),
        "german": N_("German"), "offers": N_("Offers"), "learned": N_("Earlier decisions"),
    },
    "consent": {"data_processing": N_("Data processing"), "share_contact": N_("Passing on contact details")},
    # The form's label for this need is the newcomer's own voice ("Work for my partner"); the
    # dashboard says whose need it is, as the mentor's email does.
    "need": {"partner_career": N_("Job search for the partner")},
    "arrival": {"abroad": N_("still abroad"), "arrived": N_("already in Thuringia")},
    "round_objective": {"best_total_score": N_("Best total score"),
                        "most_matched": N_("As many newcomers as possible")},
    "round_status": {"requested": N_("requested"), "running": N_("running"), "completed": N_("completed"),
                     "failed": N_("failed")},
    "reject_reason": {
        "not_a_good_fit": N_("Not a good fit"), "language": N_("Language does not fit"),
        "distance": N_("Too far apart"), "capacity": N_("No time or places left"),
        "participant_unreachable": N_("Participant cannot be reached"), "other": N_("Other reason"),
    },
    # Why the matcher or intake withdrew a suggestion (matches.reason, events' reason).
    "withdraw_reason": {
        "newcomer_unavailable": N_("The newcomer paused, withdrew or was erased"),
        "counterpart_unavailable": N_("The other side paused, withdrew or has no places left"),
        "course_closed": N_("The provider closed the course"),
        "course_started": N_("The course has started"),
        "position_closed": N_("The employer closed the position"),
        "rescored": N_("The newcomer's profile changed; suggestions were made anew"),
        "offer_changed": N_("The course or position changed; suggestions were made anew"),
        "participant_erased": N_("A participant's data was erased"),
        "stale": N_("Withdrawn when another suggestion was approved"),
    },
    "answer": {"accept": N_("accepted"), "decline": N_("declined")},
    # An employer's or course provider's answers say what became of the match (checkin_answers).
    "checkin": {"good": N_("going well"), "unsure": N_("not sure"), "bad": N_("not a good fit"),
                "not_in_touch": N_("not in touch yet"),
                "hired": N_("hired"), "talking": N_("still talking"), "not_hired": N_("did not come about"),
                "attending": N_("attending"), "stopped": N_("stopped attending"), "not_started": N_("never started")},
    "email_type": {
        "verification": N_("Address check"), "registration_confirmed": N_("Registration confirmed"),
        "introduction": N_("Introduction"), "reminder": N_("Reminder"), "match_declined": N_("Introduction declined"),
        "match_ended": N_("Match ended"), "checkin": N_("Check-in"), "erasure_confirmation": N_("Erasure confirmed"),
        "digest": N_("Daily summary"), "already_registered": N_("Already registered"),
        "manage_link": N_("New link to the registration"), "match_active": N_("Both said yes"),
        "email_change_confirm": N_("New e-mail address: confirmation link"),
        "email_change_notice": N_("E-mail address change: notice to the old address"),
        "email_changed": N_("E-mail address changed: notice to the old address"),
        "contact_changed": N_("E-mail address changed: new address to the other side of a match"),
        "checkin_again": N_("Check-in: still going, or finished?"),
        "pause_ending": N_("Pause ends soon: reminder"),
        "paused_by_centre": N_("Search paused by the welcome centre"),
        "resumed_by_centre": N_("Search resumed by the welcome centre"),
        "inactive_erasure_notice": N_("Announced deletion after a long time without activity"),
    },
    # Our own locale names that are no language code Babel knows.
    "locale": {"de-simple": N_("Plain German")},
    "email_status": {"pending": N_("waiting to be sent"), "sending": N_("being sent"), "sent": N_("sent"),
                     "failed": N_("failed"), "skipped": N_("not sent")},
    "role": {"coordinator": N_("Coordinator"), "admin": N_("Administrator"),
             "participant": N_("the participant, on their manage page"),
             # A scheduled job (audit.SYSTEM): the end of a pause the participant set.
             "system": N_("Lotse, automatically")},
    # Emails that are one notification type but say something else: the match_active email again after
    # a consent to share contact details given later (notifier's shared_later.py), told by its event.
    "email_variant": {"match_active_later": N_("Addresses passed on later")},
    # Why an erasure the system made happened (an audit entry's after.why; intake's inactive.py, review 9c F8).
    "erase_why": {"inactive_erasure_notice": N_("after the announced deletion for inactivity")},
    # Where a coordinator logged in (a `coordinator.login` audit entry's after: the session's kind).
    "login_kind": {"cookie": N_("on the dashboard"), "bearer": N_("through the API")},
    "subject": {"match": N_("Match"), "participant": N_("Participant"), "round": N_("Matching round"),
                "coordinator": N_("Coordinator"), "course": N_("German course"), "position": N_("Job")},
    "audit_action": {
        "match.approve": N_("approved a suggestion"), "match.reject": N_("rejected a suggestion"),
        "match.completed": N_("ended a match as completed"), "match.cancelled": N_("cancelled a match"),
        "match.connected": N_("put both sides in touch"),
        "match.flag_handled": N_("marked the flag as handled"),
        "participant.pause": N_("paused matching"), "participant.resume": N_("resumed matching"),
        "participant.erase": N_("erased personal data"), "participant.export": N_("exported all data"),
        # Bulk exports of personal data: the entry's detail holds the list's filters, its after the rows.
        "participant.csv_export": N_("downloaded the participants as CSV"),
        "match.csv_export": N_("downloaded the matches as CSV"),
        "round.start": N_("started a matching round"), "coordinator.invited": N_("invited a colleague"),
        "coordinator.activated": N_("activated an account"), "coordinator.deactivated": N_("deactivated an account"),
        "coordinator.password_reset": N_("reset a password"), "coordinator.password_set": N_("set their password"),
        "coordinator.login": N_("logged in"),  # its after: {"kind": …}, see "login_kind"
        # The participant's own changes on the manage page (audit.record_by_participant).
        "course.close": N_("closed the course"), "course.reopen": N_("reopened the course"),
        "course.change": N_("changed the course"), "position.close": N_("closed the position"),
        "position.reopen": N_("reopened the position"), "position.change": N_("changed the position"),
        "match.contact_shared": N_("agreed to share contact details: both sides are sent each other's address"),
        # Asked for and withdrawn on the manage page; confirmed with the link sent to the new address.
        "participant.email_change_requested": N_("asked for a new e-mail address"),
        "participant.email_change_cancelled": N_("withdrew the change of e-mail address"),
        "participant.email_changed": N_("confirmed the new e-mail address"),
        "participant.erase_own": N_("erased their own data"),
        "participant.export_own": N_("downloaded all their own data"),  # the manage page's JSON download
        "participant.pause_own": N_("paused their own matching"),
        "match.ended_own": N_("ended one of their matches"),
        "participant.resume_own": N_("resumed their own matching"),
        "participant.mentor_again_own": N_("asked for a mentor again"),  # after a completed mentorship
        # "Keep my registration" after the inactive_erasure_notice email (intake's inactive.py).
        "participant.keep_own": N_("kept their registration after its deletion was announced"),
        # The same for someone who phoned, on the participant page (inactive.keep_by_centre, review 9c F12).
        "participant.keep": N_("kept the registration for the person after its deletion was announced"),
        # A mentor's number of places, which the coordinators plan with (before → after).
        "participant.capacity_own": N_("changed their own number of places"),
        "participant.share_contact_withdrawn": N_("withdrew their consent to share contact details"),
    },
}


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """Labels and number formats of one dashboard locale; templates get it as `v`."""

    locale: str

    @property
    def babel(self) -> Locale:
        return _babel(self.locale)

    def _(self, message: str) -> str:
        return translations(PACKAGE, DOMAIN, self.locale).gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return translations(PACKAGE, DOMAIN, self.locale).ngettext(singular, plural, n)

    def label(self, group: str, code: object) -> str:
        """The label of a code in a group; a code nobody labelled yet is shown as it is."""
        text = str(code) if code is not None else ""
        own = GROUPS.get(group, {}).get(text)
        if own:
            return self._(own)
        form = FORM_LABELS.get(text)
        if form:
            return translations(intake_i18n.PACKAGE, intake_i18n.DOMAIN, self.locale).gettext(form)
        return text

    def labels(self, group: str, codes: Iterable[object] | None) -> str:
        return ", ".join(self.label(group, code) for code in codes or ())

    def language(self, code: str) -> str:
        """The language's name in the coordinator's language (not the endonym the forms show); a
        locale of ours such as de-simple by its own label."""
        if code in GROUPS["locale"]:
            return self.label("locale", code)
        return str(self.babel.languages.get(code) or LANGUAGE_NAMES.get(code) or code)

    def country(self, code: str) -> str:
        """An ISO country code's name in the coordinator's language ("UA" → "Ukraine")."""
        return str(self.babel.territories.get(code, code))

    def level(self, level: str) -> str:
        return self.label("level", level)

    def languages(self, rows: Iterable[Mapping[str, Any]] | None) -> str:
        """`[{"code": "vi", "level": "native"}]` → "Vietnamesisch Muttersprache"."""
        return ", ".join(f"{self.language(str(r['code']))} {self.level(str(r['level']))}" for r in rows or ())

    def num(self, value: float | int | None, digits: int = 0) -> str:
        if value is None:
            return "–"
        pattern = "#,##0" + ("." + "0" * digits if digits else "")
        return str(format_decimal(value, format=pattern, locale=self.babel))

    def signed(self, value: float, digits: int = 2) -> str:
        return ("+" if value >= 0 else "\u2212") + self.num(abs(value), digits)

    def percent(self, share: float | None) -> str:
        return "–" if share is None else str(format_percent(share, locale=self.babel))

    def date(self, day: date) -> str:
        return str(format_date(day, format="medium", locale=self.babel))

    def short_day(self, day: dt.date) -> str:
        """Day and month only, for a near date in a narrow column ("12.01.", "1/12")."""
        return str(format_skeleton("ddMM", day, locale=self.babel))

    def day(self, moment: dt.date | None) -> Markup:
        """A date as the coordinator writes it, machine-readable in <time>; a time's day in Thuringia."""
        if moment is None:
            return Markup("–")
        day = moment.astimezone(ZONE).date() if isinstance(moment, datetime) else moment
        return _time(day.isoformat(), self.date(day))

    def moment(self, moment: datetime | None) -> Markup:
        """Date and time in Thuringia, in the locale's format ("23.11.2026, 22:04")."""
        if moment is None:
            return Markup("–")
        local = moment.astimezone(ZONE)
        shown = str(self.babel.datetime_formats["medium"]).format(
            format_time(local, format="short", locale=self.babel), self.date(local.date()))
        return _time(moment.isoformat(timespec="seconds"), shown)

    def month(self, moment: dt.date | None) -> Markup:
        """Only the month ("November 2026"): what an erased person's matches still show of a time."""
        if moment is None:
            return Markup("–")
        day = moment.astimezone(ZONE).date() if isinstance(moment, datetime) else moment
        return _time(day.isoformat()[:7], str(format_date(day, format="LLLL yyyy", locale=self.babel)))

    def yes_no(self, value: object) -> str:
        return self._("yes") if value else self._("no")


def _time(machine: str, shown: str) -> Markup:
    return Markup('<time datetime="{}">{}</time>').format(machine, shown)


# Coordinators work in Thuringia; the database hands out UTC.
ZONE: Final = time_zone()


@cache
def for_locale(locale: str) -> Vocabulary:
    return Vocabulary(locale)


@cache
def _babel(locale: str) -> Locale:
    """Parsed once: every number, date and language name on a page asks for it, and
    `Locale.parse` builds a new object and looks for the locale's data file each time."""
    return Locale.parse(locale.split("-")[0])
