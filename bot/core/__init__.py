"""The retrieval core: documents parsed into clauses, embedded and indexed on disk, questions ranked
against them, and answers composed with their quotes. It knows nothing of chat, the console or storage
of conversations; the application service in `bot/` uses it."""
