"""An Answer as terminal text."""

from __future__ import annotations

import textwrap

from bot import messages
from bot.answer import Answer, Citation

_WIDTH = 100


def _wrap(text: str, indent: str) -> str:
    return textwrap.fill(text, _WIDTH, initial_indent=indent, subsequent_indent=indent)


def citation_header(n: int, citation: Citation) -> str:
    label = citation.label[0].upper() + citation.label[1:]
    where = " — ".join(part for part in (citation.council, citation.title) if part)
    note = f"  [{citation.note}]" if citation.note else ""
    return f"[{n}] {label}{note}\n    {where}"


def answer_text(answer: Answer) -> str:
    lines = [answer.lead]
    councils = answer.by_council
    n = 0
    for council in councils:
        if len(councils) > 1:
            named = council.council or messages.COUNCIL_NOT_STATED_FOR.format(title=council.documents[0].title)
            lines += ["", messages.CLI_COUNCIL_HEADING.format(council=named)]
        for group in council.documents:
            for citation in group.citations:
                n += 1
                lines += ["", citation_header(n, citation), _wrap(f"“{citation.quote}”", "    ")]
    return "\n".join(lines)


def full_clause(n: int, citation: Citation) -> str:
    paragraphs = [_wrap(p, "    ") if p.strip() else "" for p in citation.text.splitlines()]
    return "\n".join([citation_header(n, citation), *paragraphs])
