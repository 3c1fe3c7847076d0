"""Settings read from the environment, once, at the composition root.

Each front end's settings are a `FromEnvironment` model: pydantic-settings reads the variables, and a value
that cannot be used stops start-up with a `SettingsError` in the words of bot/messages.py, naming the
variable and what it may be, never with a pydantic traceback.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Self

from pydantic import AliasChoices, BeforeValidator, Field, ValidationError
from pydantic.fields import FieldInfo
from pydantic_core import ErrorDetails, PydanticCustomError
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot import messages
from bot.core.index_store import KEEP_VERSIONS
from bot.core.vector_index import EXACT_UP_TO
from bot.errors import SettingsError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
RUNTIMES = ("onnx", "torch")


def refusal(template: str, **context: object) -> PydanticCustomError:
    """A value refused in the words of `template`; a `{name}` it leaves open is filled with the variable's name."""
    return PydanticCustomError("setting", template, context)


class FromEnvironment(BaseSettings):
    """Settings read from variables named exactly as the README writes them; one set but blank counts as unset."""

    # validate_by_name: code builds settings by field name (Settings(home=...)). pydantic-settings then also
    # looks for a variable named after the field, with env_prefix before it: the prefix keeps it from ever
    # reading a bare lowercase variable such as `home` or `host`; each field names its own variable.
    model_config = SettingsConfigDict(case_sensitive=True, env_ignore_empty=True, frozen=True, validate_by_name=True,
                                      env_prefix="PROTOCOL_BOT_")

    @classmethod
    def from_env(cls) -> Self:
        try:
            return cls()
        except ValidationError as error:
            raise SettingsError(cls._wording(error.errors()[0])) from None

    @classmethod
    def _wording(cls, error: ErrorDetails) -> str:
        # pydantic locates an error at the field's first variable, or at the field itself when a default was
        # refused (a secret not set); the operator is told the variable they set (PROTOCOL_BOT_TORCH_THREADS,
        # say) or would set. An error about the whole model names the variables itself.
        name = str(error["loc"][0]) if error["loc"] else ""
        for field_name, field in cls.model_fields.items():
            names = variables(field)
            if name in (field_name, *names[:1]) and names:
                name = next((variable for variable in names if os.environ.get(variable)), names[0])
        return error["msg"].replace("{name}", name)


def variables(field: FieldInfo) -> list[str]:
    """The environment variables a field is read from, in the order they are looked for."""
    alias = field.validation_alias
    if isinstance(alias, AliasChoices):
        return [str(choice) for choice in alias.choices]
    return [alias] if isinstance(alias, str) else []


def _count(raw: object) -> int:
    """A whole number of at least 1."""
    try:
        value = int(str(raw).strip())
    except ValueError:
        value = 0
    if value < 1:
        raise refusal(messages.SETTING_NOT_A_COUNT, value=raw)
    return value


def one_of(choices: tuple[str, ...]) -> Callable[[object], str]:
    """A validator for a setting that must be one of `choices`, in any case."""

    def check(raw: object) -> str:
        value = str(raw).strip().lower()
        if value not in choices:
            raise refusal(messages.SETTING_NOT_A_CHOICE, choices=", ".join(choices), value=value)
        return value

    return check


def _database_url(raw: object) -> object:
    """A PostgreSQL URL, or None for the embedded SQLite file. The value is never repeated: it may hold a password."""
    if isinstance(raw, str):
        if not raw.strip():
            return None
        if not raw.strip().startswith(("postgresql://", "postgres://")):
            raise refusal(messages.SETTING_NOT_A_DATABASE)
        return raw.strip()
    return raw


def _ids(raw: object) -> object:
    """User ids as the README lists them: separated by commas (or semicolons, as Excel exports them)."""
    if isinstance(raw, str):
        return frozenset(part.strip() for part in raw.replace(";", ",").split(",") if part.strip())
    return raw


Count = Annotated[int, BeforeValidator(_count)]


class Settings(FromEnvironment):
    knowledge_dir: Path = Field(PROJECT_ROOT / "knowledge", validation_alias="PROTOCOL_BOT_KNOWLEDGE")
    # index versions, embedding cache, feedback database
    home: Path = Field(PROJECT_ROOT / "var", validation_alias="PROTOCOL_BOT_HOME")
    # a name from bot.core.model_weights, a local folder, or a hub name
    model: str = Field("default", validation_alias="PROTOCOL_BOT_MODEL")
    # what runs the model: "onnx" (ONNX Runtime, the default) or "torch"
    runtime: Annotated[str, BeforeValidator(one_of(RUNTIMES))] = Field("onnx", validation_alias="PROTOCOL_BOT_RUNTIME")
    # threads that embed one question (see "Speed" in the README); PROTOCOL_BOT_TORCH_THREADS is its name
    # from before the model ran on ONNX Runtime
    threads: Count = Field(1, validation_alias=AliasChoices("PROTOCOL_BOT_THREADS", "PROTOCOL_BOT_TORCH_THREADS"))
    # NoDecode: a comma-separated list, not the JSON pydantic-settings expects for a collection
    admins: Annotated[frozenset[str], NoDecode, BeforeValidator(_ids)] = Field(
        frozenset(), validation_alias="PROTOCOL_BOT_ADMINS")
    feedback_db: Path | None = Field(None, validation_alias="PROTOCOL_BOT_FEEDBACK_DB")
    keep_versions: Count = Field(KEEP_VERSIONS, validation_alias="PROTOCOL_BOT_KEEP_VERSIONS")
    # answers worked on at once by a chat server: each uses one core for ~15 ms, so a few per core
    workers: Count = Field(2 * (os.cpu_count() or 2), validation_alias="PROTOCOL_BOT_WORKERS")
    # vectors up to which search is exact; above it an index version is built as IVF-SQ8 (bot/vector_index.py)
    exact_up_to: Count = Field(EXACT_UP_TO, validation_alias="PROTOCOL_BOT_EXACT_UP_TO")
    # which documents answer where; see bot/scopes.py
    scopes_file: Path | None = Field(None, validation_alias="PROTOCOL_BOT_SCOPES")
    # PostgreSQL that replicas share for feedback, conversations and the console; None: the SQLite file feedback_path
    database_url: Annotated[str | None, BeforeValidator(_database_url)] = Field(
        None, validation_alias="PROTOCOL_BOT_DATABASE_URL")

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
