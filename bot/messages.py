"""Every sentence Protocol Bot says to a person, in one place, so wording is reviewed together.

Adapters take their text from here too: what both chat platforms say is worded once in the
"Chat platforms" section, and each front end has a section for what only it says, or says in its own markup.
"""

from __future__ import annotations

# --- Core answers -------------------------------------------------------------------------------

EMPTY_QUESTION = (
    "Please type a question about the council's protocol, code of conduct, standing orders or policies, "
    'for example: "Can I copy this email to another councillor?"'
)
NO_WORDS = (
    "I couldn't find any words in that message. Please ask your question in a sentence, "
    'for example: "Can a councillor give instructions to staff?"'
)
# Replies to a message that asks nothing (bot/core/small_talk.py): a greeting; thanks and the like ("ok", "great");
# or that the last answer missed ("that's not what I asked").
SMALL_TALK_GREETING = (
    "Hello. Ask me about the council's protocol, code of conduct, standing orders or policies, "
    'for example: "Can I copy an officer\'s email to another councillor?"'
)
SMALL_TALK_THANKS = (
    "Glad to help. Ask me about the council's protocol, code of conduct, standing orders or policies "
    "whenever you need to."
)
SMALL_TALK_NOT_HELPED = (
    "Sorry that didn't help. Try asking in other words, or mark the answer 👎 and say what was wrong, "
    "so the clerk can put it right."
)
QUESTION_TRIMMED = "Your message was very long, so I answered from its first {limit} characters."
# Not "the protocol": the documents may be a code of conduct, standing orders or a policy
LEAD_ANSWER = "Here is what the document says:"
LEAD_ANSWER_MANY = "Here is what the documents say:"
OUT_OF_SCOPE = (
    "The council's governance documents don't cover that. "
    "Please ask the Clerk (the council's Proper Officer) or the Monitoring Officer."
)
# Declined questions about the council's services, meetings and money: the Clerk's office knows.
OUT_OF_SCOPE_COUNCIL_BUSINESS = (
    "The council's governance documents don't cover that: it is council business rather than how "
    "councillors and staff work together. Please ask the Clerk or the council's offices."
)
# Declined questions that are not about the council at all.
OUT_OF_SCOPE_OFF_TOPIC = (
    "That isn't something the council's governance documents cover, so I can't help with it. "
    "I answer questions about what the council's own governance documents say."
)
# Beside a citation, so nobody relies on a clause without knowing the document's standing.
NOTE_REVIEW_OVERDUE = "review due {review}"
NOTE_SUPERSEDED = "superseded by {successor}"
ERROR_APOLOGY = "Sorry, something went wrong while answering. The problem has been logged; please try again shortly."
# (title, question): the titles are what Teams' prompt starters and Slack's suggested prompts show, and
# teams-package/manifest.json repeats them (a test keeps the two the same)
EXAMPLE_PROMPTS = (
    ("Copying an officer's email", "Can I copy an officer's email to another councillor?"),
    ("Instructing council staff", "Can a councillor give instructions to staff?"),
    ("Friendships with officers", "Should councillors and officers become close friends?"),
)
EXAMPLE_QUESTIONS = tuple(question for _, question in EXAMPLE_PROMPTS)

# --- Corrections (protocol-bot teach, and 👎 from admins in chat) ----------------------------------

