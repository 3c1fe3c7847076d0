"""The Slack app's own settings, read from the environment at start-up."""

from __future__ import annotations

from typing import Annotated, Self

from pydantic import AfterValidator, Field, model_validator
from slack_sdk.http_retry import RetryHandler
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from bot import messages
from bot.settings import FromEnvironment, refusal

DEFAULT_API_URL = "https://slack.com/api/"


def _given(value: str) -> str:
    if not value:
        raise refusal(messages.SLACK_MISSING_SETTING)
    return value


def _ending_in_a_slash(url: str) -> str:
    # WebClient joins method names onto the base URL, so it must end with a slash
    return url if url.endswith("/") else url + "/"


class SlackConfig(FromEnvironment):
    bot_token: Annotated[str, AfterValidator(_given)] = Field("", validation_alias="SLACK_BOT_TOKEN",
                                                              validate_default=True)
    # HTTP mode only: Socket Mode connections are authenticated by the app token
    signing_secret: str = Field("", validation_alias="SLACK_SIGNING_SECRET")
    app_token: str | None = Field(None, validation_alias="SLACK_APP_TOKEN")  # set: Socket Mode; unset: HTTP mode
    api_url: Annotated[str, AfterValidator(_ending_in_a_slash)] = Field(DEFAULT_API_URL, validation_alias="SLACK_API_URL")
    # HTTP mode; 0.0.0.0 to accept connections from other machines
    host: str = Field("127.0.0.1", validation_alias="PROTOCOL_BOT_SLACK_HOST")

    @model_validator(mode="after")
    def _signed_or_socket_mode(self) -> Self:
        if not self.app_token and not self.signing_secret:
            raise refusal(messages.SLACK_MISSING_SETTING, name="SLACK_SIGNING_SECRET or SLACK_APP_TOKEN")
        return self


def retry_handlers() -> list[RetryHandler]:
    """What every call to Slack retries: dropped connections, rate limits (waiting as long as
    Retry-After says) and server errors (with backoff). Beyond these a reply waits in the inbox."""
    return [ConnectionErrorRetryHandler(max_retry_count=2), RateLimitErrorRetryHandler(max_retry_count=3),
            ServerErrorRetryHandler(max_retry_count=3)]
