from __future__ import annotations

import dataclasses
import logging

import pytest

from lotse.shared import cli
from lotse.shared.config import ConfigError, load_settings, weak_settings

SECRET = {"LOTSE_SECRET_KEY": "0123456789abcdef0123"}


def test_defaults_follow_the_contract() -> None:
    s = load_settings(SECRET)
    assert s.database_url == "postgresql://lotse:lotse@127.0.0.1:5432/lotse"
    assert s.amqp_url == "amqp://guest:guest@127.0.0.1:5672/"
    assert (s.smtp_host, s.smtp_port, s.smtp_starttls) == ("127.0.0.1", 1025, False)
    assert s.mail_from == "lotse@localhost"
    assert (s.http_host, s.http_port) == ("127.0.0.1", 8080)
    assert s.public_url == "http://127.0.0.1:8080"


def test_settings_are_immutable() -> None:
    s = load_settings(SECRET)
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.http_port = 1  # type: ignore[misc]  # frozen: the assignment is meant to fail


def test_values_are_parsed() -> None:
    s = load_settings({**SECRET, "LOTSE_SMTP_PORT": "2525", "LOTSE_SMTP_STARTTLS": "true",
                       "LOTSE_PUBLIC_URL": "https://lotse.example/", "LOTSE_HTTP_PORT": "9000"})
    assert (s.smtp_port, s.smtp_starttls, s.http_port) == (2525, True, 9000)
    assert s.public_url == "https://lotse.example"
    assert s.secure_cookies


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("LOTSE_SMTP_PORT", "smtp"),
        ("LOTSE_HTTP_PORT", "70000"),
        ("LOTSE_SMTP_STARTTLS", "maybe"),
        ("LOTSE_DATABASE_URL", "mysql://x"),
        ("LOTSE_AMQP_URL", "http://broker"),
        ("LOTSE_PUBLIC_URL", "ftp://x"),
        ("LOTSE_MAIL_FROM", "not-an-address"),
        ("LOTSE_SMTP_CONNECTIONS", "0"),
    ],
)
def test_a_bad_value_names_the_variable(variable: str, value: str) -> None:
    with pytest.raises(ConfigError) as error:
        load_settings({**SECRET, variable: value})
    assert str(error.value).startswith(variable)
    assert "\n" not in str(error.value)


def test_secret_key_is_required_outside_dev_mode() -> None:
    with pytest.raises(ConfigError, match="LOTSE_SECRET_KEY"):
        load_settings({})
    assert load_settings({"LOTSE_DEV_MODE": "true"}).dev_mode


def test_a_short_secret_key_is_used_and_warned_about_in_one_line_naming_it() -> None:
    settings = load_settings({"LOTSE_SECRET_KEY": "short"})
    assert settings.secret_key == "short"
    [line] = weak_settings(settings)
    assert line.startswith("LOTSE_SECRET_KEY is shorter than 16") and "\n" not in line
    assert weak_settings(load_settings(SECRET)) == []
    assert weak_settings(load_settings({"LOTSE_DEV_MODE": "true"})) == []


def test_a_short_bootstrap_coordinator_password_is_used_and_warned_about_naming_the_variable() -> None:
    both = {**SECRET, "LOTSE_COORDINATOR_EMAIL": "admin@example.org"}
    short = load_settings({**both, "LOTSE_COORDINATOR_PASSWORD": "admin123"})
    assert short.coordinator_password == "admin123"
    [line] = weak_settings(short)
    assert line.startswith("LOTSE_COORDINATOR_PASSWORD is shorter than the 12")
    assert weak_settings(load_settings({**both, "LOTSE_COORDINATOR_PASSWORD": "twelve chars"})) == []
    assert weak_settings(load_settings({**SECRET, "LOTSE_COORDINATOR_PASSWORD": "unused"})) == []  # no email


def test_a_service_logs_each_weak_setting_as_it_starts(monkeypatch: pytest.MonkeyPatch,
                                                       caplog: pytest.LogCaptureFixture) -> None:
    # weak_settings only words the warnings; `lotse <service>` must also log them (cli._settings).
    weak = load_settings({"LOTSE_SECRET_KEY": "short"})
    monkeypatch.setattr(cli, "load_settings", lambda: weak)
    monkeypatch.setattr(cli, "configure_logging", lambda service, level: None)  # keeps pytest's handler
    with caplog.at_level(logging.WARNING, logger="lotse.config"):
        assert cli._settings("intake") is weak
    warned = [(r.levelno, r.getMessage()) for r in caplog.records if r.name == "lotse.config"]
    assert warned == [(logging.WARNING, line) for line in weak_settings(weak)] and warned


def test_smtp_credentials_come_in_pairs() -> None:
    with pytest.raises(ConfigError, match="LOTSE_SMTP_USER"):
        load_settings({**SECRET, "LOTSE_SMTP_USER": "mailer"})


def test_log_lines_carry_no_addresses_or_link_tokens() -> None:
    import logging

    from lotse.shared.logs import JsonLineFormatter

    record = logging.LogRecord("lotse.test", logging.WARNING, __file__, 1, "refused: 550 <lan.nguyen@example.org>",
                               None, None)
    record.path = "/manage/eyJwaWQiOiIxMjMifQ.Zx8.abc/erase"
    record.reply = "user Thomas.Berger+lotse@mail.example.de unknown"
    line = JsonLineFormatter("test").format(record)
    assert "example.org" not in line and "mail.example.de" not in line and "eyJ" not in line
    assert "[email]" in line and "/manage/[token]/erase" in line


@pytest.mark.parametrize(("value", "written"), [
    ("lotse@willkommen-thüringen.de", "lotse@xn--willkommen-thringen-ibc.de"),
    ("Lotse <lotse@Willkommen-Thu\u0308ringen.de>", "Lotse <lotse@xn--willkommen-thringen-ibc.de>"),
    ("lotse@localhost", "lotse@localhost"),
    ("Willkommenszentrum Thüringen <lotse@thüringen.de>",
     "=?utf-8?q?Willkommenszentrum_Th=C3=BCringen?= <lotse@xn--thringen-75a.de>"),
])
def test_mail_from_is_written_with_its_domain_in_idna_form(value: str, written: str) -> None:
    """An umlaut domain in LOTSE_MAIL_FROM would need SMTPUTF8 in MAIL FROM and the From header."""
    assert load_settings({**SECRET, "LOTSE_MAIL_FROM": value}).mail_from == written


@pytest.mark.parametrize("value", ["lotse@straße.de", "lotse@" + "ü" * 60 + ".de", "Lotse <lotse@>"])
def test_a_mail_from_idna_cannot_write_fails_at_start_up_naming_the_variable(value: str) -> None:
    with pytest.raises(ConfigError) as error:
        load_settings({**SECRET, "LOTSE_MAIL_FROM": value})
    assert str(error.value).startswith("LOTSE_MAIL_FROM=") and "\n" not in str(error.value)
