"""The HTML every console page shares: the page shell, navigation, notices and form parts.

Every value that reaches a page goes through `esc`, so a title or question typed with markup in it is
shown as the text it is, never run as HTML.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from dataclasses import dataclass

from bot import messages

NAV = (
    ("/", messages.ADMIN_NAV_DOCUMENTS),
    ("/reindex", messages.ADMIN_NAV_REINDEX),
    ("/ask", messages.ADMIN_NAV_ASK),
    ("/feedback", messages.ADMIN_NAV_FEEDBACK),
    ("/scopes", messages.ADMIN_NAV_SCOPES),
    ("/quality", messages.ADMIN_NAV_QUALITY),
)


def esc(text: object) -> str:
    return html.escape(str(text), quote=True)


@dataclass(frozen=True)
class Viewer:
    """Who is looking, and the token their forms carry; None on the sign-in page."""

    who: str
    token: str


@dataclass(frozen=True)
class Notice:
    text: str
    ok: bool = True


def page(title: str, body: str, *, path: str, viewer: Viewer | None, notice: Notice | None = None,
         refresh_seconds: int | None = None) -> str:
    refresh = f'<meta http-equiv="refresh" content="{refresh_seconds}">' if refresh_seconds else ""
    if viewer is not None:
        links = "".join(
            f'<li><a href="{href}"{" aria-current=page" if href == path else ""}>{esc(label)}</a></li>'
            for href, label in NAV)
        signed_in = f"<span>{esc(messages.ADMIN_SIGNED_IN_AS.format(who=viewer.who))}</span>"
        sign_out = post_form("/sign-out", viewer, signed_in + button(messages.ADMIN_SIGN_OUT, quiet=True), css="sign-out")
        header = (
            f'<header><p class="product">{esc(messages.ADMIN_PRODUCT)}</p>'
            f'<nav aria-label="{esc(messages.ADMIN_NAV_LABEL)}"><ul>{links}</ul></nav>{sign_out}</header>'
        )
    else:
        header = f'<header><p class="product">{esc(messages.ADMIN_PRODUCT)}</p></header>'
    return (
        '<!doctype html><html lang="en-GB"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<title>{esc(messages.ADMIN_PAGE_TITLE.format(page=title))}</title>'
        f'<link rel="stylesheet" href="/static/console.css">{refresh}</head><body>'
        f'<a class="skip" href="#main">{esc(messages.ADMIN_SKIP)}</a>{header}'
        f'<main id="main" tabindex="-1"><h1>{esc(title)}</h1>{notice_html(notice)}{body}</main></body></html>'
    )


def notice_html(notice: Notice | None) -> str:
    if notice is None:
        return ""
    role, css = ("status", "ok") if notice.ok else ("alert", "error")
    return f'<div class="notice {css}" role="{role}">{paragraphs(notice.text)}</div>'


def paragraphs(text: str) -> str:
    return "".join(f"<p>{esc(line)}</p>" for line in text.splitlines() if line.strip())


def hidden(name: str, value: str) -> str:
    return f'<input type="hidden" name="{esc(name)}" value="{esc(value)}">'


def button(label: str, *, quiet: bool = False, danger: bool = False, name: str = "") -> str:
    """A submit button; one with a `name` sends name=1 with its form, so a form can offer two ways to go on."""
    css = " quiet" if quiet else " danger" if danger else ""
    named = f' name="{esc(name)}" value="1"' if name else ""
    return f'<button type="submit" class="button{css}"{named}>{esc(label)}</button>'


def link_button(href: str, label: str) -> str:
    return f'<a class="button" href="{esc(href)}">{esc(label)}</a>'


def post_form(action: str, viewer: Viewer, inner: str, *, multipart: bool = False, css: str = "") -> str:
    enctype = ' enctype="multipart/form-data"' if multipart else ""
    klass = f' class="{css}"' if css else ""
    return (f'<form method="post" action="{esc(action)}"{enctype}{klass}>'
            f'{hidden("csrf", viewer.token)}{inner}</form>')


def field(label: str, name: str, value: str = "", *, kind: str = "text", hint: str = "", required: bool = False,
          id_prefix: str = "", extra: str = "") -> str:
    ident = f"{id_prefix}{name}"
    described = f' aria-describedby="{ident}-hint"' if hint else ""
    hint_html = f'<span class="hint" id="{ident}-hint">{esc(hint)}</span>' if hint else ""
    value_attr = f' value="{esc(value)}"' if kind != "file" else ""
    return (f'<p class="field"><label for="{esc(ident)}">{esc(label)}</label>{hint_html}'
            f'<input id="{esc(ident)}" name="{esc(name)}" type="{kind}"{value_attr}{described}'
            f'{" required" if required else ""}{extra}></p>')


def select(label: str, name: str, options: Iterable[tuple[str, str]], chosen: str = "", *, id_prefix: str = "") -> str:
    ident = f"{id_prefix}{name}"
    rendered = "".join(f'<option value="{esc(value)}"{" selected" if value == chosen else ""}>{esc(text)}</option>'
                       for value, text in options)
    return (f'<p class="field"><label for="{esc(ident)}">{esc(label)}</label>'
            f'<select id="{esc(ident)}" name="{esc(name)}">{rendered}</select></p>')


def table(caption: str, headings: Iterable[str], rows: Iterable[Iterable[str]]) -> str:
    """A table whose cells are already HTML (escape values before passing them)."""
    head = "".join(f'<th scope="col">{esc(h)}</th>' for h in headings)
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    return (f'<div class="table"><table><caption>{esc(caption)}</caption><thead><tr>{head}</tr></thead>'
            f"<tbody>{body}</tbody></table></div>")
