"""Settings: one immutable object built from ``LOTSE_*`` variables at the entrypoint.

Tests build one from a plain dict with :func:`load_settings`.
"""

from __future__ import annotations

import dataclasses
import difflib
import ipaddress
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from email.utils import formataddr, parseaddr
from urllib.parse import urlsplit

from lotse.shared.mailaddress import ascii_domain_name

DEV_SECRET_KEY = "lotse-dev-secret-not-for-production"
# Coordinators' passwords (ASVS 2.1.1); here so start-up can warn about LOTSE_COORDINATOR_PASSWORD too.
MIN_PASSWORD_LENGTH = 12
MIN_SECRET_KEY_LENGTH = 16
# Placeholders printed in the repository (docker-compose.yml's default until review 8g, still in
# copies and .env files made from it; deploy/k8s/secret.yaml's "REPLACE-with-…"): anyone could sign
# manage and invite links with them, so outside dev mode they are refused, not warned about
# (docs/decisions.md, "Settings: refused or warned about").
PUBLIC_SECRET_KEYS = frozenset({"compose-demo-secret-change-me"})
# "REPLACE-with-…", "please-replace-me": the word, any case; not inside one ("irreplaceable").
PLACEHOLDER_MARK = re.compile(r"(?<![a-z])replace(?![a-z])", re.IGNORECASE)
# Coordinator passwords printed in the repository: `lotse dev`'s (shared/dev.py, the README) and
# docker-compose.yml's default until review 9a. LOTSE_COORDINATOR_* create an admin at start-up, so
# outside dev mode these (and a "REPLACE-…" from deploy/k8s/secret.yaml) are refused like the secret.
PUBLIC_COORDINATOR_PASSWORDS = frozenset({"lotse-dev-password", "welcome-to-thuringia"})
# The port of the development mail sink (`lotse mailsink`, `lotse dev`), also the contract's default.
MAILSINK_SMTP_PORT = 1025
# Submission over implicit TLS (RFC 8314, "SMTPS"): encrypted from the first byte, no STARTTLS.
SMTPS_PORT = 465


class ConfigError(Exception):
    """A setting is missing or malformed; the message names the variable."""


@dataclass(frozen=True, slots=True)
class Settings:
    database_url: str = "postgresql://lotse:lotse@127.0.0.1:5432/lotse"
    amqp_url: str = "amqp://guest:guest@127.0.0.1:5672/"
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 1025
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    # Implicit TLS (RFC 8314); None: on port 465 only, the port every provider gives it.
    smtp_tls: bool | None = None
    # Lets a login go out unencrypted to a host that is not this machine (a relay on a network
    # the operator trusts); without it the client refuses (docs/decisions.md, "SMTP over TLS").
    smtp_auth_unencrypted: bool = False
    smtp_timeout_s: float = 10.0
    smtp_connections: int = 4
    mail_from: str = "lotse@localhost"
    # Optional: the centre's mailbox people's replies go to (Reply-To on every email); unset, the
    # footer says replies are not read (review 12, F4).
    mail_reply_to: str | None = None
    http_host: str = "127.0.0.1"
    http_port: int = 8080
    metrics_port: int | None = None
    proxy_hops: int = 0
    public_url: str = "http://127.0.0.1:8080"
    secret_key: str = DEV_SECRET_KEY
    coordinator_email: str | None = None
    coordinator_password: str | None = None
    dev_mode: bool = False
    log_level: str = "INFO"
    verification_ttl_days: int = 30
    retention_ended_match_days: int = 365
    retention_email_log_days: int = 180
    retention_inactive_days: int = 730  # 0 = off (lotse.intake.inactive)
    intake_rate_limit_per_minute: int = 120
    # How long an intake request waits for a row or table another session holds: then 503 (review 10b, F4).
    lock_wait_s: float = 10.0
    # Above the largest registration within every field limit, escaped as JSON libraries send it by
    # default (50 courses with 200-character Cyrillic titles: ~90 KB as \u escapes; review 11a, F3).
    max_body_bytes: int = 256 * 1024
    publish_timeout_s: float = 5.0
    outbox_poll_interval_s: float = 1.0
    digest_interval_minutes: int = 60
    matcher_round_interval_minutes: int = 0
    # Optional: how to reach the welcome centre (address, phone), shown on the public error pages.
    centre_contact: str | None = None

    @property
    def secure_cookies(self) -> bool:
        return self.public_url.startswith("https://")

    @property
    def smtp_implicit_tls(self) -> bool:
        """Whether the SMTP connection is TLS from its first byte (LOTSE_SMTP_TLS, or port 465)."""
        return self.smtp_port == SMTPS_PORT if self.smtp_tls is None else self.smtp_tls


