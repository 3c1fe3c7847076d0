"""The catalogue: what each protocol document is, as the document itself states it."""

from __future__ import annotations

import json
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from knowledge.problems import KnowledgeProblem, Problem


@dataclass(frozen=True)
class Entry:
    source: str
    title: str = ""
    council: str = ""
    adopted: str = ""
    reviewed: str = ""
    review: str = ""
    superseded_by: str = ""  # the file name of the document that replaces this one


FIELDS = ("title", "council", "adopted", "reviewed", "review", "superseded_by")


def load(path: Path) -> dict[str, Entry]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise KnowledgeProblem(Problem.UNREADABLE, path.name, str(exc)) from exc
    return parse(text, path.name)


def parse(text: str, name: str) -> dict[str, Entry]:
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise KnowledgeProblem(Problem.UNREADABLE, name, str(exc)) from exc
    return {
        source: Entry(source, **{k: str(v) for k, v in table.items() if k in FIELDS})
        for source, table in raw.items()
    }


def with_fields(text: str, source: str, values: Mapping[str, str]) -> str:
    """The catalogue's text with `source`'s table holding `values`, every other line as it was.

    The file is written by people, with comments saying why a field is empty, so it is edited line by
    line rather than rewritten; a document without a table gets one at the end. Values must be single
    lines; they are written as TOML basic strings (a JSON string is one: the same quotes and escapes).
    """
    lines = text.split("\n")  # not splitlines(): TOML allows U+2028, U+0085 and the like inside a line
    if lines[-1] == "":
        lines.pop()
    start = next((i for i, line in enumerate(lines) if _table_name(line) == source), None)
    if start is None:
        lines += ["", f"[{_basic_string(source)}]"]
        start = len(lines) - 1
    end = next((i for i in range(start + 1, len(lines)) if lines[i].lstrip().startswith("[")), len(lines))
    for key, value in values.items():
        line = f"{key} = {_basic_string(value)}"
        found = next((i for i in range(start + 1, end) if _key_of(lines[i]) == key), None)
        if found is None:
            # after the table's last key, so a comment that ends the table stays with what follows
            last = max((i for i in range(start, end) if i == start or _key_of(lines[i])), default=start)
            lines.insert(last + 1, line)
            end += 1
        else:
            lines[found] = line
    return "\n".join(lines) + "\n"


def _basic_string(value: str) -> str:
    # JSON leaves DEL unescaped, which TOML forbids in a basic string
    return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")


def _table_name(line: str) -> str | None:
    stripped = line.strip()
    if not stripped.startswith("[") or stripped.startswith("[["):
        return None
    try:
        names = list(tomllib.loads(stripped))
    except tomllib.TOMLDecodeError:
        return None
    return names[0] if len(names) == 1 else None


def _key_of(line: str) -> str | None:
    key, equals, _ = line.partition("=")
    key = key.strip().strip('"')
    return key if equals and key and not key.startswith("#") else None
