"""The code lists and fixed identifiers of Peppol BIS Billing 3.0 that this package uses.

Each constant names its source. Where a full list is given it is copied from the business
rule that checks it in the validation artefacts of Peppol BIS Billing 3.0.19
(``CEN-EN16931-UBL.sch`` / ``PEPPOL-EN16931-UBL.sch``) or Peppol BIS Invoice Response
3.0.15 (``PEPPOLBIS-T111.sch``); where only a subset is given, the subset is what the
project needs and the source has the full list.
"""
from __future__ import annotations

from types import MappingProxyType

# --------------------------------------------------------------------------------------
# Specification, profile, document type and process identifiers
# Source: Peppol BIS Billing 3.0, sections "Specification identification" and "Business
# process"; rule PEPPOL-EN16931-R004 (CustomizationID) and R007 (ProfileID);
# Peppol Policy for use of Identifiers (document type and process identifier schemes).
# --------------------------------------------------------------------------------------
BIS3_CUSTOMIZATION_ID = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
"""BT-24 Specification identifier for Peppol BIS Billing 3.0 (PEPPOL-EN16931-R004)."""

BIS3_PROFILE_ID = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
"""BT-23 Business process type, Peppol billing process P01 (PEPPOL-EN16931-R007)."""

UBL_INVOICE_NS = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
UBL_CREDIT_NOTE_NS = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
UBL_APPLICATION_RESPONSE_NS = "urn:oasis:names:specification:ubl:schema:xsd:ApplicationResponse-2"
UBL_CAC_NS = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
UBL_CBC_NS = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
UBL_VERSION = "2.1"

SBDH_NS = "http://www.unece.org/cefact/namespaces/StandardBusinessDocumentHeader"
"""Namespace of the Peppol business message envelope (SBDH v2.0.1, UN/CEFACT SBDH 1.3)."""

DOCUMENT_ID_SCHEME = "busdox-docid-qns"
"""Peppol document type identifier scheme (Peppol Policy for use of Identifiers)."""
PROCESS_ID_SCHEME = "cenbii-procid-ubl"
"""Peppol process identifier scheme (Peppol Policy for use of Identifiers)."""
PARTICIPANT_ID_SCHEME = "iso6523-actorid-upis"
"""Peppol participant identifier scheme; the SBDH ``Authority`` of Sender/Receiver."""

INVOICE_DOCUMENT_TYPE_ID = (
    f"{DOCUMENT_ID_SCHEME}::{UBL_INVOICE_NS}::Invoice##{BIS3_CUSTOMIZATION_ID}::{UBL_VERSION}"
)
"""Peppol document type identifier of a BIS Billing 3.0 UBL Invoice (with its scheme)."""
CREDIT_NOTE_DOCUMENT_TYPE_ID = (
    f"{DOCUMENT_ID_SCHEME}::{UBL_CREDIT_NOTE_NS}::CreditNote##{BIS3_CUSTOMIZATION_ID}::{UBL_VERSION}"
)
"""Peppol document type identifier of a BIS Billing 3.0 UBL CreditNote (with its scheme)."""
BILLING_PROCESS_ID = f"{PROCESS_ID_SCHEME}::{BIS3_PROFILE_ID}"
"""Peppol process identifier of BIS Billing 3.0 (with its scheme)."""

# Peppol BIS Invoice Response 3 (T111) and Message Level Response 3 (T71): CustomizationID
# and ProfileID as in the official examples of poacc-upgrade-3 v3.0.15.
INVOICE_RESPONSE_CUSTOMIZATION_ID = "urn:fdc:peppol.eu:poacc:trns:invoice_response:3"
"""Specification identifier of Peppol BIS Invoice Response 3 (PEPPOL-T111-R003)."""
INVOICE_RESPONSE_PROFILE_ID = "urn:fdc:peppol.eu:poacc:bis:invoice_response:3"
INVOICE_RESPONSE_DOCUMENT_TYPE_ID = (
    f"{DOCUMENT_ID_SCHEME}::{UBL_APPLICATION_RESPONSE_NS}::ApplicationResponse"
    f"##{INVOICE_RESPONSE_CUSTOMIZATION_ID}::{UBL_VERSION}"
)
INVOICE_RESPONSE_PROCESS_ID = f"{PROCESS_ID_SCHEME}::{INVOICE_RESPONSE_PROFILE_ID}"
MLR_CUSTOMIZATION_ID = "urn:fdc:peppol.eu:poacc:trns:mlr:3"
"""Specification identifier of Peppol BIS Message Level Response 3 (PEPPOL-T71-R001)."""
MLR_PROFILE_ID = "urn:fdc:peppol.eu:poacc:bis:mlr:3"
MLR_DOCUMENT_TYPE_ID = (
    f"{DOCUMENT_ID_SCHEME}::{UBL_APPLICATION_RESPONSE_NS}::ApplicationResponse"
    f"##{MLR_CUSTOMIZATION_ID}::{UBL_VERSION}"
)
MLR_PROCESS_ID = f"{PROCESS_ID_SCHEME}::{MLR_PROFILE_ID}"

