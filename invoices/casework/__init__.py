"""The municipal case work's rules, columnar (DuckDB): every billed hour against the time
reports, decisions, rates and the law. See :mod:`invoices.casework.frame` for the tables and
:mod:`invoices.casework.run` for a run's steps."""
