"""Integration tests use the shared fixtures of tests/conftest.py."""

# The notifier's fixtures (an SMTP sink, its settings, the delivery loop, a running notifier) for
# every notifier test file, so none imports them by name only for pytest to find them.
from tests.integration.notifier_fixtures import delivery, running_notifier, sink, smtp_settings

__all__ = ["delivery", "running_notifier", "sink", "smtp_settings"]
