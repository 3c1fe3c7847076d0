"""Every exception Protocol Bot raises on purpose, in one tree.

    ProtocolBotError            its text is safe to show to the user as it is
    ├── InvalidQuestion         empty, or nothing but symbols: the text says how to ask
    ├── IndexUnavailable        no index built yet, or the one on disk is unreadable
    ├── ModelUnavailable        the embedding model cannot be loaded (offline, missing package)
    ├── DocumentError           a protocol document cannot be read or parsed at reindex
    ├── ReindexFailed           a reindex stopped; the previous index keeps serving
    ├── ScopesError             the scopes file cannot be read or names documents that do not exist
    ├── CorrectionError         a correction names what does not exist, or the stored corrections do not read
    ├── QuestionFileError       a question file (shared/eval/dev.jsonl format) has a line that is not a question
    ├── AdminRefused            the admin console refuses a change (a file's type, size or name, a document
    │                           still needed elsewhere); nothing was changed
    ├── SettingsError           a setting in the environment has a value that cannot be used
    └── DatabaseUnavailable     the PostgreSQL database PROTOCOL_BOT_DATABASE_URL names cannot be reached at start-up

    DeliveryDeferred            a chat platform cannot take a reply now; it is tried again later (never shown)
"""

from __future__ import annotations


class ProtocolBotError(Exception):
    """An error whose message is written for the person who sees it."""


class InvalidQuestion(ProtocolBotError):
    pass


class IndexUnavailable(ProtocolBotError):
    pass


class ModelUnavailable(ProtocolBotError):
    pass


class DocumentError(ProtocolBotError):
    pass


class ReindexFailed(ProtocolBotError):
    pass


class ScopesError(ProtocolBotError):
    pass


class CorrectionError(ProtocolBotError):
    pass


class QuestionFileError(ProtocolBotError):
    pass


class AdminRefused(ProtocolBotError):
    pass


class SettingsError(ProtocolBotError):
    pass


class DatabaseUnavailable(ProtocolBotError):
    pass


class DeliveryDeferred(Exception):
    """Raised by a front end's delivery when the platform is unavailable or rate-limiting beyond its retries."""
