from __future__ import annotations

import dataclasses
import logging
import os

import pytest

from lotse.shared import cli
from lotse.shared.config import ConfigError, load_settings, weak_settings

SECRET = {"LOTSE_SECRET_KEY": "0123456789abcdef0123"}
# Outside dev mode with real addresses: no warning is about the addresses.
PRODUCTION = {**SECRET, "LOTSE_PUBLIC_URL": "https://lotse.example.org", "LOTSE_MAIL_FROM": "lotse@welcome.example",
              "LOTSE_SMTP_HOST": "mail.welcome.example", "LOTSE_SMTP_PORT": "587"}


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
    settings = load_settings({**PRODUCTION, "LOTSE_SECRET_KEY": "short"})
    assert settings.secret_key == "short"
    [line] = weak_settings(settings)
    assert line.startswith("LOTSE_SECRET_KEY is shorter than 16") and "\n" not in line
    assert weak_settings(load_settings(PRODUCTION)) == []
    assert weak_settings(load_settings({"LOTSE_DEV_MODE": "true"})) == []


def test_a_short_bootstrap_coordinator_password_is_used_and_warned_about_naming_the_variable() -> None:
    both = {**PRODUCTION, "LOTSE_COORDINATOR_EMAIL": "admin@example.org"}
    short = load_settings({**both, "LOTSE_COORDINATOR_PASSWORD": "admin123"})
    assert short.coordinator_password == "admin123"
    [line] = weak_settings(short)
    assert line.startswith("LOTSE_COORDINATOR_PASSWORD is shorter than the 12")
    assert weak_settings(load_settings({**both, "LOTSE_COORDINATOR_PASSWORD": "twelve chars"})) == []
    assert weak_settings(load_settings({**PRODUCTION, "LOTSE_COORDINATOR_PASSWORD": "unused"})) == []  # no email


def test_a_service_logs_each_weak_setting_as_it_starts(monkeypatch: pytest.MonkeyPatch,
                                                       caplog: pytest.LogCaptureFixture) -> None:
    # weak_settings only words the warnings; `lotse <service>` must also log them (cli._settings).
    weak = load_settings({"LOTSE_SECRET_KEY": "short"})
    monkeypatch.setattr(cli, "load_settings", lambda **_: weak)
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


@pytest.mark.parametrize("secret", ["compose-demo-secret-change-me", "REPLACE-with-openssl-rand-hex-32",
                                    "please-replace-me-with-something-long"])
def test_a_published_placeholder_secret_is_refused_outside_dev_mode_without_showing_it(secret: str) -> None:
    # docker-compose.yml's default and deploy/k8s/secret.yaml's text are public: anyone could sign links.
    with pytest.raises(ConfigError) as error:
        load_settings({**PRODUCTION, "LOTSE_SECRET_KEY": secret})
    message = str(error.value)
    assert message.startswith("LOTSE_SECRET_KEY is a placeholder") and "\n" not in message
    assert secret not in message
    assert load_settings({"LOTSE_DEV_MODE": "true", "LOTSE_SECRET_KEY": secret}).dev_mode
    assert load_settings({**PRODUCTION, "LOTSE_SECRET_KEY": "short"}).secret_key == "short"  # still a warning


@pytest.mark.parametrize(("variable", "value"), [
    ("LOTSE_COORDINATOR_EMAIL", "REPLACE-admin@welcome-centre.example"),  # deploy/k8s/secret.yaml
    ("LOTSE_COORDINATOR_PASSWORD", "REPLACE-then-change-after-first-login"),  # deploy/k8s/secret.yaml
    ("LOTSE_COORDINATOR_PASSWORD", "lotse-dev-password"),  # `lotse dev`, printed in the README
    ("LOTSE_COORDINATOR_PASSWORD", "welcome-to-thuringia"),  # docker-compose.yml's default until review 9a
])
def test_a_published_coordinator_is_refused_outside_dev_mode(variable: str, value: str) -> None:
    """Review 9a, F11: these create an admin whose address and password anyone can read."""
    env = {**PRODUCTION, "LOTSE_COORDINATOR_EMAIL": "first.admin@welcome.example",
           "LOTSE_COORDINATOR_PASSWORD": "our own long passphrase", variable: value}
    with pytest.raises(ConfigError) as error:
        load_settings(env)
    message = str(error.value)
    assert message.startswith(f"{variable} is a") and "\n" not in message
    assert "passphrase" not in message and "lotse-dev-password" not in message  # no password shown
    assert load_settings({**env, "LOTSE_DEV_MODE": "true"}).coordinator_password == env["LOTSE_COORDINATOR_PASSWORD"]
    assert load_settings({**PRODUCTION, "LOTSE_COORDINATOR_EMAIL": "first.admin@welcome.example",
                          "LOTSE_COORDINATOR_PASSWORD": "irreplaceable moments"}).coordinator_password


