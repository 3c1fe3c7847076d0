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

# --- Teams ---------------------------------------------------------------------------------------

TEAMS_EXAMPLES = (
    "Can I copy this email to another councillor?",
    "Can a councillor give instructions to staff?",
    "Should councillors and officers become close friends?",
)
TEAMS_WELCOME = (
    "Hello! I answer questions about the councillor/officer protocol and quote the clauses I rely on. "
    "In a channel or group chat, mention me first. Try:\n\n{examples}\n\nType **help** to see which documents I use."
)
TEAMS_HELP = (
    "I answer questions about these documents:\n\n{documents}\n\n"
    "Ask in your own words, for example:\n\n{examples}\n\n"
    "Each answer quotes the clauses it relies on; use **{show_full_clause}** to read one in full, "
    "and 👍 or 👎 to tell us whether it helped."
)
TEAMS_HELP_ADMIN = "As an admin you can also type **status** to see the index, or **reindex** to rebuild it."
TEAMS_HELP_DOCUMENT = "- {title}{council} (adopted {adopted}, review due {review})"
TEAMS_YOU_ASKED = "You asked: {question}"
TEAMS_SHOW_FULL_CLAUSE = "Show full clause"
TEAMS_CLAUSE_SHORTENED = "(This clause is long; the rest is in the document.)"
TEAMS_HELPFUL = "👍 Helpful"
TEAMS_NOT_HELPFUL = "👎 Not helpful"
TEAMS_FEEDBACK_THANKS = "Thank you for the feedback."
TEAMS_ADMIN_ONLY = (
    "Sorry, only Protocol Bot admins can use **{command}**. Please ask the Clerk if the index needs attention."
)
TEAMS_REINDEX_STARTED = "Rebuilding the protocol index now; I'll post the result here when it's done."
TEAMS_REINDEX_RUNNING = "A reindex is already running; I'll post the result here when it's done."
TEAMS_REINDEX_DONE = "Reindex finished; now serving index **{version}**.\n\n```\n{summary}\n```"
TEAMS_REINDEX_FAILED = "Reindex failed; the previous index is still being served.\n\n{detail}"
TEAMS_STATUS = "Serving index **{version}**, built {built_at} with model {model}.\n\n{documents}"
TEAMS_STATUS_DOCUMENT = "- {title}{council}: {clauses} clauses (adopted {adopted}, review due {review})"
TEAMS_STATUS_CHANGES = "Changes at the last build:\n\n```\n{report}\n```"