CORRECTION_CLAUSE = "“{question}” → {source}, {where}"
CORRECTION_NOT_COVERED = "“{question}” → not covered by the protocols"
CORRECTIONS_NONE = "No corrections yet. Teach one with: protocol-bot teach --question … --source … --clause …"
CORRECTIONS_LIST_ENTRY = "{number:>3}. {description}  ({by}, {at}){stale}"
CORRECTIONS_LIST_STALE = "  — its clause no longer exists, so it is not used"
CORRECTIONS_UNREADABLE = "{name} could not be read ({detail})"
CORRECTIONS_MALFORMED = (
    "{name}: correction {number} needs a question and either a source with a clause or quote, "
    "or not_covered = true"
)
CORRECTIONS_LAST_GOOD_KEPT = "{problem}; the corrections read before stay in use."
CORRECTIONS_IN_DATABASE = "The corrections kept in the bot's database"
CORRECTIONS_NOT_TAKEN_IN = (
    "The corrections in corrections.toml could not be copied into the bot's database, so the bot has not started: "
    "{problem}. Put the file right (or move it out of the knowledge folder) and start the bot again."
)
CORRECTIONS_STALE = "{count} corrections point at clauses that no longer exist: {questions}"
CORRECTIONS_REPOINTED = "{count} corrections now point at reworded clauses: {questions}"
TEACH_NO_QUESTION = "A correction needs the question it answers."
TEACH_NEEDS_TARGET = "Say what answers the question (--source with --clause or --quote), or --not-covered."
TEACH_UNKNOWN_SOURCE = "There is no document called {source} in the index. Documents: {documents}"
TEACH_UNKNOWN_CLAUSE = "{source} has no clause {clause}. Its clauses: {clauses}"
TEACH_UNKNOWN_UNNUMBERED = (
    "{source} does not number its clauses, and none is headed or worded “{clause}”. "
    "Name the clause by its heading or by a few of its words."
)
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
INDEX_NO_SUCH_VERSION = "That version is no longer kept, so it cannot be gone back to."
INDEX_CORRUPT = "The protocol index could not be read ({detail}). An admin needs to run `make index`."
MODEL_MISSING = (
    "The embedding model '{model}' could not be loaded ({detail}). "
    "Install the project with `make install`, or set PROTOCOL_BOT_MODEL to a local model folder."
)
MODEL_ADAPTER_CHANGED = (
    "The adapter of the embedding model '{model}' ({path}) is not the one this version of Protocol Bot shipped. "
    "Reinstall the project with `make install`; an adapter refitted with bench/train_encoder.py needs a new model name."
)
MODEL_NOT_EXPORTABLE = (
    "The embedding model '{model}' does not use mean pooling, so it cannot be run through ONNX Runtime here. "
    "Set PROTOCOL_BOT_RUNTIME=torch."
)
SETTING_NOT_A_CHOICE = "{name} must be one of {choices}, not '{value}'."
DATABASE_UNREACHABLE = (
    "The database set in PROTOCOL_BOT_DATABASE_URL could not be reached ({reason}). Check the address, the "
    "password and that the database server is running; or leave the setting unset to keep everything in the file "
    "beside the index."
)
# The value itself is left out: a database address can hold a password.
SETTING_NOT_A_DATABASE = (
    "{name} must be the address of a PostgreSQL database, starting postgresql:// (for example "
    "postgresql://bot:password@db.example.org/protocol_bot). Leave it unset to keep everything in the file beside the index."
)
SETTING_NOT_A_PORT = "{name} must be a port number from 1 to 65535, not '{value}'."
SETTING_NOT_YES_OR_NO = "{name} must be 1 (yes, on) or 0 (no, off), not '{value}'."
NO_DOCUMENTS = "There are no protocol documents in {name}; add at least one .txt, .md, .pdf or .docx file."
NOT_COVERED_MALFORMED = "{name}: `topics` must be a list of quoted phrases, e.g. topics = [\"bin collection days\"]."
# what went wrong inside a PDF or Word reader means nothing to a clerk: these say what to do instead
DOCUMENT_EMPTY = "{name}: the document has no text."
DOCUMENT_UNREADABLE = (
    "{name}: the document could not be read. Save a text file as UTF-8 text, or the document as PDF or Word, "
    "and try again."
)
DOCUMENT_NOT_A_PDF = (
    "{name}: the document could not be read (not a readable PDF). It may be damaged or not really a PDF: open it, "
    "save it as PDF again, and try again."
)
DOCUMENT_NOT_WORD = (
    "{name}: the document could not be read (not a Word document). It may be damaged, an older .doc file or another "
    "kind of file: open it in Word, save it as .docx, and try again."
)
KNOWLEDGE_FILE_UNREADABLE = "{name} could not be read ({detail})."  # files people write by hand: the line helps
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
CHANGES_DOCUMENT = "  {source}: {added} added, {removed} removed, {reworded} reworded, {renumbered} renumbered"
CHANGES_ADDED = "    + {label}: {text}"
CHANGES_REMOVED = "    - {label}: {text}"
CHANGES_REWORDED = "    ~ {label}: {diff}"
CHANGES_RENUMBERED = "    # {label}: same words"
CHANGES_NOW = "{old}, now {new}"
CHANGES_MORE = "    … and {count} more (all are listed in changes.json in the index version's folder)"
CHANGES_CLAUSE = "clause {ref}"
CHANGES_CLAUSE_PART = "clause {ref} (part {part})"
CHANGES_UNNUMBERED = "text under “{heading}”"
CHANGES_UNTITLED = "untitled text"
DRY_RUN_SUMMARY = (
    "Dry run: {clauses} clauses from {documents} documents are valid. "
    "Nothing was embedded and the index was not changed."
)
ROLLBACK_NONE = "There is no earlier complete index version to roll back to; index {version} keeps serving."
ROLLBACK_NO_INDEX = "There is no index to roll back; an admin needs to run `make index`."
CLI_WHO = "{user} at the terminal"
CLI_WHO_UNKNOWN = "someone at the terminal"

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
EVAL_BAD_LINE = (
    "{file}, line {number}: not a question. Each line should be a JSON object like those in shared/eval/dev.jsonl, "
    'with an "id", a "question" and its "gold" clauses or "out_of_scope": true.'
)
CLI_BAD_JSONL = 'Skipped input line {number}: it is not a JSON object like {{"id": 1, "question": "..."}}.'
CLI_JSONL_TOO_DEEP = "Skipped input line {number}: it is nested too deeply to be read."
CLI_QUESTION_NOT_TEXT = 'The "question" must be text, like {"id": 1, "question": "Can I copy an email?"}.'
CLI_ID_REPLACED = (
    'This line\'s "id" could not be written back exactly as given (it holds characters or a number that JSON output '
    "cannot carry), so a stand-in is shown in its place."
)
CLI_COUNCIL_HEADING = "== {council} =="  # shown only when an answer cites more than one council

