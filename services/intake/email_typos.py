"""Common misspellings of big mail providers' domains, as people type them on a phone.

A registration with ``…@gmial.com`` is accepted by every syntax check, the verification email goes
nowhere, and the person has no way to find out (review 8f, finding 1). The web form asks once
"Did you mean …@gmail.com?" (web.registration); sending the form again keeps the address as typed,
so a real address at a look-alike domain is never refused. The JSON API does not ask (see
docs/decisions.md, "E-mail domain typos").

The list is deliberately small and exact: only domains nobody plausibly has a mailbox at, each
mapped to the one provider it is a slip of. No edit distance, no guessing from a longer list, no
DNS: a wrong hint costs a person's trust more than a missing one.
"""

from __future__ import annotations

from typing import Final

_BY_PROVIDER: Final[dict[str, tuple[str, ...]]] = {
    "gmail.com": ("gmial.com", "gmal.com", "gmai.com", "gmaill.com", "gamil.com", "gmil.com", "gnail.com",
                  "gmail.con", "gmail.co", "gmail.cm", "gmail.om", "gmail.comm", "gmali.com", "gmaul.com"),
    "googlemail.com": ("googlemial.com", "googlemal.com", "googlemail.con", "gogglemail.com"),
    "hotmail.com": ("hotmial.com", "hotmal.com", "hotmai.com", "homail.com", "hotmil.com", "hotmail.con",
                    "hotmail.co", "hotmaill.com"),
    "yahoo.com": ("yaho.com", "yahooo.com", "yhoo.com", "yaoo.com", "yahoo.con", "yahho.com"),
    "outlook.com": ("outlok.com", "outloo.com", "otlook.com", "outlook.con", "outllok.com", "outlook.co"),
    "icloud.com": ("iclod.com", "icoud.com", "icloud.con", "iclould.com"),
    "web.de": ("wed.de", "web.ed", "web.dr", "webde.de", "wbe.de", "weeb.de"),
    "gmx.de": ("gmx.ed", "gmx.dr", "gmx.dee", "gmxde.de", "gxm.de", "gmx.d"),
    "gmx.net": ("gmx.nett", "gmx.met", "gmx.ner", "gxm.net"),
    "t-online.de": ("tonline.de", "t-onlin.de", "t-online.ed", "t-onine.de"),
    "mail.ru": ("mail.ry", "mali.ru", "mial.ru"),
    "yandex.ru": ("yandex.ry", "yandx.ru", "yadex.ru"),
}
# Typed domain → the provider's.
TYPOS: Final[dict[str, str]] = {typo: right for right, typos in _BY_PROVIDER.items() for typo in typos}


def suggestion(address: object) -> str | None:
    """``address`` with its domain corrected, if that domain is a known slip; None otherwise,
    also for anything that is no address at all (the validator says what is wrong with that)."""
    if not isinstance(address, str):
        return None
    local, at, domain = address.strip().rpartition("@")
    if not at or not local:
        return None
    right = TYPOS.get(domain.strip().rstrip(".").lower())
    return f"{local}@{right}" if right else None
