"""Every sentence Protocol Bot says to a person, in one place, so wording is reviewed together.

Adapters take their text from here too: what both chat platforms say is worded once in the
"Chat platforms" section, and each front end has a section for what only it says, or says in its own markup.
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
# Beside a citation, so nobody relies on a clause without knowing the document's standing.
NOTE_REVIEW_OVERDUE = "review due {review}"
NOTE_SUPERSEDED = "superseded by {successor}"
ERROR_APOLOGY = "Sorry, something went wrong while answering. The problem has been logged; please try again shortly."
EXAMPLE_QUESTIONS = (
    "Can I copy an officer's email to another councillor?",
    "Can a councillor give instructions to staff?",
    "Should councillors and officers become close friends?",
)

# --- Corrections (protocol-bot teach, and 👎 from admins in chat) ----------------------------------

CORRECTION_CLAUSE = "“{question}” → {source}, {where}"
CORRECTION_NOT_COVERED = "“{question}” → not covered by the protocols"
CORRECTIONS_NONE = "No corrections yet. Teach one with: protocol-bot teach --question … --source … --clause …"
CORRECTIONS_LIST_ENTRY = "{number:>3}. {description}  ({by}, {at}){stale}"
CORRECTIONS_LIST_STALE = "  — its clause no longer exists, so it is not used"
CORRECTIONS_UNREADABLE = "{name} could not be read ({detail}); the corrections read before stay in use."
CORRECTIONS_MALFORMED = (
    "{name}: correction {number} needs a question and either a source with a clause or quote, "
    "or not_covered = true; the corrections read before stay in use."
)
CORRECTIONS_STALE = "{count} corrections point at clauses that no longer exist: {questions}"
CORRECTIONS_REPOINTED = "{count} corrections now point at reworded clauses: {questions}"
TEACH_NO_QUESTION = "A correction needs the question it answers."
TEACH_NEEDS_TARGET = "Say what answers the question (--source with --clause or --quote), or --not-covered."
TEACH_UNKNOWN_SOURCE = "There is no document called {source} in the index. Documents: {documents}"
TEACH_UNKNOWN_CLAUSE = "{source} has no clause {clause}. Its clauses: {clauses}"
TEACH_QUOTE_NOT_FOUND = "No clause of {source} contains “{quote}”."
TEACH_CHOICE = "{label} — {title}"
TEACH_CHOICE_NOT_COVERED = "None of these: the protocols don't cover it"
TEACH_DONE = "Taught: {description}. It is used from the next question on."
TEACH_REMOVED = "Removed: {description}"
TEACH_NO_SUCH = "There is no correction {number}; `protocol-bot teach --list` shows them."
TEACH_NO_FEEDBACK = "There is no feedback {id}; `protocol-bot feedback` lists them with their ids."

SETTING_NOT_A_COUNT = "{name} must be a whole number of at least 1, not '{value}'."

# --- Index and model problems (shown to admins and users alike) ---------------------------------

INDEX_MISSING = "The protocol index has not been built yet. An admin needs to run `make index`."
INDEX_OTHER_MODEL = (
    "The protocol index was built with the model '{built}', but the bot is set to use '{model}'. "
    "An admin needs to run `make index`."
)
INDEX_CORRUPT = "The protocol index could not be read ({detail}). An admin needs to run `make index`."
MODEL_MISSING = (
    "The embedding model '{model}' could not be loaded ({detail}). "
    "Install the project with `make install`, or set PROTOCOL_BOT_MODEL to a local model folder."
)
MODEL_NOT_EXPORTABLE = (
    "The embedding model '{model}' does not use mean pooling, so it cannot be run through ONNX Runtime here. "
    "Set PROTOCOL_BOT_RUNTIME=torch."
)
SETTING_NOT_A_CHOICE = "{name} must be one of {choices}, not '{value}'."
NO_DOCUMENTS = "There are no protocol documents in {name}; add at least one .txt, .md, .pdf or .docx file."
NOT_COVERED_MALFORMED = "{name}: `topics` must be a list of quoted phrases, e.g. topics = [\"bin collection days\"]."
DOCUMENT_EMPTY = "{name}: the document has no text."
DOCUMENT_UNREADABLE = "{name}: the document could not be read ({detail})."
DOCUMENT_NOT_A_PDF = "{name}: the document could not be read (not a readable PDF: {detail})."
DOCUMENT_NOT_WORD = "{name}: the document could not be read (not a Word document: {detail})."
DOCUMENT_NO_TEXT_LAYER = (
    "{name}: the PDF has no text layer, so it looks like a scan. "
    "Save it as PDF from the original document, or run it through OCR, and reindex."
)
DOCUMENT_NO_CLAUSES = "{name}: no clauses could be found in the document."
DOCUMENT_DUPLICATE = "{name}: the document is a copy of {other}; remove one of them."

SCOPES_UNREADABLE = "The scopes file {name} could not be read ({detail})."
SCOPES_BAD_SECTION = (
    "The scopes file {name} has a section [{section}] it does not understand; "
    "use [slack.channels], [slack.teams], [teams.channels], [teams.teams] or [teams.tenants]."
)
SCOPES_BAD_ENTRY = "The scopes file {name}: {entry} must be a list of document file names."
SCOPES_UNKNOWN_DOCUMENTS = (
    "The scopes file {name} names documents that are not in the knowledge folder: {documents}. "
    "Use the file names in knowledge/protocols/."
)

REINDEX_FAILED = "Reindex failed, and the previous index is still serving. {reason}"
REINDEX_CRASHED = "Reindex failed unexpectedly, and the previous index is still serving. The error has been logged."
REINDEX_DONE = "Reindex finished: now serving index {version}."

# --- Index lifecycle: what a reindex changed, dry runs and rollback (terminal, Slack and Teams alike) --

BUILD_SUMMARY = (
    "Index {version}: {clauses} clauses from {documents} documents in {seconds:.1f} s "
    "({embedded} texts embedded, the rest cached)."
)
BUILD_DOCUMENT = "  {source}: {clauses} clauses"
CHANGES_FIRST = "First index: there is no earlier version to compare with."
CHANGES_HEADER = "Changes since index {version}:"
CHANGES_NONE = "No clause changed since index {version}."
CHANGES_DOCUMENTS_ADDED = "  Documents added: {names}"
CHANGES_DOCUMENTS_RETIRED = "  Documents retired: {names}"
CHANGES_DOCUMENT = "  {source}: {added} added, {removed} removed, {reworded} reworded"
CHANGES_ADDED = "    + {label}: {text}"
CHANGES_REMOVED = "    - {label}: {text}"
CHANGES_REWORDED = "    ~ {label}: {diff}"
CHANGES_MORE = "    … and {count} more (all are listed in changes.json in the index version's folder)"
CHANGES_CLAUSE = "clause {ref}"
CHANGES_CLAUSE_PART = "clause {ref} (part {part})"
CHANGES_UNNUMBERED = "text under “{heading}”"
CHANGES_UNTITLED = "untitled text"
DRY_RUN_SUMMARY = (
    "Dry run: {clauses} clauses from {documents} documents are valid. "
    "Nothing was embedded and the index was not changed."
)
ROLLBACK_DONE = "Rolled back: now serving index {version} instead of {replaced}. Running bots switch on their next question."
ROLLBACK_NONE = "There is no earlier complete index version to roll back to; index {version} keeps serving."
ROLLBACK_NO_INDEX = "There is no index to roll back; an admin needs to run `make index`."

# --- Terminal --------------------------------------------------------------------------------

CLI_WELCOME = (
    "Protocol Bot — ask about the councillor/officer protocol. "
    "Type a question and press Enter; 'full N' shows clause N in full; 'quit' leaves."
)
CLI_PROMPT = "you> "
CLI_NO_SUCH_CITATION = "There is no citation {n} in the last answer."
CLI_BYE = "Goodbye."
EVAL_REPORT = (
    "questions: {answerable} answerable, {unanswerable} out of scope\n"
    "Recall@1  {r1:.3f}   Recall@3  {r3:.3f}   Recall@5  {r5:.3f}\n"
    "MRR@10    {mrr:.3f}   quote holds the answer  {quote:.1%}\n"
    "out-of-scope abstention  {abstention:.1%}   false abstention  {false_abstention:.1%}\n"
    "latency per question  p50 {p50:.0f} ms   p95 {p95:.0f} ms"
)
EVAL_MISS = "  {id}: {question}  (rank {rank})"
EVAL_HEADER = "{file} against index {version}"
EVAL_MISSES = "answerable questions without a hit in the first three citations:"
EVAL_BELOW = "FAIL: Recall@3 {recall:.3f} is below {required}"
EVAL_NO_QUESTIONS = "{file} has no questions; each line should be a JSON object like those in shared/eval/dev.jsonl."
CLI_BAD_JSONL = 'Skipped input line {number}: it is not a JSON object like {{"id": 1, "question": "..."}}.'
CLI_COUNCIL_HEADING = "== {council} =="  # shown only when an answer cites more than one council

# --- Chat platforms (Slack and Teams alike) ------------------------------------------------------
# `code` renders the same in Slack mrkdwn and Teams Markdown.

SHOW_FULL_CLAUSE = "Show full clause"
HELPFUL = "👍 Helpful"
NOT_HELPFUL = "👎 Not helpful"
FEEDBACK_THANKS = "Thanks, your feedback has been recorded."
FEEDBACK_COMMENT_LABEL = "Tell us what was wrong with the answer, or what you expected to see."
FEEDBACK_COMMENT_SEND = "Send"
ANSWER_EXPIRED = "That answer is no longer in my memory. Please ask the question again."
ADMIN_ONLY = "Sorry, only Protocol Bot admins can use `{command}`. Please ask the Clerk if the index needs attention."
REINDEX_STARTED = (
    "Rebuilding the protocol index now; questions are still answered meanwhile. "
    "I'll post the result here when it's done."
)
REINDEX_BUSY = "A reindex is already running; I'll post the result here when it's done."

# --- Teams ---------------------------------------------------------------------------------------
# Teams Markdown: **bold**, lists start with "- ".

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
TEAMS_HELP_DOCUMENT = "- {name} (adopted {adopted}, review due {review})"
TEAMS_YOU_ASKED = "You asked: {question}"
TEAMS_CLAUSE_SHORTENED = "(This clause is long; the rest is in the document.)"

# --- Slack ---------------------------------------------------------------------------------------
# Slack mrkdwn: *bold*, _italic_, `code`. Placeholders are filled with escaped text by the adapter.

SLACK_COMMAND = "/protocol"
SLACK_SHARE = "Share in channel"
SLACK_QUESTION_LINE = "*Question:* {question}"
SLACK_SHARED_LINE = "<@{user}> shared this answer to: {question}"
SLACK_MORE_CLAUSES = "{count} more clauses matched but are not shown here."
SLACK_CLAUSE_FALLBACK = "{label} of {title}"
SLACK_FEEDBACK_TITLE = "What was wrong?"  # modal titles are limited to 24 characters
TEAMS_TEACH_LABEL = "Admins: which clause answers it? (corrects the answer for everyone who asks this)"
SLACK_TEACH_LABEL = "Which clause answers it?"
SLACK_TEACH_HINT = "As an admin, your choice corrects the answer for everyone who asks this, from now on."
SLACK_FEEDBACK_CLOSE = "Skip"
SLACK_HOME_TITLE = "Protocol Bot"
SLACK_HELP_INTRO = (
    "I answer questions about the councillor/officer protocols and quote the clauses I rely on.\n"
    "• Mention me in a channel: `@Protocol Bot can I copy an email to another councillor?` "
    "and I'll reply in the thread. Follow-up questions in that thread don't need another mention.\n"
    "• Send me a direct message.\n"
    "• Type `/protocol your question` to get a private answer you can share."
)
SLACK_HELP_DOCUMENTS = "*Documents I answer from*"
SLACK_HELP_DOCUMENT = "*{name}*\nAdopted {adopted} · review due {review}"
SLACK_HELP_EXAMPLES = "*Try asking*"
SLACK_HELP_COMMANDS = (
    "`/protocol help` shows this message. Admins can also use `/protocol status` and `/protocol reindex`."
)
SLACK_MISSING_SETTING = "Set {name} in the environment to run the Slack bot (see the Slack section of the README)."

# --- Admin reports (terminal, Slack and Teams alike) ---------------------------------------------

STATUS_HEADER = "Index {version}, built {built_at} with model {model}."
STATUS_DOCUMENTS = "Documents ({count}):"
COUNCIL_NOT_STATED = "Council not stated in the document"
DOCUMENT_NAME = "{council} — {title}"  # a document without a council is named by its title alone
STATUS_DOCUMENT = "  {name}: {clauses} clauses (adopted {adopted}, review due {review})"
STATUS_CHANGES = "Changes when this index was built:\n{report}"
FEEDBACK_NONE = "No feedback has been recorded yet."
FEEDBACK_RECENT = "Recent feedback (newest first):"
FEEDBACK_ENTRY = "  #{id} {at} {platform} {user} {verdict}: {question}"
FEEDBACK_ENTRY_CLAUSES = "      cited: {clauses}"
FEEDBACK_ENTRY_COMMENT = "      comment: {comment}"
FEEDBACK_HELPFUL = "helpful"
FEEDBACK_UNHELPFUL = "not helpful"
FEEDBACK_WORST = "Clauses most often marked not helpful:"
FEEDBACK_WORST_ENTRY = "  {count} × {source} · {clause} · {heading}"
FEEDBACK_WORST_NONE = "  none yet"