# --- Chat platforms (Slack and Teams alike) ------------------------------------------------------
# `code` renders the same in Slack mrkdwn and Teams Markdown.

SHOW_FULL_CLAUSE = "Show full clause"
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
REINDEX_BUSY_ELSEWHERE = (
    "Another copy of the bot is already reindexing, so I didn't start a second one. The index it builds will be "
    "used here too as soon as it's ready; until then the current one keeps answering."
)

# --- Teams ---------------------------------------------------------------------------------------
# Teams Markdown: **bold**, lists start with "- ".

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
SLACK_PROMPTS_TITLE = "Ask about the councillor/officer protocol, for example:"
SLACK_STATUS_ANSWERING = "is looking through the protocols…"  # shown after the app's name
SLACK_FEEDBACK_HELPFUL = "Helpful"  # beside Slack's own 👍/👎 icons
SLACK_FEEDBACK_UNHELPFUL = "Not helpful"
SLACK_FEEDBACK_HELPFUL_LABEL = "Say this answer helped"
SLACK_FEEDBACK_UNHELPFUL_LABEL = "Say this answer did not help"
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
COUNCIL_NOT_STATED_FOR = "{title}: council not stated"  # heads one such document among others in an answer
DOCUMENT_NAME = "{council} — {title}"  # a document without a council is named by its title alone
DOCUMENT_UNTITLED = "Untitled document"
DOCUMENT_NUMBERED = "Document {number}"
DOCUMENT_KIND_NUMBERED = "{kind} (document {number})"  # an untitled document by what it calls itself
CITATION_UNLABELLED = "unnumbered paragraph"  # a clause with no number, heading or words to be named by
CITATION_OPENING = "paragraph beginning “{words} …”"  # such a clause, by its opening words
# Where a document's own lines on when it was adopted or reviewed stand: not a heading, which it would look
# like and the reader would not find.
STATUS_HEADING = "the document's opening lines"
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

# --- Admin console (protocol-bot admin) ------------------------------------------------------------
# Plain text: the console escapes every value it shows, so none of these may hold markup.

ADMIN_SECRET_MISSING = (
    "Set PROTOCOL_BOT_ADMIN_SECRET to a secret of at least {minimum} characters to run the admin console: "
    "it is what admins sign in with (see Admin console in the README)."
)
ADMIN_SECRET_SHORT = (
    "PROTOCOL_BOT_ADMIN_SECRET is {length} characters long; the admin console needs at least {minimum}, "
    "for example a passphrase of four or five words."
)
ADMIN_LISTENING = "Admin console for {knowledge} at http://{host}:{port}/"

ADMIN_PRODUCT = "Protocol Bot admin"
ADMIN_TIME = "{day} {month} {year}, {time} UTC"
ADMIN_PAGE_TITLE = "{page} — Protocol Bot admin"
ADMIN_SKIP = "Skip to content"
ADMIN_NAV_LABEL = "Admin pages"
ADMIN_SIGNED_IN_AS = "Signed in as {who}"
ADMIN_SIGN_OUT = "Sign out"

ADMIN_SIGN_IN_TITLE = "Sign in"
ADMIN_SIGN_IN_INTRO = (
    "Sign in with the admin secret your technical contact gave you. "
    "Your name is recorded beside every change you make."
)
ADMIN_SIGN_IN_NAME = "Your name"
ADMIN_SIGN_IN_SECRET = "Admin secret"
ADMIN_SIGN_IN_BUTTON = "Sign in"
ADMIN_SIGN_IN_WRONG = "That secret is not right, so you are not signed in. Please try again."
ADMIN_SIGN_IN_NO_NAME = "Please type your name: it is recorded beside the changes you make."
ADMIN_SIGN_IN_WAIT = (
    "That secret is not right, and there have been several wrong attempts under your name. Please wait {wait}, "
    "then try again."
)
ONE_SECOND = "{count} second"
SECONDS = "{count} seconds"
ADMIN_SIGN_IN_STALE = "The sign-in form had expired. Please sign in again."
ADMIN_SIGNED_OUT = "You have signed out."

