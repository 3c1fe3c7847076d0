"""The Teams text replies (Markdown): welcome, help and the admin reports."""

from __future__ import annotations

from bot import messages
from bot.reindex_runner import ReindexOutcome
from bot.status import DocumentInfo, IndexStatus
from bot.status_report import document_name, render_status


def welcome_text() -> str:
    return messages.TEAMS_WELCOME.format(examples=_examples())


def help_text(documents: tuple[DocumentInfo, ...], *, admin: bool) -> str:
    lines = "\n".join(
        messages.TEAMS_HELP_DOCUMENT.format(
            name=document_name(doc.council, doc.title), adopted=doc.adopted, review=doc.review
        )
        for doc in documents
    )
    text = messages.TEAMS_HELP.format(
        documents=lines, examples=_examples(), show_full_clause=messages.SHOW_FULL_CLAUSE
    )
    return f"{text}\n\n{messages.TEAMS_HELP_ADMIN}" if admin else text


def status_text(status: IndexStatus) -> str:
    return _code_block(render_status(status))


def reindex_text(outcome: ReindexOutcome) -> str:
    if outcome.details is None:
        return outcome.headline
    return f"{outcome.headline}\n\n{_code_block(outcome.details)}"


def _examples() -> str:
    return "\n".join(f"- {example}" for example in messages.EXAMPLE_QUESTIONS)


def _code_block(text: str) -> str:
    # A report containing a fence of its own would otherwise end the block early.
    return "```\n" + text.replace("```", "'''").strip("\n") + "\n```"
