"""The admin console's web server: reads forms, checks who is asking, calls the AdminConsole, renders pages.

Every page but sign-in needs a signed-in session, and every form posted needs the token of that
session, so nothing here changes anything for a visitor who has not signed in or a page on another
site. Slow work (parsing documents, answering, a question file) runs on worker threads, so one clerk's
upload never stalls another's page.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote, unquote

from aiohttp import BodyPartReader, web
from markupsafe import Markup

from adapters.admin import pages
from adapters.admin.guard import Guard, Session
from adapters.admin.layout import Notice, Viewer, page
from adapters.admin.settings import AdminSettings, host_name
from bot import messages
from bot.errors import AdminRefused, DocumentError, ProtocolBotError
from bot.question import one_line
from bot.service.admin_console import AdminConsole
from bot.service.knowledge_admin import MAX_UPLOAD_BYTES, check_size
from bot.service.scopes import Scopes
from bot.service.types import ConsoleState, Correction
from bot.wording import seconds

logger = logging.getLogger(__name__)

T = TypeVar("T")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

SESSION_COOKIE = "protocol_bot_admin"
NOTICE_COOKIE = "protocol_bot_notice"
MAX_BODY_BYTES = 64 * 1024 * 1024  # read, and thrown away, to say an upload was too large; more is cut off
MAX_FIELD_CHARS = 20_000
MAX_NAME_CHARS = 100
STATIC = Path(__file__).with_name("console.css")
PUBLIC = {"/sign-in", "/static/console.css"}
HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
                               "frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


@dataclass
class Form:
    fields: dict[str, str] = field(default_factory=dict)
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)  # field -> (file name, contents)
    too_large: tuple[str, int] | None = None  # (file name, size) of an upload over the limit, not kept

    def get(self, name: str) -> str:
        return self.fields.get(name, "")


async def read_form(request: web.Request) -> Form:
    """A posted form; a file over the upload limit is read to its end (so the browser hears the reply)
    but not kept."""
    form = Form()
    if request.content_type != "multipart/form-data":
        for key, value in (await request.post()).items():
            if isinstance(value, str):
                form.fields[key] = value[:MAX_FIELD_CHARS]
        return form
    reader = await request.multipart()
    total = 0
    while (part := await reader.next()) is not None:
        if not isinstance(part, BodyPartReader) or not part.name:
            continue
        limit = MAX_UPLOAD_BYTES if part.filename is not None else MAX_FIELD_CHARS * 4
        size, data = 0, bytearray()
        while chunk := await part.read_chunk():
            size += len(chunk)
            if size <= limit:
                data.extend(chunk)
            if total + size > MAX_BODY_BYTES:  # a body sent without a length: stop reading, say it was too large
                form.too_large = (unquote(part.filename or part.name), total + size)
                return form
        total += size
        if part.filename is None:
            form.fields[part.name] = data.decode("utf-8", "replace")[:MAX_FIELD_CHARS]
            continue
        # browsers (and aiohttp's client) send %-escapes for quotes and line breaks, some for spaces too
        filename = unquote(part.filename)
        if size > MAX_UPLOAD_BYTES:
            form.too_large = (filename, size)
        elif filename:  # no file chosen comes as a part without a name; an empty file is still a file
            form.files[part.name] = (filename, bytes(data))
    return form


def see_other(location: str) -> web.Response:
    """After a form, the page to show, fetched afresh (so reloading it does not post the form again)."""
    return web.Response(status=303, headers={"Location": location})


SESSION = web.RequestKey("session", Session)
FORM = web.RequestKey("form", Form)


class ConsoleServer:
    def __init__(self, console: AdminConsole, settings: AdminSettings, *, workers: int = 2,
                 state: ConsoleState | None = None, clock: Callable[[], float] = time.time,
                 wrong_secret_delay: float = 1.0) -> None:
        """`state` keeps sign-outs and wrong guesses; give every console serving the same clerks the same one
        (the store's), so a restart or a second replica neither forgets them nor signs anyone out."""
        self.console = console
        self.settings = settings
        self.guard = Guard(settings.secret, session_seconds=settings.session_hours * 3600, state=state, clock=clock)
        self._wrong_secret_delay = wrong_secret_delay  # every wrong guess costs the guesser this long
        self._hosts = settings.hosts()
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="admin-console")

    def app(self) -> web.Application:
        app = web.Application(middlewares=[self._protect], client_max_size=MAX_FIELD_CHARS * 8)
        get, post = app.router.add_get, app.router.add_post
        get("/static/console.css", self.stylesheet)
        get("/sign-in", self.sign_in_page)
        post("/sign-in", self.sign_in)
        post("/sign-out", self.sign_out)
        get("/", self.documents)
        for action in ("upload", "replace", "edit", "supersede", "retire"):
            post(f"/documents/{action}", getattr(self, f"document_{action}"))
        get("/reindex", self.reindex)
        get("/reindex/dry-run", self.dry_run)
        post("/reindex/publish", self.publish)
        get("/reindex/restore", self.restore_page)
        post("/reindex/roll-back", self.roll_back)
        get("/ask", self.ask)
        get("/teach", self.teach_page)
        post("/teach", self.teach)
        get("/feedback", self.feedback)
        post("/corrections/remove", self.forget)
        get("/scopes", self.scopes)
        get("/quality", self.quality_page)
        post("/quality", self.quality)
        get("/quality/recheck", self.recheck)
        app.on_shutdown.append(self._shutdown)
        return app

    async def _shutdown(self, _: web.Application) -> None:
        await asyncio.get_running_loop().run_in_executor(None, self.console.wait)
        self._pool.shutdown(wait=True)

    async def _run(self, work: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._pool, partial(work, *args, **kwargs))

    # --- who may do what ---------------------------------------------------------------------------

    @web.middleware
    async def _protect(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        try:
            response = await self._checked(request, handler)
        except web.HTTPNotFound:
            response = self._message(request, messages.ADMIN_NOT_FOUND_TITLE, messages.ADMIN_NOT_FOUND, status=404)
        except web.HTTPException as exc:
            exc.headers.update({name: value for name, value in HEADERS.items() if name not in exc.headers})
            raise
        except Exception:
            logger.exception("Admin console: %s %s failed", request.method, request.path)
            response = self._message(request, messages.ADMIN_FAILED_TITLE, messages.ADMIN_FAILED, status=500)
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    async def _checked(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if host_name(request.host) not in self._hosts:
            return self._message(request, messages.ADMIN_WRONG_HOST_TITLE, messages.ADMIN_WRONG_HOST, status=421,
                                 close=True)
        if request.path in PUBLIC:
            return await handler(request)
        session = self.guard.session(request.cookies.get(SESSION_COOKIE))
        if session is None:
            if request.method == "GET":
                return see_other("/sign-in")
            return self._message(request, messages.ADMIN_FORBIDDEN_TITLE, messages.ADMIN_FORBIDDEN, status=403,
                                 close=True)
        request[SESSION] = session
        if request.method == "POST":
            if (request.content_length or 0) > MAX_BODY_BYTES:
                return self._message(request, messages.ADMIN_TOO_LARGE_TITLE, messages.ADMIN_TOO_LARGE.format(
                    limit=MAX_UPLOAD_BYTES // 1024 // 1024), status=413, close=True)
            form = await read_form(request)
            if not self.guard.form_token_valid(session, form.get("csrf")):
                return self._message(request, messages.ADMIN_FORBIDDEN_TITLE, messages.ADMIN_FORBIDDEN, status=403)
            if form.too_large is not None:
                name, size = form.too_large
                try:
                    check_size(one_line(name), size)
                except AdminRefused as refused:
                    return self._message(request, messages.ADMIN_TOO_LARGE_TITLE, str(refused), status=413, close=True)
            request[FORM] = form
        return await handler(request)

    def _viewer(self, request: web.Request) -> Viewer | None:
        session: Session | None = request.get(SESSION)
        return Viewer(session.who, self.guard.form_token(session)) if session else None

    def _render(self, request: web.Request, title: str, body: Markup, *, status: int = 200,
                notice: Notice | None = None, refresh: int | None = None) -> web.Response:
        sealed = self.guard.unseal(request.cookies.get(NOTICE_COOKIE))
        if notice is None and sealed is not None:
            notice = Notice(sealed.get("text", ""), sealed.get("ok") == "1")
        response = web.Response(text=page(title, body, path=request.path, viewer=self._viewer(request), notice=notice,
                                          refresh_seconds=refresh), content_type="text/html", status=status)
        if sealed is not None:
            response.del_cookie(NOTICE_COOKIE, path="/")
        return response

    def _message(self, request: web.Request, title: str, text: str, *, status: int, close: bool = False) -> web.Response:
        response = self._render(request, title, pages.message(text), status=status)
        if close:
            response.force_close()
        return response

    def _redirect(self, location: str, text: str, *, ok: bool = True) -> web.Response:
        """Back to a page, which then shows `text` once (so reloading it does not repeat the change)."""
        response = see_other(location)
        response.set_cookie(NOTICE_COOKIE, self.guard.seal({"text": text, "ok": "1" if ok else "0"}), path="/",
                            httponly=True, samesite="Strict", secure=self.settings.https)
        return response

    async def _change(self, request: web.Request, back: str, work: Callable[..., str], *args: Any, **kwargs: Any) -> web.Response:
        try:
            return self._redirect(back, await self._run(work, *args, **kwargs))
        except ProtocolBotError as refused:
            return self._redirect(back, str(refused), ok=False)

    @staticmethod
    def _form(request: web.Request) -> Form:
        form: Form = request[FORM]
        return form

    @staticmethod
    def _who(request: web.Request) -> str:
        session: Session = request[SESSION]
        return session.who

    # --- signing in and out --------------------------------------------------------------------------

    async def stylesheet(self, _: web.Request) -> web.Response:
        return web.Response(text=STATIC.read_text(encoding="utf-8"), content_type="text/css")

    async def sign_in_page(self, request: web.Request) -> web.Response:
        if self.guard.session(request.cookies.get(SESSION_COOKIE)):
            return see_other("/")
        return self._render(request, messages.ADMIN_SIGN_IN_TITLE, pages.sign_in(self.guard.sign_in_token()))

    async def sign_in(self, request: web.Request) -> web.Response:
        posted = await request.post()
        given = {k: v for k, v in posted.items() if isinstance(v, str)}
        who = one_line(given.get("who", ""))[:MAX_NAME_CHARS]
        address = request.remote or "?"

        def again(text: str, status: int) -> web.Response:
            return self._render(request, messages.ADMIN_SIGN_IN_TITLE, pages.sign_in(self.guard.sign_in_token(), who),
                                status=status, notice=Notice(text, ok=False))

        if not self.guard.sign_in_token_fresh(given.get("token", "")):
            return again(messages.ADMIN_SIGN_IN_STALE, 400)
        if not who:
            return again(messages.ADMIN_SIGN_IN_NO_NAME, 400)
        if not self.guard.secret_matches(given.get("secret", "")):
            wait = self.guard.wait_seconds(who, address)
            self.guard.failed(who, address)
            await self._run(self.console.audit.record, who, messages.AUDIT_SIGN_IN_FAILED.format(address=address))
            await asyncio.sleep(self._wrong_secret_delay)
            if wait:
                return again(messages.ADMIN_SIGN_IN_WAIT.format(wait=seconds(wait)), 429)
            return again(messages.ADMIN_SIGN_IN_WRONG, 401)
        self.guard.succeeded(who, address)
        _, cookie = self.guard.new_session(who)
        response = see_other("/")
        response.set_cookie(SESSION_COOKIE, cookie, path="/", httponly=True, samesite="Strict",
                            secure=self.settings.https, max_age=self.settings.session_hours * 3600)
        return response

    async def sign_out(self, request: web.Request) -> web.Response:
        self.guard.sign_out(request[SESSION])
        response = self._redirect("/sign-in", messages.ADMIN_SIGNED_OUT)
        response.del_cookie(SESSION_COOKIE, path="/")
        return response

    # --- documents ---------------------------------------------------------------------------------------

    async def documents(self, request: web.Request) -> web.Response:
        knowledge = self.console.knowledge
        views, withdrawn = await self._run(knowledge.documents), await self._run(knowledge.withdrawn)
        body = pages.documents(views, withdrawn, self.console.audit.recent(), self._viewer_of(request),
                               await self._run(self.console.titles))
        return self._render(request, messages.ADMIN_NAV_DOCUMENTS, body)

    def _viewer_of(self, request: web.Request) -> Viewer:
        viewer = self._viewer(request)
        assert viewer is not None  # the middleware lets no one without a session this far
        return viewer

    async def document_upload(self, request: web.Request) -> web.Response:
        upload = self._form(request).files.get("file")
        if upload is None:
            return self._redirect("/", messages.ADMIN_UPLOAD_MISSING, ok=False)
        return await self._change(request, "/", self.console.knowledge.add, upload[0], upload[1], by=self._who(request))

    async def document_replace(self, request: web.Request) -> web.Response:
        form = self._form(request)
        upload = form.files.get("file")
        if upload is None:
            return self._redirect("/", messages.ADMIN_UPLOAD_MISSING, ok=False)
        return await self._change(request, "/", self.console.knowledge.replace, form.get("source"), upload[0], upload[1],
                                  by=self._who(request))

    async def document_edit(self, request: web.Request) -> web.Response:
        form = self._form(request)
        return await self._change(request, "/", self.console.knowledge.edit, form.get("source"), form.fields,
                                  by=self._who(request))

    async def document_supersede(self, request: web.Request) -> web.Response:
        form = self._form(request)
        return await self._change(request, "/", self.console.knowledge.supersede, form.get("source"),
                                  form.get("successor"), by=self._who(request))

    async def document_retire(self, request: web.Request) -> web.Response:
        if self._form(request).get("confirm") != "yes":
            return self._redirect("/", messages.ADMIN_RETIRE_UNCONFIRMED, ok=False)
        return await self._change(request, "/", self.console.knowledge.retire, self._form(request).get("source"),
                                  by=self._who(request))

    # --- reindex -----------------------------------------------------------------------------------------

    async def reindex(self, request: web.Request, *, preview: Any = None, notice: Notice | None = None) -> web.Response:
        console = self.console
        publishing = console.publishing()
        body = pages.reindex(await self._run(console.history), publishing, console.last_change(),
                             self._viewer_of(request), await self._run(console.titles), dry_run=preview)
        return self._render(request, messages.ADMIN_NAV_REINDEX, body, notice=notice, refresh=2 if publishing else None)

    async def dry_run(self, request: web.Request) -> web.Response:
        try:
            preview = await self._run(self.console.dry_run)
        except DocumentError as problem:
            return await self.reindex(request, notice=Notice(str(problem), ok=False))
        return await self.reindex(request, preview=preview)

    async def publish(self, request: web.Request) -> web.Response:
        started = self.console.publish(by=self._who(request))
        return self._redirect("/reindex", messages.ADMIN_PUBLISH_STARTED if started else messages.ADMIN_PUBLISH_BUSY)

    async def restore_page(self, request: web.Request) -> web.Response:
        try:
            plan = await self._run(self.console.restore_plan, request.query.get("version", ""))
        except ProtocolBotError as problem:
            return self._message(request, messages.ADMIN_RESTORE_TITLE, str(problem), status=404)
        body = pages.restore(plan, self._viewer_of(request), await self._run(self.console.titles))
        return self._render(request, messages.ADMIN_RESTORE_TITLE, body)

    async def roll_back(self, request: web.Request) -> web.Response:
        version = self._form(request).get("version")
        if not version:
            return self._redirect("/reindex", messages.ADMIN_RESTORE_NO_VERSION, ok=False)
        return await self._change(request, "/reindex", self.console.restore, version, by=self._who(request))

    # --- ask and teach -------------------------------------------------------------------------------------

    async def ask(self, request: web.Request) -> web.Response:
        q = request.query
        question, where = q.get("question", "")[:MAX_FIELD_CHARS], q.get("where", "")[:MAX_FIELD_CHARS]
        title, notice = await self._run(self.console.titles), None
        try:
            found: Scopes | None = await self._run(self.console.scopes)
        except ProtocolBotError as problem:
            found, notice = None, Notice(str(problem), ok=False)
        body = pages.ask_form(question, where, found, title)
        if "question" in q:
            platform, _, rest = where.partition("|")
            level, _, place = rest.partition("|")
            try:
                result = await self._run(self.console.ask, question, platform=platform, level=level, place=place)
                body += pages.asked(result, question, title)
            except ProtocolBotError as problem:
                notice = Notice(str(problem), ok=False)
        return self._render(request, messages.ADMIN_NAV_ASK, body, notice=notice)

    async def teach_page(self, request: web.Request) -> web.Response:
        query = request.query
        feedback_id, question = query.get("feedback", ""), query.get("question", "")[:MAX_FIELD_CHARS]
        try:
            if feedback_id:
                question = self.console.feedback_entry(int(feedback_id) if feedback_id.isdigit() else -1).question
            current = (await self._run(self.console.ask, question)).answer
            serving = await self._run(self.console.serving)
            listed = await self._run(self.console.clauses, query.get("document", "")) if query.get("document") else []
        except ProtocolBotError as problem:
            return self._message(request, messages.ADMIN_TEACH_TITLE, str(problem), status=400)
        documents = list(serving.documents) if serving else []
        body = pages.teach(question, feedback_id, current, documents, listed, self._viewer_of(request),
                           await self._run(self.console.titles))
        return self._render(request, messages.ADMIN_TEACH_TITLE, body)

    async def teach(self, request: web.Request) -> web.Response:
        form = self._form(request)
        question, choice = form.get("question"), form.get("choice")
        source, _, rest = choice.partition("|")
        clause, _, quote_words = rest.partition("|")
        if choice == "other":
            source, clause, quote_words = form.get("other_source"), form.get("other_clause").strip(), ""
        back = "/teach?" + (f"feedback={quote(form.get('feedback'))}" if form.get("feedback") else f"question={quote(question)}")
        try:
            made = await self._run(self.console.teach, question, by=self._who(request), source=source, clause=clause,
                                   quote=quote_words, not_covered=choice == "not-covered")
        except ProtocolBotError as refused:
            return self._redirect(back, str(refused), ok=False)
        return self._redirect(f"/ask?question={quote(question)}", messages.TEACH_DONE.format(description=made.describe()))

    # --- feedback, scopes, quality ----------------------------------------------------------------------------

    async def feedback(self, request: web.Request) -> web.Response:
        entries = await self._run(self.console.feedback)
        notice: Notice | None = None
        listed: tuple[tuple[Correction, bool], ...] = ()
        try:
            listed = await self._run(self.console.corrections)
        except ProtocolBotError as problem:
            notice = Notice(str(problem), ok=False)
        weeks = await self._run(self.console.feedback_weeks)
        body = pages.feedback(weeks, entries, listed, self._viewer_of(request), await self._run(self.console.titles))
        return self._render(request, messages.ADMIN_NAV_FEEDBACK, body, notice=notice)

    async def forget(self, request: web.Request) -> web.Response:
        form = self._form(request)
        number = int(form.get("number")) if form.get("number").isdigit() else 0

        def remove() -> str:
            return messages.TEACH_REMOVED.format(description=self.console.forget(number, form.get("described"),
                                                                                 by=self._who(request)).describe())

        return await self._change(request, "/feedback", remove)

    async def scopes(self, request: web.Request) -> web.Response:
        path = self.console.settings.scopes_path.name
        try:
            body = pages.scopes(await self._run(self.console.scopes), path, await self._run(self.console.titles))
        except ProtocolBotError as problem:
            return self._message(request, messages.ADMIN_NAV_SCOPES, str(problem), status=200)
        return self._render(request, messages.ADMIN_NAV_SCOPES, body)

    async def quality_page(self, request: web.Request) -> web.Response:
        return self._render(request, messages.ADMIN_NAV_QUALITY, pages.quality(self._viewer_of(request)))

    async def recheck(self, request: web.Request) -> web.Response:
        try:
            found = await self._run(self.console.recheck, candidate="candidate" in request.query)
        except ProtocolBotError as problem:
            return self._render(request, messages.ADMIN_NAV_QUALITY, pages.quality(self._viewer_of(request)),
                                notice=Notice(str(problem), ok=False))
        body = pages.quality(self._viewer_of(request), found=found, title=await self._run(self.console.titles))
        return self._render(request, messages.ADMIN_NAV_QUALITY, body)

    async def quality(self, request: web.Request) -> web.Response:
        upload = self._form(request).files.get("file")
        viewer = self._viewer_of(request)
        if upload is None:
            return self._render(request, messages.ADMIN_NAV_QUALITY, pages.quality(viewer), status=400,
                                notice=Notice(messages.ADMIN_UPLOAD_MISSING, ok=False))
        try:
            result = await self._run(self.console.quality, one_line(upload[0]), upload[1])
        except ProtocolBotError as problem:
            return self._render(request, messages.ADMIN_NAV_QUALITY, pages.quality(viewer), status=400,
                                notice=Notice(str(problem), ok=False))
        return self._render(request, messages.ADMIN_NAV_QUALITY, pages.quality(viewer, result))


@dataclass
class Beside:
    """The console on a thread and event loop of its own, beside a chat server that owns the main
    thread and its signals (`protocol-bot slack` or `teams` with PROTOCOL_BOT_ADMIN_SECRET set)."""

    console: AdminConsole
    settings: AdminSettings
    state: ConsoleState | None = None  # see ConsoleServer
    port: int = 0  # where it listens, once started

    def start(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._runner = web.AppRunner(ConsoleServer(self.console, self.settings, state=self.state).app(), handle_signals=False,
                                     access_log=None)

        async def listen() -> int:
            await self._runner.setup()
            await web.TCPSite(self._runner, self.settings.host, self.settings.port).start()
            return int(self._runner.addresses[0][1])

        self._thread = threading.Thread(target=self._loop.run_forever, name="admin-console", daemon=True)
        self._thread.start()
        # a port in use stops start-up here, with the error, instead of leaving a console that never answers
        self.port = asyncio.run_coroutine_threadsafe(listen(), self._loop).result(timeout=30)
        logger.info(messages.ADMIN_LISTENING.format(knowledge=self.console.settings.knowledge_dir,
                                                    host=self.settings.host, port=self.port))

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(timeout=120)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)


def serve(console: AdminConsole, settings: AdminSettings, state: ConsoleState | None = None) -> None:
    """Run the console until interrupted; a publish under way finishes before the process ends."""
    logger.info(messages.ADMIN_LISTENING.format(knowledge=console.settings.knowledge_dir, host=settings.host,
                                                port=settings.port))
    # no access log: the Ask page's address holds the question, and questions stay out of logs
    web.run_app(ConsoleServer(console, settings, state=state).app(), host=settings.host, port=settings.port, print=None,
                access_log=None)