ADMIN_FORBIDDEN_TITLE = "That form has expired"
ADMIN_FORBIDDEN = (
    "The form you sent was out of date, or did not come from this console, so nothing was changed. "
    "Open the page again and repeat what you were doing."
)
ADMIN_TOO_LARGE_TITLE = "That file is too large"
ADMIN_TOO_LARGE = "Uploads are limited to {limit} MB, so nothing was changed."
ADMIN_FAILED_TITLE = "Something went wrong"
ADMIN_FAILED = (
    "Something went wrong on the server and it has been logged; what was being done may not have finished. "
    "Please try again, and tell your technical contact if it happens again."
)
ADMIN_WRONG_HOST_TITLE = "Wrong address"
ADMIN_WRONG_HOST = "The admin console is not served at this address. Please use the address your technical contact gave you."
ADMIN_NOT_FOUND_TITLE = "Page not found"
ADMIN_NOT_FOUND = "There is no such page in the admin console."
ADMIN_BACK_HOME = "Go to the documents"

ADMIN_NAV_DOCUMENTS = "Documents"
ADMIN_NAV_REINDEX = "Reindex"
ADMIN_NAV_ASK = "Ask"
ADMIN_NAV_FEEDBACK = "Feedback"
ADMIN_NAV_SCOPES = "Scopes"
ADMIN_NAV_QUALITY = "Quality"

# Documents
ADMIN_DOCUMENTS_INTRO = (
    "The protocols in the knowledge folder. Changes here are saved at once, but nothing changes what is served "
    "until a reindex: check and publish them on the Reindex page."
)
ADMIN_PENDING = "Some changes are not published yet."
ADMIN_PENDING_LINK = "Check and publish them"
ADMIN_UPLOAD_TITLE = "Add a document"
ADMIN_UPLOAD_HINT = (
    "PDF (with a text layer), Word (.docx), text or Markdown, up to {limit} MB. "
    "It is read and checked as a reindex would read it before it is saved."
)
ADMIN_UPLOAD_FILE = "Document file"
ADMIN_UPLOAD_BUTTON = "Upload"
ADMIN_FIELD_TITLE = "Title"
ADMIN_FIELD_COUNCIL = "Council"
ADMIN_FIELD_ADOPTED = "Adopted"
ADMIN_FIELD_REVIEWED = "Last reviewed"
ADMIN_FIELD_REVIEW = "Next review due"
ADMIN_FIELD_FILE = "File"
ADMIN_FIELD_CLAUSES = "Clauses"
ADMIN_NOT_STATED = "not stated"
ADMIN_STATUS_IN_FORCE = "In force"
ADMIN_STATUS_SUPERSEDED = "Superseded by {successor}"
ADMIN_STATUS_REVIEW_DUE = "Review due {review}"
ADMIN_STATUS_UNREADABLE = "Cannot be indexed: {problem}"
ADMIN_PUBLICATION_NEW = "New: not published yet"
ADMIN_PUBLICATION_CHANGED = "Changed: not published yet"
ADMIN_PUBLICATION_CATALOGUE = "Catalogue changed: not published yet"
ADMIN_WITHDRAWN = "Retired, but still answered from until the next reindex: {names}"
ADMIN_EDIT = "Edit catalogue fields"
ADMIN_EDIT_HINT = "Only what the document itself states; leave a field empty where the document says nothing."
ADMIN_SAVE = "Save"
ADMIN_REPLACE = "Replace with a newer version"
ADMIN_REPLACE_HINT = (
    "A file in the same format takes this document's place, and the old one is kept in knowledge/retired/. "
    "A file in another format is added beside it, and this one is marked superseded by it."
)
ADMIN_REPLACE_FILE = "New version of {name}"
ADMIN_REPLACE_BUTTON = "Upload the new version"
ADMIN_SUPERSEDE = "Mark superseded"
ADMIN_SUPERSEDE_HINT = "A superseded document stays in the folder but is not cited in answers."
ADMIN_SUPERSEDE_LABEL = "Superseded by"
ADMIN_SUPERSEDE_NONE = "Nothing: it is in force"
ADMIN_RETIRE = "Retire"
ADMIN_RETIRE_HINT = "Moves the file to knowledge/retired/. It is no longer cited once a reindex is published."
ADMIN_RETIRE_BUTTON = "Retire {name}"
ADMIN_NO_DOCUMENTS = "There are no documents in the knowledge folder yet. Add one above."
ADMIN_RECENT_CHANGES = "Recent changes"
ADMIN_AUDIT_ENTRY = "{at} — {who}: {what}"