def test_a_published_coordinator_password_stops_the_command_with_exit_2(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    for variable, value in {**PRODUCTION, "LOTSE_COORDINATOR_EMAIL": "first.admin@welcome.example",
                            "LOTSE_COORDINATOR_PASSWORD": "welcome-to-thuringia"}.items():
        monkeypatch.setenv(variable, value)
    monkeypatch.delenv("LOTSE_DEV_MODE", raising=False)
    with pytest.raises(SystemExit) as stopped:
        cli._settings("intake")
    assert stopped.value.code == 2
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith("lotse intake: configuration error: LOTSE_COORDINATOR_PASSWORD is a password published")


def test_a_secret_with_the_mark_inside_a_word_is_no_placeholder() -> None:
    secret = "irreplaceable-moments-in-erfurt-2026"
    assert load_settings({**PRODUCTION, "LOTSE_SECRET_KEY": secret}).secret_key == secret


def test_development_addresses_outside_dev_mode_are_warned_about_naming_what_to_set() -> None:
    lines = weak_settings(load_settings(SECRET))  # the contract's defaults
    assert [line.split(" ")[0] for line in lines] == ["LOTSE_PUBLIC_URL", "LOTSE_MAIL_FROM", "LOTSE_SMTP_HOST"]
    public, mail_from, smtp = lines
    assert "links in emails will point at 127.0.0.1" in public and "set LOTSE_PUBLIC_URL" in public
    assert "localhost" in mail_from and "set LOTSE_MAIL_FROM" in mail_from
    assert "127.0.0.1:1025" in smtp and "mail sink" in smtp and "set LOTSE_SMTP_HOST and LOTSE_SMTP_PORT" in smtp
    assert all("\n" not in line for line in lines)
    assert weak_settings(load_settings({**SECRET, "LOTSE_DEV_MODE": "true"})) == []


@pytest.mark.parametrize(("changes", "warned"), [
    ({"LOTSE_PUBLIC_URL": "http://localhost:8080"}, "links in emails will point at localhost"),
    ({"LOTSE_PUBLIC_URL": "http://[::1]:8080"}, "links in emails will point at ::1"),
    ({"LOTSE_PUBLIC_URL": "http://lotse.example.org"}, "LOTSE_PUBLIC_URL uses plain http"),
    ({"LOTSE_MAIL_FROM": "Lotse <lotse@localhost>"}, "LOTSE_MAIL_FROM is at localhost"),
    ({"LOTSE_SMTP_HOST": "localhost", "LOTSE_SMTP_PORT": "1025"}, "localhost:1025, the development mail sink"),
])
def test_each_development_address_is_warned_about_on_its_own(changes: dict[str, str], warned: str) -> None:
    [line] = weak_settings(load_settings({**PRODUCTION, **changes}))
    assert warned in line


def test_a_local_mail_server_on_another_port_is_not_the_mail_sink() -> None:
    # A relay on the same host (postfix on 25, or 587) is a real way to send.
    assert weak_settings(load_settings({**PRODUCTION, "LOTSE_SMTP_HOST": "127.0.0.1", "LOTSE_SMTP_PORT": "25"})) == []


@pytest.mark.parametrize("variable", ["LOTSE_DATABASE_URL", "LOTSE_AMQP_URL"])
@pytest.mark.parametrize("value", ["postgresql//lotse:S3cretPass@db:5432/lotse", "mysql://lotse:S3cretPass@db/x",
                                   "amqp:/guest:S3cretPass@broker/", "x://lotse:p@S3cretPass@db/",
                                   "ftp://db/lotse?password=S3cretPass"])
def test_a_configuration_error_never_shows_a_url_password(variable: str, value: str) -> None:
    with pytest.raises(ConfigError) as error:
        load_settings({**SECRET, variable: value})
    message = str(error.value)
    assert message.startswith(f"{variable}=") and "S3cretPass" not in message and "***" in message


def test_the_value_of_a_secret_or_password_variable_is_never_shown() -> None:
    from lotse.shared.config import shown_value

    for variable in ("LOTSE_SECRET_KEY", "LOTSE_SMTP_PASSWORD", "LOTSE_COORDINATOR_PASSWORD"):
        assert "hunter2" not in shown_value(variable, "hunter2")
    assert shown_value("LOTSE_SMTP_HOST", "mail.example") == "'mail.example'"


def test_a_port_that_is_no_number_is_refused_naming_the_variable_and_the_range() -> None:
    with pytest.raises(ConfigError, match=r"^LOTSE_SMTP_PORT='smtp' is invalid: expected a port number 1-65535$"):
        load_settings({**SECRET, "LOTSE_SMTP_PORT": "smtp"})


def test_migrate_needs_no_secret_key() -> None:
    assert load_settings({}, needs_secret=False).database_url.startswith("postgresql://")
    assert load_settings({"LOTSE_SECRET_KEY": "REPLACE-with-openssl-rand-hex-32"}, needs_secret=False)


def test_unknown_lotse_variables_are_named_with_the_setting_they_resemble() -> None:
    from lotse.shared.config import unknown_variables

    lines = unknown_variables({"LOTSE_SMTP_PASS": "x", "LOTSE_PUBLIC_URl": "https://x", "LOTSE_DEFAULT_LOCALE": "de",
                               "LOTSE_DEV_MOD": "true", "PATH": "/bin", **SECRET})
    assert lines == [
        "LOTSE_DEFAULT_LOCALE is not a Lotse setting and is ignored (README, Configuration, lists the settings)",
        "LOTSE_DEV_MOD is not a Lotse setting and is ignored; did you mean LOTSE_DEV_MODE?",
        "LOTSE_PUBLIC_URl is not a Lotse setting and is ignored; did you mean LOTSE_PUBLIC_URL?",
        "LOTSE_SMTP_PASS is not a Lotse setting and is ignored; did you mean LOTSE_SMTP_PASSWORD?",
    ]
    # What the project itself reads outside the settings (lotse dev, deploy/infra.sh, tests, benchmarks).
    assert unknown_variables({"LOTSE_DEV_MAIL_VIEWER_PORT": "8026", "LOTSE_TEST_DATABASE_URL": "x",
                              "LOTSE_BENCH_DATABASE_URL": "x", "LOTSE_DB_PASSWORD": "x",
                              "LOTSE_UPDATE_SCREENSHOTS": "1"}) == []


def test_a_service_warns_once_about_each_unknown_variable(monkeypatch: pytest.MonkeyPatch,
                                                          caplog: pytest.LogCaptureFixture) -> None:
    for name in [n for n in os.environ if n.startswith("LOTSE_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("LOTSE_SECRET_KEY", "0123456789abcdef0123")
    monkeypatch.setenv("LOTSE_SMTP_PASS", "x")
    monkeypatch.setattr(cli, "configure_logging", lambda service, level: None)
    with caplog.at_level(logging.WARNING, logger="lotse.config"):
        cli._settings("notifier")
    warned = [r.getMessage() for r in caplog.records if r.name == "lotse.config"]
    assert [line for line in warned if line.startswith("LOTSE_SMTP_PASS ")] == [
        "LOTSE_SMTP_PASS is not a Lotse setting and is ignored; did you mean LOTSE_SMTP_PASSWORD?"]


def test_a_reply_to_address_is_read_as_the_sender_is_and_refused_in_one_line_if_malformed() -> None:
    """LOTSE_MAIL_REPLY_TO (review 12, F4): optional, written like LOTSE_MAIL_FROM (IDNA domain, an
    encoded display name), and a slip stops the start with the variable's name."""
    assert load_settings(SECRET).mail_reply_to is None
    assert load_settings({**SECRET, "LOTSE_MAIL_REPLY_TO": "Zentrum <hallo@thüringen.de>"}).mail_reply_to == \
        "Zentrum <hallo@xn--thringen-75a.de>"
    for bad in ("welcome-centre", "Zentrum <hallo@>"):
        with pytest.raises(ConfigError) as error:
            load_settings({**SECRET, "LOTSE_MAIL_REPLY_TO": bad})
        assert str(error.value).startswith("LOTSE_MAIL_REPLY_TO=") and "\n" not in str(error.value)
