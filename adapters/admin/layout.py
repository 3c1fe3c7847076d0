"""The console's templates (adapters/admin/templates) and what every page shares: who is looking, the notice,
the navigation.

Templates are rendered by Jinja2 with autoescape on, so a title or question typed with markup in it is
shown as the text it is, never run as HTML; and with StrictUndefined, so a name a template gets wrong fails
loudly in the tests instead of leaving a blank on a clerk's page. Every word a clerk reads comes from
bot.messages, which templates see as `m`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from bot import messages
from bot.service.types import ADDED, REMOVED
from bot.wording import when

NAV = (
    ("/", messages.ADMIN_NAV_DOCUMENTS),
    ("/reindex", messages.ADMIN_NAV_REINDEX),
    ("/ask", messages.ADMIN_NAV_ASK),
    ("/feedback", messages.ADMIN_NAV_FEEDBACK),
    ("/scopes", messages.ADMIN_NAV_SCOPES),
    ("/quality", messages.ADMIN_NAV_QUALITY),
)

# beside this module, so an editable install and an installed package (package data) both find them
_TEMPLATES = Environment(loader=FileSystemLoader(Path(__file__).with_name("templates")), autoescape=True,
                         undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
_TEMPLATES.globals.update(m=messages, nav=NAV, when=when, REMOVED=REMOVED, ADDED=ADDED)


@dataclass(frozen=True)
class Viewer:
    """Who is looking, and the token their forms carry; None on the sign-in page."""

    who: str
    token: str


@dataclass(frozen=True)
class Notice:
    text: str
    ok: bool = True


def render(template: str, **context: Any) -> Markup:
    """A page's body from its template: markup, so the page shell does not escape it again."""
    return Markup(_TEMPLATES.get_template(template).render(**context))


def page(title: str, body: Markup, *, path: str, viewer: Viewer | None, notice: Notice | None = None,
         refresh_seconds: int | None = None) -> str:
    return str(render("page.html", title=title, body=body, path=path, viewer=viewer, notice=notice,
                      refresh_seconds=refresh_seconds))
