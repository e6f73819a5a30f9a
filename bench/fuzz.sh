#!/usr/bin/env bash
# The long schemathesis run (CI runs a bounded one in tests/e2e/test_api_fuzz.py).
# Usage: bench/fuzz.sh [BASE_URL] [SECONDS]; needs a running intake (`lotse dev`) and
# LOTSE_COORDINATOR_EMAIL / LOTSE_COORDINATOR_PASSWORD of a coordinator for the protected routes.
set -euo pipefail
cd "$(dirname "$0")/.."
BASE_URL=${1:-http://127.0.0.1:8080}
SECONDS_BUDGET=${2:-900}
TOKEN=$(curl -sf -X POST "$BASE_URL/api/v1/auth/login" -H 'Content-Type: application/json' \
  -d "{\"email\": \"$LOTSE_COORDINATOR_EMAIL\", \"password\": \"$LOTSE_COORDINATOR_PASSWORD\"}" |
  .venv/bin/python -c 'import json, sys; print(json.load(sys.stdin)["token"])')
exec .venv/bin/schemathesis run "$BASE_URL/api/v1/openapi.json" \
  --checks all --exclude-checks positive_data_acceptance --exclude-path /api/v1/auth/login \
  --exclude-path /api/v1/auth/logout \
  --header "Authorization: Bearer $TOKEN" --max-examples 500 --max-time "$SECONDS_BUDGET" --workers 2
