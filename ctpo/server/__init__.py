"""Assembly of the Litestar application: app factory, auth, error mapping, dependencies."""
