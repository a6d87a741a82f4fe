"""`lssinvoice validate` and `lssinvoice conformance`."""
from __future__ import annotations

import json

import click

from lssinvoice import settings
from lssinvoice.engine_choice import engine_option, use_engine
from lssinvoice.output import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, CommandError, emit, finish, format_option
from lssinvoice.progress import progress_bar


@click.command(epilog=settings.epilog("validate"))
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@format_option("svrl", help="text for people, json for machines (the JSON envelope), svrl for Schematron "
                            "tools (the SVRL document itself).")
@click.option("-j", "--jobs", type=click.IntRange(1, 64), default=1, show_default=True,
              help="Worker processes.")
@click.option("--at", "at", type=click.DateTime(["%Y-%m-%d"]), default=None, metavar="YYYY-MM-DD",
              help="Reference date: judge by the OpenPeppol releases accepted on this day [default: today].")
@click.option("--rules", "release", default=None, metavar="RELEASE",
              help="Judge by this OpenPeppol release only, by BIS Billing version or release name "
                   "(3.0.20, 2025.11); its rule set for each document's kind.")
@click.option("--ruleset", default=None, metavar="ID",
              help="Validate with this rule set instead of the one chosen by document type and date "
                   "(e.g. cen-en16931-ubl-1.3.16; `lssinvoice schemas status` lists them).")
@click.option("--no-xsd", is_flag=True, help="Skip the UBL 2.1 XSD step.")
@click.option("--all-steps", is_flag=True,
              help="Run the Schematron steps even when the document fails the UBL 2.1 XSD "
                   "(by default they are reported skipped: their results would be meaningless).")
@click.option("--no-warnings", is_flag=True, help="Text format: list fatal findings only.")
@click.option("--max-bytes", type=click.IntRange(1), default=None,
              help="Refuse documents larger than this [default: $LSSINVOICE_MAX_XML_BYTES, else 100 MB].")
@engine_option()
def validate(paths, fmt, jobs, at, release, ruleset, no_xsd, all_steps, no_warnings, max_bytes, engine):
    """Validate UBL invoices, credit notes and responses with the official rules.

    PATHS are files or folders (searched recursively for *.xml). Steps per document: hardened
    parsing, document detection (SBDH envelopes are unwrapped), UBL 2.1 XSD, then each
    Schematron of the rule set (for invoices: CEN EN 16931, then PEPPOL BIS 3 with the
    Swedish SE-R rules).

    Rules by date: a document is judged by the OpenPeppol releases accepted on the reference
    date (today unless --at). Between a release's publication and its mandatory date both it
    and the release before it are accepted: a document is valid if it passes either, and the
    report names the release that judged it and what the other one says.

    Exit status: 0 all valid, 1 some invalid, 2 usage error, unreadable input or an engine
    error (rules that could not be run: never reported as valid).
    """
    from schemas.artefacts import ArtefactError
    from validate import releases, report, rulesets
    from validate.engine import collect_paths, validate_many
    from validate.xmlsafe import Limits

    use_engine(engine)
    if ruleset and (release or at):
        raise CommandError("--ruleset names the rules itself: it does not go with --rules or --at")
    if release and at:
        raise CommandError("--rules names the release itself: it does not go with --at")
    try:
        if ruleset:
            rulesets.get(ruleset)
        if release:
            releases.find(release)
    except KeyError as exc:
        raise CommandError(str(exc.args[0])) from None
    files, missing = collect_paths(paths)
    if missing:
        raise CommandError(f"no such file or folder: {', '.join(missing)}")
    if not files:
        raise CommandError("no XML files found in " + ", ".join(paths))
    limits = Limits(max_bytes=max_bytes) if max_bytes else Limits()
    results = []
    try:
        with progress_bar(len(files), "validating", threshold=8) as advance:
            for result in validate_many(files, jobs=jobs, ruleset=ruleset, release=release,
                                        at=at.date() if at else None, xsd=not no_xsd, all_steps=all_steps,
                                        limits=limits, progress=lambda r: advance()):
                results.append(result)
    except ArtefactError as exc:
        raise CommandError(str(exc)) from None
    unreadable = sum(1 for r in results if any(f.rule_id.startswith("LSS-IO-") for f in r.findings))
    errors = sum(1 for r in results if r.error)
    code = EXIT_USAGE if unreadable or errors else EXIT_OK if all(r.valid for r in results) else EXIT_FINDINGS
    problem = "; ".join(([f"{unreadable} file(s) could not be read"] if unreadable else [])
                        + ([f"{errors} document(s) could not be validated (engine error)"] if errors else []))
    if fmt == "json":
        emit(json.loads(report.render_json(results)), fmt=fmt, code=code, error=problem or None)
    elif fmt == "svrl":
        click.echo(report.render_svrl(results), nl=False)
    else:
        click.echo(report.render_text(results, warnings=not no_warnings))
        s = report.summary(results)
        click.echo(f"{s['documents']} documents: {s['valid']} valid, {s['invalid']} invalid"
                   + (f", {s['error']} engine error(s)" if s["error"] else "")
                   + f" ({s['fatal']} fatal, {s['warning']} warning findings)")
    finish(code)


