"""`protocol-bot`: the terminal front end and the admin's commands.

Every command gets a `Runtime`: the settings, and the core built from them (`bot.bootstrap`) on
first use. Tests hand `main` a bot of their own instead of patching this module.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from enum import Enum
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from adapters.cli import batch, render
from bot import messages
from bot.answer import Answer, Scope
from bot.bootstrap import Application, bootstrap, terminal_core
from bot.errors import ProtocolBotError
from bot.service.conversation import Conversation
from bot.service.ports import ProtocolBot
from bot.settings import Settings

if TYPE_CHECKING:
    from adapters.admin.settings import AdminSettings

logger = logging.getLogger(__name__)


@dataclass
class Runtime:
    settings: Settings
    out: TextIO
    given_bot: ProtocolBot | None = None
    _bot: ProtocolBot | None = field(default=None, init=False)
    closing: ExitStack = field(default_factory=ExitStack, init=False)  # what the command opened, closed as it ends

    def bot(self, *, threads: int | None = None, build_progress: bool = False) -> ProtocolBot:
        if self._bot is None:
            self._bot = self.given_bot or self.closing.enter_context(
                terminal_core(self.settings, threads=threads, build_progress=build_progress))
        return self._bot

    def application(self) -> Application:
        return bootstrap(self.settings, bot=self.given_bot)


def cmd_ask(args: argparse.Namespace, rt: Runtime) -> int:
    scope = Scope(include_superseded=True) if args.include_superseded else None
    if args.jsonl:
        return _ask_batch(rt, scope)
    answer = rt.bot().ask(" ".join(args.question), scope)
    text = json.dumps(answer.to_dict(), ensure_ascii=False, indent=2) if args.json else render.answer_text(answer)
    rt.out.write(text + "\n")
    return 0


def _ask_batch(rt: Runtime, scope: Scope | None) -> int:
    """One output line per input line, whatever the line holds: an answer, or an `error` saying why not."""
    for number, line in enumerate(batch.lines(sys.stdin), start=1):
        if not line.strip():
            continue
        read = batch.read(line, number)
        rt.out.write(_batch_answer(rt, read, scope) + "\n")
        rt.out.flush()
    return 0


def _batch_answer(rt: Runtime, read: batch.BatchLine, scope: Scope | None) -> str:
    if read.question is None:
        return batch.refused(read)
    try:
        return batch.answered(read, rt.bot().ask(read.question, scope))
    except ProtocolBotError as exc:
        return batch.refused(read, str(exc))
    except Exception as exc:  # one line failing must not cost the lines after it their answers
        logger.warning("Answering batch line %.200r failed: %.200r", read.id, exc)
        return batch.refused(read, messages.ERROR_APOLOGY)


def cmd_chat(args: argparse.Namespace, rt: Runtime) -> int:
    bot, out = rt.bot(), rt.out
    interactive = sys.stdin.isatty()
    if interactive:
        out.write(messages.CLI_WELCOME + "\n")
    last: Answer | None = None
    while True:
        if interactive:
            out.write(messages.CLI_PROMPT)
            out.flush()
        line = sys.stdin.readline()
        if not line:
            break
        text = line.strip()
        if text.lower() in {"quit", "exit"}:
            break
        words = text.split()
        if len(words) == 2 and words[0].lower() == "full" and words[1].isdigit():
            shown = last.in_reading_order if last else ()
            n = int(words[1])
            out.write((render.full_clause(n, shown[n - 1]) if 0 < n <= len(shown)
                       else messages.CLI_NO_SUCH_CITATION.format(n=n)) + "\n\n")
            continue
        try:
            last = bot.ask(text)
            out.write(render.answer_text(last) + "\n\n")
        except ProtocolBotError as exc:
            out.write(f"{exc}\n\n")
        out.flush()
    if interactive:
        out.write(messages.CLI_BYE + "\n")
    return 0


def cmd_eval(args: argparse.Namespace, rt: Runtime) -> int:
    app = rt.application()
    try:
        result = app.console.evaluate(Path(args.file))
        version = app.bot.status().version
    finally:
        app.close()
    out, scores = rt.out, result.scores
    out.write(messages.EVAL_HEADER.format(file=args.file, version=version) + "\n" + scores.report() + "\n")
    if result.misses and args.show_misses:
        out.write("\n".join([messages.EVAL_MISSES, *(
            messages.EVAL_MISS.format(id=o.question.id, question=o.question.question, rank=o.rank or ">10")
            for o in result.misses)]) + "\n")
    if args.min_recall_at_3 is not None and scores.recall[3] < args.min_recall_at_3:
        out.write(messages.EVAL_BELOW.format(recall=scores.recall[3], required=args.min_recall_at_3) + "\n")
        return 1
    return 0


def cmd_index(args: argparse.Namespace, rt: Runtime) -> int:
    from adapters.cli import index

    if args.rollback or args.dry_run:
        app = rt.application()
        try:
            return index.rollback(app.console, rt.out) if args.rollback else index.dry_run(app.console, rt.out)
        finally:
            app.close()
    return index.run(rt.bot(threads=index.BUILD_THREADS, build_progress=True), rt.out)


class FrontEnd(Enum):
    SLACK = "slack"
    TEAMS = "teams"
    TERMINAL = "terminal"


DEFAULT_PORTS = {FrontEnd.SLACK: 3000, FrontEnd.TEAMS: 3978}


def front_end(env: Mapping[str, str]) -> FrontEnd:
    """The front end `protocol-bot run` starts: the first chat platform with settings, else the terminal.

    A token alone selects Slack, so a half-configured Slack app stops with the missing setting named
    instead of quietly falling back to the terminal.
    """
    if env.get("SLACK_BOT_TOKEN", "").strip():
        return FrontEnd.SLACK
    if env.get("MicrosoftAppId", "").strip():
        return FrontEnd.TEAMS
    return FrontEnd.TERMINAL


def _server(platform: FrontEnd, port: int, rt: Runtime) -> Callable[[Conversation], None]:
    """The platform's server, its settings read now, so a missing one is named before the model loads.

    The SDKs are imported only here: they are slow to import and every other command does without them.
    """
    if platform is FrontEnd.SLACK:
        from adapters.slack import server as slack
        from adapters.slack.settings import SlackConfig

        return partial(slack.serve, config=SlackConfig.from_env(), port=port, workers=rt.settings.workers)
    from adapters.teams import server as teams
    from adapters.teams.settings import TeamsSettings

    return partial(teams.serve, teams=TeamsSettings.from_env(), port=port, workers=rt.settings.workers)


def _log_as_a_server() -> None:
    """A server's only account of what it is doing is its log, so it says more than a terminal command."""
    root = logging.getLogger()
    root.setLevel(min(root.level, logging.INFO))