ADMIN_UPLOAD_TYPE = "{name}: only PDF, Word (.docx), text (.txt) and Markdown (.md) documents can be uploaded."
ADMIN_UPLOAD_NO_NAME = "The file has no usable name. Rename it, for example to council-protocol-2026.pdf, and upload it again."
ADMIN_UPLOAD_TOO_LARGE = "{name} is {size:.1f} MB; documents of up to {limit} MB can be uploaded."
ADMIN_UPLOAD_MISSING = "Choose a file to upload first."
ADMIN_NAME_IN_USE = (
    "There is already a document called {name}. To put a newer version in its place, use "
    "“Replace with a newer version” on that document."
)
ADMIN_NO_SUCH_DOCUMENT = "There is no document called {name} in the knowledge folder."
ADMIN_SAME_AS_CURRENT = "{name}: the uploaded file is the same as the current version, so nothing was changed."
ADMIN_FIELD_TOO_LONG = "The {field} is longer than {limit} characters; please shorten it."
ADMIN_SUPERSEDED_BY_ITSELF = "A document cannot be superseded by itself."
ADMIN_SUPERSEDE_CYCLE = "{successor} is itself marked superseded by {name}; change that first."
ADMIN_RETIRE_LAST = "{name} is the only document, and the bot needs at least one, so it was not retired."
ADMIN_RETIRE_SCOPED = (
    "{name} is named in the scopes file ({path}), and the bots would not start without it, so it was not retired. "
    "Take it out of the scopes file first."
)
ADMIN_RETIRE_SUCCESSOR = "{others}: marked superseded by {name}, so it was not retired. Change that first."
ADMIN_CATALOGUE_UNSAFE = (
    "The catalogue could not be updated safely ({detail}), so nothing was changed; "
    "edit knowledge/catalogue.toml by hand."
)
ADMIN_UNTIL_REINDEX = " Nothing changes what is served until a reindex is published."
ADMIN_ADDED = "Saved {name} ({clauses} clauses)." + ADMIN_UNTIL_REINDEX
ADMIN_REPLACED = (
    "Replaced {name} with the uploaded file ({clauses} clauses); the previous version is kept as "
    "knowledge/retired/{kept}." + ADMIN_UNTIL_REINDEX
)
ADMIN_REPLACED_BESIDE = "Saved {name} ({clauses} clauses) and marked {old} superseded by it." + ADMIN_UNTIL_REINDEX
ADMIN_EDITED = "Saved the catalogue fields of {name}." + ADMIN_UNTIL_REINDEX
ADMIN_UNCHANGED = "Nothing was changed: the fields already held those values."
ADMIN_SUPERSEDED = "{name} is now marked superseded by {successor}." + ADMIN_UNTIL_REINDEX
ADMIN_IN_FORCE_AGAIN = "{name} is no longer marked superseded." + ADMIN_UNTIL_REINDEX
ADMIN_RETIRED = "{name} was moved to knowledge/retired/{kept}." + ADMIN_UNTIL_REINDEX

