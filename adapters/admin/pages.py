"""The console's pages, as HTML bodies for layout.page: what each page shows and the forms on it."""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import quote

from adapters.admin.layout import (
    Viewer,
    button,
    esc,
    field,
    hidden,
    link_button,
    paragraphs,
    post_form,
    select,
    table,
)
from bot import messages
from bot.admin_console import Asked, Choice, LastChange, Publishing, Quality, Recheck, RestorePlan, VersionView, describe_version
from bot.answer import Answer, Citation
from bot.changes import ADDED, REMOVED, ChangeReport, Words
from bot.corrections import Correction, opening
from bot.indexing import Preview
from bot.knowledge_admin import EDITABLE, MAX_UPLOAD_BYTES, DocumentView, Publication
from bot.recheck import Verdict
from bot.scopes import Scopes
from bot.stores.audit import AuditEntry
from bot.stores.feedback import CitedRef, FeedbackEntry, WeekTally
from bot.titles import Titles
from bot.wording import when

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


def sign_in(token: str, name: str = "") -> str:
    return (
        paragraphs(messages.ADMIN_SIGN_IN_INTRO)
        + '<form method="post" action="/sign-in" class="card">'
        + hidden("token", token)
        + field(messages.ADMIN_SIGN_IN_NAME, "who", name, required=True, extra=' autocomplete="name"')
        + field(messages.ADMIN_SIGN_IN_SECRET, "secret", kind="password", required=True,
                extra=' autocomplete="current-password"')
        + button(messages.ADMIN_SIGN_IN_BUTTON) + "</form>"
    )


def message(text: str) -> str:
    return paragraphs(text) + f'<p>{link_button("/", messages.ADMIN_BACK_HOME)}</p>'


# --- Documents ------------------------------------------------------------------------------------


def documents(views: Sequence[DocumentView], withdrawn: Sequence[str], recent: Sequence[AuditEntry], viewer: Viewer,
              title: Titles) -> str:
    parts = [paragraphs(messages.ADMIN_DOCUMENTS_INTRO)]
    if withdrawn or any(v.publication is not Publication.PUBLISHED for v in views):
        parts.append(f'<p class="pending">{esc(messages.ADMIN_PENDING)} '
                     f'<a href="/reindex">{esc(messages.ADMIN_PENDING_LINK)}</a></p>')
    if withdrawn:
        parts.append(f'<p class="pending">{esc(messages.ADMIN_WITHDRAWN.format(names=title.all(withdrawn)))}</p>')
    parts.append(
        f'<section class="card" aria-labelledby="upload-h"><h2 id="upload-h">{esc(messages.ADMIN_UPLOAD_TITLE)}</h2>'
        + post_form("/documents/upload", viewer,
                    field(messages.ADMIN_UPLOAD_FILE, "file", kind="file", required=True,
                          hint=messages.ADMIN_UPLOAD_HINT.format(limit=UPLOAD_LIMIT_MB), extra=f' accept="{ACCEPT}"')
                    + button(messages.ADMIN_UPLOAD_BUTTON), multipart=True)
        + "</section>")
    if not views:
        parts.append(paragraphs(messages.ADMIN_NO_DOCUMENTS))
    parts.extend(_document(n, view, views, viewer, title) for n, view in enumerate(views))
    if recent:
        items = "".join(f"<li>{esc(messages.ADMIN_AUDIT_ENTRY.format(at=when(e.at), who=e.who, what=e.what))}</li>"
                        for e in recent)
        parts.append(f'<section aria-labelledby="recent-h"><h2 id="recent-h">{esc(messages.ADMIN_RECENT_CHANGES)}</h2>'
                     f"<ul class=\"log\">{items}</ul></section>")
    return "".join(parts)


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


