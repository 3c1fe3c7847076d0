"""The Slack app's own settings, read from the environment at start-up."""

from __future__ import annotations

import os
from dataclasses import dataclass

from slack_sdk.http_retry import RetryHandler
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from bot import messages
from bot.errors import ProtocolBotError

DEFAULT_API_URL = "https://slack.com/api/"


@dataclass(frozen=True)
class SlackConfig:
    bot_token: str
    signing_secret: str = ""  # HTTP mode only: Socket Mode connections are authenticated by the app token
    app_token: str | None = None  # set: Socket Mode; unset: HTTP mode
    api_url: str = DEFAULT_API_URL
    host: str = "127.0.0.1"  # HTTP mode; 0.0.0.0 to accept connections from other machines

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> SlackConfig:
        env = dict(os.environ if env is None else env)
        bot_token = env.get("SLACK_BOT_TOKEN", "")
        app_token = env.get("SLACK_APP_TOKEN") or None
        signing_secret = env.get("SLACK_SIGNING_SECRET", "")
        if not bot_token:
            raise ProtocolBotError(messages.SLACK_MISSING_SETTING.format(name="SLACK_BOT_TOKEN"))
        if not app_token and not signing_secret:
            missing = "SLACK_SIGNING_SECRET or SLACK_APP_TOKEN"
            raise ProtocolBotError(messages.SLACK_MISSING_SETTING.format(name=missing))
        api_url = env.get("SLACK_API_URL") or DEFAULT_API_URL
        return cls(
            bot_token=bot_token,
            signing_secret=signing_secret,
            app_token=app_token,
            # WebClient joins method names onto the base URL, so it must end with a slash
            api_url=api_url if api_url.endswith("/") else api_url + "/",
            host=env.get("PROTOCOL_BOT_SLACK_HOST", "127.0.0.1"),
        )


def retry_handlers() -> list[RetryHandler]:
    """What every call to Slack retries: dropped connections, rate limits (waiting as long as
    Retry-After says) and server errors (with backoff). Beyond these a reply waits in the inbox."""
    return [ConnectionErrorRetryHandler(max_retry_count=2), RateLimitErrorRetryHandler(max_retry_count=3),
            ServerErrorRetryHandler(max_retry_count=3)]