# Reindex
ADMIN_REINDEX_INTRO = (
    "Check what publishing would change, then publish: the bots answer from the documents as they are now from "
    "their next question on. If something is wrong afterwards, go back to any earlier published version."
)
ADMIN_SERVING = "The bots answer from the {version}."
ADMIN_SERVING_NONE = "Nothing has been published yet: publish the documents."
ADMIN_DRY_RUN_BUTTON = "Check what would change"
ADMIN_PUBLISH_BUTTON = "Publish"
ADMIN_ROLLBACK_BUTTON = "Roll back to the version before…"
ADMIN_ROLLBACK_UNAVAILABLE = "There is no earlier published version to roll back to."
ADMIN_PUBLISHING = (
    "Publishing: reading and indexing the documents. The bots go on answering from the published version "
    "meanwhile. This page refreshes by itself."
)
ADMIN_PUBLISHING_PROGRESS = "Publishing"
ADMIN_PUBLISHING_SINCE = "Started at {started} by {who}."
ADMIN_PUBLISH_STARTED = "Publishing has started."
ADMIN_PUBLISH_BUSY = "Publishing is already under way; its result will show on this page."
ADMIN_ROLLBACK_BUSY = "Publishing is under way; go back to another version once it has finished, if you still need to."
ADMIN_PUBLISHED = "Published: the bots now answer from the documents as they are in the folder."
ADMIN_LAST_CHANGE = "Last change, {finished}, by {who}"
ADMIN_DRY_RUN_TITLE = "What publishing would change"
ADMIN_DRY_RUN_SUMMARY = "All {documents} documents can be read, with {clauses} clauses in all. Nothing has been published yet."
ADMIN_SERVED_CHANGES = "What changed in the version the bots answer from"
ADMIN_VERSIONS = "Published versions"
ADMIN_VERSION_BY = "version published {at} by {who}"
ADMIN_VERSION_ELSEWHERE = "version built {at} outside the console"
ADMIN_HISTORY_WHEN = "Published"
ADMIN_HISTORY_WHO = "By"
ADMIN_HISTORY_WHAT = "What changed"
ADMIN_HISTORY_DOCUMENTS = "Documents"
ADMIN_HISTORY_ACTION = "Use"
ADMIN_HISTORY_SERVING = "The bots answer from this one"
ADMIN_HISTORY_RESTORE = "Go back to this version…"
ADMIN_HISTORY_ELSEWHERE = "outside the console"
ADMIN_HISTORY_UNKNOWN = "not recorded"
ADMIN_HISTORY_NONE = "nothing changed"
ADMIN_HISTORY_FIRST = "first version"
ADMIN_HISTORY_ADDED = "{count} document(s) added"
ADMIN_HISTORY_RETIRED = "{count} document(s) retired"
ADMIN_HISTORY_CHANGED = "{name}: {summary}"
ADMIN_RESTORE_TITLE = "Go back to an earlier version"
ADMIN_RESTORE_INTRO = "The bots will answer from the {version} again."
ADMIN_RESTORE_FOLDER_SAME = (
    "The documents folder already holds what that version was built from, so only what the bots answer from changes."
)
ADMIN_RESTORE_BROUGHT_BACK = "Put back as that version had them (the current file is kept in knowledge/retired/): {names}"
ADMIN_RESTORE_SET_ASIDE = "Moved to knowledge/retired/, as that version did not have them: {names}"
ADMIN_RESTORE_CATALOGUE = "Title, council and dates put back as that version had them: {names}"
ADMIN_RESTORE_CANNOT = (
    "Cannot be put back, because no copy of what that version was built from is kept; they stay as they are now, "
    "and the next publish uses them: {names}"
)
ADMIN_RESTORE_AFTER = "So the next publish builds this version again, not the one it replaces."
ADMIN_RESTORE_CONFIRM = "Yes, go back to this version"
ADMIN_CANCEL = "Cancel"
ADMIN_RESTORE_SERVING = "The bots already answer from that version, so nothing was changed."
ADMIN_RESTORE_NO_VERSION = "Choose the version to go back to from the list of published versions."
ADMIN_RESTORED = (
    "Done: the bots answer from the {version} again, from their next question on, and the documents folder "
    "is back to what it was built from."
)
ADMIN_RESTORE_MISSING = "These stay as they are now, as no copy of what that version was built from is kept: {names}."
ADMIN_RETIRE_CONFIRM = "Yes, retire {name}"
ADMIN_RETIRE_UNCONFIRMED = "Tick the box to confirm, then press Retire again: nothing was retired."
ADMIN_CHANGES_DOCUMENT = "{added} added, {removed} removed, {reworded} reworded, {renumbered} renumbered"
ADMIN_CHANGE_KIND = "Change"
ADMIN_CHANGE_CLAUSE = "Clause"
ADMIN_CHANGE_DETAIL = "Words"
ADMIN_CHANGE_ADDED = "Added"
ADMIN_CHANGE_REMOVED = "Removed"
ADMIN_CHANGE_REWORDED = "Reworded"
ADMIN_CHANGE_RENUMBERED = "Renumbered, same words"
ADMIN_CHANGES_DOCUMENTS_ADDED = "Documents added: {names}"
ADMIN_CHANGES_DOCUMENTS_RETIRED = "Documents retired: {names}"
ADMIN_CHANGES_NONE = "No clause changed."
ADMIN_CHANGES_FIRST = "The first published version: there is nothing earlier to compare with."
ADMIN_DIFF_LEGEND = "In reworded clauses, struck-through words are removed and underlined words are added."

# Ask
ADMIN_ASK_INTRO = (
    "Ask as a councillor would, and see the answer they would get, with the ten nearest clauses and the "
    "scores behind it."
)
ADMIN_ASK_QUESTION = "Question"
ADMIN_ASK_SCOPE = "Where it is asked"
ADMIN_ASK_SCOPE_HINT = "Ask as if in one of the places the scopes file gives documents of their own, or anywhere else."
ADMIN_ASK_NO_SCOPES = "The scopes file gives no place documents of its own, so a question is answered alike everywhere."
ADMIN_ASK_ANYWHERE = "Anywhere else: every document in force answers"
ADMIN_ASK_PLACE = "{place} {id}: {documents}"
ADMIN_ASK_BUTTON = "Ask"
ADMIN_ASK_ANSWER = "What a councillor sees"
ADMIN_ASK_SCOPED = "Asked there, only these documents answer: {documents}"
ADMIN_ASK_EVERYWHERE = "No scope applies, so every document in force answers."
ADMIN_ASK_NEAREST = "The ten nearest clauses"
ADMIN_ASK_RANK = "Rank"
ADMIN_ASK_SCORE = "Score"
ADMIN_ASK_DOCUMENT = "Document"
ADMIN_ASK_CLAUSE = "Clause"
ADMIN_ASK_QUOTE = "Best-matching words"

