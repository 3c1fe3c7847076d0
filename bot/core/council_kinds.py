"""The words that say what kind of council a name is, in full and as councils shorten them.

Reading a council's name from a document or a file name (titles), finding the council a question names
(councils_named) and telling a question about a document's dates from one about its contents
(document_status) all set these words apart from a council's own name, so they share one list.
"""

from __future__ import annotations

KINDS = ("parish", "town", "community", "district", "county", "borough", "city", "metropolitan")
# How councils shorten their kind in file names and in chat: "fenwold_tc_media_policy", "Ashby MBC"
ABBREVIATIONS = frozenset({"pc", "tc", "cc", "dc", "bc", "mbc", "cbc"})
