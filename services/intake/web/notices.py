"""The privacy notice (GDPR Art. 13) and the accessibility statement (BITV 2.0 § 7): public pages in
the visitor's language, linked from every page's footer.

What they say is what Lotse does (docs/privacy.md); the storage periods are the configured ones,
read from the settings on every request, so the notice cannot promise a period the retention job
does not keep.
"""

from __future__ import annotations

from datetime import date
from typing import Final

from aiohttp import web

from lotse.intake import inactive, pause
from lotse.intake.i18n import request_locale
from lotse.intake.typedefs import settings_key
from lotse.intake.web.render import render
from lotse.shared.reference import locales

#: When the accessibility statement was last reviewed (BITV 2.0 § 7 asks for its date): change it
#: with the statement's text, e.g. when a known barrier below is removed.
STATEMENT_DATE: Final = date(2026, 11, 25)
#: How long the database's backups keep erased people: the nightly dumps (deploy/systemd/
#: lotse-backup.service, `-mtime +30`) and the cluster's base backups (deploy/k8s/postgres.yaml,
#: `retentionPolicy: 30d`). Deployment, not a setting; tests/unit/test_notice_backup_days.py keeps them equal.
BACKUP_DAYS: Final = 30
#: The authorities named by their own (German) names, marked lang="de" on every page.
SUPERVISORY_AUTHORITY: Final = (
    "Thüringer Landesbeauftragter für den Datenschutz und die Informationsfreiheit (TLfDI)", "https://www.tlfdi.de")
CONCILIATION_BODY: Final = ("Schlichtungsstelle nach § 16 BGG", "https://www.schlichtungsstelle-bgg.de")


async def privacy_page(request: web.Request) -> web.Response:
    settings = request.app[settings_key]
    return render(request, "privacy.html", {
        "unverified_days": settings.verification_ttl_days,
        # 0 = off: nobody is erased for inactivity, and the page does not say they would be.
        "inactive_days": settings.retention_inactive_days,
        "inactive_notice_days": inactive.NOTICE_DAYS,
        "ended_match_days": settings.retention_ended_match_days,
        "email_log_days": settings.retention_email_log_days,
        "backup_days": BACKUP_DAYS,
        "authority": SUPERVISORY_AUTHORITY,
    })


async def accessibility_page(request: web.Request) -> web.Response:
    locale = request_locale(request)
    return render(request, "accessibility.html", {
        "statement_date": STATEMENT_DATE,
        # As the reader writes a date ("25. November 2026", "25 листопада 2026 р."); de-simple as German.
        "statement_date_shown": pause.shown(STATEMENT_DATE, locale),
        "plain_german": locales()["de-simple"],
        "conciliation": CONCILIATION_BODY,
    })