# Feedback and corrections
ADMIN_FEEDBACK_INTRO = (
    "What people said about answers in Slack and Teams, newest first. For a 👎, say which clause does answer "
    "the question, or that the protocols don't cover it: the correction is used from the next question on, "
    "for everyone."
)
ADMIN_FEEDBACK_TALLY = "Of the last {count}: {up} 👍 and {down} 👎."
ADMIN_FEEDBACK_WEEKS = "👍 and 👎 by week"
ADMIN_FEEDBACK_WEEK = "Week starting"
ADMIN_FEEDBACK_UP = "👍 helpful"
ADMIN_FEEDBACK_DOWN = "👎 not helpful"
ADMIN_FEEDBACK_NONE = "No feedback yet: it appears here once people press 👍 or 👎 under an answer."
ADMIN_FEEDBACK_META = "{at} · {platform} · {user}"
ADMIN_FEEDBACK_COMMENT = "Comment: {comment}"
ADMIN_FEEDBACK_CITED = "Cited: {clauses}"
ADMIN_FEEDBACK_CORRECT = "Correct this answer"
ADMIN_CORRECTIONS_TITLE = "Corrections"
ADMIN_CORRECTIONS_NONE = "No corrections yet."
ADMIN_CORRECTION_BY = "by {by}, {at}"
ADMIN_CORRECTION_STALE = "Not used: its clause no longer exists"
ADMIN_CORRECTION_REMOVE = "Remove"
ADMIN_CORRECTION_MOVED = "The corrections changed since the page was shown, so nothing was removed. Please try again."
ADMIN_TEACH_TITLE = "Correct an answer"
ADMIN_TEACH_QUESTION = "The question"
ADMIN_TEACH_NOW = "What the bot answers now"
ADMIN_TEACH_PICK = "Which clause answers it?"
ADMIN_TEACH_OTHER = "Another clause, not among these"
ADMIN_TEACH_OTHER_DOCUMENT = "Document"
ADMIN_TEACH_OTHER_PICK = "Choose a document"
ADMIN_TEACH_OTHER_CLAUSE = "Clause: its number as printed (for example 2.3), its heading, or a few of its words"
ADMIN_TEACH_LIST = "Or show every clause of a document to choose from"
ADMIN_TEACH_LIST_BUTTON = "Show its clauses"
ADMIN_TEACH_LISTED = "The clauses of {title}"
ADMIN_CLAUSE_NUMBERED = "clause {ref}"
ADMIN_CLAUSE_PLACE = "{heading}, paragraph {place}"
ADMIN_CLAUSE_NO_HEADING = "Before the first heading"
ADMIN_TEACH_BUTTON = "Teach"
ADMIN_TEACH_NO_FEEDBACK = "There is no feedback {id}."
ADMIN_TEACH_NO_CHOICE = "Choose a clause, name another one, or say the protocols don't cover it."

# Scopes
ADMIN_SCOPES_INTRO = (
    "Which documents answer where, as {path} says. Change that file to change it; the bots read it when they "
    "start. The most specific entry wins: a channel's over its team's, a team's over its tenant's."
)
ADMIN_SCOPES_EVERYWHERE = "The scopes file has no entries, so every document answers everywhere."
ADMIN_SCOPES_PLACE = "Where"
ADMIN_SCOPES_ID = "Id"
ADMIN_SCOPES_DOCUMENTS = "Documents"
ADMIN_SCOPE_SLACK_CHANNELS = "Slack channel"
ADMIN_SCOPE_SLACK_TEAMS = "Slack workspace"
ADMIN_SCOPE_TEAMS_CHANNELS = "Teams channel"
ADMIN_SCOPE_TEAMS_TEAMS = "Teams team"
ADMIN_SCOPE_TEAMS_TENANTS = "Teams tenant"