# Variable name -> (field, parser). The parser raises ValueError with a short reason.
def _bool(raw: str) -> bool:
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off", ""}:
        return False
    raise ValueError("expected true or false")


def _port(raw: str) -> int:
    try:
        port = int(raw)
    except ValueError:
        port = 0
    if not 0 < port < 65536:
        raise ValueError("expected a port number 1-65535")
    return port


def parse_port(variable: str, raw: str) -> int:
    """A port from a variable outside the settings (``LOTSE_DEV_MAIL_VIEWER_PORT``), refused alike."""
    try:
        return _port(raw)
    except ValueError as exc:
        raise ConfigError(f"{variable}={shown_value(variable, raw)} is invalid: {exc}") from None


def _positive_int(raw: str) -> int:
    value = int(raw)
    if value < 0:
        raise ValueError("expected a whole number >= 0")
    return value


def _at_least_one(raw: str) -> int:
    value = int(raw)
    if value < 1:
        raise ValueError("expected a whole number >= 1")
    return value


def _positive_float(raw: str) -> float:
    value = float(raw)
    if value <= 0:
        raise ValueError("expected a number > 0")
    return value


def _url(*schemes: str):  # type: ignore[no-untyped-def]
    def parse(raw: str) -> str:
        parts = urlsplit(raw)
        if parts.scheme not in schemes or not parts.hostname:
            raise ValueError(f"expected a URL starting with {' or '.join(schemes)}://")
        return raw.rstrip("/") if parts.scheme.startswith("http") else raw

    return parse


def _email(raw: str) -> str:
    if "@" not in raw or raw.startswith("@") or raw.endswith("@"):
        raise ValueError("expected an e-mail address")
    return raw.strip()


def _mail_from(raw: str) -> str:
    """The sender with its domain in IDNA (``xn--``) form, as the notifier writes recipients':
    MAIL FROM, the From header and Message-IDs then need no SMTPUTF8 for an umlaut domain."""
    value = _email(raw)
    address = parseaddr(value)[1]
    local, at, domain = address.rpartition("@")
    if not at or not local or not domain:
        raise ValueError("expected an e-mail address")
    written = f"{local}@{ascii_domain_name(domain)}"  # ValueError says why IDNA cannot
    name = parseaddr(value)[0]
    if not name.isascii():
        # Encoded once here ("=?utf-8?q?…?="): a raw umlaut in the From header would send every
        # email through the email package's slow path, or need SMTPUTF8 for a display name.
        return formataddr((name, written), charset="utf-8")
    start = value.rfind(address)  # keeps a display name ("Lotse <…>") as it was set
    return value[:start] + written + value[start + len(address):]


def _level(raw: str) -> str:
    level = raw.strip().upper()
    if level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
        raise ValueError("expected DEBUG, INFO, WARNING or ERROR")
    return level


def _text(raw: str) -> str:
    return raw