def _serve(platform: FrontEnd, rt: Runtime, port: int) -> int:
    serve = _server(platform, port, rt)
    console_settings = _console_settings()
    app = rt.application()
    _log_as_a_server()
    beside = None
    try:
        if console_settings is not None:
            from adapters.admin.server import Beside

            beside = Beside(app.console, console_settings, state=app.console_state)
            beside.start()
        serve(app.conversation)
    finally:
        if beside is not None:
            beside.stop()
        app.close()
    return 0


def _console_settings() -> AdminSettings | None:
    """The admin console runs beside a chat server when its secret is set (read now, before the model loads)."""
    if not os.environ.get("PROTOCOL_BOT_ADMIN_SECRET", "").strip():
        return None
    from adapters.admin.settings import AdminSettings

    return AdminSettings.from_env()


def cmd_slack(args: argparse.Namespace, rt: Runtime) -> int:
    return _serve(FrontEnd.SLACK, rt, args.port)


def cmd_teams(args: argparse.Namespace, rt: Runtime) -> int:
    return _serve(FrontEnd.TEAMS, rt, args.port)


def cmd_run(args: argparse.Namespace, rt: Runtime) -> int:
    """What `make run` starts: the terminal chat, unless a chat platform is configured."""
    chosen = front_end(os.environ)
    if chosen is FrontEnd.TERMINAL:
        return cmd_chat(args, rt)
    return _serve(chosen, rt, DEFAULT_PORTS[chosen])