# Quality
ADMIN_QUALITY_INTRO = (
    "Upload a question file to see how well the served index answers it: one JSON object per line, as in "
    "shared/eval/dev.jsonl, with an id, the question, and its gold clauses or out_of_scope."
)
ADMIN_QUALITY_FILE = "Question file (.jsonl)"
ADMIN_RECHECK_TITLE = "Check the questions already corrected or voted down"
ADMIN_RECHECK_INTRO = (
    "Asks again every question you have corrected and every answer voted 👎, and says which corrections still "
    "hold and which voted-down answers have changed: of the published version, and if you like also as the "
    "documents would be answered once published (that takes a little longer, and publishes nothing)."
)
ADMIN_RECHECK_BUTTON = "Ask them again"
ADMIN_RECHECK_CANDIDATE_BUTTON = "Ask them again, now and as publishing would answer"
ADMIN_RECHECK_NO_CANDIDATE = "This bot cannot show what publishing would answer; only the published version was asked."
ADMIN_RECHECK_AFTER = "After publishing"
ADMIN_RECHECK_CANDIDATE_SUMMARY = (
    "After publishing the documents as they are now: {holding} of {corrections} corrections would hold; "
    "{changed} of {votes} voted-down answers would have changed."
)
ADMIN_RECHECK_NONE = "There are no corrections and no 👎 answers yet, so there is nothing to ask again."
ADMIN_RECHECK_CORRECTIONS = "Corrections"
ADMIN_RECHECK_VOTES = "Answers voted 👎"
ADMIN_RECHECK_QUESTION = "Question"
ADMIN_RECHECK_EXPECTED = "Should be answered by"
ADMIN_RECHECK_NOW = "Answered now by"
ADMIN_RECHECK_THEN = "Answered by when voted down"
ADMIN_RECHECK_VERDICT = "Result"
ADMIN_RECHECK_HOLDS = "Still holds"
ADMIN_RECHECK_BROKEN = "No longer holds: correct it again"
ADMIN_RECHECK_CHANGED = "Changed since the 👎: check it"
ADMIN_RECHECK_SAME = "Same as when voted down: correct it"
ADMIN_RECHECK_DECLINED = "not covered (declined)"
ADMIN_RECHECK_SUMMARY = "{holding} of {corrections} corrections still hold; {changed} of {votes} voted-down answers have changed."
ADMIN_QUALITY_BUTTON = "Run"
ADMIN_QUALITY_LIMIT = (
    "{file} has {count} questions; the console runs up to {limit} at a time. Use protocol-bot eval for larger sets."
)
ADMIN_QUALITY_NOT_TEXT = "{file} is not a UTF-8 text file of questions."
ADMIN_QUALITY_QUESTIONS = "Questions"
ADMIN_QUALITY_QUESTIONS_VALUE = "{answerable} answerable, {unanswerable} out of scope"
ADMIN_QUALITY_R1 = "Right clause first"
ADMIN_QUALITY_R3 = "Right clause in the first three"
ADMIN_QUALITY_R5 = "Right clause in the first five"
ADMIN_QUALITY_MRR = "How near the top the right clause comes (1.000: always first)"
ADMIN_QUALITY_QUOTE = "Quote holds the answer"
ADMIN_QUALITY_DECLINED = "Out-of-scope questions declined"
ADMIN_QUALITY_FALSE = "Answerable questions wrongly declined"
ADMIN_QUALITY_TIME = "Time per question (median / 95th percentile)"
ADMIN_QUALITY_TIME_VALUE = "{p50:.0f} ms / {p95:.0f} ms"
ADMIN_QUALITY_MISSES = "Answerable questions without the right clause in the first three"
ADMIN_QUALITY_MISS = "{id}: {question} (rank {rank})"
ADMIN_QUALITY_NO_MISSES = "Every answerable question had the right clause in the first three."

# The audit log (var/admin-audit.log): one line per change, after the time and who made it
AUDIT_ADDED = "added {name} ({clauses} clauses)"
AUDIT_REPLACED = "replaced {name} ({clauses} clauses); the previous version is kept as retired/{kept}"
AUDIT_REPLACED_BESIDE = "added {name} ({clauses} clauses) as the new version of {old}, now marked superseded"
AUDIT_EDITED = "catalogue of {name}: {changes}"
AUDIT_SUPERSEDED = "marked {name} superseded by {successor}"
AUDIT_IN_FORCE = "marked {name} in force (no longer superseded)"
AUDIT_RETIRED = "retired {name} to retired/{kept}"
AUDIT_PUBLISH_STARTED = "started a reindex"
AUDIT_PUBLISHED = "published the documents"
AUDIT_PUBLISH_FAILED = "reindex did not publish: {reason}"
AUDIT_RESTORED = "went back to the {version}"
AUDIT_BROUGHT_BACK = "put back {name} as the version gone back to had it"
AUDIT_SIGN_IN_FAILED = "tried to sign in with a wrong secret, from {address}"
AUDIT_TAUGHT = "taught {description}"
AUDIT_FORGOT = "removed the correction {description}"
