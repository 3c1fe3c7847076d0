"""Where the bot keeps state between messages and requests: each store is a port with an in-memory
implementation for tests and embedded use, and database implementations chosen in `bootstrap`."""
