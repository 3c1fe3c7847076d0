"""Starting the Slack bot from the environment: the mode follows the tokens that are set."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.slack.settings import SlackConfig
from bot import messages
from bot.errors import ProtocolBotError
from tests.settings_support import environment


def test_without_an_app_token_the_bot_runs_over_http_on_localhost_with_slacks_api(monkeypatch: pytest.MonkeyPatch) -> None:
    environment(monkeypatch, {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s"})
    config = SlackConfig.from_env()
    assert config.app_token is None
    assert (config.host, config.api_url) == ("127.0.0.1", "https://slack.com/api/")


def test_an_app_token_selects_socket_mode_and_needs_no_signing_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    environment(monkeypatch, {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1"})
    config = SlackConfig.from_env()
    assert config.app_token == "xapp-1"


def test_the_api_url_and_host_can_be_changed_for_a_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    environment(monkeypatch, {
        "SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s",
        "SLACK_API_URL": "http://127.0.0.1:9000/api", "PROTOCOL_BOT_SLACK_HOST": "0.0.0.0",
    })
    config = SlackConfig.from_env()
    assert (config.api_url, config.host) == ("http://127.0.0.1:9000/api/", "0.0.0.0")


@pytest.mark.parametrize(
    ("env", "missing"),
    [({}, "SLACK_BOT_TOKEN"), ({"SLACK_BOT_TOKEN": "xoxb-1"}, "SLACK_SIGNING_SECRET or SLACK_APP_TOKEN")],
)
def test_a_missing_token_is_named_in_the_error(monkeypatch: pytest.MonkeyPatch, env: dict[str, str], missing: str) -> None:
    environment(monkeypatch, env)
    with pytest.raises(ProtocolBotError, match=missing):
        SlackConfig.from_env()


def test_the_manifest_subscribes_to_every_event_and_command_the_app_handles() -> None:
    manifest = (Path(__file__).resolve().parent.parent / "adapters" / "slack" / "manifest.yml").read_text()
    for needed in ("app_mention", "message.im", "message.channels", "app_home_opened", f"command: {messages.SLACK_COMMAND}",
                   "home_tab_enabled: true", "interactivity:", "socket_mode_enabled:", "assistant_view:",
                   "assistant:write", "assistant_thread_started", "assistant_thread_context_changed"):
        assert needed in manifest
