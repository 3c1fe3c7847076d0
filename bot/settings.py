"""Settings read from the environment, once, at the composition root."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from bot import messages
from bot.core.index_store import KEEP_VERSIONS
from bot.core.vector_index import EXACT_UP_TO
from bot.errors import SettingsError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
RUNTIMES = ("onnx", "torch")  # complete index versions kept on disk, so an admin can roll back


def _count(env: dict[str, str], name: str, default: int) -> int:
    """A whole number of at least 1, or start-up stops naming the variable."""
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value < 1:
        raise SettingsError(messages.SETTING_NOT_A_COUNT.format(name=name, value=raw))
    return value


def choice(env: dict[str, str], name: str, choices: tuple[str, ...], default: str) -> str:
    """A setting that must be one of `choices` (any case); `default` when it is not set."""
    value = env.get(name, "").strip().lower() or default
    if value not in choices:
        raise SettingsError(messages.SETTING_NOT_A_CHOICE.format(name=name, choices=", ".join(choices), value=value))
    return value


def _database_url(env: dict[str, str]) -> str | None:
    """A PostgreSQL URL, or None for the embedded SQLite file; anything else stops start-up naming the variable."""
    raw = env.get("PROTOCOL_BOT_DATABASE_URL", "").strip()
    if raw and not raw.startswith(("postgresql://", "postgres://")):
        raise SettingsError(messages.SETTING_NOT_A_DATABASE.format(name="PROTOCOL_BOT_DATABASE_URL"))
    return raw or None


def _split_ids(raw: str) -> frozenset[str]:
    return frozenset(part.strip() for part in raw.replace(";", ",").split(",") if part.strip())


@dataclass(frozen=True)
class Settings:
    knowledge_dir: Path = PROJECT_ROOT / "knowledge"
    home: Path = PROJECT_ROOT / "var"  # index versions, embedding cache, feedback database
    model: str = "default"  # a name from bot.core.model_weights, a local folder, or a hub name
    runtime: str = "onnx"  # what runs the model: "onnx" (ONNX Runtime, the default) or "torch"
    threads: int = 1  # threads that embed one question (see "Speed" in the README)
    admins: frozenset[str] = field(default_factory=frozenset)
    feedback_db: Path | None = None
    keep_versions: int = KEEP_VERSIONS
    # answers worked on at once by a chat server: each uses one core for ~15 ms, so a few per core
    workers: int = 2 * (os.cpu_count() or 2)
    # vectors up to which search is exact; above it an index version is built as IVF-SQ8 (bot/vector_index.py)
    exact_up_to: int = EXACT_UP_TO
    scopes_file: Path | None = None  # which documents answer where; see bot/scopes.py
    # PostgreSQL that replicas share for feedback, conversations and the console; None: the SQLite file feedback_path
    database_url: str | None = None

    @property
    def index_root(self) -> Path:
        return self.home / "index"

    @property
    def model_cache(self) -> Path:
        return self.home / "models"

    @property
    def embedding_cache(self) -> Path:
        return self.home / "embeddings.sqlite3"

    @property
    def feedback_path(self) -> Path:
        return self.feedback_db or self.home / "feedback.sqlite3"

    @property
    def scopes_path(self) -> Path:
        return self.scopes_file or self.knowledge_dir / "scopes.toml"

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if env is None else env)
        defaults = cls()
        return cls(
            knowledge_dir=Path(env.get("PROTOCOL_BOT_KNOWLEDGE", defaults.knowledge_dir)),
            home=Path(env.get("PROTOCOL_BOT_HOME", defaults.home)),
            model=env.get("PROTOCOL_BOT_MODEL", defaults.model),
            runtime=choice(env, "PROTOCOL_BOT_RUNTIME", RUNTIMES, defaults.runtime),
            # PROTOCOL_BOT_TORCH_THREADS is its name from before the model ran on ONNX Runtime
            threads=_count(env, "PROTOCOL_BOT_THREADS", _count(env, "PROTOCOL_BOT_TORCH_THREADS", defaults.threads)),
            admins=_split_ids(env.get("PROTOCOL_BOT_ADMINS", "")),
            feedback_db=Path(env["PROTOCOL_BOT_FEEDBACK_DB"]) if env.get("PROTOCOL_BOT_FEEDBACK_DB") else None,
            keep_versions=_count(env, "PROTOCOL_BOT_KEEP_VERSIONS", defaults.keep_versions),
            workers=_count(env, "PROTOCOL_BOT_WORKERS", defaults.workers),
            exact_up_to=_count(env, "PROTOCOL_BOT_EXACT_UP_TO", defaults.exact_up_to),
            scopes_file=Path(env["PROTOCOL_BOT_SCOPES"]) if env.get("PROTOCOL_BOT_SCOPES") else None,
            database_url=_database_url(env),
        )