def _document(n: int, view: DocumentView, views: Sequence[DocumentView], viewer: Viewer, title: Titles) -> str:
    entry, name = view.entry, view.name.title
    prefix = f"d{n}-"
    badges = "".join(f'<li class="badge {css}">{esc(text)}</li>' for text, css in _status(view, title))
    facts = [
        (messages.ADMIN_FIELD_COUNCIL, view.name.council),
        (messages.ADMIN_FIELD_FILE, view.source),
        (messages.ADMIN_FIELD_ADOPTED, entry.adopted),
        (messages.ADMIN_FIELD_REVIEWED, entry.reviewed),
        (messages.ADMIN_FIELD_REVIEW, entry.review),
        (messages.ADMIN_FIELD_CLAUSES, "" if view.clauses is None else str(view.clauses)),
    ]
    facts_html = "".join(f"<dt>{esc(k)}</dt><dd>{esc(v or messages.ADMIN_NOT_STATED)}</dd>" for k, v in facts)
    source = hidden("source", view.source)
    edit = post_form("/documents/edit", viewer, source + paragraphs(messages.ADMIN_EDIT_HINT) + "".join(
        field(_LABELS[key], key, getattr(entry, key), id_prefix=prefix) for key in EDITABLE) + button(messages.ADMIN_SAVE))
    replace = post_form("/documents/replace", viewer, source + paragraphs(messages.ADMIN_REPLACE_HINT) + field(
        messages.ADMIN_REPLACE_FILE.format(name=name), "file", kind="file", required=True, id_prefix=prefix,
        extra=f' accept="{ACCEPT}"') + button(messages.ADMIN_REPLACE_BUTTON), multipart=True)
    successors = [("", messages.ADMIN_SUPERSEDE_NONE)] + [(o.source, str(o.name)) for o in views if o.source != view.source]
    supersede = post_form("/documents/supersede", viewer, source + paragraphs(messages.ADMIN_SUPERSEDE_HINT) + select(
        messages.ADMIN_SUPERSEDE_LABEL, "successor", successors, entry.superseded_by, id_prefix=prefix)
        + button(messages.ADMIN_SAVE))
    confirm = (f'<p class="choice"><input type="checkbox" name="confirm" value="yes" id="{prefix}confirm" required>'
               f'<label for="{prefix}confirm">{esc(messages.ADMIN_RETIRE_CONFIRM.format(name=name))}</label></p>')
    retire = post_form("/documents/retire", viewer, source + paragraphs(messages.ADMIN_RETIRE_HINT) + confirm
                       + button(messages.ADMIN_RETIRE_BUTTON.format(name=name), danger=True))
    actions = "".join(f'<details><summary>{esc(label)}</summary>{form}</details>' for label, form in (
        (messages.ADMIN_EDIT, edit), (messages.ADMIN_REPLACE, replace),
        (messages.ADMIN_SUPERSEDE, supersede), (messages.ADMIN_RETIRE, retire)))
    return (f'<section class="card doc" aria-labelledby="{prefix}h"><h2 id="{prefix}h">{esc(name)}</h2>'
            f'<ul class="badges">{badges}</ul><dl>{facts_html}</dl>{actions}</section>')


# --- Reindex --------------------------------------------------------------------------------------


