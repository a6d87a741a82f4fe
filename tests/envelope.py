"""The JSON envelope of `lssinvoice ... --format json` (lssinvoice/output.py), read in tests."""
from __future__ import annotations

import json


def result_of(text: str, command: str, exit_code: int = 0) -> dict:
    """The ``result`` of the one envelope in ``text`` (a command's stdout), after checking the
    envelope: ok, the command's name, the exit code, no error (an exit 2 has one: see
    :func:`error_of`)."""
    document = json.loads(text)
    assert document == {"ok": True, "command": command, "exit_code": exit_code, "result": document["result"]}, \
        {k: v for k, v in document.items() if k != "result"}
    return document["result"]


def error_of(text: str, command: str) -> tuple[str, object]:
    """(message, result or None) of the error envelope in ``text``, after checking it."""
    document = json.loads(text)
    assert (document["ok"], document["command"], document["exit_code"]) == (False, command, 2), document
    assert set(document) <= {"ok", "command", "exit_code", "error", "result"} and set(document["error"]) == {"message"}
    return document["error"]["message"], document.get("result")
