"""E-mail domains in IDNA: the ASCII (``xn--``) form the notifier sends to, and the one form intake
stores, so that every spelling of a domain (``BÜCHER.de``, ``xn--bcher-kva.de``, decomposed
umlauts) is one mailbox. Both services use these, so they cannot disagree about a domain.

The stdlib codec is IDNA 2003 (the project does not depend on the ``idna`` package).
"""

from __future__ import annotations

import unicodedata
from typing import Final

# IDNA 2003 maps these to something else (ß → "ss", ς → σ, joiners dropped), where IDNA 2008,
# which registries use today, keeps them: "straße.de" and "strasse.de" are two domains with
# different owners. Its other limits (it takes symbols, and code points newer than Unicode 3.2,
# that 2008 refuses) only give names nobody can register, so such an email bounces; these four
# would reach a stranger.
_IDNA_DEVIATIONS: Final = frozenset("\u00df\u03c2\u200c\u200d")
_DOMAIN_MAX: Final = 253  # octets of a domain name as DNS carries it (RFC 1035, without the root)
_ACE_PREFIX: Final = "xn--"


def ascii_domain_name(domain: str) -> str:
    """``domain`` in IDNA's ASCII form (``xn--…``); ValueError, with the reason, for a domain
    that IDNA cannot write (or not safely)."""
    if not _IDNA_DEVIATIONS.isdisjoint(domain):
        raise ValueError("the address's domain contains ß, ς or a joiner, which IDNA 2003 and IDNA 2008 "
                         "write differently; it is not sent, so it cannot reach the wrong domain")
    try:
        encoded = domain.encode("idna").decode("ascii")
    except UnicodeError as exc:
        raise ValueError(f"the address's domain cannot be written in IDNA (xn--) form: {exc}") from None
    if len(encoded.rstrip(".")) > _DOMAIN_MAX:
        raise ValueError(f"the address's domain is longer than {_DOMAIN_MAX} characters in IDNA (xn--) form")
    return encoded


def ascii_domain(address: str) -> str:
    """``address`` with its domain in IDNA's ASCII form where its local part is ASCII, so the
    address needs no SMTPUTF8: the envelope and the To header then carry the same name.

    A local part outside ASCII needs SMTPUTF8 whatever the domain, so that address is returned as
    it is. ValueError, with the reason, for a domain that IDNA cannot write (or not safely).
    """
    local, at, domain = address.rpartition("@")
    if address.isascii() or not at or not local.isascii():
        return address
    return f"{local}@{ascii_domain_name(domain)}"


def canonical_domain(domain: str) -> str:
    """The one stored form of ``domain``: lower case, NFKC as IDNA maps it, ``xn--`` labels
    decoded, as a person recognises it on screen (docs/decisions.md). The round trip through
    the ASCII form is what makes two spellings of one DNS name equal here.

    ValueError, with the reason, where the notifier could not send to it (:func:`ascii_domain_name`)
    or an ``xn--`` label is no valid IDNA label.
    """
    return ".".join(_unicode_label(label) for label in ascii_domain_name(domain).lower().split("."))


def _unicode_label(label: str) -> str:
    if not label.startswith(_ACE_PREFIX):
        return label
    try:
        decoded = label[len(_ACE_PREFIX):].encode("ascii").decode("punycode")
    except UnicodeError:
        raise ValueError(f"the address's domain has a label that is no IDNA label: {label}") from None
    if not _IDNA_DEVIATIONS.isdisjoint(decoded):
        # An IDNA 2008 name ("xn--strae-oqa" is straße): IDNA 2003 cannot write its Unicode form,
        # so it stays in the ASCII form, which reaches the right domain.
        return label
    try:
        return label.encode("ascii").decode("idna")  # checks the round trip, as ToUnicode must
    except UnicodeError:
        raise ValueError(f"the address's domain has a label that is no IDNA label: {label}") from None


def canonical_address(address: str) -> str:
    """``address`` trimmed, NFC, its domain in :func:`canonical_domain`'s form; as it was where
    the domain cannot be written in IDNA (for lookups: such an address was never stored either)."""
    written = unicodedata.normalize("NFC", address.strip())
    local, at, domain = written.rpartition("@")
    if not at:
        return written
    try:
        return f"{local}@{canonical_domain(domain)}"
    except ValueError:
        return written