def cmd_admin(args: argparse.Namespace, rt: Runtime) -> int:
    """The admin console; its secret is checked before the model loads, so a missing one stops at once."""
    from adapters.admin import server
    from adapters.admin.settings import AdminSettings

    settings = AdminSettings.from_env()
    if args.port:
        settings = settings.model_copy(update={"port": args.port})
    app = rt.application()
    _log_as_a_server()
    try:
        server.serve(app.console, settings, state=app.console_state)
    finally:
        app.close()
    return 0


def cmd_feedback(args: argparse.Namespace, rt: Runtime) -> int:
    from bot.service.feedback_report import render_feedback

    app = rt.application()
    try:
        rt.out.write(render_feedback(app.feedback, limit=args.limit) + "\n")
    finally:
        app.close()
    return 0


def cmd_teach(args: argparse.Namespace, rt: Runtime) -> int:
    """Correct what answers a question, list the corrections, or remove one (see bot/core/corrections.py)."""
    bot, out = rt.bot(), rt.out
    if args.list:
        listed = bot.corrections()
        out.write("\n".join(
            messages.CORRECTIONS_LIST_ENTRY.format(number=n, description=c.describe(), by=c.by or "?", at=c.at or "?",
                                                   stale="" if used else messages.CORRECTIONS_LIST_STALE)
            for n, (c, used) in enumerate(listed, start=1)) or messages.CORRECTIONS_NONE)
        out.write("\n")
        return 0
    if args.remove is not None:
        out.write(messages.TEACH_REMOVED.format(description=bot.forget(args.remove).describe()) + "\n")
        return 0
    question = args.question or ""
    if args.feedback is not None:
        app = rt.application()
        try:
            entry = app.feedback.entry(args.feedback)
        finally:
            app.close()
        if entry is None:
            out.write(messages.TEACH_NO_FEEDBACK.format(id=args.feedback) + "\n")
            return 2
        question = entry.question
    taught = bot.teach(question, by=args.by, source=args.source, clause=args.clause, quote=args.quote,
                       not_covered=args.not_covered)
    out.write(messages.TEACH_DONE.format(description=taught.describe()) + "\n")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="protocol-bot", description="Answers questions about the councillor/officer protocol, citing clauses."
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log debugging detail")
    sub = parser.add_subparsers(dest="command", required=True)
    ask = sub.add_parser("ask", help="answer one question, or a batch of JSON lines on stdin")
    ask.add_argument("question", nargs="*", help="the question")
    mode = ask.add_mutually_exclusive_group()
    mode.add_argument("--json", action="store_true", help="print the Answer as JSON")
    mode.add_argument("--jsonl", action="store_true", help='read {"id", "question"} lines on stdin, write one result line each')
    ask.add_argument("--include-superseded", action="store_true",
                     help="also cite documents the catalogue marks as superseded")
    ask.set_defaults(handler=cmd_ask)
    chat = sub.add_parser("chat", help="interactive chat in the terminal (answers each line of piped input)")
    chat.set_defaults(handler=cmd_chat)
    ev = sub.add_parser("eval", help="score retrieval on a question set (shared/eval/dev.jsonl format)")
    ev.add_argument("file")
    ev.add_argument("--min-recall-at-3", type=float, default=None, help="exit 1 when Recall@3 is below this")
    ev.add_argument("--show-misses", action="store_true", help="list questions without a hit in the top three")
    ev.set_defaults(handler=cmd_eval)
    run = sub.add_parser(
        "run", help="start Slack if SLACK_BOT_TOKEN is set, else Teams if MicrosoftAppId is set, else the terminal chat"
    )
    run.set_defaults(handler=cmd_run)
    slack = sub.add_parser("slack", help="serve the Slack app (Socket Mode when SLACK_APP_TOKEN is set)")
    slack.add_argument("--port", type=int, default=DEFAULT_PORTS[FrontEnd.SLACK],
                       help="HTTP port for /slack/events (default %(default)s)")
    slack.set_defaults(handler=cmd_slack)
    teams = sub.add_parser("teams", help="serve the Microsoft Teams bot endpoint /api/messages")
    teams.add_argument("--port", type=int, default=DEFAULT_PORTS[FrontEnd.TEAMS],
                       help="HTTP port for /api/messages (default %(default)s)")
    teams.set_defaults(handler=cmd_teams)
    admin = sub.add_parser("admin", help="serve the admin console, a web page for clerks (needs PROTOCOL_BOT_ADMIN_SECRET)")
    admin.add_argument("--port", type=int, default=None,
                       help="port on 127.0.0.1 (default PROTOCOL_BOT_ADMIN_PORT, else 3980)")
    admin.set_defaults(handler=cmd_admin)
    feedback = sub.add_parser("feedback", help="list recent 👍/👎 and the clauses most often marked not helpful")
    feedback.add_argument("--limit", type=int, default=20, help="how many entries and clauses (default %(default)s)")
    feedback.set_defaults(handler=cmd_feedback)
    teach = sub.add_parser("teach", help="correct what answers a question; --list or --remove corrections")
    asked = teach.add_mutually_exclusive_group()
    asked.add_argument("--question", help="the question, worded as it was asked")
    asked.add_argument("--feedback", type=int, help="take the question from this feedback id (protocol-bot feedback)")
    asked.add_argument("--list", action="store_true", help="list the corrections, marking any no longer in use")
    asked.add_argument("--remove", type=int, metavar="N", help="remove correction N, as numbered by --list")
    teach.add_argument("--source", help="the document that answers it (its file name in knowledge/protocols)")
    where = teach.add_mutually_exclusive_group()
    where.add_argument("--clause", help="the clause reference as printed, e.g. 2.6 or 13(b)")
    where.add_argument("--quote", help="words of the clause, verbatim (for a clause with no reference)")
    where.add_argument("--not-covered", action="store_true", help="the protocols do not answer it")
    teach.add_argument("--by", default=os.environ.get("USER") or "terminal", help="who makes the correction")
    teach.set_defaults(handler=cmd_teach)
    index = sub.add_parser("index", help="rebuild the index from knowledge/ and switch to it")
    what = index.add_mutually_exclusive_group()
    what.add_argument("--dry-run", action="store_true",
                      help="check and parse the documents and show what would change, without embedding or switching")
    what.add_argument("--rollback", action="store_true", help="serve the index version built before the current one")
    index.set_defaults(handler=cmd_index)
    return parser