def reindex(history: Sequence[VersionView], publishing: Publishing | None, last: LastChange | None, viewer: Viewer,
            title: Titles, *, dry_run: Preview | None = None) -> str:
    serving = next((v for v in history if v.serving), None)
    parts = [paragraphs(messages.ADMIN_REINDEX_INTRO),
             paragraphs(messages.ADMIN_SERVING.format(version=describe_version(serving)) if serving
                        else messages.ADMIN_SERVING_NONE)]
    if publishing:
        parts.append(
            f'<div class="card" role="status"><p>{esc(messages.ADMIN_PUBLISHING)}</p>'
            f'<progress aria-label="{esc(messages.ADMIN_PUBLISHING_PROGRESS)}"></progress>'
            f"<p>{esc(messages.ADMIN_PUBLISHING_SINCE.format(started=when(publishing.started), who=publishing.by))}</p></div>")
    buttons = [link_button("/reindex/dry-run", messages.ADMIN_DRY_RUN_BUTTON)]
    older = history[history.index(serving) + 1:] if serving else []
    if not publishing:
        buttons.append(post_form("/reindex/publish", viewer, button(messages.ADMIN_PUBLISH_BUTTON), css="inline"))
        if older:
            buttons.append(link_button(f"/reindex/restore?version={quote(older[0].version)}", messages.ADMIN_ROLLBACK_BUTTON))
    parts.append(f'<div class="actions">{"".join(buttons)}</div>')
    if not older and not publishing:
        parts.append(paragraphs(messages.ADMIN_ROLLBACK_UNAVAILABLE))
    if dry_run is not None:
        parts.append(f'<section class="card" aria-labelledby="dry-h"><h2 id="dry-h">{esc(messages.ADMIN_DRY_RUN_TITLE)}</h2>'
                     f"{paragraphs(_checked(dry_run))}{changes(dry_run.changes, title)}</section>")
    if last:
        heading = messages.ADMIN_LAST_CHANGE.format(finished=when(last.finished), who=last.by)
        parts.append(f'<section class="card" aria-labelledby="last-h"><h2 id="last-h">{esc(heading)}</h2>'
                     f"{paragraphs(last.headline)}</section>")
    if serving and serving.changes:
        parts.append(f'<section aria-labelledby="served-h"><h2 id="served-h">{esc(messages.ADMIN_SERVED_CHANGES)}</h2>'
                     f"{changes(serving.changes, title)}</section>")
    if history:
        rows = [(esc(when(v.built_at)), esc(v.by or messages.ADMIN_HISTORY_ELSEWHERE), esc(_changed(v.changes, title)),
                 esc(title.all(v.documents)),
                 esc(messages.ADMIN_HISTORY_SERVING) if v.serving else
                 f'<a href="/reindex/restore?version={esc(quote(v.version))}">{esc(messages.ADMIN_HISTORY_RESTORE)}</a>')
                for v in history]
        parts.append(table(messages.ADMIN_VERSIONS, (messages.ADMIN_HISTORY_WHEN, messages.ADMIN_HISTORY_WHO,
                                                     messages.ADMIN_HISTORY_WHAT, messages.ADMIN_HISTORY_DOCUMENTS,
                                                     messages.ADMIN_HISTORY_ACTION), rows))
    return "".join(parts)


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


def restore(plan: RestorePlan, viewer: Viewer, title: Titles) -> str:
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
    form = post_form("/reindex/roll-back", viewer, hidden("version", plan.target.version)
                     + button(messages.ADMIN_RESTORE_CONFIRM, danger=True), css="inline")
    return (f'<div class="card">{paragraphs(chr(10).join(lines))}</div>'
            f'<div class="actions">{form}{link_button("/reindex", messages.ADMIN_CANCEL)}</div>')


def words_html(runs: Sequence[Words]) -> str:
    """A word diff with removed words struck through and added ones underlined, every run closed."""
    tags = {REMOVED: "del", ADDED: "ins"}
    return " ".join(f"<{tags[r.kind]}>{esc(r.text)}</{tags[r.kind]}>" if r.kind in tags else esc(r.text) for r in runs)


