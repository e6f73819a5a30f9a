"""Error messages as the HTML forms say them.

The validator's messages are written for API clients ("Must have between 1 and 20 items."),
where a count and a boolean are what the request holds. On a form with four language rows or a
consent checkbox they read as technical; there a person gets a sentence about what to do. The
JSON API keeps the validator's precise messages.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Final

from lotse.intake.validation import (
    FALSE_UNLESS,
    INTEGER_RANGE,
    LIST_LENGTH,
    MUST_BE_TRUE,
    N_,
    START_PAST,
    FieldError,
    ValidationFailed,
)
from lotse.intake.web import forms
from lotse.intake.web.labels import FIELD_LABELS

# For a group left empty: (payload path, validator message) → what the form says instead.
EMPTY_GROUP: Final = {
    "languages": N_("Please give at least one language you speak, with its level."),
    "positions": N_("Please describe at least one open position."),
    "courses": N_("Please describe at least one course."),
    "helps_with": N_("Please choose at least one thing you can help with."),
}
NOT_TICKED: Final = {
    "consent.data_processing": N_("Please agree that the welcome centre stores your details. "
                                  "Without this we cannot find matches for you."),
}

# Children's ages: the validator's "Must be a whole number between 0 and 17." and "Must have
# between 0 and 15 items." are about items of a list the person never saw (review L5b); for any age
# it could not take, whether typed as a word, out of range or negative, the form says how to write them.
CHILDREN_AGES: Final = N_("Please write each child's age in years, as a number from %(min)s to %(max)s, "
                          "separated by commas, for example: 4, 9.")
TOO_MANY_CHILDREN: Final = N_("Please give the ages of at most %(max)s children.")

# A box that needs another one ticked: the API names the other field's path, the form its label.
ONLY_WITH: Final = N_("Only possible if “%(label)s” is ticked too.")
BOX_LABELS: Final = {"household.partner": N_("My partner comes with me")}

# A past start: the API names the late-entry field's path, the form its label.
START_PAST_FORM: Final = N_("The start is in the past. If newcomers can still join, fill in “%(label)s”.")


def for_form(path: str, error: FieldError, gettext: Callable[[str], str], payload: Mapping[str, object]) -> str:
    """The message for one field error on a form; `payload` is what the form's post stood for."""
    if error.message == LIST_LENGTH and path in EMPTY_GROUP and not payload.get(path):
        return gettext(EMPTY_GROUP[path])
    if error.message == MUST_BE_TRUE and path in NOT_TICKED:
        return gettext(NOT_TICKED[path])
    if error.message == INTEGER_RANGE and re.fullmatch(r"household\.children_ages\[\d+\]", path):
        return FieldError(CHILDREN_AGES, error.params).render(gettext)
    if error.message == LIST_LENGTH and path == "household.children_ages":
        return FieldError(TOO_MANY_CHILDREN, error.params).render(gettext)
    if error.message == FALSE_UNLESS and error.params.get("field") in BOX_LABELS:
        return FieldError(ONLY_WITH, {"label": gettext(BOX_LABELS[str(error.params["field"])])}).render(gettext)
    if error.message == START_PAST:
        return FieldError(START_PAST_FORM, {"label": gettext(FIELD_LABELS["late_entry_weeks"])}).render(gettext)
    return error.render(gettext)


def form_errors(
    form: forms.Form, failed: ValidationFailed, gettext: Callable[[str], str], payload: Mapping[str, object]
) -> dict[str, str]:
    """A refused form post's errors, each at the row the person filled in (`forms.form_path`) and
    in the form's words; `payload` is what `forms.to_payload` made of the post."""
    return {forms.form_path(form, path): for_form(path, error, gettext, payload)
            for path, error in failed.errors.items()}
