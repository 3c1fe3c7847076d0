"""What an operator sees when a setting in the environment is read: the values they set, and for a value that
cannot be used, one sentence naming the variable and what it may be (never a pydantic traceback)."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.admin.settings import AdminSettings
from adapters.teams.settings import TeamsSettings
from bot import messages
from bot.errors import SettingsError
from bot.settings import FromEnvironment, Settings
from tests.settings_support import environment


def refused(monkeypatch: pytest.MonkeyPatch, model: type[FromEnvironment], values: dict[str, str]) -> str:
    environment(monkeypatch, values)
    with pytest.raises(SettingsError) as refusal:
        model.from_env()
    return str(refusal.value)


def test_the_core_settings_are_read_as_the_readme_writes_them(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    environment(monkeypatch, {"PROTOCOL_BOT_HOME": str(tmp_path), "PROTOCOL_BOT_RUNTIME": " Torch ",
                              "PROTOCOL_BOT_THREADS": "3", "PROTOCOL_BOT_ADMINS": "U012ABCDEF, U034GHIJKL;U056",
                              "PROTOCOL_BOT_WORKERS": "6", "PROTOCOL_BOT_FEEDBACK_DB": ""})
    settings = Settings.from_env()

    assert (settings.home, settings.runtime, settings.threads, settings.workers) == (tmp_path, "torch", 3, 6)
    assert settings.admins == {"U012ABCDEF", "U034GHIJKL", "U056"}
    assert settings.feedback_path == tmp_path / "feedback.sqlite3"  # set but blank: as if unset


def test_nothing_set_gives_the_defaults_the_readme_lists(monkeypatch: pytest.MonkeyPatch) -> None:
    environment(monkeypatch, {})

    assert Settings.from_env() == Settings()
    assert (Settings().runtime, Settings().threads, Settings().admins) == ("onnx", 1, frozenset())


def test_the_former_name_of_the_threads_setting_still_works_and_the_new_one_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    environment(monkeypatch, {"PROTOCOL_BOT_TORCH_THREADS": "2"})
    assert Settings.from_env().threads == 2
    environment(monkeypatch, {"PROTOCOL_BOT_TORCH_THREADS": "2", "PROTOCOL_BOT_THREADS": "4"})
    assert Settings.from_env().threads == 4


@pytest.mark.parametrize(("name", "value"), [("PROTOCOL_BOT_WORKERS", "0"), ("PROTOCOL_BOT_THREADS", "two"),
                                             ("PROTOCOL_BOT_KEEP_VERSIONS", "-1"), ("PROTOCOL_BOT_EXACT_UP_TO", "1.5"),
                                             ("PROTOCOL_BOT_TORCH_THREADS", "many")])
def test_a_count_that_is_not_a_whole_number_of_at_least_one_is_named(
        monkeypatch: pytest.MonkeyPatch, name: str, value: str) -> None:
    assert refused(monkeypatch, Settings, {name: value}) == messages.SETTING_NOT_A_COUNT.format(name=name, value=value)


def test_an_unknown_runtime_is_named_with_the_ones_there_are(monkeypatch: pytest.MonkeyPatch) -> None:
    assert refused(monkeypatch, Settings, {"PROTOCOL_BOT_RUNTIME": "GPU"}) == messages.SETTING_NOT_A_CHOICE.format(
        name="PROTOCOL_BOT_RUNTIME", choices="onnx, torch", value="gpu")


def test_an_unknown_teams_host_is_named_with_the_ones_there_are(monkeypatch: pytest.MonkeyPatch) -> None:
    assert refused(monkeypatch, TeamsSettings, {"PROTOCOL_BOT_TEAMS_HOST": "azure"}) == (
        messages.SETTING_NOT_A_CHOICE.format(name="PROTOCOL_BOT_TEAMS_HOST", choices="agents, botbuilder", value="azure"))


@pytest.mark.parametrize("port", ["0", "70000", "http", "-1"])
def test_a_console_port_that_is_not_a_port_is_named(monkeypatch: pytest.MonkeyPatch, port: str) -> None:
    values = {"PROTOCOL_BOT_ADMIN_SECRET": "x" * 20, "PROTOCOL_BOT_ADMIN_PORT": port}
    assert refused(monkeypatch, AdminSettings, values) == messages.SETTING_NOT_A_PORT.format(
        name="PROTOCOL_BOT_ADMIN_PORT", value=port)


@pytest.mark.parametrize(("value", "https"), [("1", True), ("yes", True), ("On", True), ("0", False), ("no", False)])
def test_the_console_https_setting_takes_yes_or_no(monkeypatch: pytest.MonkeyPatch, value: str, https: bool) -> None:
    environment(monkeypatch, {"PROTOCOL_BOT_ADMIN_SECRET": "x" * 20, "PROTOCOL_BOT_ADMIN_HTTPS": value,
                              "PROTOCOL_BOT_ADMIN_PORT": "8443"})
    settings = AdminSettings.from_env()
    assert (settings.https, settings.port) == (https, 8443)


def test_a_misspelt_https_setting_stops_the_console_rather_than_serving_cookies_over_plain_http(
        monkeypatch: pytest.MonkeyPatch) -> None:
    values = {"PROTOCOL_BOT_ADMIN_SECRET": "x" * 20, "PROTOCOL_BOT_ADMIN_HTTPS": "ture"}
    assert refused(monkeypatch, AdminSettings, values) == messages.SETTING_NOT_YES_OR_NO.format(
        name="PROTOCOL_BOT_ADMIN_HTTPS", value="ture")


def test_a_short_console_secret_is_refused_saying_how_long_it_is(monkeypatch: pytest.MonkeyPatch) -> None:
    assert refused(monkeypatch, AdminSettings, {"PROTOCOL_BOT_ADMIN_SECRET": "parish council"}) == (
        messages.ADMIN_SECRET_SHORT.format(length=14, minimum=16))


def test_only_the_variables_the_readme_names_are_read_not_ones_named_like_the_fields(
        monkeypatch: pytest.MonkeyPatch) -> None:
    environment(monkeypatch, {"model": "some-other-model", "home": "/elsewhere", "host": "0.0.0.0", "https": "1",
                              "PROTOCOL_BOT_ADMIN_SECRET": "x" * 20})

    assert (Settings.from_env().model, Settings.from_env().home) == (Settings().model, Settings().home)
    assert (AdminSettings.from_env().host, AdminSettings.from_env().https) == ("127.0.0.1", False)