def changes(report: ChangeReport, title: Titles) -> str:
    if report.previous is None:
        parts = [paragraphs(messages.ADMIN_CHANGES_FIRST)]
    elif not (report.documents or report.documents_added or report.documents_retired):
        return paragraphs(messages.ADMIN_CHANGES_NONE)
    else:
        parts = []
    if report.documents_added:
        parts.append(paragraphs(messages.ADMIN_CHANGES_DOCUMENTS_ADDED.format(names=title.all(report.documents_added))))
    if report.documents_retired:
        parts.append(paragraphs(messages.ADMIN_CHANGES_DOCUMENTS_RETIRED.format(names=title.all(report.documents_retired))))
    for doc in report.documents:
        rows = [(esc(messages.ADMIN_CHANGE_REMOVED), esc(c.label), f"<del>{esc(c.detail)}</del>") for c in doc.removed]
        rows += [(esc(messages.ADMIN_CHANGE_ADDED), esc(c.label), f"<ins>{esc(c.detail)}</ins>") for c in doc.added]
        rows += [(esc(messages.ADMIN_CHANGE_REWORDED), esc(c.label), words_html(c.words)) for c in doc.reworded]
        rows += [(esc(messages.ADMIN_CHANGE_RENUMBERED), esc(c.label), esc(c.detail)) for c in doc.renumbered]
        caption = f"{title(doc.source)}: " + messages.ADMIN_CHANGES_DOCUMENT.format(
            added=len(doc.added), removed=len(doc.removed), reworded=len(doc.reworded), renumbered=len(doc.renumbered))
        headings = (messages.ADMIN_CHANGE_KIND, messages.ADMIN_CHANGE_CLAUSE, messages.ADMIN_CHANGE_DETAIL)
        parts.append(table(caption, headings, rows))
    if report.documents:
        parts.append(paragraphs(messages.ADMIN_DIFF_LEGEND))
    return "".join(parts)


# --- Ask and teach --------------------------------------------------------------------------------


def where_value(platform: str, level: str, place: str) -> str:
    """A place of the scopes file as the Ask form sends it."""
    return f"{platform}|{level}|{place}"


def ask_form(question: str, where: str, found: Scopes | None, title: Titles) -> str:
    """The question, and where it is asked: anywhere, or one of the places the scopes file names."""
    places = [("", messages.ADMIN_ASK_ANYWHERE)] + [
        (where_value(*key, place), messages.ADMIN_ASK_PLACE.format(
            place=_SCOPE_PLACES.get(key, " ".join(key)), id=place,
            documents=title.all(sorted(scope.documents)) if scope.documents is not None else ""))
        for key, ids in sorted((found.table if found else {}).items()) for place, scope in sorted(ids.items())]
    hint = messages.ADMIN_ASK_SCOPE_HINT if len(places) > 1 else messages.ADMIN_ASK_NO_SCOPES
    return (
        paragraphs(messages.ADMIN_ASK_INTRO)
        + '<form method="get" action="/ask" class="card">'
        + field(messages.ADMIN_ASK_QUESTION, "question", question, required=True)
        + f'<p class="hint">{esc(hint)}</p>'
        + select(messages.ADMIN_ASK_SCOPE, "where", places, where)
        + button(messages.ADMIN_ASK_BUTTON) + "</form>"
    )


def answer(shown: Answer, title: Titles) -> str:
    """The reply as a councillor reads it: the lead, then each cited clause with its quote, under its document's
    council and title."""
    parts = [f'<p class="lead">{esc(shown.lead)}</p>']
    for council in shown.by_council:
        for group in council.documents:
            parts.append(f"<h3>{esc(title(group.source))}</h3>")
            for c in group.citations:
                note = f' <span class="badge warn">{esc(c.note)}</span>' if c.note else ""
                parts.append(f"<p><strong>{esc(c.label)}</strong>{note}</p><blockquote>{esc(c.quote)}</blockquote>")
    return f'<div class="reply">{"".join(parts)}</div>'


def asked(result: Asked, question: str, title: Titles) -> str:
    scope = (messages.ADMIN_ASK_SCOPED.format(documents=title.all(sorted(result.scope.documents)))
             if result.scope is not None and result.scope.documents is not None else messages.ADMIN_ASK_EVERYWHERE)
    rows = [(str(rank), f"{c.score:.3f}", esc(title(c.source)), esc(c.label), esc(c.quote))
            for rank, c in enumerate(result.answer.nearest[:10], start=1)]
    teach = f'<p>{link_button("/teach?question=" + quote(question, safe=""), messages.ADMIN_FEEDBACK_CORRECT)}</p>'
    return (
        f'<section class="card" aria-labelledby="answer-h"><h2 id="answer-h">{esc(messages.ADMIN_ASK_ANSWER)}</h2>'
        f"{answer(result.answer, title)}{teach}</section>{paragraphs(scope)}"
        + table(messages.ADMIN_ASK_NEAREST, (messages.ADMIN_ASK_RANK, messages.ADMIN_ASK_SCORE, messages.ADMIN_ASK_DOCUMENT,
                                             messages.ADMIN_ASK_CLAUSE, messages.ADMIN_ASK_QUOTE), rows)
    )