# --------------------------------------------------------------------------------------
# UNTDID 1001 document type codes (BT-3). Source: BR-CL-01 in CEN-EN16931-UBL.sch.
# --------------------------------------------------------------------------------------
INVOICE = "380"
"""Commercial invoice."""
CREDIT_NOTE = "381"
"""Credit note (CreditNoteTypeCode)."""

INVOICE_TYPE_CODES = frozenset(
    "71 80 81 82 84 102 130 202 203 204 211 218 219 295 325 326 331 380 382 383 384 385 386 "
    "387 388 389 390 393 394 395 456 457 471 472 473 500 501 502 503 527 553 575 623 633 751 "
    "780 817 870 875 876 877 935".split()
)
"""Every code BR-CL-01 allows in ``cbc:InvoiceTypeCode``."""
CREDIT_NOTE_TYPE_CODES = frozenset("81 83 261 262 296 308 381 396 420 458 532".split())
"""Every code BR-CL-01 allows in ``cbc:CreditNoteTypeCode``."""

# --------------------------------------------------------------------------------------
# UNCL5305 duty/tax/fee category codes (BT-95, BT-102, BT-118, BT-151).
# Source: BR-CL-17/BR-CL-18 (the EN 16931 subset) and the EN 16931 VAT category rules
# (BR-S-*, BR-Z-*, BR-E-*, BR-AE-*, BR-IC-*, BR-G-*, BR-O-*, BR-AF-*, BR-AG-*).
# --------------------------------------------------------------------------------------
VAT_STANDARD = "S"
VAT_ZERO = "Z"
VAT_EXEMPT = "E"
VAT_REVERSE_CHARGE = "AE"
VAT_INTRA_COMMUNITY = "K"
VAT_EXPORT = "G"
VAT_NOT_SUBJECT = "O"
VAT_CANARY_IGIC = "L"
VAT_CEUTA_MELILLA_IPSI = "M"
VAT_SPLIT_PAYMENT = "B"

VAT_CATEGORIES = MappingProxyType({
    VAT_STANDARD: "Standard rate",
    VAT_ZERO: "Zero rated goods",
    VAT_EXEMPT: "Exempt from tax",
    VAT_REVERSE_CHARGE: "VAT Reverse Charge",
    VAT_INTRA_COMMUNITY: "VAT exempt for EEA intra-community supply of goods and services",
    VAT_EXPORT: "Free export item, tax not charged",
    VAT_NOT_SUBJECT: "Services outside scope of tax",
    VAT_CANARY_IGIC: "Canary Islands general indirect tax",
    VAT_CEUTA_MELILLA_IPSI: "Tax for production, services and importation in Ceuta and Melilla",
    VAT_SPLIT_PAYMENT: "Transferred (VAT), split payment (Italy)",
})

VAT_CATEGORIES_REQUIRING_EXEMPTION_REASON = frozenset(
    {VAT_EXEMPT, VAT_REVERSE_CHARGE, VAT_INTRA_COMMUNITY, VAT_EXPORT, VAT_NOT_SUBJECT})
"""A VAT breakdown of these categories shall have an exemption reason code or text
(BR-E-10, BR-AE-10, BR-IC-10, BR-G-10, BR-O-10)."""
VAT_CATEGORIES_WITHOUT_EXEMPTION_REASON = frozenset({VAT_STANDARD, VAT_ZERO, VAT_CANARY_IGIC, VAT_CEUTA_MELILLA_IPSI})
"""A VAT breakdown of these categories shall not have an exemption reason
(BR-S-10, BR-Z-10, BR-AF-10, BR-AG-10)."""
VAT_CATEGORIES_ZERO_RATE = frozenset({VAT_ZERO, VAT_EXEMPT, VAT_REVERSE_CHARGE, VAT_INTRA_COMMUNITY, VAT_EXPORT})
"""Categories whose VAT rate shall be 0 (BR-Z-05, BR-E-05, BR-AE-05, BR-IC-05, BR-G-05)."""
VAT_CATEGORIES_WITHOUT_RATE = frozenset({VAT_NOT_SUBJECT})
"""Category whose VAT rate shall not be given (BR-O-05)."""
VAT_CATEGORIES_NEEDING_SELLER_TAX_ID = VAT_CATEGORIES_WITHOUT_EXEMPTION_REASON | {VAT_EXEMPT}
"""Categories whose invoice names the seller's VAT identifier, tax registration identifier or
tax representative (BR-S-02, BR-Z-02, BR-E-02, BR-AF-02, BR-AG-02)."""

