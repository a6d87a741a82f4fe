"""The municipality's registers: decisions, Försäkringskassan's decisions, assistants.

The case work judges invoices by them (9 d § LSS, the decisions granted, FK's 20 hours), so
they are imported in versions, each kept (revision 0007: ``register_imports``,
``reg_decisions``, ``reg_fk_decisions``, ``reg_assistants``, ``audit_log``):

* :mod:`.columns`, :mod:`.records`: the three registers, their rows and keys, the English and
  Swedish headers of their files;
* :mod:`.reading`: CSV or XLSX files read and every row validated, all problems of all files
  together, each naming the file, the row and the column;
* :mod:`.importing`: :func:`import_registers` compares the files with the registers in force
  and writes the difference in one transaction (nothing at all for a file that changes
  nothing);
* :mod:`.queries`: what the check engine reads (:func:`current_rows`,
  :func:`current_versions`) and the history (:func:`import_history`, :func:`row_versions`);
* :mod:`.view`: what ``lssinvoice registers show`` prints, personnummer masked by default.
"""
from __future__ import annotations

from .importing import RegisterImport, import_register, import_registers
from .queries import ImportEntry, RowVersion, current_rows, current_versions, import_history, row_versions
from .reading import RegisterFile, read_register_file, read_register_files
from .records import REGISTERS, AssistantRecord, DecisionRecord, FkDecisionRecord, Register, register_named
from .view import registers_view

__all__ = [
    "REGISTERS", "AssistantRecord", "DecisionRecord", "FkDecisionRecord", "ImportEntry", "Register", "RegisterFile",
    "RegisterImport", "RowVersion", "current_rows", "current_versions", "import_history", "import_register",
    "import_registers", "read_register_file", "read_register_files", "register_named", "registers_view",
    "row_versions",
]