_VARIABLES: dict[str, tuple[str, object]] = {
    "LOTSE_DATABASE_URL": ("database_url", _url("postgresql", "postgres")),
    "LOTSE_AMQP_URL": ("amqp_url", _url("amqp", "amqps")),
    "LOTSE_SMTP_HOST": ("smtp_host", _text),
    "LOTSE_SMTP_PORT": ("smtp_port", _port),
    "LOTSE_SMTP_USER": ("smtp_user", _text),
    "LOTSE_SMTP_PASSWORD": ("smtp_password", _text),
    "LOTSE_SMTP_STARTTLS": ("smtp_starttls", _bool),
    "LOTSE_SMTP_TLS": ("smtp_tls", _bool),  # unset: implicit TLS on port 465 only
    "LOTSE_SMTP_AUTH_UNENCRYPTED": ("smtp_auth_unencrypted", _bool),
    "LOTSE_SMTP_TIMEOUT": ("smtp_timeout_s", _positive_float),
    "LOTSE_SMTP_CONNECTIONS": ("smtp_connections", _at_least_one),  # 0 would send nothing, silently
    "LOTSE_MAIL_FROM": ("mail_from", _mail_from),
    "LOTSE_MAIL_REPLY_TO": ("mail_reply_to", _mail_from),  # written as LOTSE_MAIL_FROM is
    "LOTSE_HTTP_HOST": ("http_host", _text),
    "LOTSE_HTTP_PORT": ("http_port", _port),
    "LOTSE_METRICS_PORT": ("metrics_port", _port),
    "LOTSE_PROXY_HOPS": ("proxy_hops", _positive_int),
    "LOTSE_PUBLIC_URL": ("public_url", _url("http", "https")),
    "LOTSE_SECRET_KEY": ("secret_key", _text),
    "LOTSE_COORDINATOR_EMAIL": ("coordinator_email", _email),
    "LOTSE_COORDINATOR_PASSWORD": ("coordinator_password", _text),
    "LOTSE_DEV_MODE": ("dev_mode", _bool),
    "LOTSE_LOG_LEVEL": ("log_level", _level),
    "LOTSE_VERIFICATION_TTL_DAYS": ("verification_ttl_days", _positive_int),
    "LOTSE_RETENTION_ENDED_MATCH_DAYS": ("retention_ended_match_days", _positive_int),
    "LOTSE_RETENTION_EMAIL_LOG_DAYS": ("retention_email_log_days", _positive_int),
    "LOTSE_RETENTION_INACTIVE_DAYS": ("retention_inactive_days", _positive_int),
    "LOTSE_INTAKE_RATE_LIMIT": ("intake_rate_limit_per_minute", _positive_int),
    "LOTSE_LOCK_WAIT": ("lock_wait_s", _positive_float),
    "LOTSE_PUBLISH_TIMEOUT": ("publish_timeout_s", _positive_float),
    "LOTSE_OUTBOX_POLL_INTERVAL": ("outbox_poll_interval_s", _positive_float),
    "LOTSE_DIGEST_INTERVAL_MINUTES": ("digest_interval_minutes", _positive_int),
    "LOTSE_MATCHER_ROUND_INTERVAL_MINUTES": ("matcher_round_interval_minutes", _positive_int),
    "LOTSE_CENTRE_CONTACT": ("centre_contact", _text),
}


# Project names read outside these settings (dev.py, deploy/infra.sh, tests, benchmarks): not
# warned about as unknown. LOTSE_DEV_ names are still compared with LOTSE_DEV_MODE for a slip.
_OTHER_PREFIXES = ("LOTSE_DEV_", "LOTSE_BENCH_", "LOTSE_TEST_", "LOTSE_DB_")
_OTHER_NAMES = frozenset({"LOTSE_UPDATE_SCREENSHOTS"})


def _secret_variable(variable: str) -> bool:
    return variable == "LOTSE_SECRET_KEY" or variable.endswith("_PASSWORD")


def mask_password(value: str) -> str:
    """``value`` with the password of a URL's user part (and a ``password=`` query) as ``***``.

    Works on values that do not parse too (``postgresql//lotse:pw@db``: a typo in the scheme
    must not put the database password into pod logs); masks more, never less.
    """
    value = re.sub(r"(?i)(password=)[^&#]*", r"\1***", value)
    head, at, tail = value.rpartition("@")  # the last @: a password may hold an unencoded one
    if not at:
        return value
    start = head.rfind("//")
    start = 0 if start < 0 else start + 2
    user, colon, _ = head[start:].partition(":")
    return f"{head[:start]}{user}:***@{tail}" if colon else value


def shown_value(variable: str, raw: str) -> str:
    """How an error names a variable's value: secrets not at all, URLs without their password."""
    if _secret_variable(variable):
        return "(value not shown)"
    return repr(mask_password(raw))


