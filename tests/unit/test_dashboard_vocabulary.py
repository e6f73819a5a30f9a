"""Review 5, finding 12: the coordinators read labels, never codes, for every e-mail the notifier can
send and for every language an e-mail goes out in."""

from __future__ import annotations

import uuid

import pytest

from lotse.intake import audit
from lotse.intake.dashboard.vocabulary import GROUPS, for_locale
from lotse.notifier.render import TYPES
from lotse.shared.i18n import SUPPORTED_LOCALES


def test_every_notification_type_has_a_label() -> None:
    """A new type added to the notifier without a label here fails, instead of showing its code."""
    assert set(TYPES) <= set(GROUPS["email_type"])


@pytest.mark.parametrize("locale", ["de", "en"])
@pytest.mark.parametrize("type_", TYPES)
def test_an_email_type_reads_as_words(locale: str, type_: str) -> None:
    assert for_locale(locale).label("email_type", type_) != type_


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_every_locale_an_email_goes_out_in_has_a_name(locale: str) -> None:
    assert for_locale("de").language(locale) != locale
    assert for_locale("en").language(locale) != locale


def test_plain_german_is_named() -> None:
    assert for_locale("de").language("de-simple") == "Deutsch in Einfacher Sprache"
    assert for_locale("en").language("de-simple") == "Plain German"
    assert for_locale("de").label("email_type", "match_active") == "Beide haben zugesagt"


def test_every_audit_action_has_a_label_and_is_in_the_filter() -> None:
    """Review 6, finding 5: an action written to the audit log (audit.ACTIONS, which the writer
    enforces) without a label here would show its code on the audit page and be missing from its filter."""
    assert set(GROUPS["audit_action"]) == audit.ACTIONS


@pytest.mark.parametrize("locale", ["de", "en"])
@pytest.mark.parametrize("action", sorted(audit.ACTIONS))
def test_an_audit_action_reads_as_words(locale: str, action: str) -> None:
    assert for_locale(locale).label("audit_action", action) != action


async def test_an_action_nobody_labelled_is_not_written() -> None:
    with pytest.raises(ValueError, match=r"participant\.renamed"):  # refused before the connection is used
        await audit.record_by_participant(None, uuid.uuid4(), "participant.renamed", "participant", uuid.uuid4())
