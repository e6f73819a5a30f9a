"""Review 9c, F7: the erasure confirmation says "as you asked" only after the person's own erasure;
after the storage limit's it names the notice's day and the way back, after a coordinator's the
welcome centre, in every language the notifier writes."""

from __future__ import annotations

import pytest

from lotse.notifier.preview import SAMPLE
from lotse.notifier.render import render_email
from lotse.shared.i18n import SUPPORTED_LOCALES

NOTICED = "12 December 2026"


def _text(locale: str, reason: str) -> str:
    email = render_email("erasure_confirmation", locale, {**SAMPLE, "reason": reason, "noticed_on": NOTICED})
    return " ".join(email.text.split())


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_each_reason_has_its_own_translated_wording(locale: str) -> None:
    own, inactive, centre = (_text(locale, reason) for reason in ("", "inactive", "centre"))
    assert len({own, inactive, centre}) == 3
    assert NOTICED in inactive and SAMPLE["register_url"] in inactive
    assert NOTICED not in centre and SAMPLE["register_url"] not in centre
    if locale != "en":  # a real translation, not the English msgid
        assert "nothing happened on your registration" not in inactive
        assert "the welcome centre has deleted" not in centre
        assert "You are welcome to register again" not in inactive
