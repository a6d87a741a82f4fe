"""The states a delivered document goes through, and why one is quarantined.

``claimed`` → ``archived`` → ``stored`` | ``quarantined``; the last two are final.

A document whose validation failed for an engine error (the rules did not compile, Saxon
failed while running them, an artefact is missing: never the sender's fault) is *pending*: it
stays ``archived``, with ``documents.last_error`` saying why, and the next run tries it again.
"""
from __future__ import annotations

CLAIMED, ARCHIVED, STORED, QUARANTINED = "claimed", "archived", "stored", "quarantined"
FINAL = (STORED, QUARANTINED)
PENDING = "pending"  # a run's outcome, not a stored state: kept archived after an engine error
ENGINE_ERROR = "engine-error"  # why a document is pending (``Outcome.reason_code``; never a quarantine)

# Reasons a document is quarantined (documents.reason_code), each with a finding of its own.
NOT_XML = "not-xml"
TOO_LARGE = "too-large"
NOT_REGULAR = "not-a-regular-file"    # a symbolic link, FIFO, socket or device in the inbox
BROKEN_SBDH = "broken-sbdh"
NOT_FOR_US = "not-for-us"
WRONG_TYPE = "wrong-document-type"
TOO_MANY_LINES = "too-many-lines"
FAILED_RULES = "failed-rules"
UNREADABLE = "unreadable-invoice"
NOT_STORABLE = "not-storable"         # values the store's columns cannot hold
DUPLICATE = "duplicate"
UNANSWERABLE = "unanswerable"         # no response could be built for it
ANALYSIS_FAILED = "analysis-failed"   # an error of ours while analysing it (a bug, kept)
