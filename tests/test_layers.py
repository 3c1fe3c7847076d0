"""The layers of the code, as README's "Code layout" describes them: each part imports only what is beneath it,
so the retrieval core and the stores can be read, tested and replaced without the front ends."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ("answer", "question", "status", "messages", "errors", "wording")
# what front ends may import of `bot`: the service (built by bootstrap), its settings, and the shared words and values
FRONT_END_MAY_USE = ("bot.service", "bot.bootstrap", "bot.settings", *(f"bot.{name}" for name in SHARED))

# (files, what none of them may import)
RULES = [
    ("knowledge/**/*.py", ("bot", "adapters")),
    *((f"bot/{name}.py", ("bot.core", "bot.service", "bot.stores", "bot.bootstrap", "adapters")) for name in SHARED),
    ("bot/settings.py", ("bot.service", "bot.stores", "bot.bootstrap", "adapters")),
    ("bot/stores/*.py", ("bot.core", "bot.service", "bot.bootstrap", "adapters")),
    ("bot/core/*.py", ("bot.service", "bot.bootstrap", "adapters")),
    ("bot/service/*.py", ("bot.bootstrap", "adapters")),
]


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def _reaches(module: str, forbidden: str) -> bool:
    return module == forbidden or module.startswith(forbidden if forbidden.endswith("_") else forbidden + ".")


@pytest.mark.parametrize(("pattern", "forbidden"), RULES, ids=[rule[0] for rule in RULES])
def test_each_part_of_the_code_imports_only_what_is_beneath_it(pattern: str, forbidden: tuple[str, ...]) -> None:
    files = sorted(ROOT.glob(pattern))
    assert files, f"no files match {pattern}"
    crossing = sorted(f"{path.relative_to(ROOT)} imports {module}" for path in files for module in _imports(path)
                      if any(_reaches(module, f) for f in forbidden))
    assert not crossing, "\n".join(crossing)


@pytest.mark.parametrize("pattern", ["adapters/**/*.py", "index_build.py"])
def test_front_ends_reach_the_core_and_the_stores_only_through_the_application_service(pattern: str) -> None:
    """A front end only translates: what it shows comes from the service, so the service can change what lies
    beneath it (another store, another retrieval) without any front end changing."""
    files = sorted(ROOT.glob(pattern))
    assert files, f"no files match {pattern}"
    crossing = sorted(f"{path.relative_to(ROOT)} imports {module}" for path in files for module in _imports(path)
                      if _reaches(module, "bot") and module != "bot"
                      and not any(_reaches(module, allowed) for allowed in FRONT_END_MAY_USE))
    assert not crossing, "\n".join(crossing)
