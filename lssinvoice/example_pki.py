"""An example PKI shaped like Swedish e-identification, for the demo and the tests: nobody's keys.

A root CA, an issuing CA under it, and personal certificates whose subject ``serialNumber``
carries a (synthetic) personnummer, as BankID and Freja certificates carry the holder's. The
CA certificates follow RFC 5280 (basicConstraints and keyUsage critical, key identifiers),
so ``cryptography``'s path validation (the one :mod:`validate.xmldsig` uses) accepts them.
Keys are made once per process (RSA key generation is slow). ``lssinvoice demo`` signs its
time reports with it (:mod:`lssinvoice.demo_signing`); ``tests/pki.py`` builds its people on it.
Never for real use: the keys live in memory and the CA is anyone's.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime, timezone

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

__all__ = ["Identity", "cert_pem", "intermediate_ca", "key_pem", "person", "root_ca"]

VALID_FROM = datetime(2025, 1, 1, tzinfo=timezone.utc)
VALID_UNTIL = datetime(2029, 1, 1, tzinfo=timezone.utc)
CA_FROM = datetime(2020, 1, 1, tzinfo=timezone.utc)
CA_UNTIL = datetime(2040, 1, 1, tzinfo=timezone.utc)


@dataclass(frozen=True)
class Identity:
    """A key and its certificate, with the chain above it (intermediates only, no root)."""

    key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
    cert: x509.Certificate
    chain: tuple[x509.Certificate, ...] = ()

    @property
    def key_pem(self) -> bytes:
        return key_pem(self.key)

    @property
    def cert_pem(self) -> bytes:
        return cert_pem(self.cert)

    @property
    def chain_pem(self) -> tuple[bytes, ...]:
        return tuple(cert_pem(c) for c in self.chain)

    def sign_kwargs(self) -> dict:
        """The key and certificate arguments of ``validate.xmldsig.sign_enveloped``."""
        return {"key_pem": self.key_pem, "cert_pem": self.cert_pem, "chain_pem": self.chain_pem}


def key_pem(key) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def cert_pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


@functools.cache
def rsa_key(name: str) -> rsa.RSAPrivateKey:
    """One 2048-bit RSA key per name and process."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@functools.cache
def ec_key(name: str) -> ec.EllipticCurvePrivateKey:
    """One P-256 key per name and process."""
    return ec.generate_private_key(ec.SECP256R1())


def _name(common_name: str, *, serial_number: str | None = None, given: str | None = None,
          surname: str | None = None, organization: str | None = None) -> x509.Name:
    attributes = [x509.NameAttribute(NameOID.COUNTRY_NAME, "SE")]
    if organization:
        attributes.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization))
    if serial_number:
        attributes.append(x509.NameAttribute(NameOID.SERIAL_NUMBER, serial_number))
    if given:
        attributes.append(x509.NameAttribute(NameOID.GIVEN_NAME, given))
    if surname:
        attributes.append(x509.NameAttribute(NameOID.SURNAME, surname))
    attributes.append(x509.NameAttribute(NameOID.COMMON_NAME, common_name))
    return x509.Name(attributes)


def _key_usage(*, digital_signature=False, non_repudiation=False, cert_sign=False) -> x509.KeyUsage:
    return x509.KeyUsage(digital_signature=digital_signature, content_commitment=non_repudiation,
                         key_encipherment=False, data_encipherment=False, key_agreement=False,
                         key_cert_sign=cert_sign, crl_sign=cert_sign, encipher_only=False,
                         decipher_only=False)


def _build(subject: x509.Name, public_key, issuer: x509.Name, issuer_key, *, ca: bool,
           path_length: int | None = None, key_usage: x509.KeyUsage, not_before: datetime,
           not_after: datetime, issuer_public_key=None) -> x509.Certificate:
    builder = (x509.CertificateBuilder()
               .subject_name(subject).issuer_name(issuer).public_key(public_key)
               .serial_number(x509.random_serial_number())
               .not_valid_before(not_before).not_valid_after(not_after)
               .add_extension(x509.BasicConstraints(ca=ca, path_length=path_length), critical=True)
               .add_extension(key_usage, critical=True)
               .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
               .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                   issuer_public_key or issuer_key.public_key()), critical=False))
    return builder.sign(issuer_key, hashes.SHA256())


@functools.cache
def root_ca(name: str = "Test e-ID Root CA") -> Identity:
    """A self-signed root, valid 2020–2040."""
    key = rsa_key(f"root:{name}")
    subject = _name(name, organization="Testlegitimation AB")
    cert = _build(subject, key.public_key(), subject, key, ca=True, path_length=1,
                  key_usage=_key_usage(cert_sign=True), not_before=CA_FROM, not_after=CA_UNTIL)
    return Identity(key, cert)


@functools.cache
def intermediate_ca(root: str = "Test e-ID Root CA") -> Identity:
    """The issuing CA under :func:`root_ca` ``root``, valid 2020–2040."""
    parent = root_ca(root)
    key = rsa_key(f"intermediate:{root}")
    subject = _name(f"{root} Issuing CA 1", organization="Testlegitimation AB")
    cert = _build(subject, key.public_key(), parent.cert.subject, parent.key, ca=True, path_length=0,
                  key_usage=_key_usage(cert_sign=True), not_before=CA_FROM, not_after=CA_UNTIL)
    return Identity(key, cert)


@functools.cache
def person(label: str, pnr: str, *, key_type: str = "rsa", usage: str = "both",
           not_before: datetime = VALID_FROM, not_after: datetime = VALID_UNTIL,
           root: str = "Test e-ID Root CA") -> Identity:
    """An end-entity (personal e-ID) certificate issued by the intermediate of ``root``.

    ``usage``: "both" (digitalSignature and nonRepudiation), "digitalSignature" or
    "nonRepudiation"; ``key_type``: "rsa" or "ec"."""
    issuer = intermediate_ca(root)
    key = rsa_key(f"person:{label}") if key_type == "rsa" else ec_key(f"person:{label}")
    given, _, surname = label.partition(" ")
    key_usage = _key_usage(digital_signature=usage in ("both", "digitalSignature"),
                           non_repudiation=usage in ("both", "nonRepudiation"))
    cert = _build(_name(label, serial_number=pnr, given=given, surname=surname or "Testsson"),
                  key.public_key(), issuer.cert.subject, issuer.key, ca=False, key_usage=key_usage,
                  not_before=not_before, not_after=not_after)
    return Identity(key, cert, (issuer.cert,))
