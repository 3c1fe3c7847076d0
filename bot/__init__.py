"""Protocol Bot's core: answering (`ports.ProtocolBot`), conversations (`conversation`), indexing.

Importing this package is cheap; the index and the model load on the first question. Build the
parts with `bot.bootstrap`.
"""