def load_settings(environ: Mapping[str, str] | None = None, *, needs_secret: bool = True) -> Settings:
    """Build settings from ``environ`` (default: the process environment).

    Raises :class:`ConfigError` with one line naming the offending variable. ``needs_secret``
    False (``lotse migrate``: it signs nothing) neither asks for LOTSE_SECRET_KEY nor checks it.
    """
    env = os.environ if environ is None else environ
    values: dict[str, object] = {}
    for variable, (field, parser) in _VARIABLES.items():
        raw = env.get(variable)
        if raw is None or (raw == "" and field != "secret_key"):
            continue
        try:
            values[field] = parser(raw)  # type: ignore[operator]
        except ValueError as exc:
            raise ConfigError(f"{variable}={shown_value(variable, raw)} is invalid: {exc}") from None
    settings = Settings(**values)  # type: ignore[arg-type]
    if not settings.dev_mode and needs_secret:
        secret = env.get("LOTSE_SECRET_KEY", "")
        if not secret:
            raise ConfigError(
                "LOTSE_SECRET_KEY is required outside dev mode (set it, or LOTSE_DEV_MODE=true)"
            )
        if _published(secret, PUBLIC_SECRET_KEYS):
            raise ConfigError(
                "LOTSE_SECRET_KEY is a placeholder published with Lotse (docker-compose.yml's old default, "
                "deploy/k8s/secret.yaml): anyone could forge links with it; set a random value, "
                "e.g. `openssl rand -hex 32`"
            )
        _refuse_published_coordinator(settings)
    if bool(settings.smtp_user) != bool(settings.smtp_password):
        raise ConfigError("LOTSE_SMTP_USER and LOTSE_SMTP_PASSWORD must be set together")
    if settings.smtp_starttls and settings.smtp_implicit_tls:
        # A server on 465 speaks TLS first and would never greet a client waiting to say STARTTLS.
        why = "LOTSE_SMTP_TLS=true" if settings.smtp_tls else f"LOTSE_SMTP_PORT={SMTPS_PORT} (implicit TLS)"
        raise ConfigError(f"LOTSE_SMTP_STARTTLS=true and {why} exclude each other: use port 587 with "
                          f"LOTSE_SMTP_STARTTLS, or port {SMTPS_PORT} with LOTSE_SMTP_STARTTLS unset")
    return settings


def _published(value: str, known: frozenset[str] = frozenset()) -> bool:
    """``value`` is one the repository prints: one of ``known``, or a "REPLACE-…" placeholder. The one
    rule for the secret and the bootstrap admin's address and password."""
    return value.strip() in known or PLACEHOLDER_MARK.search(value) is not None


def _refuse_published_coordinator(settings: Settings) -> None:
    """The bootstrap admin's address or password as the repository prints them: anyone who reads it
    could log in as that admin (review 9a, F11)."""
    if _published(settings.coordinator_email or ""):
        raise ConfigError(
            "LOTSE_COORDINATOR_EMAIL is a placeholder published with Lotse (deploy/k8s/secret.yaml): "
            "set the address of the first admin, or leave both LOTSE_COORDINATOR_* unset and use "
            "`lotse create-coordinator`"
        )
    if _published(settings.coordinator_password or "", PUBLIC_COORDINATOR_PASSWORDS):
        raise ConfigError(
            "LOTSE_COORDINATOR_PASSWORD is a password published with Lotse (README, docker-compose.yml, "
            "deploy/k8s/secret.yaml): anyone could log in as the admin it creates; choose your own, "
            "or leave both LOTSE_COORDINATOR_* unset and use `lotse create-coordinator`"
        )


def weak_settings(settings: Settings) -> list[str]:
    """One line per setting that works but should not be used in production, naming the variable.

    Warned about at start-up rather than refused: the contract asks only that the secret be set
    and that the coordinator named in the environment be created, and a service that will not
    start over a short value is worse for a trial or a test than one that says so in its log.
    """
    lines = _login_in_clear(settings)
    if not settings.dev_mode:
        lines += _production_addresses(settings)
    if not settings.dev_mode and len(settings.secret_key) < MIN_SECRET_KEY_LENGTH:
        lines.append(f"LOTSE_SECRET_KEY is shorter than {MIN_SECRET_KEY_LENGTH} characters: links in emails "
                     "are easier to forge; use a random value, e.g. `openssl rand -hex 32`")
    if settings.coordinator_email and settings.coordinator_password and \
            len(settings.coordinator_password) < MIN_PASSWORD_LENGTH:
        lines.append(f"LOTSE_COORDINATOR_PASSWORD is shorter than the {MIN_PASSWORD_LENGTH} characters a "
                     "coordinator's password needs: the coordinator is created with it; change it on "
                     "the dashboard after the first login")
    return lines


