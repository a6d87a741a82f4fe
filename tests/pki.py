"""A test PKI for signed documents (issue 14): built with ``cryptography``, nobody's keys.

Shaped like Swedish e-identification: a root CA, an intermediate (issuing) CA under it, and
end-entity certificates whose subject ``serialNumber`` carries a synthetic personnummer
(:func:`tests.factories.synthetic_pnr`: a valid Luhn digit, belonging to nobody). The CA
certificates follow RFC 5280 (basicConstraints and keyUsage critical, key identifiers), so
``cryptography``'s path validation (the one signxml uses) accepts them.

Keys are made once per test process (:func:`functools.cache`): RSA key generation is slow.
Every certificate is built from fixed dates, so a test says the signing time it means.

The certificates are made by :mod:`lssinvoice.example_pki` (the demo's too).

Not a test module: ``tests/test_xmldsig.py`` and the time-report tests import it.
"""
from __future__ import annotations

from datetime import datetime, timezone

from lssinvoice.example_pki import (  # noqa: F401  (the tests use them through this module)
    CA_FROM, CA_UNTIL, VALID_FROM, VALID_UNTIL, Identity, cert_pem, ec_key, intermediate_ca, key_pem, person,
    root_ca, rsa_key,
)
from tests.factories import synthetic_pnr

ASSISTANT_PNR = synthetic_pnr("19700101", "238")
SUPERVISOR_PNR = synthetic_pnr("19650415", "117")
OTHER_PNR = synthetic_pnr("19821120", "345")

EXPIRED_FROM = datetime(2021, 1, 1, tzinfo=timezone.utc)
EXPIRED_UNTIL = datetime(2023, 1, 1, tzinfo=timezone.utc)
SIGNING_TIME = datetime(2026, 3, 2, 9, 30, tzinfo=timezone.utc)
"""Inside every certificate's validity except the expired one's."""


# --- the people of the tests ---------------------------------------------------------------

def assistant(key_type: str = "rsa") -> Identity:
    return person("Assistenta Signerar", ASSISTANT_PNR, key_type=key_type)


def supervisor(key_type: str = "ec") -> Identity:
    return person("Arbetsledare Intygar", SUPERVISOR_PNR, key_type=key_type)


def other_person() -> Identity:
    return person("Annan Person", OTHER_PNR)


def expired() -> Identity:
    """The assistant's old certificate: valid 2021–2023 only."""
    return person("Assistenta Utgangen", ASSISTANT_PNR, not_before=EXPIRED_FROM, not_after=EXPIRED_UNTIL)


def untrusted() -> Identity:
    """The assistant's name and number, from a root no policy pins."""
    return person("Assistenta Signerar", ASSISTANT_PNR, root="Untrusted Root CA")


def non_repudiation_only() -> Identity:
    return person("Assistenta Oavvislig", ASSISTANT_PNR, usage="nonRepudiation")


def digital_signature_only() -> Identity:
    return person("Assistenta Digital", ASSISTANT_PNR, usage="digitalSignature")


def anchors() -> tuple[x509.Certificate, ...]:
    """The trust anchors of the tests' policy: the test root only."""
    return (root_ca().cert,)
