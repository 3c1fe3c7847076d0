"""Every sentence Protocol Bot says to a person, in one place, so wording is reviewed together.

Adapters take their text from here too; each front end has its own section below.
"""

from __future__ import annotations

# --- Core answers -------------------------------------------------------------------------------

EMPTY_QUESTION = (
    "Please type a question about the councillor/officer protocol, "
    'for example: "Can I copy this email to another councillor?"'
)
NO_WORDS = (
    "I couldn't find any words in that message. Please ask your question in a sentence, "
    'for example: "Can a councillor give instructions to staff?"'
)
QUESTION_TRIMMED = "Your message was very long, so I answered from its first {limit} characters."
LEAD_ANSWER = "Here is what the protocol says:"
LEAD_ANSWER_MANY = "Here is what the protocols say:"
OUT_OF_SCOPE = (
    "The councillor/officer protocols don't cover that. "
    "Please ask the Clerk (the council's Proper Officer) or the Monitoring Officer."
)
ERROR_APOLOGY = "Sorry, something went wrong while answering. The problem has been logged; please try again shortly."

# --- Index and model problems (shown to admins and users alike) ---------------------------------

INDEX_MISSING = "The protocol index has not been built yet. An admin needs to run `make index`."
INDEX_CORRUPT = "The protocol index could not be read ({detail}). An admin needs to run `make index`."
MODEL_MISSING = (
    "The embedding model '{model}' could not be loaded ({detail}). "
    "Install the project with `make install`, or set PROTOCOL_BOT_MODEL to a local model folder."
)
NO_DOCUMENTS = "There are no protocol documents in {folder}; add at least one .txt, .md, .pdf or .docx file."
DOCUMENT_EMPTY = "{name}: the document has no text."
DOCUMENT_UNREADABLE = "{name}: the document could not be read ({detail})."
DOCUMENT_NO_CLAUSES = "{name}: no clauses could be found in the document."
DOCUMENT_DUPLICATE = "{name}: the document is a copy of {other}; remove one of them."

REINDEX_FAILED = "Reindex failed, and the previous index is still serving. {reason}"

# --- Terminal --------------------------------------------------------------------------------

CLI_WELCOME = (
    "Protocol Bot — ask about the councillor/officer protocol. "
    "Type a question and press Enter; 'full N' shows clause N in full; 'quit' leaves."
)
CLI_PROMPT = "you> "
CLI_NO_SUCH_CITATION = "There is no citation {n} in the last answer."
CLI_BYE = "Goodbye."
