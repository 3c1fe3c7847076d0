"""The console's pages: what each page shows, gathered here and rendered by its template (templates/*.html)
into the body layout.page wraps."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup

from adapters.admin.layout import Viewer, render
from bot import messages
from bot.answer import Answer
from bot.service.admin_console import (
    Asked,
    Choice,
    Quality,
    Recheck,
    RestorePlan,
    VersionView,
    describe_version,
)
from bot.service.knowledge_admin import EDITABLE, MAX_UPLOAD_BYTES, DocumentView, Publication
from bot.service.recheck import Verdict
from bot.service.scopes import Scopes
from bot.service.types import (
    AuditEntry,
    ChangeReport,
    CitedRef,
    Correction,
    FeedbackEntry,
    LastChange,
    Preview,
    Publishing,
    Titles,
    WeekTally,
    opening,
)

UPLOAD_LIMIT_MB = MAX_UPLOAD_BYTES // 1024 // 1024
ACCEPT = ".pdf,.docx,.txt,.md"
_LABELS = {
    "title": messages.ADMIN_FIELD_TITLE,
    "council": messages.ADMIN_FIELD_COUNCIL,
    "adopted": messages.ADMIN_FIELD_ADOPTED,
    "reviewed": messages.ADMIN_FIELD_REVIEWED,
    "review": messages.ADMIN_FIELD_REVIEW,
}
_PUBLICATION = {
    Publication.NEW: messages.ADMIN_PUBLICATION_NEW,
    Publication.CHANGED: messages.ADMIN_PUBLICATION_CHANGED,
    Publication.CATALOGUE_CHANGED: messages.ADMIN_PUBLICATION_CATALOGUE,
}
_SCOPE_PLACES = {
    ("slack", "channels"): messages.ADMIN_SCOPE_SLACK_CHANNELS,
    ("slack", "teams"): messages.ADMIN_SCOPE_SLACK_TEAMS,
    ("teams", "channels"): messages.ADMIN_SCOPE_TEAMS_CHANNELS,
    ("teams", "teams"): messages.ADMIN_SCOPE_TEAMS_TEAMS,
    ("teams", "tenants"): messages.ADMIN_SCOPE_TEAMS_TENANTS,
}


def sign_in(token: str, name: str = "") -> Markup:
    return render("sign_in.html", token=token, name=name)


def message(text: str) -> Markup:
    return render("message.html", text=text)


# --- Documents ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Card:
    """One document as its card shows it; `prefix` keeps its form fields' ids apart from the other cards'."""

    prefix: str
    source: str
    name: str
    badges: list[tuple[str, str]]
    facts: list[tuple[str, str]]
    editable: list[tuple[str, str, str]]  # (label, field, value)
    successors: list[tuple[str, str]]
    superseded_by: str


def documents(views: Sequence[DocumentView], withdrawn: Sequence[str], recent: Sequence[AuditEntry], viewer: Viewer,
              title: Titles) -> Markup:
    pending = bool(withdrawn) or any(v.publication is not Publication.PUBLISHED for v in views)
    cards = [_card(n, view, views, title) for n, view in enumerate(views)]
    return render("documents.html", pending=pending, withdrawn=withdrawn, cards=cards, recent=recent, viewer=viewer,
                  title=title, upload_limit_mb=UPLOAD_LIMIT_MB, accept=ACCEPT)


def _status(view: DocumentView, title: Titles) -> list[tuple[str, str]]:
    """(text, css class) badges saying where a document stands."""
    badges = []
    if view.problem:
        badges.append((messages.ADMIN_STATUS_UNREADABLE.format(problem=view.problem), "bad"))
    if view.entry.superseded_by:
        badges.append((messages.ADMIN_STATUS_SUPERSEDED.format(successor=title(view.entry.superseded_by)), "muted"))
    elif view.publication is not Publication.NEW:  # not in force anywhere until it is published
        badges.append((messages.ADMIN_STATUS_IN_FORCE, "good"))
    if view.review_due:
        badges.append((messages.ADMIN_STATUS_REVIEW_DUE.format(review=view.review_due), "warn"))
    if view.publication in _PUBLICATION:
        badges.append((_PUBLICATION[view.publication], "warn"))
    return badges


def _card(n: int, view: DocumentView, views: Sequence[DocumentView], title: Titles) -> _Card:
    entry = view.entry
    facts = [
        (messages.ADMIN_FIELD_COUNCIL, view.name.council),
        (messages.ADMIN_FIELD_FILE, view.source),
        (messages.ADMIN_FIELD_ADOPTED, entry.adopted),
        (messages.ADMIN_FIELD_REVIEWED, entry.reviewed),
        (messages.ADMIN_FIELD_REVIEW, entry.review),
        (messages.ADMIN_FIELD_CLAUSES, "" if view.clauses is None else str(view.clauses)),
    ]
    successors = [("", messages.ADMIN_SUPERSEDE_NONE)] + [(o.source, str(o.name)) for o in views if o.source != view.source]
    return _Card(prefix=f"d{n}-", source=view.source, name=view.name.title, badges=_status(view, title), facts=facts,
                 editable=[(_LABELS[key], key, getattr(entry, key)) for key in EDITABLE], successors=successors,
                 superseded_by=entry.superseded_by)


# --- Reindex --------------------------------------------------------------------------------------


def reindex(history: Sequence[VersionView], publishing: Publishing | None, last: LastChange | None, viewer: Viewer,
            title: Titles, *, dry_run: Preview | None = None) -> Markup:
    serving = next((v for v in history if v.serving), None)
    older = history[history.index(serving) + 1:] if serving else []
    return render(
        "reindex.html", viewer=viewer, title=title, publishing=publishing, last=last, dry_run=dry_run,
        serving_line=messages.ADMIN_SERVING.format(version=describe_version(serving)) if serving else messages.ADMIN_SERVING_NONE,
        older=older[0].version if older else "", checked=_checked(dry_run) if dry_run else "",
        served_changes=serving.changes if serving else None,
        history=[(v, _changed(v.changes, title)) for v in history])


def _checked(dry_run: Preview) -> str:
    return messages.ADMIN_DRY_RUN_SUMMARY.format(documents=len(dry_run.documents),
                                                 clauses=sum(len(d.clauses) for d in dry_run.documents))


def _changed(report: ChangeReport | None, title: Titles) -> str:
    """A version's changes in a line: documents added and retired, and each changed document's counts."""
    if report is None:
        return messages.ADMIN_HISTORY_UNKNOWN
    if report.previous is None:
        return messages.ADMIN_HISTORY_FIRST
    said = []
    if report.documents_added:
        said.append(messages.ADMIN_HISTORY_ADDED.format(count=len(report.documents_added)))
    if report.documents_retired:
        said.append(messages.ADMIN_HISTORY_RETIRED.format(count=len(report.documents_retired)))
    said += [messages.ADMIN_HISTORY_CHANGED.format(name=title(doc.source), summary=messages.ADMIN_CHANGES_DOCUMENT.format(
        added=len(doc.added), removed=len(doc.removed), reworded=len(doc.reworded), renumbered=len(doc.renumbered)))
        for doc in report.documents]
    return "; ".join(said) or messages.ADMIN_HISTORY_NONE


def restore(plan: RestorePlan, viewer: Viewer, title: Titles) -> Markup:
    """What going back to a version changes, with the button that does it and a way out."""
    folder = plan.folder
    lines = [messages.ADMIN_RESTORE_INTRO.format(version=describe_version(plan.target))]
    for template, names in ((messages.ADMIN_RESTORE_BROUGHT_BACK, folder.brought_back),
                            (messages.ADMIN_RESTORE_SET_ASIDE, folder.set_aside),
                            (messages.ADMIN_RESTORE_CATALOGUE, folder.catalogue),
                            (messages.ADMIN_RESTORE_CANNOT, folder.missing)):
        if names:
            lines.append(template.format(names=title.all(names)))
    lines.append(messages.ADMIN_RESTORE_AFTER if folder.changes_anything else messages.ADMIN_RESTORE_FOLDER_SAME)
    return render("restore.html", lines="\n".join(lines), version=plan.target.version, viewer=viewer)


# --- Ask and teach --------------------------------------------------------------------------------


def where_value(platform: str, level: str, place: str) -> str:
    """A place of the scopes file as the Ask form sends it."""
    return f"{platform}|{level}|{place}"


def ask_form(question: str, where: str, found: Scopes | None, title: Titles) -> Markup:
    """The question, and where it is asked: anywhere, or one of the places the scopes file names."""
    places = [("", messages.ADMIN_ASK_ANYWHERE)] + [
        (where_value(*key, place), messages.ADMIN_ASK_PLACE.format(
            place=_SCOPE_PLACES.get(key, " ".join(key)), id=place,
            documents=title.all(sorted(scope.documents)) if scope.documents is not None else ""))
        for key, ids in sorted((found.table if found else {}).items()) for place, scope in sorted(ids.items())]
    hint = messages.ADMIN_ASK_SCOPE_HINT if len(places) > 1 else messages.ADMIN_ASK_NO_SCOPES
    return render("ask.html", question=question, where=where, places=places, hint=hint)


def asked(result: Asked, question: str, title: Titles) -> Markup:
    scope = (messages.ADMIN_ASK_SCOPED.format(documents=title.all(sorted(result.scope.documents)))
             if result.scope is not None and result.scope.documents is not None else messages.ADMIN_ASK_EVERYWHERE)
    return render("asked.html", result=result, question=question, title=title, scope=scope,
                  nearest=result.answer.nearest[:10])


def choice_value(source: str, ref: str | None, quote: str) -> str:
    """A clause as a teach form sends it: its document, its number if it has one, and its opening words."""
    return f"{source}|{ref or ''}|{quote}"


def teach(question: str, feedback_id: str, current: Answer | None, documents: Sequence[str], listed: Sequence[Choice],
          viewer: Viewer, title: Titles) -> Markup:
    """Which clause answers `question`: one of those the bot finds nearest, one of a chosen document's, another
    named, or none. Every clause can be chosen, numbered or not."""
    options = [(f"c{n}", choice_value(c.source, c.clause, opening(c.text)), f"{title(c.source)} · {c.label}: “{c.quote}”")
               for n, c in enumerate(current.nearest[:5] if current else ())]
    options += [("c-other", "other", messages.ADMIN_TEACH_OTHER), ("c-none", "not-covered", messages.TEACH_CHOICE_NOT_COVERED)]
    return render("teach.html", question=question, feedback_id=feedback_id, current=current, options=options,
                  listed=[(f"l{n}", choice_value(c.source, c.ref, c.quote), f"{c.label}: “{c.quote}”")
                          for n, c in enumerate(listed)],
                  listed_source=listed[0].source if listed else "",
                  named=[("", messages.ADMIN_TEACH_OTHER_PICK), *((d, title(d)) for d in documents)],
                  viewer=viewer, title=title)


# --- Feedback, scopes, quality ------------------------------------------------------------------------


def feedback(weeks: Sequence[WeekTally], entries: Sequence[FeedbackEntry], listed: Sequence[tuple[Correction, bool]],
             viewer: Viewer, title: Titles) -> Markup:
    cited = [", ".join(f"{title(c.source)} {c.clause or c.heading or ''}".strip() for c in e.citations) for e in entries]
    return render("feedback.html", weeks=weeks, entries=list(zip(entries, cited, strict=True)),
                  up=sum(1 for e in entries if e.helpful), corrections=listed, viewer=viewer, title=title)


def scopes(found: Scopes, path: str, title: Titles) -> Markup:
    rows = [(_SCOPE_PLACES.get(key, " ".join(key)), place,
             title.all(sorted(scope.documents)) if scope.documents is not None else "")
            for key, places in sorted(found.table.items()) for place, scope in sorted(places.items())]
    return render("scopes.html", path=path, rows=rows)


def _cited(answer: Answer, title: Titles) -> str:
    if answer.out_of_scope:
        return messages.ADMIN_RECHECK_DECLINED
    return "; ".join(f"{title(c.source)}, {c.label}" for c in answer.citations)


def _expected(correction: Correction, title: Titles) -> str:
    if correction.not_covered:
        return messages.ADMIN_RECHECK_DECLINED
    where = messages.ADMIN_CLAUSE_NUMBERED.format(ref=correction.clause) if correction.clause else f"“{correction.quote}”"
    return f"{title(correction.source or '')}, {where}"


def _refs(refs: Sequence[CitedRef], title: Titles) -> str:
    return "; ".join(f"{title(r.source)}, {r.clause or r.heading or ''}".rstrip(", ") for r in refs) \
        or messages.ADMIN_RECHECK_DECLINED


def _verdict(verdict: Verdict | None, title: Titles, good: str, bad: str) -> str:
    if verdict is None:
        return ""
    return f"{_cited(verdict.answer, title)} — {good if verdict.good else bad}"


@dataclass(frozen=True)
class _Rechecked:
    """A recheck as its section shows it: the summary lines, then a row per correction and per voted-down answer."""

    summaries: list[str]
    after: tuple[str, ...]  # the heading of the "after publishing" column, when that was asked too
    corrections: list[tuple[str, ...]]
    votes: list[tuple[str, str, tuple[str, ...]]]  # (question, where to correct it if still wrong, the other cells)


def _rechecked(found: Recheck, title: Titles) -> _Rechecked:
    """Which corrections hold and which voted-down answers changed, now and (when asked) after publishing."""
    if not (found.corrections or found.votes):
        return _Rechecked([messages.ADMIN_RECHECK_NONE], (), [], [])
    summaries = [messages.ADMIN_RECHECK_SUMMARY.format(
        holding=sum(1 for c in found.corrections if c.now.good), corrections=len(found.corrections),
        changed=sum(1 for v in found.votes if v.now.good), votes=len(found.votes))]
    if found.candidate:
        summaries.append(messages.ADMIN_RECHECK_CANDIDATE_SUMMARY.format(
            holding=sum(1 for c in found.corrections if c.candidate and c.candidate.good),
            corrections=len(found.corrections), changed=sum(1 for v in found.votes if v.candidate and v.candidate.good),
            votes=len(found.votes)))
    after = (messages.ADMIN_RECHECK_AFTER,) if found.candidate else ()
    holds, broken = messages.ADMIN_RECHECK_HOLDS, messages.ADMIN_RECHECK_BROKEN
    changed, same = messages.ADMIN_RECHECK_CHANGED, messages.ADMIN_RECHECK_SAME
    return _Rechecked(
        summaries, after,
        [(c.correction.question, _expected(c.correction, title), _verdict(c.now, title, holds, broken),
          *((_verdict(c.candidate, title, holds, broken),) if after else ())) for c in found.corrections],
        [(v.entry.question, "" if v.now.good else f"/teach?feedback={v.entry.id}",
          (_refs(v.entry.citations, title), _verdict(v.now, title, changed, same),
           *((_verdict(v.candidate, title, changed, same),) if after else ()))) for v in found.votes])


def quality(viewer: Viewer, result: Quality | None = None, found: Recheck | None = None,
            title: Titles | None = None) -> Markup:
    figures: tuple[tuple[str, str], ...] = ()
    misses: list[str] = []
    if result is not None:
        s = result.scores
        figures = (
            (messages.ADMIN_QUALITY_QUESTIONS, messages.ADMIN_QUALITY_QUESTIONS_VALUE.format(
                answerable=s.answerable, unanswerable=s.unanswerable)),
            (messages.ADMIN_QUALITY_R1, f"{s.recall[1]:.0%}"), (messages.ADMIN_QUALITY_R3, f"{s.recall[3]:.0%}"),
            (messages.ADMIN_QUALITY_R5, f"{s.recall[5]:.0%}"), (messages.ADMIN_QUALITY_MRR, f"{s.mrr10:.3f}"),
            (messages.ADMIN_QUALITY_QUOTE, f"{s.quote:.0%}"), (messages.ADMIN_QUALITY_DECLINED, f"{s.abstention:.0%}"),
            (messages.ADMIN_QUALITY_FALSE, f"{s.false_abstention:.0%}"),
            (messages.ADMIN_QUALITY_TIME, messages.ADMIN_QUALITY_TIME_VALUE.format(p50=s.p50_ms, p95=s.p95_ms)),
        )
        misses = [messages.ADMIN_QUALITY_MISS.format(id=o.question.id, question=o.question.question, rank=o.rank or ">10")
                  for o in result.misses]
    recheck = _rechecked(found, title) if found is not None and title is not None else None
    return render("quality.html", viewer=viewer, recheck=recheck, figures=figures, misses=misses)
