"""Official notification: the electronic inbox, its e-mail copies, reads and reminders."""
