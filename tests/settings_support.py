"""Setting the environment a test's settings are read from, and nothing else from the machine's."""

from __future__ import annotations

import pytest

from adapters.admin.settings import AdminSettings
from adapters.slack.settings import SlackConfig
from adapters.teams.settings import TeamsSettings
from bot.settings import FromEnvironment, Settings, variables

_MODELS: tuple[type[FromEnvironment], ...] = (Settings, SlackConfig, TeamsSettings, AdminSettings)


def environment(monkeypatch: pytest.MonkeyPatch, values: dict[str, str]) -> None:
    """Exactly `values` for every variable Protocol Bot reads: a developer's own exports do not leak in."""
    for model in _MODELS:
        for field in model.model_fields.values():
            for name in variables(field):
                monkeypatch.delenv(name, raising=False)
    for name, value in values.items():
        monkeypatch.setenv(name, value)
