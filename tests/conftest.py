"""Settings every test tier shares: a database and a broker vhost of the tests' own."""

from __future__ import annotations

import os

import pytest

from lotse.shared.config import Settings, load_settings

TEST_DATABASE_URL = os.environ.get(
    "LOTSE_TEST_DATABASE_URL", "postgresql://lotse:lotse@127.0.0.1:5432/lotse_test"
)
# A vhost of their own keeps tests away from the queues of a `lotse dev` on the same machine.
TEST_AMQP_URL = os.environ.get("LOTSE_TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/lotse_test")


def test_settings(**overrides: str) -> Settings:
    env = {
        "LOTSE_DATABASE_URL": TEST_DATABASE_URL,
        "LOTSE_AMQP_URL": TEST_AMQP_URL,
        "LOTSE_SECRET_KEY": "test-secret-key-0123456789",
        "LOTSE_OUTBOX_POLL_INTERVAL": "0.2",
        **overrides,
    }
    return load_settings(env)


@pytest.fixture(scope="session")
def settings() -> Settings:
    return test_settings()