@click.command(epilog=settings.epilog("conformance"))
@click.option("--suite", "suites", type=click.Choice(["peppol", "cen", "cen-3.0.21", "t111"]), multiple=True,
              help="Run only this suite (repeatable). Default: all.")
@format_option()
@click.option("-v", "--verbose", is_flag=True, help="List every failed and excepted assertion.")
@engine_option("The Saxon that runs the rules [default: $LSSINVOICE_ENGINE, else saxonc].")
def conformance(suites, fmt, verbose, engine):
    """Run the official unit tests (VEFA format) against our compiled rules.

    Suites: peppol (Peppol BIS 3.0.19 unit-UBL-*), cen (CEN EN 16931 1.3.16 UBL unit tests on
    CEN's modular rules), cen-3.0.21 (the same units on the CEN part of BIS 3.0.21), t111
    (Invoice Response, post-award 3.0.15). The last line reads `conformance: P passed, F failed, X excepted`.
    Exit status: 0 all passed, 1 some failed, 2 artefacts missing.
    """
    use_engine(engine)
    from schemas.artefacts import ArtefactError
    from validate import conformance as conf

    names = list(suites) or list(conf.SUITES)
    try:
        total = sum(len(conf.suite_files(conf.SUITES[n])) for n in names)
        with progress_bar(total, "conformance", threshold=20) as advance:
            result = conf.run(names, progress=lambda path: advance())
    except ArtefactError as exc:
        raise CommandError(str(exc)) from None
    code = EXIT_FINDINGS if result.failed else EXIT_OK
    if fmt == "json":
        emit({"suites": names, "files": result.files, "tests": result.tests,
              "passed": result.passed, "failed": result.failed, "excepted": result.excepted,
              "outcomes": [o.to_dict() for o in result.outcomes if o.status != "passed" or verbose]},
             fmt=fmt, code=code)
    else:
        for name in names:
            mine = [o for o in result.outcomes if o.suite == name]
            passed = sum(1 for o in mine if o.status == "passed")
            click.echo(f"{name:10s} {passed:5d} of {len(mine):5d} assertions hold")
        for o in result.outcomes:
            if o.status == "failed" or (verbose and o.status == "excepted"):
                click.echo(f"  {o.status.upper()} {o.suite} {o.file} test {o.number}: {o.rule_id} "
                           f"expected {o.expected}, got {o.actual}" + (f" ({o.reason})" if o.reason else ""))
        click.echo(f"{result.files} files, {result.tests} tests")
    # The closing line; on stderr for JSON so that stdout stays one JSON document.
    click.echo(result.summary_line(), err=(fmt == "json"))
    finish(code)
