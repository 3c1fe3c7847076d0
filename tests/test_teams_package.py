"""The Teams app package: what Teams checks when an admin uploads it."""

from __future__ import annotations

import importlib.util
import json
import zipfile
from pathlib import Path
from types import ModuleType

import pytest
from PIL import Image

from bot import messages
from bot.settings import PROJECT_ROOT

PACKAGE_SOURCE = PROJECT_ROOT / "teams-package"
APP_ID = "5a2e6b0c-7d41-4f0e-9a53-3c1d2e4f5a6b"


def build_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("teams_package_build", PACKAGE_SOURCE / "build.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_package_holds_the_manifest_with_the_app_id_and_both_icons(tmp_path: Path) -> None:
    package = build_script().build(APP_ID, tmp_path / "protocol-bot-teams.zip")

    with zipfile.ZipFile(package) as archive:
        assert sorted(archive.namelist()) == ["color.png", "manifest.json", "outline.png"]
        manifest = json.loads(archive.read("manifest.json"))
    assert manifest["id"] == APP_ID and manifest["bots"][0]["botId"] == APP_ID
    assert "{{" not in json.dumps(manifest)


def test_a_package_is_not_built_without_a_real_app_id(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="MicrosoftAppId"):
        build_script().build("", tmp_path / "protocol-bot-teams.zip")


def test_the_manifest_offers_the_bot_in_every_scope_with_its_commands() -> None:
    manifest = json.loads((PACKAGE_SOURCE / "manifest.json").read_text(encoding="utf-8"))
    (bot,) = manifest["bots"]

    assert tuple(int(part) for part in manifest["manifestVersion"].split(".")) >= (1, 16)
    assert sorted(bot["scopes"]) == ["groupChat", "personal", "team"]
    commands = [command for listing in bot["commandLists"] for command in listing["commands"]]
    assert {"help", "status", "reindex"} <= {command["title"] for command in commands}
    assert all(len(command["title"]) <= 32 and len(command["description"]) <= 128 for command in commands)
    assert len(manifest["name"]["short"]) <= 30 and len(manifest["description"]["short"]) <= 80


def test_the_prompt_starters_are_the_example_questions_help_and_slack_show() -> None:
    manifest = json.loads((PACKAGE_SOURCE / "manifest.json").read_text(encoding="utf-8"))
    commands = [command for listing in manifest["bots"][0]["commandLists"] for command in listing["commands"]]

    prompts = [(command["title"], command["prompt"]) for command in commands if command.get("type") == "prompt"]
    assert prompts == list(messages.EXAMPLE_PROMPTS) and 3 <= len(prompts) <= 4
    assert all(len(title) <= 32 for title, _ in prompts)
    assert tuple(int(part) for part in manifest["manifestVersion"].split(".")) >= (1, 28)  # "type": "prompt"


def test_the_icons_have_the_sizes_teams_requires_and_the_outline_is_white_on_transparent() -> None:
    color, outline = Image.open(PACKAGE_SOURCE / "color.png"), Image.open(PACKAGE_SOURCE / "outline.png")

    assert (color.size, outline.size) == ((192, 192), (32, 32))
    visible = {pixel[:3] for pixel in outline.convert("RGBA").get_flattened_data() if pixel[3]}
    assert visible == {(255, 255, 255)}
