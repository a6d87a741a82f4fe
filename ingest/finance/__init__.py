"""Finance: payments matched to invoices, recovery claims, and the monthly reconciliation."""
