"""What the admin console does, apart from the web: reindexing, trying questions, feedback and
corrections, scopes and quality checks, each change written to the audit log with who made it.

The web adapter (adapters/admin) only reads forms and renders pages; every rule lives here or in
KnowledgeAdmin, which changes the knowledge folder. Slow work (parsing every document, a reindex, a
question file) is called from the adapter's worker threads, never its event loop.
"""

from __future__ import annotations

import tempfile
import threading
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bot import messages
from bot.answer import Answer, Scope
from bot.core import corrections, evaluation, index_store, indexing, titles
from bot.core.changes import ChangeReport
from bot.core.corrections import Correction
from bot.core.evaluation import Scores
from bot.core.index_store import StoredClause
from bot.core.knowledge_problems import worded
from bot.core.manifest import Manifest
from bot.core.titles import Named, Titles
from bot.errors import AdminRefused, CorrectionError, ProtocolBotError
from bot.service import recheck
from bot.service.knowledge_admin import FolderRestore, KnowledgeAdmin
from bot.service.ports import ProtocolBot
from bot.service.reindex_runner import ReindexOutcome, ReindexRunner
from bot.service.scopes import LEVELS, Scopes
from bot.settings import Settings
from bot.stores.audit import AuditLog
from bot.stores.build_lock import BuildLock, LocalBuildLock
from bot.stores.console import ConsoleState, LastChange, MemoryConsoleState, Publishing
from bot.stores.feedback import FeedbackEntry, FeedbackStore, WeekTally
from bot.wording import when

MAX_QUALITY_QUESTIONS = 500  # about a minute of answering: more belongs to `protocol-bot eval`
PLATFORMS = ("slack", "teams")
_PLACE_ARGUMENT = {"channels": "channel", "teams": "team", "tenants": "tenant"}  # Scopes.resolve's names


@dataclass(frozen=True)
class VersionView:
    """One kept version of the index, as a clerk reads it in the history."""

    version: str
    built_at: str
    by: str | None  # who published it from the console; None when it was built elsewhere
    serving: bool
    documents: tuple[str, ...]
    changes: ChangeReport | None  # None for versions built before change reports were kept


@dataclass(frozen=True)
class Recheck:
    corrections: tuple[recheck.CorrectionCheck, ...]
    votes: tuple[recheck.VoteCheck, ...]
    candidate: bool  # also asked of what a publish would now serve


@dataclass(frozen=True)
class Choice:
    """A clause a clerk can teach: numbered or not, it is found again by its opening words."""

    source: str
    ref: str | None
    label: str  # "clause 2.3", or its heading and place under it: "Some general principles, paragraph 2"
    quote: str


def clause_labels(clauses: Sequence[StoredClause]) -> list[str]:
    """How a clerk tells a document's clauses apart: the printed number, else the heading and place under it."""
    labels, places = [], Counter[tuple[str, ...]]()
    for clause in clauses:
        places[clause.heading_path] += 1
        if clause.ref:
            labels.append(messages.ADMIN_CLAUSE_NUMBERED.format(ref=clause.ref))
        else:
            heading = " › ".join(clause.heading_path) or messages.ADMIN_CLAUSE_NO_HEADING
            labels.append(messages.ADMIN_CLAUSE_PLACE.format(heading=heading, place=places[clause.heading_path]))
    return labels


@dataclass(frozen=True)
class RestorePlan:
    target: VersionView
    folder: FolderRestore


@dataclass(frozen=True)
class Asked:
    answer: Answer
    scope: Scope | None  # None: no scope applies, every document in force answers


@dataclass(frozen=True)
class Quality:
    scores: Scores
    misses: tuple[evaluation.Outcome, ...]  # answerable questions without the right clause in the first three


