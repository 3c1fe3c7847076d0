"""The composition root: the one place that builds the application service from the settings.

Entry points (the `protocol-bot` commands) call `bootstrap` once and hand the `Application` to the
front end they start; tests build the same with fakes in their place.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from bot.core.answering import Calibration
from bot.core.embedding import Embedder, SentenceTransformerEmbedder
from bot.core.onnx_embedding import OnnxEmbedder
from bot.service.admin_console import AdminConsole
from bot.service.conversation import Conversation
from bot.service.ports import ProtocolBot
from bot.service.protocol_bot import IndexedProtocolBot
from bot.service.reindex_runner import ReindexRunner
from bot.service.scopes import Scopes
from bot.settings import Settings
from bot.stores.audit import AuditLog, SqlAuditLog
from bot.stores.build_lock import BuildLock, build_lock
from bot.stores.console import ConsoleState, SqlConsoleState
from bot.stores.conversation import ConversationState
from bot.stores.corrections import CorrectionsStore, SqlCorrections
from bot.stores.database import Database, PostgresDatabase, open_database
from bot.stores.feedback import FeedbackStore
from bot.stores.file_audit import FILE_NAME as AUDIT_FILE
from bot.stores.file_audit import FileAuditLog
from bot.stores.file_corrections import FILE_NAME as CORRECTIONS_FILE
from bot.stores.file_corrections import FileCorrections
from bot.stores.file_corrections import read as read_corrections
from bot.stores.sql_conversation import SqlConversationState
from bot.stores.sql_feedback import SqlFeedbackStore


def embedder(settings: Settings, *, threads: int | None = None) -> Embedder:
    """The configured model, run by ONNX Runtime unless PROTOCOL_BOT_RUNTIME=torch."""
    threads = threads or settings.threads
    if settings.runtime == "torch":
        return SentenceTransformerEmbedder(settings.model, settings.model_cache, threads=threads)
    return OnnxEmbedder(settings.model, settings.model_cache, threads=threads)


def corrections(settings: Settings, database: Database | None = None) -> CorrectionsStore:
    """Admins' corrections: `corrections.toml` in the knowledge folder unless replicas share a database (`database`,
    else one opened here for them alone). Moving to one, the file's corrections are copied in on the first start
    (once, by whichever replica starts first); the file is then left as it was and no longer read."""
    path = settings.knowledge_dir / CORRECTIONS_FILE
    if not settings.database_url:
        return FileCorrections(path)
    kept = SqlCorrections(database or PostgresDatabase(settings.database_url))
    kept.take_in(lambda: read_corrections(path))
    return kept


def protocol_bot(settings: Settings, *, threads: int | None = None, build_progress: bool = False,
                 database: Database | None = None, lock: BuildLock | None = None) -> IndexedProtocolBot:
    """The core; `threads` and `build_progress` for a terminal's reindex, where both cores help and a bar shows;
    `database` the one the application's stores share, when it has been opened; `lock` the build lock the
    console also reads."""
    model = embedder(settings, threads=threads)
    return IndexedProtocolBot(
        settings.knowledge_dir,
        settings.index_root,
        settings.database_url or settings.embedding_cache,
        model,
        calibration=Calibration.for_model(model.name),
        keep_versions=settings.keep_versions,
        exact_up_to=settings.exact_up_to,
        build_progress=build_progress,
        build_lock=lock or build_lock(settings.database_url),
        corrections=corrections(settings, database),
    )


@contextmanager
def terminal_core(settings: Settings, *, threads: int | None = None,
                  build_progress: bool = False) -> Iterator[IndexedProtocolBot]:
    """The core alone, for a terminal command (ask, reindex): when replicas share PostgreSQL, the connections its
    corrections are read through are closed as the command ends instead of being left to the process's exit."""
    database = PostgresDatabase(settings.database_url) if settings.database_url else None
    try:
        yield protocol_bot(settings, threads=threads, build_progress=build_progress, database=database)
    finally:
        if database is not None:
            database.close()


@dataclass(frozen=True)
class Application:
    """Every use case, as the front ends reach them: chat (`conversation`) and the admin work of the console
    and the terminal (`console`), on one core (`bot`) and one reindex runner, with their state in one database."""

    settings: Settings
    bot: ProtocolBot
    conversation: Conversation
    console: AdminConsole
    console_state: ConsoleState  # the console's sign-in guesses and sign-outs, for its web front end
    feedback: FeedbackStore
    state: ConversationState
    audit: AuditLog  # changes made from the admin console or the terminal
    database: Database  # where the stores above keep their tables

    def close(self) -> None:
        self.database.close()  # the stores share it


def bootstrap(settings: Settings | None = None, *, bot: ProtocolBot | None = None) -> Application:
    """The application service. The scopes file is read first and the database opened next, so a bad file or
    a database out of reach stops start-up before the model loads."""
    settings = settings or Settings.from_env()
    scopes = Scopes.for_settings(settings)
    # Every store shares one database (one file, by default), so one backup keeps them all.
    database = open_database(settings.database_url, settings.feedback_path)
    lock = build_lock(settings.database_url)
    bot = bot or protocol_bot(settings, database=database, lock=lock)
    feedback = SqlFeedbackStore(database)
    state = SqlConversationState(database)
    reindexer = ReindexRunner(bot)
    conversation = Conversation(bot, admins=settings.admins, scopes=scopes, feedback=feedback, state=state,
                                reindexer=reindexer)
    # The audit log stays the file beside the index unless replicas share a database; moving to one, the
    # file's history is copied in (once: what the database already holds is not copied again).
    file_audit = FileAuditLog(settings.home / AUDIT_FILE)
    audit: AuditLog = file_audit
    if settings.database_url:
        audit = SqlAuditLog(database)
        audit.take_in(file_audit.entries())
    console_state = SqlConsoleState(database)
    console = AdminConsole(settings, bot, feedback, audit, reindexer, state=console_state, build_lock=lock)
    return Application(settings, bot, conversation, console, console_state, feedback, state, audit, database)

