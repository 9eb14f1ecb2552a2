"""Bounded contexts of the service: filings, accounts, offices."""
