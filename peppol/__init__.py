"""Peppol BIS Billing 3.0: document model, UBL writer/reader, SBDH, responses, identifiers."""
