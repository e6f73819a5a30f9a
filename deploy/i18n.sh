#!/usr/bin/env bash
# Refresh the message catalogs after changing texts: extract msgids into each package's .pot,
# then merge them into every locale's .po (new entries empty, changed ones marked fuzzy).
# Translators edit the .po files; the services read them directly (no compile step).
set -euo pipefail
cd "$(dirname "$0")/.."
PYBABEL=.venv/bin/pybabel
LOCALES=$(.venv/bin/python -c 'from lotse.shared.i18n import SUPPORTED_LOCALES, SOURCE_LOCALE; print(" ".join(l for l in SUPPORTED_LOCALES if l != SOURCE_LOCALE))')

catalog() {  # catalog DIRECTORY DOMAIN
  local dir=$1 domain=$2
  "$PYBABEL" extract -F babel.cfg -k N_ -k _ --no-location --sort-output \
    --project=Lotse --msgid-bugs-address=i18n@lotse.example -o "$dir/locales/$domain.pot" "$dir"
  for locale in $LOCALES; do
    po="$dir/locales/$locale/LC_MESSAGES/$domain.po"
    # Babel knows `de`, not our `de-simple` (plain-language German): plural rules come from `de`.
    cldr=${locale%%-*}
    if [ -f "$po" ]; then
      "$PYBABEL" update --no-wrap -D "$domain" -i "$dir/locales/$domain.pot" -o "$po" -l "$cldr"
    else
      mkdir -p "$(dirname "$po")"
      "$PYBABEL" init --no-wrap -D "$domain" -i "$dir/locales/$domain.pot" -o "$po" -l "$cldr"
    fi
  done
}

# `deploy/i18n.sh intake` or `deploy/i18n.sh notifier` refreshes one catalog only.
case "${1:-all}" in
  intake) catalog services/intake intake ;;
  notifier) catalog services/notifier notifier ;;
  all) catalog services/intake intake; catalog services/notifier notifier ;;
  *) echo "usage: $0 [intake|notifier]" >&2; exit 2 ;;
esac
