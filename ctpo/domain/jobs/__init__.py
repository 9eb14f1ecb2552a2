"""Background jobs: scheduled in the transaction of the act that calls for them, run by a runner or a worker."""
