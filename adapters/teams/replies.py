"""The Teams text replies (Markdown): welcome, help and the admin reports.

Status rendering lives here until a platform-neutral one exists under bot/.
"""

from __future__ import annotations

from bot import messages
from bot.status import DocumentInfo, IndexStatus, ReindexResult


def welcome_text() -> str:
    return messages.TEAMS_WELCOME.format(examples=_examples())


def help_text(documents: tuple[DocumentInfo, ...], *, admin: bool) -> str:
    lines = "\n".join(
        messages.TEAMS_HELP_DOCUMENT.format(
            title=doc.title, council=_council(doc), adopted=doc.adopted, review=doc.review
        )
        for doc in documents
    )
    text = messages.TEAMS_HELP.format(
        documents=lines, examples=_examples(), show_full_clause=messages.TEAMS_SHOW_FULL_CLAUSE
    )
    return f"{text}\n\n{messages.TEAMS_HELP_ADMIN}" if admin else text


def status_text(status: IndexStatus) -> str:
    lines = "\n".join(
        messages.TEAMS_STATUS_DOCUMENT.format(
            title=doc.title, council=_council(doc), clauses=doc.clauses, adopted=doc.adopted, review=doc.review
        )
        for doc in status.documents
    )
    text = messages.TEAMS_STATUS.format(
        version=status.version, built_at=status.built_at, model=status.model, documents=lines
    )
    if status.change_report:
        text += "\n\n" + messages.TEAMS_STATUS_CHANGES.format(report=_fenced(status.change_report))
    return text


def reindex_done_text(result: ReindexResult) -> str:
    return messages.TEAMS_REINDEX_DONE.format(version=result.version, summary=_fenced(result.summary))


def _examples() -> str:
    return "\n".join(f"- {example}" for example in messages.TEAMS_EXAMPLES)


def _council(doc: DocumentInfo) -> str:
    return f", {doc.council}" if doc.council else ""


def _fenced(text: str) -> str:
    # Keeps a report inside its code block even if it contains a fence of its own.
    return text.replace("```", "'''").strip()
