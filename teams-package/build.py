"""Writes teams-package/protocol-bot-teams.zip, the app package to upload to Teams.

The app id comes from MicrosoftAppId, the same variable the bot reads: the Teams app and the bot
registration share it.

    MicrosoftAppId=<app id> python teams-package/build.py
"""

from __future__ import annotations

import json
import os
import re
import sys
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
PACKAGE = HERE / "protocol-bot-teams.zip"
PLACEHOLDER = "{{MicrosoftAppId}}"
ICONS = ("color.png", "outline.png")
_GUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE)


def build(app_id: str, out: Path = PACKAGE) -> Path:
    if not _GUID.fullmatch(app_id):
        raise ValueError(f"MicrosoftAppId must be the bot's Azure app id (a GUID), not {app_id!r}")
    manifest = (HERE / "manifest.json").read_text(encoding="utf-8").replace(PLACEHOLDER, app_id)
    json.loads(manifest)  # an app id can't break the JSON, but an edited manifest can
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("manifest.json", manifest)
        for icon in ICONS:
            package.write(HERE / icon, icon)
    return out


if __name__ == "__main__":
    try:
        print(build(os.environ.get("MicrosoftAppId", "").strip()))
    except ValueError as error:
        sys.exit(str(error))
