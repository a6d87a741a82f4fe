"""The LSS billing domain: providers, clients, decisions, time reports, rules, invoices."""