MAX_LOG_MESSAGE_CHARS = 500


class OneLineFormatter(logging.Formatter):
    """Each log message on one line of at most MAX_LOG_MESSAGE_CHARS: a server logs what platforms and
    libraries hand it, and an id or a body in there can be a megabyte, or hold a line break that would
    forge a log line of its own. A traceback, when there is one, still follows in full."""

    def formatMessage(self, record: logging.LogRecord) -> str:  # noqa: N802 (logging's naming)
        message = record.message.replace("\r", "\\r").replace("\n", "\\n")
        if len(message) > MAX_LOG_MESSAGE_CHARS:
            message = message[:MAX_LOG_MESSAGE_CHARS] + f"… ({len(message)} characters)"
        record.message = message
        return super().formatMessage(record)


def main(argv: Sequence[str] | None = None, out: TextIO | None = None, *, bot: ProtocolBot | None = None) -> int:
    """`bot` stands in for the one the settings describe (tests)."""
    args = build_parser().parse_args(argv)
    handler = logging.StreamHandler()
    handler.setFormatter(OneLineFormatter("%(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING, handlers=[handler])
    out = out or sys.stdout
    try:
        runtime = Runtime(Settings.from_env(), out, bot)
        with runtime.closing:
            return int(args.handler(args, runtime))
    except ProtocolBotError as exc:
        out.write(f"{exc}\n")
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
