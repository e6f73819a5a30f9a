"""The shared IDNA forms of an e-mail domain: what the notifier sends to, what intake stores."""

from __future__ import annotations

import pytest

from lotse.shared.mailaddress import ascii_domain, ascii_domain_name, canonical_domain


@pytest.mark.parametrize("spelling", [
    "bücher.de", "BÜCHER.de", "bu\u0308cher.de", "xn--bcher-kva.de", "XN--BCHER-KVA.DE", "\uff42ücher.de",
])
def test_every_spelling_of_a_domain_has_one_canonical_form(spelling: str) -> None:
    assert canonical_domain(spelling) == "bücher.de"
    assert ascii_domain_name(canonical_domain(spelling)) == "xn--bcher-kva.de"  # the notifier's name


@pytest.mark.parametrize(("domain", "canonical"), [
    ("Example.ORG", "example.org"),
    ("shop.xn--bcher-kva.de", "shop.bücher.de"),
    ("例え.JP", "例え.jp"),
    ("xn--strae-oqa.de", "xn--strae-oqa.de"),  # straße.de, which IDNA 2003 cannot write: kept in ASCII
])
def test_canonical_form(domain: str, canonical: str) -> None:
    assert canonical_domain(domain) == canonical
    assert canonical_domain(canonical) == canonical  # the stored form is its own canonical form


@pytest.mark.parametrize(("domain", "reason"), [
    ("straße.de", "IDNA 2003 and IDNA 2008"),
    ("ü" * 60 + ".de", "cannot be written in IDNA"),
    (".".join(["bücher"] * 20) + ".de", "longer than 253"),
    ("xn--zz.de", "no IDNA label"),
    ("xn--abc-.de", "no IDNA label"),  # decodes to ASCII, which IDNA writes without the prefix
])
def test_a_domain_the_notifier_cannot_send_to_has_no_canonical_form(domain: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        canonical_domain(domain)


def test_the_notifier_readdresses_a_canonical_address_and_keeps_an_smtputf8_one() -> None:
    assert ascii_domain("mueller@bücher.de") == "mueller@xn--bcher-kva.de"
    assert ascii_domain("müller@bücher.de") == "müller@bücher.de"
