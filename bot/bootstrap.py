"""The composition root: the one place that builds what the front ends use, from the settings.

Entry points (the `protocol-bot` commands) call `bootstrap` once and hand the parts to the front
end they start; tests build the same parts with fakes in their place.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.audit import FILE_NAME as AUDIT_FILE
from bot.audit import AuditLog
from bot.conversation_state import ConversationState
from bot.core.answering import Calibration
from bot.core.embedding import Embedder, SentenceTransformerEmbedder
from bot.core.onnx_embedding import OnnxEmbedder
from bot.feedback import FeedbackStore
from bot.service.admin_console import AdminConsole
from bot.service.conversation import Conversation
from bot.service.ports import ProtocolBot
from bot.service.protocol_bot import IndexedProtocolBot
from bot.service.reindex_runner import ReindexRunner
from bot.service.scopes import Scopes
from bot.settings import Settings


def embedder(settings: Settings, *, threads: int | None = None) -> Embedder:
    """The configured model, run by ONNX Runtime unless PROTOCOL_BOT_RUNTIME=torch."""
    threads = threads or settings.threads
    if settings.runtime == "torch":
        return SentenceTransformerEmbedder(settings.model, settings.model_cache, threads=threads)
    return OnnxEmbedder(settings.model, settings.model_cache, threads=threads)


def protocol_bot(settings: Settings, *, threads: int | None = None, build_progress: bool = False) -> IndexedProtocolBot:
    """The core; `threads` and `build_progress` for a terminal's reindex, where both cores help and a bar shows."""
    model = embedder(settings, threads=threads)
    return IndexedProtocolBot(
        settings.knowledge_dir,
        settings.index_root,
        settings.embedding_cache,
        model,
        calibration=Calibration.for_model(model.name),
        keep_versions=settings.keep_versions,
        exact_up_to=settings.exact_up_to,
        build_progress=build_progress,
    )


@dataclass(frozen=True)
class Services:
    settings: Settings
    bot: ProtocolBot
    conversation: Conversation
    feedback: FeedbackStore
    state: ConversationState
    reindexer: ReindexRunner  # one per process: chat's "reindex" and the console's "publish" both run on it

    def close(self) -> None:
        self.feedback.close()
        self.state.close()


def bootstrap(settings: Settings | None = None, *, bot: ProtocolBot | None = None) -> Services:
    """Everything a chat front end needs. The scopes file is read first, so a bad one stops start-up
    before the model loads."""
    settings = settings or Settings.from_env()
    scopes = Scopes.for_settings(settings)
    bot = bot or protocol_bot(settings)
    # Feedback and conversation state share one database file, so one backup keeps both.
    feedback = FeedbackStore(settings.feedback_path)
    state = ConversationState(settings.feedback_path)
    reindexer = ReindexRunner(bot)
    conversation = Conversation(bot, admins=settings.admins, scopes=scopes, feedback=feedback, state=state,
                                reindexer=reindexer)
    return Services(settings, bot, conversation, feedback, state, reindexer)


def admin_console(services: Services) -> AdminConsole:
    """What the admin console works with: the same core, feedback and settings as the chat front ends,
    and the audit log beside the index."""
    settings = services.settings
    return AdminConsole(settings, services.bot, services.feedback, AuditLog(settings.home / AUDIT_FILE),
                        services.reindexer)