TAX_SCHEME_VAT = "VAT"
"""TaxScheme/ID of the VAT (BT-31/BT-48/BT-63 and every TaxCategory)."""
TAX_SCHEME_TAX = "TAX"
"""TaxScheme/ID of a non-VAT tax registration (BT-32), as in the Swedish unit tests of the
Peppol BIS (unit-UBL-SE)."""
SE_F_TAX_TEXT = "Godkänd för F-skatt"
"""BT-32 of a Swedish seller approved for F-tax (SE-R-005, PEPPOL-EN16931-UBL.sch)."""

# --------------------------------------------------------------------------------------
# VATEX exemption reason codes (BT-121). Source: CEF VATEX code list; BR-CL-22 in
# CEN-EN16931-UBL.sch holds the full list. Subset with the list's descriptions.
# --------------------------------------------------------------------------------------
VATEX_EU_132_1G = "VATEX-EU-132-1G"
"""Exempt based on article 132, section 1 (g) of Council Directive 2006/112/EC (supply of
services and goods closely linked to welfare and social security work)."""

VATEX_ALL_CODES = frozenset(
    "VATEX-EU-79-C VATEX-EU-132 VATEX-EU-132-1A VATEX-EU-132-1B VATEX-EU-132-1C "
    "VATEX-EU-132-1D VATEX-EU-132-1E VATEX-EU-132-1F VATEX-EU-132-1G VATEX-EU-132-1H "
    "VATEX-EU-132-1I VATEX-EU-132-1J VATEX-EU-132-1K VATEX-EU-132-1L VATEX-EU-132-1M "
    "VATEX-EU-132-1N VATEX-EU-132-1O VATEX-EU-132-1P VATEX-EU-132-1Q VATEX-EU-143 "
    "VATEX-EU-143-1A VATEX-EU-143-1B VATEX-EU-143-1C VATEX-EU-143-1D VATEX-EU-143-1E "
    "VATEX-EU-143-1F VATEX-EU-143-1FA VATEX-EU-143-1G VATEX-EU-143-1H VATEX-EU-143-1I "
    "VATEX-EU-143-1J VATEX-EU-143-1K VATEX-EU-143-1L VATEX-EU-144 VATEX-EU-146-1E "
    "VATEX-EU-159 VATEX-EU-309 VATEX-EU-148 VATEX-EU-148-A VATEX-EU-148-B VATEX-EU-148-C "
    "VATEX-EU-148-D VATEX-EU-148-E VATEX-EU-148-F VATEX-EU-148-G VATEX-EU-151 "
    "VATEX-EU-151-1A VATEX-EU-151-1AA VATEX-EU-151-1B VATEX-EU-151-1C VATEX-EU-151-1D "
    "VATEX-EU-151-1E VATEX-EU-G VATEX-EU-O VATEX-EU-IC VATEX-EU-AE VATEX-EU-D VATEX-EU-F "
    "VATEX-EU-I VATEX-EU-J VATEX-FR-FRANCHISE VATEX-FR-CNWVAT VATEX-EU-153 "
    "VATEX-FR-CGI261-1 VATEX-FR-CGI261-2 VATEX-FR-CGI261-3 VATEX-FR-CGI261-4 "
    "VATEX-FR-CGI261-5 VATEX-FR-CGI261-7 VATEX-FR-CGI261-8 VATEX-FR-CGI261A "
    "VATEX-FR-CGI261B VATEX-FR-CGI261C-1 VATEX-FR-CGI261C-2 VATEX-FR-CGI261C-3 "
    "VATEX-FR-CGI261D-1 VATEX-FR-CGI261D-1BIS VATEX-FR-CGI261D-2 VATEX-FR-CGI261D-3 "
    "VATEX-FR-CGI261D-4 VATEX-FR-CGI261E-1 VATEX-FR-CGI261E-2 VATEX-FR-CGI277A "
    "VATEX-FR-CGI275 VATEX-FR-298SEXDECIESA VATEX-FR-CGI295 VATEX-FR-AE"
    .split()
)
"""Every code BR-CL-22 allows."""

