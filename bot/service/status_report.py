"""Plain-text renderings of what the admin commands report, shared by every front end."""

from __future__ import annotations

from bot import messages
from bot.status import IndexStatus


def document_name(council: str, title: str) -> str:
    return messages.DOCUMENT_NAME.format(council=council, title=title) if council else title


def render_status(status: IndexStatus) -> str:
    lines = [
        messages.STATUS_HEADER.format(version=status.version, built_at=status.built_at, model=status.model),
        messages.STATUS_DOCUMENTS.format(count=len(status.documents)),
    ]
    lines += [
        messages.STATUS_DOCUMENT.format(
            name=document_name(d.council, d.title), clauses=d.clauses, adopted=d.adopted, review=d.review
        )
        for d in status.documents
    ]
    lines += list(status.notes)
    if status.change_report:
        lines.append(messages.STATUS_CHANGES.format(report=status.change_report))
    return "\n".join(lines)
