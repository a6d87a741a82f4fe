"""Files a provider adds to an invoice as supporting documents (BG-24): a power of attorney
(fullmakt), an assignment agreement (uppdragsavtal), a sick-leave notice, a base schedule.

One reader (:func:`read_attachment_file`) for every such file, the sickness occasion's
``[attachments]`` and ``invoice create --attach FILE:DESCRIPTION`` alike:

* the type by the file's suffix, only those BIS 3 allows (BR-CL-24: PDF, PNG, JPEG, CSV, XLSX,
  ODS; :data:`invoices.underlag.MIME_BY_SUFFIX`), and the content must be what the suffix
  says (a PDF starts ``%PDF-``, a PNG with its signature, a JPEG ``FF D8 FF``, XLSX and ODS
  are zip files): a renamed file is refused, not sent;
* not empty, at most :data:`MAX_ATTACHMENT_BYTES` (10 MB: our limit, so an invoice stays well
  inside what access points carry);
* a description (BT-123) is required for ``--attach`` and may hold no personnummer (it is
  outside the attachment, in the invoice's own text).

Every problem is a ValueError whose message names the file.

>>> parse_attach_option("fullmakt.pdf")
Traceback (most recent call last):
...
ValueError: --attach fullmakt.pdf: give FILE:DESCRIPTION (the description says what the file is)
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .model import personal_numbers_in
from .underlag import MIME_BY_SUFFIX

__all__ = ["MAX_ATTACHMENT_BYTES", "ExtraAttachment", "parse_attach_option", "read_attachment_file"]

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
_MAGIC = {"application/pdf": (b"%PDF-",), "image/png": (b"\x89PNG\r\n\x1a\n",), "image/jpeg": (b"\xff\xd8\xff",),
          "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": (b"PK\x03\x04",),
          "application/vnd.oasis.opendocument.spreadsheet": (b"PK\x03\x04",)}


@dataclass(frozen=True)
class ExtraAttachment:
    filename: str
    content: bytes
    mime_code: str
    description: str | None = None


def read_attachment_file(path: Path, description: str | None = None) -> ExtraAttachment:
    """A file as a supporting document (module notes), or ValueError naming it."""
    mime = MIME_BY_SUFFIX.get(path.suffix.lower())
    if mime is None:
        raise ValueError(f"{path.name}: not an allowed attachment type (BR-CL-24: pdf, png, jpg, csv, xlsx, ods)")
    try:
        content = path.read_bytes()
    except OSError as exc:
        raise ValueError(f"{path.name}: cannot be read ({exc.__class__.__name__})") from None
    if not content:
        raise ValueError(f"{path.name}: the file is empty")
    if len(content) > MAX_ATTACHMENT_BYTES:
        raise ValueError(f"{path.name}: larger than {MAX_ATTACHMENT_BYTES // (1024 * 1024)} MB")
    magic = _MAGIC.get(mime)
    if magic and not content.startswith(magic):
        raise ValueError(f"{path.name}: the content is not a {path.suffix.lower().lstrip('.').upper()} file "
                         "(renamed?)")
    return ExtraAttachment(path.name, content, mime, description)


def parse_attach_option(text: str) -> ExtraAttachment:
    """``FILE:DESCRIPTION`` (``--attach``): the file read (:func:`read_attachment_file`) with
    its description, or ValueError."""
    file, sep, description = text.partition(":")
    description = description.strip()
    if not sep or not description:
        raise ValueError(f"--attach {text}: give FILE:DESCRIPTION (the description says what the file is)")
    if personal_numbers_in(description):
        raise ValueError(f"--attach {file}: the description holds a personnummer; describe the file without it")
    if len(description) > 200:
        raise ValueError(f"--attach {file}: the description is longer than 200 characters")
    return read_attachment_file(Path(file), description)
