"""The application service: every use case the front ends offer. `protocol_bot` answers from the index and
rebuilds it (the `ProtocolBot` port in `ports`), `conversation` is what a chat message means and its reply,
`admin_console` and `knowledge_admin` are the console's work, and one `reindex_runner` serves them all.
Built only in `bot.bootstrap`; it uses the retrieval core (`bot.core`) and keeps state in `bot.stores`."""
