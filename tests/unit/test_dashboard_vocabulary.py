"""Review 5, finding 12: the coordinators read labels, never codes, for every e-mail the notifier can
send and for every language an e-mail goes out in."""

from __future__ import annotations

import ast
import logging
import uuid
from pathlib import Path

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


async def test_an_action_nobody_labelled_is_still_written_and_logged(caplog: pytest.LogCaptureFixture) -> None:
    written: list[tuple[object, ...]] = []

    class Connection:
        async def execute(self, query: str, *args: object) -> None:
            written.append(args)

    await audit.record_by_participant(Connection(), uuid.uuid4(), "participant.pause_own",
                                      "participant", uuid.uuid4())
    assert _action_errors(caplog) == []  # a labelled action is written quietly
    await audit.record_by_participant(Connection(), uuid.uuid4(), "participant.renamed",
                                      "participant", uuid.uuid4())
    assert [args[2] for args in written] == ["participant.pause_own", "participant.renamed"]  # never lost
    assert _action_errors(caplog) == ["participant.renamed"]


def _action_errors(caplog: pytest.LogCaptureFixture) -> list[object]:
    """The actions audit logged as unlabelled (the action is in the record's extra, not its message)."""
    return [getattr(r, "action", None) for r in caplog.records
            if r.name == audit.log.name and r.levelno == logging.ERROR]


def _written_actions() -> set[str]:
    """Every action a call to audit.record… spells out in intake's code (f-strings are checked by their tests)."""
    found = set()
    for path in Path(audit.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr in {"record", "record_by_participant"}
                    and isinstance(node.func.value, ast.Name) and node.func.value.id == "audit"):
                action = node.args[2] if len(node.args) > 2 else None
                if isinstance(action, ast.Constant) and isinstance(action.value, str):
                    found.add(action.value)
    return found


def test_every_action_the_code_writes_is_listed() -> None:
    written = _written_actions()
    assert len(written) > 10  # the scan finds the writers
    assert written <= audit.ACTIONS, sorted(written - audit.ACTIONS)
