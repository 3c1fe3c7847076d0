"""Which documents answer where: reading the scopes file and choosing the most specific entry."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.answer import Scope
from bot.errors import ScopesError
from bot.service.scopes import Scopes
from bot.settings import PROJECT_ROOT, Settings
from tests.settings_support import environment

ILMINSTER = ("000_071d258fd975c70b.txt", "001_a879d86bb0aeb3d5.txt")
OTHER = ("004_fbcb302b638d596d.txt",)
KNOWN = frozenset(ILMINSTER + OTHER + ("002_f0618532f7b6a44a.txt",))

SCOPES = f"""
[slack.teams]
T0ILMINSTER = {list(ILMINSTER)}

[slack.channels]
C0CONDUCT = {list(OTHER)}

[teams.tenants]
tenant-1 = {list(ILMINSTER)}

[teams.teams]
"19:team@thread.tacv2" = ["002_f0618532f7b6a44a.txt"]

[teams.channels]
"19:general@thread.tacv2" = {list(OTHER)}
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "scopes.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def scopes(tmp_path: Path) -> Scopes:
    return Scopes.load(write(tmp_path, SCOPES), KNOWN)


def test_a_mapped_slack_team_answers_from_its_documents(scopes: Scopes) -> None:
    assert scopes.resolve("slack", team="T0ILMINSTER", channel="C0GENERAL") == Scope(frozenset(ILMINSTER))


def test_a_channel_entry_wins_over_its_team(scopes: Scopes) -> None:
    assert scopes.resolve("slack", team="T0ILMINSTER", channel="C0CONDUCT") == Scope(frozenset(OTHER))


def test_in_teams_a_channel_beats_its_team_and_a_team_beats_its_tenant(scopes: Scopes) -> None:
    team = "19:team@thread.tacv2"
    assert scopes.resolve("teams", tenant="tenant-1", team=team, channel="19:general@thread.tacv2") == Scope(frozenset(OTHER))
    assert scopes.resolve("teams", tenant="tenant-1", team=team, channel="19:other@thread.tacv2") == Scope(
        frozenset({"002_f0618532f7b6a44a.txt"}))
    assert scopes.resolve("teams", tenant="tenant-1") == Scope(frozenset(ILMINSTER))


def test_a_place_with_no_entry_answers_from_every_document(scopes: Scopes) -> None:
    assert scopes.resolve("slack", team="T0ELSEWHERE", channel="C0GENERAL") is None
    assert scopes.resolve("teams", tenant="another-tenant") is None
    assert Scopes().resolve("teams", tenant="tenant-1", team="t", channel="c") is None


def test_one_platforms_ids_do_not_apply_on_the_other(scopes: Scopes) -> None:
    assert scopes.resolve("teams", channel="C0CONDUCT") is None


def test_unknown_document_names_stop_loading_and_are_named(tmp_path: Path) -> None:
    path = write(tmp_path, '[slack.channels]\nC0 = ["000_071d258fd975c70b.txt", "typo.txt", "missing.pdf"]\n')

    with pytest.raises(ScopesError, match=r"missing\.pdf, typo\.txt"):
        Scopes.load(path, KNOWN)


@pytest.mark.parametrize(("text", "named"), [
    ('[discord.channels]\nC0 = []\n', "discord"),
    ('[slack.tenants]\nT0 = []\n', "slack.tenants"),
    ('[slack.channels]\nC0 = "000_071d258fd975c70b.txt"\n', "slack.channels.C0"),
    ("[slack.channels\n", "could not be read"),
])
def test_a_malformed_scopes_file_is_refused_with_what_is_wrong(tmp_path: Path, text: str, named: str) -> None:
    with pytest.raises(ScopesError, match=named):
        Scopes.load(write(tmp_path, text), KNOWN)


def test_the_shipped_example_leaves_every_document_answering_everywhere() -> None:
    scopes = Scopes.for_settings(Settings())

    assert scopes == Scopes()
    assert (PROJECT_ROOT / "knowledge" / "scopes.toml").is_file()


def test_without_a_scopes_file_every_document_answers(tmp_path: Path, knowledge: Path) -> None:
    (knowledge / "scopes.toml").unlink()

    assert Scopes.for_settings(Settings(knowledge_dir=knowledge)) == Scopes()


def test_a_scopes_file_named_in_the_environment_must_exist(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    environment(monkeypatch, {"PROTOCOL_BOT_SCOPES": str(tmp_path / "nowhere.toml")})
    settings = Settings.from_env()

    with pytest.raises(ScopesError, match="nowhere.toml"):
        Scopes.for_settings(settings)


def test_a_scopes_file_named_in_the_environment_is_checked_against_the_knowledge_folder(
    tmp_path: Path, knowledge: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path, SCOPES)
    environment(monkeypatch, {"PROTOCOL_BOT_SCOPES": str(path), "PROTOCOL_BOT_KNOWLEDGE": str(knowledge)})
    settings = Settings.from_env()

    assert Scopes.for_settings(settings).resolve("slack", team="T0ILMINSTER") == Scope(frozenset(ILMINSTER))
