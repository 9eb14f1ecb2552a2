"""The audit log: reads of unpublished files by office staff and administrative acts, append-only."""