def _radio(ident: str, value: str, label: str) -> str:
    return (f'<p class="choice"><input type="radio" name="choice" id="{esc(ident)}" value="{esc(value)}">'
            f'<label for="{esc(ident)}">{esc(label)}</label></p>')


def choice_value(source: str, ref: str | None, quote: str) -> str:
    """A clause as a teach form sends it: its document, its number if it has one, and its opening words."""
    return f"{source}|{ref or ''}|{quote}"


def teach(question: str, feedback_id: str, current: Answer | None, documents: Sequence[str], listed: Sequence[Choice],
          viewer: Viewer, title: Titles) -> str:
    """Which clause answers `question`: one of those the bot finds nearest, one of a chosen document's, another
    named, or none. Every clause can be chosen, numbered or not."""
    candidates: list[Citation] = list(current.nearest[:5]) if current else []
    options = []
    for n, c in enumerate(candidates):
        options.append(_radio(f"c{n}", choice_value(c.source, c.clause, opening(c.text)),
                              f"{title(c.source)} · {c.label}: “{c.quote}”"))
    listing = ""
    if listed:
        items = "".join(_radio(f"l{n}", choice_value(c.source, c.ref, c.quote), f"{c.label}: “{c.quote}”")
                        for n, c in enumerate(listed))
        listing = (f'<fieldset><legend>{esc(messages.ADMIN_TEACH_LISTED.format(title=title(listed[0].source)))}</legend>'
                   f"{items}</fieldset>")
    options.append(_radio("c-other", "other", messages.ADMIN_TEACH_OTHER))
    options.append(_radio("c-none", "not-covered", messages.TEACH_CHOICE_NOT_COVERED))
    named = [("", messages.ADMIN_TEACH_OTHER_PICK), *((d, title(d)) for d in documents)]
    other = (select(messages.ADMIN_TEACH_OTHER_DOCUMENT, "other_source", named)
             + field(messages.ADMIN_TEACH_OTHER_CLAUSE, "other_clause"))
    now = (f'<section aria-labelledby="now-h"><h2 id="now-h">{esc(messages.ADMIN_TEACH_NOW)}</h2>'
           f"{answer(current, title)}</section>" if current else "")
    show = ('<form method="get" action="/teach" class="card">' + hidden("question", question)
            + hidden("feedback", feedback_id)
            + select(messages.ADMIN_TEACH_LIST, "document", named, listed[0].source if listed else "", id_prefix="list-")
            + button(messages.ADMIN_TEACH_LIST_BUTTON, quiet=True) + "</form>")
    form = post_form("/teach", viewer, hidden("question", question) + hidden("feedback", feedback_id)
                     + f'<fieldset><legend>{esc(messages.ADMIN_TEACH_PICK)}</legend>{"".join(options)}{other}</fieldset>'
                     + listing + button(messages.ADMIN_TEACH_BUTTON), css="card")
    return f'<p><strong>{esc(messages.ADMIN_TEACH_QUESTION)}:</strong> {esc(question)}</p>{now}{form}{show}'


# --- Feedback, scopes, quality ------------------------------------------------------------------------


