"""The terminal listing behind `protocol-bot feedback`: recent verdicts and the clauses people found unhelpful."""

from __future__ import annotations

from bot import messages
from bot.stores.feedback import FeedbackStore

_MISSING = "-"


def render_feedback(store: FeedbackStore, limit: int = 20) -> str:
    entries = store.recent(limit)
    if not entries:
        return messages.FEEDBACK_NONE
    lines = [messages.FEEDBACK_RECENT]
    for e in entries:
        verdict = messages.FEEDBACK_HELPFUL if e.helpful else messages.FEEDBACK_UNHELPFUL
        lines.append(
            messages.FEEDBACK_ENTRY.format(
                id=e.id, at=e.at, platform=e.platform, user=e.user, verdict=verdict, question=e.question
            )
        )
        if e.citations:
            cited = ", ".join(f"{c.source} {c.clause or c.heading or _MISSING}" for c in e.citations)
            lines.append(messages.FEEDBACK_ENTRY_CLAUSES.format(clauses=cited))
        if e.comment:
            lines.append(messages.FEEDBACK_ENTRY_COMMENT.format(comment=e.comment))
    lines.append(messages.FEEDBACK_WORST)
    worst = store.most_unhelpful(limit)
    lines += [
        messages.FEEDBACK_WORST_ENTRY.format(
            count=t.unhelpful, source=t.source, clause=t.clause or _MISSING, heading=t.heading or _MISSING
        )
        for t in worst
    ] or [messages.FEEDBACK_WORST_NONE]
    return "\n".join(lines)
