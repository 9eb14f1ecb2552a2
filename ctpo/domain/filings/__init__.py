"""Filing an application over REST and giving its receipt."""
