#!/usr/bin/env bash
# Refresh the message catalogs after changing texts: extract msgids into each package's .pot,
# then merge them into every locale's .po (new entries empty, changed ones marked fuzzy).
# Translators edit the .po files; the services read them directly (no compile step).
set -euo pipefail
cd "$(dirname "$0")/.."
PYBABEL=.venv/bin/pybabel
LOCALES=$(.venv/bin/python -c 'from lotse.shared.i18n import SUPPORTED_LOCALES, SOURCE_LOCALE; print(" ".join(l for l in SUPPORTED_LOCALES if l != SOURCE_LOCALE))')

catalog() {  # catalog DIRECTORY DOMAIN [LOCALES]
  local dir=$1 domain=$2 locales=${3:-$LOCALES}
  # The dashboard has a catalog of its own (German and English): keep it out of intake's.
  "$PYBABEL" extract -F babel.cfg -k N_ -k _ --no-location --sort-output --ignore-dirs="dashboard .*" \
    --project=Lotse --msgid-bugs-address=i18n@lotse.example -o "$dir/locales/$domain.pot" "$dir"
  for locale in $locales; do
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

# `deploy/i18n.sh intake|notifier|dashboard` refreshes one catalog only.
case "${1:-all}" in
  intake) catalog services/intake intake ;;
  notifier) catalog services/notifier notifier ;;
  dashboard) catalog services/intake/dashboard dashboard de ;;
  all) catalog services/intake intake; catalog services/notifier notifier
       catalog services/intake/dashboard dashboard de ;;
  *) echo "usage: $0 [intake|notifier|dashboard]" >&2; exit 2 ;;
esac
