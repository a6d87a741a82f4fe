"""`lssinvoice demo`: the main job end to end on embedded defaults.

For now: validate the official example documents (Peppol BIS 3 invoices and credit notes,
the national examples, the Invoice Response and MLR examples) with the official rules and
print a readable summary. Later layers extend it to generating and ingesting invoices.
"""
from __future__ import annotations

import sys

import click

@click.command()
def demo():
    """Run the demo: validate the official examples and print what was found."""
    from rich.console import Console
    from rich.table import Table

    from schemas.artefacts import artefacts_dir
    from validate.conformance import EXAMPLE_SETS, KNOWN_INVALID_EXAMPLES
    from validate.engine import Validator, collect_paths

    console = Console()
    base = artefacts_dir()
    total = unexpected = 0
    for label, folder, ruleset in EXAMPLE_SETS:
        table = Table(title=label, title_justify="left")
        for col in ("document", "type", "rule set", "fatal", "warn", "verdict"):
            table.add_column(col, justify="right" if col in ("fatal", "warn") else "left")
        files, _ = collect_paths([base / folder])
        validator = Validator(ruleset)
        for path in files:
            result = validator.validate_path(path)
            rel = path.relative_to(base).as_posix()
            counts = result.counts()
            total += 1
            if result.valid:
                verdict, style = "valid", None
            elif rel in KNOWN_INVALID_EXAMPLES and KNOWN_INVALID_EXAMPLES[rel][0] == {
                    f.rule_id for f in result.findings if f.is_fatal}:
                fatal_ids = sorted(KNOWN_INVALID_EXAMPLES[rel][0])
                verdict, style = f"invalid upstream ({', '.join(fatal_ids)})", "yellow"
            else:
                verdict, style = "INVALID", "red"
                unexpected += 1
            table.add_row(path.name, result.document_type or "?", result.ruleset or "-",
                          str(counts["fatal"]), str(counts["warning"]), verdict, style=style)
        console.print(table)
    for rel, (_, why) in KNOWN_INVALID_EXAMPLES.items():
        console.print(f"[yellow]known upstream defect[/] {rel.rsplit('/', 1)[-1]}: {why}")
    console.print(f"{total} official documents validated; {unexpected} unexpected failures")
    sys.exit(0 if unexpected == 0 else 1)