def describe_version(view: VersionView) -> str:
    """A version in a clerk's words: when it was published and by whom, never its id."""
    at = when(view.built_at)
    return (messages.ADMIN_VERSION_BY.format(at=at, who=view.by) if view.by
            else messages.ADMIN_VERSION_ELSEWHERE.format(at=at))


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class AdminConsole:
    def __init__(self, settings: Settings, bot: ProtocolBot, feedback: FeedbackStore, audit: AuditLog,
                 reindexer: ReindexRunner | None = None, *, state: ConsoleState | None = None,
                 build_lock: BuildLock | None = None) -> None:
        """`state` keeps the publish under way and the last change where every replica's console reads them;
        `build_lock` is the core's, which tells whether a publish another replica started is still building."""
        self.settings = settings
        self.bot = bot
        self.feedback_store = feedback
        self.audit = audit
        self.knowledge = KnowledgeAdmin(settings.knowledge_dir, settings.index_root, settings.scopes_path, audit)
        # the process's one runner (bootstrap), so a publish and a reindex typed in chat never build twice at once
        self._runner = reindexer or ReindexRunner(bot)
        self._state = state or MemoryConsoleState()
        self._build_lock = build_lock or LocalBuildLock()
        self._lock = threading.Lock()
        self._publishing: Publishing | None = None  # this replica's

    # --- reindex ---------------------------------------------------------------------------------

    def serving(self) -> Manifest | None:
        return index_store.read_manifest(self.settings.index_root)

    def titles(self) -> Titles:
        """How pages name documents: those in the folder by their catalogue or their own first lines, those only
        served or only in earlier versions by what the served index recorded, else by a readable file name."""
        known: dict[str, Named] = {}
        try:
            served = self.serving()
        except ProtocolBotError:
            served = None  # the pages say the index is unreadable; names still come from the folder
        if served is not None:
            known.update({source: titles.recorded(record) for source, record in served.documents.items()})
        known.update({view.source: view.name for view in self.knowledge.documents()})
        return Titles(known)

    def history(self) -> list[VersionView]:
        """Every kept version, newest first, with who published it and what changed when it was built."""
        root = self.settings.index_root
        serving = index_store.current_version(root)
        views = []
        for version in reversed(index_store.versions(root)):
            try:
                views.append(self._version_view(version, serving))
            except ProtocolBotError:
                continue  # an unreadable version cannot be restored, so it is not offered
        return views

    def _version_view(self, version: str, serving: str | None) -> VersionView:
        root = self.settings.index_root
        manifest = index_store.manifest_of(root, version)
        raw = index_store.changes_of(root, version)
        return VersionView(version, manifest.built_at, index_store.publisher(root, version), version == serving,
                           tuple(sorted(manifest.documents)), ChangeReport.from_json(raw) if raw else None)

    def dry_run(self) -> indexing.Preview:
        """What a publish would change; DocumentError (worded for a clerk) when a document would stop it."""
        with worded():
            return indexing.preview(self.settings.knowledge_dir, self.settings.index_root)

    def publish(self, *, by: str) -> bool:
        """Start a reindex in the background; False when one is running already (its outcome will show)."""
        with self._lock:
            if self.publishing() is not None:
                return False
            self._publishing = Publishing(_now(), by)
            self._state.start_publishing(self._publishing)
        self.audit.record(by, messages.AUDIT_PUBLISH_STARTED)
        return self._runner.start(lambda outcome: self._finished(by, outcome))

    def _finished(self, by: str, outcome: ReindexOutcome) -> None:
        try:
            if outcome.version:
                self.audit.record(by, messages.AUDIT_PUBLISHED)
                index_store.mark_publisher(self.settings.index_root, outcome.version, by)
                self.knowledge.keep_copies(outcome.version)
            else:
                self.audit.record(by, messages.AUDIT_PUBLISH_FAILED.format(reason=outcome.headline))
        finally:  # whatever failed after the build, the console must not stay "publishing" for ever
            with self._lock:
                self._publishing = None
                self._state.end_publishing()
                self._state.record_change(
                    LastChange(_now(), by, messages.ADMIN_PUBLISHED if outcome.version else outcome.headline))

    def publishing(self) -> Publishing | None:
        """This replica's publish, else another's while its build holds the lock: a replica that dies
        mid-build lets go of the lock, so its publish does not show as under way for ever."""
        if self._publishing is not None:
            return self._publishing
        started = self._state.publishing()
        return started if started is not None and self._build_lock.busy() else None

    def last_change(self) -> LastChange | None:
        """The last publish or roll back, from whichever replica's console it was made."""
        return self._state.last_change()

    def wait(self) -> None:
        """Until a running publish has ended: shutting down must not cut a build short."""
        self._runner.wait()

    def restore_plan(self, version: str) -> RestorePlan:
        """What restoring `version` would change, for the clerk to confirm first."""
        root = self.settings.index_root
        target = self._version_view(version, index_store.current_version(root))
        return RestorePlan(target, self.knowledge.restore_plan(index_store.manifest_of(root, version)))

    def restore(self, version: str, *, by: str) -> str:
        """Serve `version` again, and bring the documents folder and catalogue back to what it was built from,
        so that the next publish does not serve again what was rolled away from."""
        with self._lock:
            if self.publishing() is not None:
                raise AdminRefused(messages.ADMIN_ROLLBACK_BUSY)
            root = self.settings.index_root
            if version == index_store.current_version(root):
                raise AdminRefused(messages.ADMIN_RESTORE_SERVING)
            manifest = index_store.manifest_of(root, version)
            folder = self.knowledge.restore(manifest, by=by)
            index_store.restore(root, version)
            target = self._version_view(version, version)
            self.audit.record(by, messages.AUDIT_RESTORED.format(version=describe_version(target)))
            told = messages.ADMIN_RESTORED.format(version=describe_version(target))
            if folder.missing:
                told += " " + messages.ADMIN_RESTORE_MISSING.format(names=", ".join(folder.missing))
            self._state.record_change(LastChange(_now(), by, told))
        return told

    def roll_back(self, *, by: str) -> str:
        """Go back to the version built just before the serving one, as `restore` does (the terminal's
        `index --rollback`); AdminRefused saying why when there is nothing to go back to."""
        root = self.settings.index_root
        serving = index_store.current_version(root)
        if serving is None:
            raise AdminRefused(messages.ROLLBACK_NO_INDEX)
        target = index_store.previous_version(root)
        if target is None:
            raise AdminRefused(messages.ROLLBACK_NONE.format(version=serving))
        return self.restore(target, by=by)

    # --- ask ---------------------------------------------------------------------------------------

    def ask(self, question: str, *, platform: str = "", level: str = "", place: str = "") -> Asked:
        """The answer a councillor would get asking at `place` (a Slack or Teams channel, team or tenant id, at
        `level` "channels", "teams" or "tenants"); the scopes file is read afresh, as an admin may just have
        changed it."""
        scope = None
        if platform in PLATFORMS and level in LEVELS[platform] and place:
            scope = self.scopes().resolve(platform, **{_PLACE_ARGUMENT[level]: place})
        return Asked(self.bot.ask(question, scope), scope)

    def scopes(self) -> Scopes:
        return Scopes.for_settings(self.settings)

    # --- feedback and corrections ------------------------------------------------------------------

    def feedback(self, limit: int = 50) -> list[FeedbackEntry]:
        return self.feedback_store.recent(limit)

    def feedback_weeks(self) -> list[WeekTally]:
        return self.feedback_store.by_week()

    def feedback_entry(self, feedback_id: int) -> FeedbackEntry:
        entry = self.feedback_store.entry(feedback_id)
        if entry is None:
            raise AdminRefused(messages.ADMIN_TEACH_NO_FEEDBACK.format(id=feedback_id))
        return entry

    def teach(self, question: str, *, by: str, source: str = "", clause: str = "", quote: str = "",
              not_covered: bool = False) -> Correction:
        """Say what answers `question`: a clause named by its number, heading or words (`clause`), or by the
        opening words the console showed for it (`quote`), which every clause has, numbered or not."""
        if not not_covered and not (source and (clause or quote)):
            raise CorrectionError(messages.ADMIN_TEACH_NO_CHOICE)
        made = self.bot.teach(question, by=by, source=source or None, clause=clause or None, quote=quote or None,
                              not_covered=not_covered)
        self.audit.record(by, messages.AUDIT_TAUGHT.format(description=made.describe()))
        return made

    def clauses(self, source: str) -> list[Choice]:
        """Every clause of a served document, as the teach page offers them."""
        root = self.settings.index_root
        version = index_store.current_version(root)
        if version is None:
            return []
        stored = [c for c in index_store.read_clauses(root, version) if c.source == source]
        return [Choice(source, c.ref, label, corrections.opening(c.text))
                for c, label in zip(stored, clause_labels(stored), strict=True)]

    def corrections(self) -> tuple[tuple[Correction, bool], ...]:
        return self.bot.corrections()

    def forget(self, number: int, described: str, *, by: str) -> Correction:
        """Remove correction `number`, if it is still the one the admin saw (`described`)."""
        listed = self.bot.corrections()
        if not 1 <= number <= len(listed) or listed[number - 1][0].describe() != described:
            raise AdminRefused(messages.ADMIN_CORRECTION_MOVED)
        gone = self.bot.forget(number)
        self.audit.record(by, messages.AUDIT_FORGOT.format(description=gone.describe()))
        return gone

    # --- quality -----------------------------------------------------------------------------------

    def recheck(self, *, candidate: bool = False) -> Recheck:
        """The corrected questions and the 👎 ones asked again of the published version and, with `candidate`,
        of the documents as a publish would now serve them (built aside, nothing published): which corrections
        hold, and which voted-down answers have changed."""
        corrected = [c for c, _ in self.bot.corrections()][:MAX_QUALITY_QUESTIONS]
        down = [e for e in self.feedback_store.recent(MAX_QUALITY_QUESTIONS) if not e.helpful]
        self.settings.home.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix="candidate-", dir=self.settings.home) as scratch:
            other = self.bot.candidate(Path(scratch)) if candidate else None
            if candidate and other is None:
                raise AdminRefused(messages.ADMIN_RECHECK_NO_CANDIDATE)
            asking = other.ask if other else None
            return Recheck(tuple(recheck.corrections(corrected, self.bot.ask, asking)),
                           tuple(recheck.votes(down, corrected, self.bot.ask, asking)), candidate)

    def quality(self, name: str, raw: bytes) -> Quality:
        """The `eval` command's figures for an uploaded question file, against the served index."""
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise AdminRefused(messages.ADMIN_QUALITY_NOT_TEXT.format(file=name)) from exc
        questions = evaluation.parse(text, name)
        if not questions:
            raise AdminRefused(messages.EVAL_NO_QUESTIONS.format(file=name))
        if len(questions) > MAX_QUALITY_QUESTIONS:
            raise AdminRefused(messages.ADMIN_QUALITY_LIMIT.format(file=name, count=len(questions),
                                                                   limit=MAX_QUALITY_QUESTIONS))
        return self._scored(questions)

    def evaluate(self, path: Path) -> Quality:
        """The `eval` command: a question file of any length, scored against the served index."""
        questions = evaluation.load(path)
        if not questions:
            raise AdminRefused(messages.EVAL_NO_QUESTIONS.format(file=path))
        self.bot.ask(questions[0].question)  # load the model and index outside the timed questions
        return self._scored(questions)

    def _scored(self, questions: list[evaluation.EvalQuestion]) -> Quality:
        outcomes = evaluation.run(questions, self.bot.ask)
        return Quality(evaluation.score(outcomes), tuple(evaluation.missed(outcomes)))