def feedback(weeks: Sequence[WeekTally], entries: Sequence[FeedbackEntry], listed: Sequence[tuple[Correction, bool]],
             viewer: Viewer, title: Titles) -> str:
    parts = [paragraphs(messages.ADMIN_FEEDBACK_INTRO)]
    if not entries:
        parts.append(paragraphs(messages.ADMIN_FEEDBACK_NONE))
    if weeks:
        parts.append(table(messages.ADMIN_FEEDBACK_WEEKS, (messages.ADMIN_FEEDBACK_WEEK, messages.ADMIN_FEEDBACK_UP,
                                                           messages.ADMIN_FEEDBACK_DOWN),
                           [(esc(w.week), str(w.helpful), str(w.unhelpful)) for w in weeks]))
    if entries:
        up = sum(1 for e in entries if e.helpful)
        parts.append(paragraphs(messages.ADMIN_FEEDBACK_TALLY.format(count=len(entries), up=up, down=len(entries) - up)))
    items = []
    for e in entries:
        cited = ", ".join(f"{title(c.source)} {c.clause or c.heading or ''}".strip() for c in e.citations)
        meta = messages.ADMIN_FEEDBACK_META.format(at=when(e.at), platform=e.platform, user=e.user)
        lines = [f'<p class="meta">{"👍" if e.helpful else "👎"} {esc(meta)}</p>',
                 f"<p><strong>{esc(e.question)}</strong></p>"]
        if cited:
            lines.append(f"<p>{esc(messages.ADMIN_FEEDBACK_CITED.format(clauses=cited))}</p>")
        if e.comment:
            lines.append(f"<p>{esc(messages.ADMIN_FEEDBACK_COMMENT.format(comment=e.comment))}</p>")
        if not e.helpful:
            lines.append(f'<p>{link_button(f"/teach?feedback={e.id}", messages.ADMIN_FEEDBACK_CORRECT)}</p>')
        items.append(f'<li class="card">{"".join(lines)}</li>')
    parts.append(f'<ul class="plain">{"".join(items)}</ul>')
    parts.append(f'<section aria-labelledby="corr-h"><h2 id="corr-h">{esc(messages.ADMIN_CORRECTIONS_TITLE)}</h2>')
    if not listed:
        parts.append(paragraphs(messages.ADMIN_CORRECTIONS_NONE))
    for number, (correction, in_use) in enumerate(listed, start=1):
        stale = "" if in_use else f' <span class="badge bad">{esc(messages.ADMIN_CORRECTION_STALE)}</span>'
        remove = post_form("/corrections/remove", viewer, hidden("number", str(number))
                           + hidden("described", correction.describe()) + button(messages.ADMIN_CORRECTION_REMOVE, quiet=True),
                           css="inline")
        parts.append(f'<div class="card"><p>{esc(correction.describe(title))}{stale}</p>'
                     f'<p class="meta">{esc(messages.ADMIN_CORRECTION_BY.format(by=correction.by, at=when(correction.at)))}</p>'
                     f"{remove}</div>")
    parts.append("</section>")
    return "".join(parts)


def scopes(found: Scopes, path: str, title: Titles) -> str:
    parts = [paragraphs(messages.ADMIN_SCOPES_INTRO.format(path=path))]
    rows = [(esc(_SCOPE_PLACES.get(key, " ".join(key))), esc(place),
             esc(title.all(sorted(scope.documents)) if scope.documents is not None else ""))
            for key, places in sorted(found.table.items()) for place, scope in sorted(places.items())]
    if not rows:
        parts.append(paragraphs(messages.ADMIN_SCOPES_EVERYWHERE))
    else:
        parts.append(table(messages.ADMIN_NAV_SCOPES, (messages.ADMIN_SCOPES_PLACE, messages.ADMIN_SCOPES_ID,
                                                       messages.ADMIN_SCOPES_DOCUMENTS), rows))
    return "".join(parts)


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
    return esc(f"{_cited(verdict.answer, title)} — {good if verdict.good else bad}")


