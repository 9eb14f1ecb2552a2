"""Fees, payments, the ledger, designations, patents and renewals: the life of a CTPO patent."""