def loopback_host(host: str | None) -> bool:
    host = (host or "").strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified


def _login_in_clear(settings: Settings) -> list[str]:
    """The SMTP password would cross the network unencrypted (also in dev mode: it is a real one)."""
    if not settings.smtp_user or settings.smtp_starttls or settings.smtp_implicit_tls or \
            loopback_host(settings.smtp_host):
        return []
    if settings.smtp_auth_unencrypted:
        return [f"LOTSE_SMTP_AUTH_UNENCRYPTED is set: the SMTP password goes to {settings.smtp_host} "
                "unencrypted; anyone on the way can read it"]
    return [f"LOTSE_SMTP_USER is set but the connection to {settings.smtp_host} is not encrypted: the "
            "notifier will not send the password in clear and emails wait in their retries; set "
            "LOTSE_SMTP_STARTTLS=true (port 587) or LOTSE_SMTP_TLS=true (port 465)"]


def _production_addresses(settings: Settings) -> list[str]:
    """The development defaults (and slips like them) that send people links and mail nobody gets.

    Warnings, not refusals: tests and trials run outside dev mode on 127.0.0.1 with a local sink.
    """
    lines = []
    public = urlsplit(settings.public_url)
    if loopback_host(public.hostname):
        lines.append(f"LOTSE_PUBLIC_URL is on this machine only ({public.hostname}): links in emails will "
                     f"point at {public.hostname} and nobody else can open them; set LOTSE_PUBLIC_URL "
                     "to the address people reach Lotse at, e.g. https://lotse.example.org")
    elif public.scheme == "http":
        lines.append(f"LOTSE_PUBLIC_URL uses plain http ({public.hostname}): links in emails and "
                     "coordinators' logins travel unencrypted and session cookies are not marked Secure; set "
                     "LOTSE_PUBLIC_URL to an https:// address (TLS at the proxy in front of intake)")
    domain = parseaddr(settings.mail_from)[1].rpartition("@")[2]
    if loopback_host(domain):
        lines.append(f"LOTSE_MAIL_FROM is at {domain}: mail servers reject or junk emails from it and "
                     "replies reach no one; set LOTSE_MAIL_FROM to an address of the centre's domain")
    if loopback_host(settings.smtp_host) and settings.smtp_port == MAILSINK_SMTP_PORT:
        lines.append(f"LOTSE_SMTP_HOST and LOTSE_SMTP_PORT point at {settings.smtp_host}:{settings.smtp_port}, "
                     "the development mail sink: emails will reach no one; set LOTSE_SMTP_HOST and "
                     "LOTSE_SMTP_PORT to the centre's mail server (port 587 with LOTSE_SMTP_STARTTLS=true)")
    return lines


def unknown_variables(environ: Mapping[str, str]) -> list[str]:
    """One line per ``LOTSE_*`` name the settings do not know (a slip is otherwise silently ignored)."""
    known = sorted(_VARIABLES)
    lines = []
    for name in sorted(environ):
        if not name.startswith("LOTSE_") or name in _VARIABLES or name in _OTHER_NAMES:
            continue
        close = difflib.get_close_matches(name.upper(), known, n=1, cutoff=0.8)
        if name.startswith(_OTHER_PREFIXES) and not (close and close[0].startswith(_OTHER_PREFIXES)):
            continue
        hint = f"; did you mean {close[0]}?" if close else " (README, Configuration, lists the settings)"
        lines.append(f"{name} is not a Lotse setting and is ignored{hint}")
    return lines


def with_overrides(settings: Settings, **changes: object) -> Settings:
    return dataclasses.replace(settings, **changes)  # type: ignore[arg-type]