# --------------------------------------------------------------------------------------
# UNCL4461 payment means codes (BT-81). Source: BR-CL-16 (full list); SE-R-011/012
# (Swedish suppliers use 30 with SE:BANKGIRO / SE:PLUSGIRO).
# --------------------------------------------------------------------------------------
PAYMENT_CREDIT_TRANSFER = "30"
"""Credit transfer: what Swedish suppliers use with Bankgiro, PlusGiro and IBAN (SE-R-011/012)."""
PAYMENT_DIRECT_DEBIT = "49"
PAYMENT_SEPA_DIRECT_DEBIT = "59"
PAYMENT_DIRECT_DEBIT_CODES = frozenset({PAYMENT_DIRECT_DEBIT, PAYMENT_SEPA_DIRECT_DEBIT})
"""Direct debit codes: the invoice carries a mandate reference (BT-89, PEPPOL-EN16931-R061)."""
UNCL4461_CODES = frozenset(
    [str(n) for n in range(1, 71)] + "74 75 76 77 78 91 92 93 94 95 96 97 98 ZZZ".split()
)
"""Every code BR-CL-16 allows."""

SE_BANKGIRO_BRANCH = "SE:BANKGIRO"
"""FinancialInstitutionBranch/ID (BT-86) for a Swedish Bankgiro account (SE-R-008/009/011)."""
SE_PLUSGIRO_BRANCH = "SE:PLUSGIRO"
"""FinancialInstitutionBranch/ID (BT-86) for a Swedish PlusGiro account (SE-R-007/010/011)."""

# --------------------------------------------------------------------------------------
# UN/ECE Recommendation 20 (with Rec 21) unit codes (BT-130, BT-150). Source: BR-CL-23
# holds the full list. Subset.
# --------------------------------------------------------------------------------------
UNIT_HOUR = "HUR"
UNIT_MINUTE = "MIN"
UNIT_DAY = "DAY"
UNIT_WEEK = "WEE"
UNIT_MONTH = "MON"
UNIT_YEAR = "ANN"
UNIT_ONE = "C62"
UNIT_EACH = "EA"
UNIT_PIECE = "H87"
UNIT_KILOMETRE = "KMT"
UNIT_LUMP_SUM = "LS"

UNIT_CODES = MappingProxyType({
    UNIT_HOUR: "hour",
    UNIT_MINUTE: "minute",
    UNIT_DAY: "day",
    UNIT_WEEK: "week",
    UNIT_MONTH: "month",
    UNIT_YEAR: "year",
    UNIT_ONE: "one (unit)",
    UNIT_EACH: "each",
    UNIT_PIECE: "piece",
    UNIT_KILOMETRE: "kilometre",
    UNIT_LUMP_SUM: "lump sum",
})

# --------------------------------------------------------------------------------------
# Attachments (BG-24). Source: BR-CL-24 in CEN-EN16931-UBL.sch.
# --------------------------------------------------------------------------------------
ATTACHMENT_MIME_CODES = frozenset({
    "application/pdf",
    "image/png",
    "image/jpeg",
    "text/csv",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.oasis.opendocument.spreadsheet",
})

DOCUMENT_TYPE_INVOICED_OBJECT = "130"
"""AdditionalDocumentReference/DocumentTypeCode of the invoiced object identifier (BT-18)."""
DOCUMENT_TYPE_PROJECT = "50"
"""AdditionalDocumentReference/DocumentTypeCode of the project reference (BT-11) in a
CreditNote, which has no cac:ProjectReference (PEPPOL-EN16931-R080)."""

# --------------------------------------------------------------------------------------
# Electronic address schemes (EAS) for EndpointID (BT-34, BT-49). Source: BR-CL-25.
# --------------------------------------------------------------------------------------
EAS_SE_ORGNR = "0007"
"""ISO 6523 ICD / EAS 0007: Swedish organisation number."""
EAS_GLN = "0088"
"""ISO 6523 ICD / EAS 0088: GS1 Global Location Number."""
EAS_AU_ABN = "0151"
"""ISO 6523 ICD / EAS 0151: Australian Business Number (PEPPOL-COMMON-R050)."""
EAS_NO_ORGNR = "0192"
"""ISO 6523 ICD / EAS 0192: Norwegian organisation number (PEPPOL-COMMON-R041)."""
EAS_BE_ENTERPRISE = "0208"
"""ISO 6523 ICD / EAS 0208: Belgian enterprise number (PEPPOL-COMMON-R043)."""

