"""Recordal of transfers: a change of applicant or proprietor, on evidence."""
