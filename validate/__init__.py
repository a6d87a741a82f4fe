"""Validation: hardened XML parsing, XSD, our own Schematron compiler, rule sets, reports."""
