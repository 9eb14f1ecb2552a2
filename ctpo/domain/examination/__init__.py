"""The examination workflow, persisted: snapshots in, decisions out, history append-only."""
