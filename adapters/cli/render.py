"""An Answer as terminal text."""

from __future__ import annotations

import json
import textwrap
from typing import Any

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
            lines += ["", messages.CLI_COUNCIL_HEADING.format(council=council.council or messages.COUNCIL_NOT_STATED)]
        for group in council.documents:
            for citation in group.citations:
                n += 1
                lines += ["", citation_header(n, citation), _wrap(f"“{citation.quote}”", "    ")]
    return "\n".join(lines)


def full_clause(n: int, citation: Citation) -> str:
    paragraphs = [_wrap(p, "    ") if p.strip() else "" for p in citation.text.splitlines()]
    return "\n".join([citation_header(n, citation), *paragraphs])


def jsonl_row(question_id: Any, answer: Answer) -> str:
    """The batch format quality is measured with; keep its keys stable."""
    return json.dumps({
        "id": question_id,
        "question": answer.question,
        "out_of_scope": answer.out_of_scope,
        "citations": [
            {"source": c.source, "clause": c.clause, "heading": c.heading, "text": c.text, "quote": c.quote,
             "score": c.score}
            for c in answer.nearest
        ],
    }, ensure_ascii=False)


def jsonl_error(question_id: Any, question: str, error: str) -> str:
    """A batch line that could not be answered: the measured keys, and why in `error`."""
    return json.dumps({"id": question_id, "question": question, "out_of_scope": True, "citations": [],
                       "error": error}, ensure_ascii=False)
