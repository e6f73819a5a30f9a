"""The link to a person's own page (/manage/<token>), signed now, for the pages that end a step a
link in an email began: the address confirmed, the new address confirmed."""

from __future__ import annotations

import uuid

from aiohttp import web

from lotse.intake.i18n import keep_chosen_language
from lotse.intake.typedefs import signer_key
from lotse.shared import tokens


def manage_url(request: web.Request, participant_id: uuid.UUID) -> str:
    """Signed after any address change, so it opens the page (links signed before do not)."""
    token = request.app[signer_key].sign(tokens.MANAGE, pid=str(participant_id))
    return keep_chosen_language(request, str(request.app.router["manage"].url_for(token=token)))
