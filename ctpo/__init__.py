"""CTPO filing service: the Litestar app, persistence, auth and CLI."""
