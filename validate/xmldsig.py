"""Enveloped XAdES-BES signatures over one content element (issue 14): sign and verify.

Generic: the time-report format (and any other) uses it by naming its content element.

The contract
------------
A document whose root holds exactly one *content element* (given by its Clark name and its
``Id`` value, e.g. ``{urn:lssinvoice:timereport:1}Report`` with ``Id="report"``) followed by
any number of ``ds:Signature`` children of the root. Each signature (XML-DSig 1.1 §2,
enveloped; ETSI EN 319 132-1 XAdES-BES) references ``#content_id`` and its own XAdES
``SignedProperties``, and nothing else, so signers sign the same content independently and
in any order: a later signature does not cover an earlier one.

:func:`sign_enveloped` appends one signature (:mod:`validate.xmldsig_sign` says what it
holds). :func:`verify_enveloped` judges every signature on its own
(:mod:`validate.xmldsig_verify`, :mod:`validate.xmldsig_checks`): the whole content
unchanged, the certificate path to a *pinned* anchor of the :class:`TrustPolicy` (never the
system's store; intermediates from ``KeyInfo``) valid at the XAdES ``SigningTime``, the key
usage the policy asks for, ``SigningCertificateV2`` naming the ``KeyInfo`` certificate, and
the role read from the signed properties only. Every parse goes through
:mod:`validate.xmlsafe`, signxml's included.

The ``SigningTime`` of XAdES-BES is the signer's claim: it is covered by the signature but
not proven by a third party (that would take a signature timestamp, XAdES-T, EN 319 132-1
§5.3). A certificate's holder could therefore backdate a signature into its validity; only a
time in the future is refused.

Codes
-----
Document level (``Verification.problems``):

========  ==================================================================================
SIG-001   a DTD or entity declaration: refused by the hardened parser (``LSS-XML-002``)
SIG-002   not XML we read: not well-formed, empty, or over a parser limit (``LSS-XML-*``)
SIG-003   the root does not hold exactly one content element with the given ``Id``
SIG-004   an identifier value (``Id``, ``ID``, ``id``, ``xml:id``) carried by more than one element
SIG-005   a further copy of the content element anywhere in the document (signature wrapping)
SIG-006   not the shape: another element at the root, a signature before the content, or a
          ``ds:Signature`` anywhere but as a child of the root
SIG-007   no signature at all
========  ==================================================================================

Per signature (``SignatureCheck.code``):

========  ==================================================================================
SIG-010   unreadable: no ``Id``, not one ``SignedInfo`` / ``CanonicalizationMethod`` /
          ``SignatureMethod``, a SignatureValue that is not base64, or refused by the
          XML-DSig/XAdES schema
SIG-011   unsigned: no or an empty ``SignatureValue``
SIG-012   a reference other than exactly ``#content_id`` and the signature's own signed
          properties (an external URI, ``""``, an XPointer, another element, a missing one)
SIG-013   a transform other than enveloped-signature and the canonicalisations (XPath,
          XSLT, base64...), or one with an unexpected parameter
SIG-014   an unknown or not allowed algorithm (canonicalisation, signature, digest)
SIG-015   SHA-1 anywhere: a reference digest, the signature method, the certificate digest
SIG-016   a reference resolves to another element than the content element the caller
          reads (or to several), or the verified bytes are not that element's
SIG-017   no XAdES ``QualifyingProperties`` / ``SignedProperties`` of this signature
SIG-018   no single ``SigningTime``, unreadable, without a time zone, or in the future
SIG-019   not exactly one ``ClaimedRole`` (as text) in the signed properties
SIG-020   the signature value does not verify over ``SignedInfo``
SIG-021   the content's digest does not match: the content was changed after signing
SIG-022   the signed properties' digest does not match
SIG-030   the certificate does not chain to a pinned anchor of the policy
SIG-031   a certificate of the path is not valid at the signing time
SIG-032   the signing certificate's key usage does not allow what the policy asks
SIG-033   ``SigningCertificateV2`` missing or not the digest of the ``KeyInfo`` certificate
          (or a legacy SHA-1 ``SigningCertificate`` instead)
SIG-034   ``KeyInfo`` carries no readable X.509 certificate
SIG-040   the verification engine failed, or a check could not run on the input: no verdict,
          and never valid
========  ==================================================================================

No personnummer is printed or logged: messages name certificates by their validity only,
engine messages are scrubbed of subjects and long numbers, and signxml's DEBUG logging of
canonicalised content is switched off.
"""
from __future__ import annotations

from validate.xmldsig_sign import sign_enveloped
from validate.xmldsig_verify import KeyUsagePolicy, SignatureCheck, TrustPolicy, Verification, verify_enveloped

__all__ = ["KeyUsagePolicy", "SignatureCheck", "TrustPolicy", "Verification", "sign_enveloped", "verify_enveloped"]