EAS_CODES = frozenset(
    "0002 0007 0009 0037 0060 0088 0096 0097 0106 0130 0135 0142 0147 0151 0154 0158 0170 "
    "0177 0183 0184 0188 0190 0191 0192 0193 0194 0195 0196 0198 0199 0200 0201 0202 0203 "
    "0204 0205 0208 0209 0210 0211 0212 0213 0215 0216 0217 0218 0219 0220 0221 0225 0230 "
    "0235 0240 9910 9913 9914 9915 9918 9919 9920 9922 9923 9924 9925 9926 9927 9928 9929 "
    "9930 9931 9932 9933 9934 9935 9936 9937 9938 9939 9940 9941 9942 9943 9944 9945 9946 "
    "9947 9948 9949 9950 9951 9952 9953 9957 9959 AN AQ AS AU EM".split()
)

ICD_CODES = frozenset(f"{n:04d}" for n in range(2, 241) if n not in (92, 103, 181, 182))
"""ISO 6523 ICD, as BR-CL-10 in the CEN rules bundled with Peppol BIS Billing 3.0.19 checks
it: 0002-0240 except 0092, 0103, 0181 and 0182 (PartyIdentification/ID/@schemeID)."""

# --------------------------------------------------------------------------------------
# Invoice Response (Peppol BIS Invoice Response 3, T111) and Message Level Response
# (Peppol BIS MLR 3, T71).
# Source: PEPPOLBIS-T111.sch and its parts PEPPOL-M-T111*.sch (poacc-upgrade-3 v3.0.15);
# UNCL4343 subsets as listed in the two BIS.
# --------------------------------------------------------------------------------------
STATUS_RECEIVED = "AB"
STATUS_IN_PROCESS = "IP"
STATUS_UNDER_QUERY = "UQ"
STATUS_CONDITIONALLY_ACCEPTED = "CA"
STATUS_REJECTED = "RE"
STATUS_ACCEPTED = "AP"
STATUS_PAID = "PD"

INVOICE_STATUS_CODES = MappingProxyType({
    STATUS_RECEIVED: "Message acknowledgement (received)",
    STATUS_IN_PROCESS: "In process",
    STATUS_UNDER_QUERY: "Under query",
    STATUS_CONDITIONALLY_ACCEPTED: "Conditionally accepted",
    STATUS_REJECTED: "Rejected",
    STATUS_ACCEPTED: "Accepted",
    STATUS_PAID: "Paid",
})
"""UNCL4343 subset ``UNCL4343-T111``: the invoice status (T111 Response/ResponseCode)."""

MESSAGE_STATUS_CODES = MappingProxyType({
    STATUS_RECEIVED: "Message acknowledgement (received, not validated yet)",
    STATUS_ACCEPTED: "Accepted (passed validation)",
    STATUS_REJECTED: "Rejected (failed validation)",
})
"""UNCL4343 subset of the Message Level Response (T71 Response/ResponseCode)."""

ISSUE_BUSINESS_RULE_FATAL = "BV"
ISSUE_BUSINESS_RULE_WARNING = "BW"
ISSUE_SYNTAX = "SV"
MLR_ISSUE_TYPES = MappingProxyType({
    ISSUE_BUSINESS_RULE_FATAL: "Business rule violation, fatal",
    ISSUE_BUSINESS_RULE_WARNING: "Business rule violation, warning",
    ISSUE_SYNTAX: "Syntax violation",
})
"""Code list ``StatusReason`` of an MLR line response (LineResponse/Response/Status/StatusReasonCode)."""

STATUS_REASON_LIST_ID = "OPStatusReason"
"""listID of a clarification reason code (code list ClarificationListID)."""
STATUS_ACTION_LIST_ID = "OPStatusAction"
"""listID of a clarification action code (code list ClarificationListID)."""

STATUS_REASON_CODES = MappingProxyType({
    "NON": "No Issue",
    "REF": "References incorrect",
    "LEG": "Legal information incorrect",
    "REC": "Receiver unknown",
    "QUA": "Item quality insufficient",
    "DEL": "Delivery issues",
    "PRI": "Prices incorrect",
    "QTY": "Quantity incorrect",
    "ITM": "Items incorrect",
    "PAY": "Payment terms incorrect",
    "UNR": "Not recognized",
    "FIN": "Finance incorrect",
    "PPD": "Partially Paid",
    "OTH": "Other",
})
"""Clarification reason codes, StatusReasonCode with listID ``OPStatusReason``."""

STATUS_ACTION_CODES = MappingProxyType({
    "NOA": "No action required",
    "PIN": "Provide information",
    "NIN": "Issue new invoice",
    "CNF": "Credit fully",
    "CNP": "Credit partially",
    "CNA": "Credit the amount",
    "OTH": "Other",
})
"""Clarification action codes, StatusReasonCode with listID ``OPStatusAction``."""
