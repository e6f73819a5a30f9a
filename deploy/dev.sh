#!/usr/bin/env bash
# Bring up the whole system with demo data on this machine: infrastructure, install, `lotse dev`.
set -euo pipefail
cd "$(dirname "$0")/.."
deploy/infra.sh up
deploy/install.sh
exec .venv/bin/lotse dev "$@"