def rechecked(found: Recheck, title: Titles) -> str:
    """Which corrections hold and which voted-down answers changed, now and (when asked) after publishing."""
    if not (found.corrections or found.votes):
        return paragraphs(messages.ADMIN_RECHECK_NONE)
    parts = [paragraphs(messages.ADMIN_RECHECK_SUMMARY.format(
        holding=sum(1 for c in found.corrections if c.now.good), corrections=len(found.corrections),
        changed=sum(1 for v in found.votes if v.now.good), votes=len(found.votes)))]
    if found.candidate:
        parts.append(paragraphs(messages.ADMIN_RECHECK_CANDIDATE_SUMMARY.format(
            holding=sum(1 for c in found.corrections if c.candidate and c.candidate.good),
            corrections=len(found.corrections), changed=sum(1 for v in found.votes if v.candidate and v.candidate.good),
            votes=len(found.votes))))
    after = (messages.ADMIN_RECHECK_AFTER,) if found.candidate else ()
    if found.corrections:
        holds, broken = messages.ADMIN_RECHECK_HOLDS, messages.ADMIN_RECHECK_BROKEN
        rows = [(esc(c.correction.question), esc(_expected(c.correction, title)),
                 _verdict(c.now, title, holds, broken), *((_verdict(c.candidate, title, holds, broken),) if after else ()))
                for c in found.corrections]
        parts.append(table(messages.ADMIN_RECHECK_CORRECTIONS,
                           (messages.ADMIN_RECHECK_QUESTION, messages.ADMIN_RECHECK_EXPECTED, messages.ADMIN_RECHECK_NOW,
                            *after), rows))
    if found.votes:
        changed, same = messages.ADMIN_RECHECK_CHANGED, messages.ADMIN_RECHECK_SAME
        rows = [(esc(v.entry.question) + (f' {link_button(f"/teach?feedback={v.entry.id}", messages.ADMIN_FEEDBACK_CORRECT)}'
                                          if not v.now.good else ""),
                 esc(_refs(v.entry.citations, title)), _verdict(v.now, title, changed, same),
                 *((_verdict(v.candidate, title, changed, same),) if after else ()))
                for v in found.votes]
        parts.append(table(messages.ADMIN_RECHECK_VOTES,
                           (messages.ADMIN_RECHECK_QUESTION, messages.ADMIN_RECHECK_THEN, messages.ADMIN_RECHECK_NOW,
                            *after), rows))
    return "".join(parts)


def quality(viewer: Viewer, result: Quality | None = None, found: Recheck | None = None,
            title: Titles | None = None) -> str:
    recheck = (f'<section class="card" aria-labelledby="recheck-h"><h2 id="recheck-h">'
               f'{esc(messages.ADMIN_RECHECK_TITLE)}</h2>{paragraphs(messages.ADMIN_RECHECK_INTRO)}'
               f'<form method="get" action="/quality/recheck" class="actions">{button(messages.ADMIN_RECHECK_BUTTON)}'
               f'{button(messages.ADMIN_RECHECK_CANDIDATE_BUTTON, quiet=True, name="candidate")}</form>'
               + (rechecked(found, title) if found is not None and title is not None else "") + "</section>")
    parts = [recheck, paragraphs(messages.ADMIN_QUALITY_INTRO),
             post_form("/quality", viewer, field(messages.ADMIN_QUALITY_FILE, "file", kind="file", required=True,
                                                 extra=' accept=".jsonl,.json,.txt"')
                       + button(messages.ADMIN_QUALITY_BUTTON), multipart=True, css="card")]
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
        parts.append("<dl class=\"figures\">" + "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in figures) + "</dl>")
        parts.append(f"<h2>{esc(messages.ADMIN_QUALITY_MISSES)}</h2>")
        if result.misses:
            missed = (messages.ADMIN_QUALITY_MISS.format(id=o.question.id, question=o.question.question, rank=o.rank or ">10")
                      for o in result.misses)
            parts.append("<ul>" + "".join(f"<li>{esc(line)}</li>" for line in missed) + "</ul>")
        else:
            parts.append(paragraphs(messages.ADMIN_QUALITY_NO_MISSES))
    return "".join(parts)
