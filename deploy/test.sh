#!/usr/bin/env bash
# The test command: installs and starts everything the tests need, then runs them.
# Extra arguments go to pytest, e.g. `deploy/test.sh tests/unit -x`.
set -euo pipefail
cd "$(dirname "$0")/.."

deploy/infra.sh up
deploy/install.sh

# The browser tests drive Debian's chromium (no browser download).
if ! command -v chromium >/dev/null 2>&1; then
  echo "test: installing chromium for the browser tests"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi

# The tests' own broker vhost and database, away from a running `lotse dev`.
rabbitmqctl -q add_vhost lotse_test >/dev/null 2>&1 || true
rabbitmqctl -q set_permissions -p lotse_test guest '.*' '.*' '.*' >/dev/null

.venv/bin/ruff check .
.venv/bin/mypy  # the product (as `lotse.*`), tests/ and bench/ (see pyproject.toml)
exec .venv/bin/pytest "$@"
