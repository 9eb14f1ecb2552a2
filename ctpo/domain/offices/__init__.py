"""The member offices, as public reference data."""
