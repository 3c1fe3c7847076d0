"""The admin console over HTTP, as a browser uses it: sign-in, forms, uploads, publishing, asking, teaching."""

from __future__ import annotations

import asyncio
import base64
import html
import io
import json
import re
import urllib.request
from pathlib import Path
from urllib.parse import quote

import pytest
from fpdf import FPDF

from adapters.admin.guard import SIGN_IN_FORM_SECONDS, Guard
from adapters.admin.server import NOTICE_COOKIE, Beside
from adapters.admin.settings import AdminSettings
from adapters.cli.main import main
from bot import messages
from bot.core.corrections import Correction
from bot.errors import SettingsError
from bot.service.knowledge_admin import MAX_UPLOAD_BYTES
from bot.service.protocol_bot import IndexedProtocolBot
from bot.stores.feedback import cited_refs
from tests.admin_support import SECRET, Admin, hidden_value, restarted
from tests.background import WAIT_SECONDS
from tests.fakes import HashingEmbedder
from tests.settings_support import environment
from tests.test_formats import write_pdf

PAGES = ("/", "/reindex", "/reindex/dry-run", "/ask", "/ask?question=x", "/feedback", "/scopes", "/quality",
         "/teach?question=x")
NEW_PROTOCOL = (
    b"Protocol on working together\n\n"
    b"1. Purpose\n"
    b"1.1 This protocol sets out how members and staff of the parish work together with courtesy.\n"
    b"1.2 The clerk arranges the hire of the village hall for parish meetings and keeps the booking diary.\n"
    b"2. Allotments\n"
    b"2.1 Requests about allotment plots and their waiting list go to the clerk in writing, never to a member.\n"
)


ILMINSTER = "Ilminster Town Council — Councillor-Officer Protocol"  # 000_071d258fd975c70b.txt, by its catalogue
PARISH = "Protocol on working together"  # what NEW_PROTOCOL calls itself: pages name documents so


def protocols(admin: Admin) -> set[str]:
    return {p.name for p in (admin.console.settings.knowledge_dir / "protocols").iterdir()}


async def published(admin: Admin) -> str:
    """Wait for the running publish to end; the reindex page as it then reads."""
    for _ in range(WAIT_SECONDS * 20):
        if admin.console.publishing() is None:
            break
        await asyncio.sleep(0.05)
    return await (await admin.client.get("/reindex")).text()


def pdf_without_text() -> bytes:
    """A one-page PDF with nothing but a drawn box: what a scanner without OCR produces, to a reader."""
    pdf = FPDF()
    pdf.add_page()
    pdf.rect(20, 20, 100, 50)
    return bytes(pdf.output())


# --- who may use it -------------------------------------------------------------------------------


async def test_without_signing_in_every_page_sends_you_to_sign_in(admin: Admin) -> None:
    for path in PAGES:
        response = await admin.client.get(path, allow_redirects=False)
        assert (response.status, response.headers["Location"]) == (303, "/sign-in"), path


async def test_a_form_posted_without_signing_in_changes_nothing(admin: Admin) -> None:
    before = protocols(admin)
    response = await admin.post("/documents/upload", {}, file=("new.txt", NEW_PROTOCOL), token="made-up")
    assert response.status == 403
    assert messages.ADMIN_FORBIDDEN in await response.text()
    assert protocols(admin) == before


async def test_signing_in_with_the_secret_opens_the_documents_page_with_your_name(admin: Admin) -> None:
    page = await (await admin.sign_in(who="Sam Clerk")).text()
    assert messages.ADMIN_SIGNED_IN_AS.format(who="Sam Clerk") in page
    assert "<h1>Documents</h1>" in page


async def test_a_wrong_secret_is_refused_and_repeated_wrong_guesses_must_wait_but_the_right_one_never_does(
        admin: Admin) -> None:
    for _ in range(3):
        response = await admin.sign_in(secret="not the secret at all")
        assert response.status == 401
        assert messages.ADMIN_SIGN_IN_WRONG in await response.text()
    admin.clock.now += 1
    response = await admin.sign_in(secret="still not the secret")
    assert response.status == 429
    assert "Please wait 1 second, then try again." in await response.text()
    response = await admin.sign_in(secret="nor this")
    assert "Please wait 4 seconds, then try again." in await response.text()
    assert "<h1>Documents</h1>" in await (await admin.sign_in()).text()  # the right secret is never refused


async def test_a_second_persons_right_secret_is_accepted_while_someone_else_at_the_same_address_is_throttled(
        admin: Admin) -> None:
    for _ in range(5):
        await admin.sign_in(who="Jo Clerk", secret="a typo of the secret")
    assert (await admin.sign_in(who="Jo Clerk", secret="another typo")).status == 429
    response = await admin.sign_in(who="Sam Deputy", secret="one typo of her own")
    assert response.status == 401  # her first wrong guess: no wait for Jo's typos
    assert messages.ADMIN_SIGNED_IN_AS.format(who="Sam Deputy") in await (await admin.sign_in(who="Sam Deputy")).text()


async def test_every_wrong_secret_is_written_to_the_audit_log_with_the_name_and_address(admin: Admin) -> None:
    await admin.sign_in(who="Mallory", secret="guessing the secret")
    entry = admin.console.audit.recent()[0]
    assert entry.who == "Mallory" and entry.what == messages.AUDIT_SIGN_IN_FAILED.format(address="127.0.0.1")


async def test_a_request_addressed_to_another_host_name_is_refused_and_the_configured_address_is_served(
        tmp_path: Path, knowledge: Path, fake_bot: IndexedProtocolBot, monkeypatch: pytest.MonkeyPatch) -> None:
    from aiohttp.test_utils import TestClient, TestServer

    from adapters.admin.server import ConsoleServer
    from tests.admin_support import console_for

    environment(monkeypatch, {"PROTOCOL_BOT_ADMIN_SECRET": SECRET, "PROTOCOL_BOT_ADMIN_HOST": "0.0.0.0",
                              "PROTOCOL_BOT_ADMIN_ADDRESS": "https://admin.parish.example/"})
    settings = AdminSettings.from_env()
    client = TestClient(TestServer(ConsoleServer(console_for(tmp_path, knowledge, fake_bot), settings).app()))
    await client.start_server()
    try:
        rebound = await client.get("/sign-in", headers={"Host": "attacker.example"})
        assert rebound.status == 421 and messages.ADMIN_WRONG_HOST in await rebound.text()
        assert (await client.get("/sign-in", headers={"Host": "admin.parish.example"})).status == 200
        assert (await client.get("/sign-in", headers={"Host": "localhost:3980"})).status == 200
    finally:
        await client.close()


async def test_the_sign_in_page_names_no_environment_variable(admin: Admin) -> None:
    page = await (await admin.client.get("/sign-in")).text()
    assert "PROTOCOL_BOT" not in page


async def test_a_sign_in_form_left_open_too_long_is_refused_as_stale(admin: Admin) -> None:
    form = await (await admin.client.get("/sign-in")).text()
    admin.clock.now += SIGN_IN_FORM_SECONDS + 1
    response = await admin.client.post("/sign-in", data={"token": hidden_value(form, "token"), "who": "Jo", "secret": SECRET})
    assert response.status == 400
    assert messages.ADMIN_SIGN_IN_STALE in await response.text()


async def test_a_session_expires_and_its_forms_are_then_refused(admin: Admin) -> None:
    await admin.sign_in()
    token = await admin.token()
    admin.clock.now += AdminSettings(secret=SECRET).session_hours * 3600 + 1
    assert (await admin.client.get("/", allow_redirects=False)).status == 303
    response = await admin.post("/reindex/publish", {}, token=token)
    assert response.status == 403
    assert admin.console.publishing() is None and admin.console.last_change() is None


async def test_a_forged_form_token_changes_nothing_even_when_signed_in(admin: Admin) -> None:
    await admin.sign_in()
    before = protocols(admin)
    response = await admin.post("/documents/upload", {}, file=("new.txt", NEW_PROTOCOL), token="forged")
    assert response.status == 403
    assert protocols(admin) == before


async def test_after_signing_out_the_old_cookie_opens_nothing(admin: Admin) -> None:
    await admin.sign_in()
    cookies = {c.key: c.value for c in admin.client.session.cookie_jar}
    response = await admin.post("/sign-out", {})
    assert messages.ADMIN_SIGNED_OUT in await response.text()
    admin.client.session.cookie_jar.update_cookies(cookies)  # a copy of the cookie, replayed
    assert (await admin.client.get("/", allow_redirects=False)).status == 303


def test_a_changed_or_borrowed_cookie_opens_no_session() -> None:
    guard = Guard(SECRET, session_seconds=3600)
    session, cookie = guard.new_session("Jo")
    assert guard.session(cookie) == session
    signed = cookie.partition(".")[2]
    mallory = base64.urlsafe_b64encode(json.dumps({"who": "Mallory", "sid": session.sid}).encode()).decode().rstrip("=")
    assert guard.session(f"{mallory}.{signed}") is None  # its contents changed
    assert guard.session(guard.seal({"who": "Mallory", "sid": session.sid})) is None  # signed for a notice
    assert guard.session(guard.form_token(session)) is None  # a form's token is no cookie
    assert Guard("another secret entirely", session_seconds=3600).session(cookie) is None  # the secret changed


async def test_a_notice_cookie_the_console_did_not_sign_is_never_shown(admin: Admin) -> None:
    await admin.sign_in()
    forged = {"text": "Your council's account is locked: ring 0909 000 000", "ok": "0"}
    other_console = Guard("another console's secret", session_seconds=3600)
    for value in (base64.urlsafe_b64encode(json.dumps(forged).encode()).decode(), other_console.seal(forged)):
        admin.client.session.cookie_jar.update_cookies({NOTICE_COOKIE: value})
        assert "ring 0909" not in await (await admin.client.get("/")).text()


async def test_a_clerk_stays_signed_in_and_an_open_page_still_works_when_the_console_restarts(admin: Admin) -> None:
    await admin.sign_in()
    token = await admin.token()  # a page opened before the restart
    source = sorted(protocols(admin))[0]
    async with restarted(admin) as again:
        page = await (await again.client.get("/")).text()
        assert messages.ADMIN_SIGNED_IN_AS.format(who="Jo Clerk") in page
        response = await again.post("/documents/edit", {"source": source, "title": "Renamed after the restart"}, token=token)
        assert response.status == 200 and "Renamed after the restart</h2>" in await response.text()


async def test_a_clerk_who_signed_out_stays_signed_out_after_the_console_restarts(admin: Admin) -> None:
    await admin.sign_in()
    kept = {c.key: c.value for c in admin.client.session.cookie_jar}
    await admin.post("/sign-out", {})
    admin.client.session.cookie_jar.update_cookies(kept)  # a copy of the cookie, replayed after the restart
    async with restarted(admin) as again:
        assert (await again.client.get("/", allow_redirects=False)).headers["Location"] == "/sign-in"


async def test_changing_the_secret_signs_everyone_out(admin: Admin) -> None:
    await admin.sign_in()
    async with restarted(admin, secret="a new and different admin passphrase") as again:
        assert (await again.client.get("/", allow_redirects=False)).headers["Location"] == "/sign-in"
        assert (await again.sign_in()).status == 401  # the old secret no longer opens it either
        page = await (await again.sign_in(secret="a new and different admin passphrase")).text()
        assert messages.ADMIN_SIGNED_IN_AS.format(who="Jo Clerk") in page


async def test_wrong_guesses_still_slow_the_guesser_after_the_console_restarts(admin: Admin) -> None:
    for _ in range(4):
        await admin.sign_in(secret="not the secret at all")
    async with restarted(admin) as again:
        response = await again.sign_in(secret="guessing again after the restart")
        assert response.status == 429
        assert "Please wait 4 seconds, then try again." in await response.text()
        assert "<h1>Documents</h1>" in await (await again.sign_in()).text()  # the right secret is never refused


def test_the_console_refuses_to_start_without_a_secret_or_with_a_short_one(monkeypatch: pytest.MonkeyPatch) -> None:
    environment(monkeypatch, {})
    with pytest.raises(SettingsError, match="PROTOCOL_BOT_ADMIN_SECRET"):
        AdminSettings.from_env()
    environment(monkeypatch, {"PROTOCOL_BOT_ADMIN_SECRET": "password"})
    with pytest.raises(SettingsError, match="at least 16"):
        AdminSettings.from_env()
    environment(monkeypatch, {"PROTOCOL_BOT_ADMIN_SECRET": SECRET})
    assert AdminSettings.from_env().host == "127.0.0.1"


def test_protocol_bot_admin_without_a_secret_says_how_to_set_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PROTOCOL_BOT_ADMIN_SECRET", raising=False)
    out = io.StringIO()
    assert main(["admin"], out) == 2
    assert "Set PROTOCOL_BOT_ADMIN_SECRET" in out.getvalue()


async def test_every_page_forbids_framing_and_scripts_from_elsewhere(admin: Admin) -> None:
    await admin.sign_in()
    response = await admin.client.get("/")
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["Cache-Control"] == "no-store"


# --- documents ------------------------------------------------------------------------------------


async def test_an_uploaded_protocol_is_saved_but_not_served_until_published(admin: Admin) -> None:
    await admin.sign_in()
    page = await (await admin.post("/documents/upload", {}, file=("Parish protocol 2026.txt", NEW_PROTOCOL))).text()
    assert messages.ADMIN_ADDED.format(name="Parish_protocol_2026.txt", clauses=3) in page
    assert messages.ADMIN_PUBLICATION_NEW in page
    assert "Parish_protocol_2026.txt" not in admin.console.bot.status().documents.__repr__()
    audit = admin.console.audit.recent()
    assert audit[0].who == "Jo Clerk" and "Parish_protocol_2026.txt" in audit[0].what


async def test_a_new_upload_is_shown_by_the_title_and_council_its_first_lines_give_and_is_not_yet_in_force(
        admin: Admin) -> None:
    await admin.sign_in()
    opening = b"Nettlecombe Parish Council\n\nProtocol on Member/Officer Relations\n\n" + NEW_PROTOCOL.split(b"\n", 2)[2]
    page = await (await admin.post("/documents/upload", {}, file=("001_a879d86bb0aeb3d6.txt", opening))).text()
    card = page[page.index("Protocol on Member/Officer Relations</h2>"):].split("</section>")[0]
    assert "<dd>Nettlecombe Parish Council</dd>" in card
    assert messages.ADMIN_PUBLICATION_NEW in card and messages.ADMIN_STATUS_IN_FORCE not in card


async def test_an_empty_file_is_reported_as_empty_not_as_no_file_chosen(admin: Admin) -> None:
    await admin.sign_in()
    page = await (await admin.post("/documents/upload", {}, file=("notes.txt", b""))).text()
    assert "notes.txt: the document has no text." in page and messages.ADMIN_UPLOAD_MISSING not in page


@pytest.mark.parametrize(("name", "data", "library"), [
    ("fake.docx", b"PK\x03\x04 not really a zip", "zip"),
    ("broken.pdf", b"%PDF-1.4\n1 0 obj << /Length 99 >> stream\nabc", "Stream"),
])
async def test_a_readers_own_error_text_is_never_shown_to_a_clerk(admin: Admin, name: str, data: bytes,
                                                                  library: str) -> None:
    await admin.sign_in()
    page = await (await admin.post("/documents/upload", {}, file=(name, data))).text()
    notice = page[page.index('class="notice error"'):].split("</div>")[0]
    assert f"{name}: the document could not be read" in notice and library not in notice


@pytest.mark.parametrize(("name", "data", "expected"), [
    ("minutes.xlsx", b"PK\x03\x04 spreadsheet", "only PDF, Word (.docx), text (.txt) and Markdown (.md)"),
    ("empty.txt", b"  \n\n ", "empty"),
    ("scanned.pdf", pdf_without_text(), "scanned"),
    ("not-really.pdf", b"this is not a PDF at all", "not-really.pdf"),
])
async def test_a_file_that_cannot_be_read_as_a_protocol_is_refused_with_a_reason(
        admin: Admin, name: str, data: bytes, expected: str) -> None:
    await admin.sign_in()
    before = protocols(admin)
    page = await (await admin.post("/documents/upload", {}, file=(name, data))).text()
    assert 'class="notice error"' in page
    assert expected in page
    assert protocols(admin) == before


async def test_a_fifty_megabyte_upload_is_refused_and_nothing_is_saved(admin: Admin) -> None:
    await admin.sign_in()
    before = protocols(admin)
    response = await admin.post("/documents/upload", {}, file=("huge.pdf", b"%PDF-1.4\n" + b"0" * (50 * 1024 * 1024)))
    assert response.status == 413
    assert f"up to {MAX_UPLOAD_BYTES // 1024 // 1024} MB" in await response.text()
    assert protocols(admin) == before


async def test_markup_typed_into_a_catalogue_field_is_shown_as_text(admin: Admin) -> None:
    await admin.sign_in()
    source = sorted(protocols(admin))[0]
    page = await (await admin.post("/documents/edit", {"source": source, "title": "<script>alert(1)</script> Protocol",
                                                       "council": "<b>Bold</b> Parish"})).text()
    assert "<script>alert(1)</script>" not in page and "<b>Bold</b>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Protocol" in page
    assert "&lt;b&gt;Bold&lt;/b&gt; Parish" in page


async def test_a_document_name_from_a_form_never_reaches_outside_the_knowledge_folder(admin: Admin, tmp_path: Path) -> None:
    await admin.sign_in()
    outside = tmp_path / "outside.txt"
    outside.write_text("keep me")
    page = await (await admin.post("/documents/retire", {"source": "../../outside.txt"})).text()
    assert 'class="notice error"' in page
    assert outside.read_text() == "keep me"


# --- reindex --------------------------------------------------------------------------------------


async def test_dry_run_shows_the_new_document_and_publish_switches_to_it(admin: Admin) -> None:
    await admin.sign_in()
    await admin.post("/documents/upload", {}, file=("parish.txt", NEW_PROTOCOL))
    before = admin.console.serving()
    dry = await (await admin.client.get("/reindex/dry-run")).text()
    assert messages.ADMIN_CHANGES_DOCUMENTS_ADDED.format(names=PARISH) in dry
    assert admin.console.serving() == before  # a dry run changes nothing
    await admin.post("/reindex/publish", {})
    page = await published(admin)
    serving = admin.console.serving()
    assert serving is not None and serving.version != before.version  # type: ignore[union-attr]
    assert messages.ADMIN_PUBLISHED in page and serving.version not in page
    assert "parish.txt" in serving.documents


async def test_a_reworded_clause_shows_struck_and_added_words_in_the_dry_run(admin: Admin) -> None:
    await admin.sign_in()
    await admin.post("/documents/upload", {}, file=("parish.txt", NEW_PROTOCOL))
    await admin.post("/reindex/publish", {})
    await published(admin)
    newer = NEW_PROTOCOL.replace(b"keeps the booking diary", b"keeps the online booking calendar")
    page = await (await admin.post("/documents/replace", {"source": "parish.txt"}, file=("parish-v2.txt", newer))).text()
    assert messages.ADMIN_PUBLICATION_CHANGED in page
    dry = await (await admin.client.get("/reindex/dry-run")).text()
    assert "<del>diary.</del>" in dry and "<ins>online</ins>" in dry


async def test_a_clause_removed_without_renumbering_is_reported_as_removed_in_a_table_without_terminal_markup(
        admin: Admin) -> None:
    await admin.sign_in()
    await admin.post("/documents/upload", {}, file=("parish.txt", NEW_PROTOCOL))
    await admin.post("/reindex/publish", {})
    await published(admin)
    without = b"".join(line for line in NEW_PROTOCOL.splitlines(keepends=True) if not line.startswith(b"1.2 "))
    await admin.post("/documents/replace", {"source": "parish.txt"}, file=("parish.txt", without))
    dry = await (await admin.client.get("/reindex/dry-run")).text()
    assert f"{PARISH}: 0 added, 1 removed, 0 reworded, 0 renumbered" in dry
    assert f"<td>{messages.ADMIN_CHANGE_REMOVED}</td><td>clause 1.2</td>" in dry
    assert "[-" not in dry and "{+" not in dry and "<pre>" not in dry


async def test_a_clerk_replaces_a_protocol_with_a_newer_pdf_publishes_it_and_answers_cite_the_pdf(
        admin: Admin, tmp_path: Path) -> None:
    await admin.sign_in()
    await admin.post("/documents/upload", {}, file=("parish.txt", NEW_PROTOCOL))
    await admin.post("/reindex/publish", {})
    await published(admin)
    newer = tmp_path / "parish-2027.pdf"
    write_pdf(NEW_PROTOCOL.decode().replace("in writing, never to a member", "by email, never to a member"), newer)
    page = await (await admin.post("/documents/replace", {"source": "parish.txt"},
                                   file=("parish-2027.pdf", newer.read_bytes()))).text()
    assert messages.ADMIN_REPLACED_BESIDE.format(name="parish-2027.pdf", clauses=3, old="parish.txt") in page
    assert messages.ADMIN_STATUS_SUPERSEDED.format(successor=PARISH) in page
    assert messages.ADMIN_CHANGES_DOCUMENTS_ADDED.format(names=PARISH) in await (
        await admin.client.get("/reindex/dry-run")).text()
    await admin.post("/reindex/publish", {})
    await published(admin)
    nearest = admin.console.ask("Where do requests about allotment plots and their waiting list go?").answer.nearest
    assert "parish.txt" not in {c.source for c in nearest}  # superseded: not cited
    assert (nearest[0].source, nearest[0].clause) == ("parish-2027.pdf", "2.1")
    assert "by email" in nearest[0].text


async def test_a_failed_publish_says_why_and_the_served_index_keeps_serving(admin: Admin) -> None:
    await admin.sign_in()
    before = admin.console.serving()
    (admin.console.settings.knowledge_dir / "protocols" / "broken.txt").write_text("   ")  # put there by hand
    await admin.post("/reindex/publish", {})
    page = await published(admin)
    assert "Reindex failed, and the previous index is still serving" in page
    assert admin.console.serving() == before


async def roll_back(admin: Admin) -> str:
    """Press "Roll back to the version before…", read what it will change, and confirm; the page after."""
    reindex = await (await admin.client.get("/reindex")).text()
    link = re.search(r'href="(/reindex/restore\?version=[^"]+)"', reindex)
    assert link, "no roll back on the reindex page"
    confirm = await (await admin.client.get(html.unescape(link.group(1)))).text()
    assert messages.ADMIN_RESTORE_CONFIRM in confirm
    return await (await admin.post("/reindex/roll-back", {"version": hidden_value(confirm, "version")})).text()


async def test_roll_back_serves_the_previous_version_and_a_publish_after_it_does_not_bring_back_what_was_undone(
        admin: Admin) -> None:
    await admin.sign_in()
    first = admin.console.serving()
    assert first is not None
    await admin.post("/documents/upload", {}, file=("parish.txt", NEW_PROTOCOL))
    await admin.post("/reindex/publish", {})
    await published(admin)
    page = await roll_back(admin)
    assert admin.console.serving() == first
    assert "Done: the bots answer from the version" in page
    assert "parish.txt" not in protocols(admin)  # set aside, kept in retired/
    assert (admin.console.settings.knowledge_dir / "retired" / "parish.txt").read_bytes() == NEW_PROTOCOL
    await admin.post("/reindex/publish", {})
    await published(admin)
    assert set(admin.console.serving().documents) == set(first.documents)  # type: ignore[union-attr]


async def test_rolling_back_a_replaced_document_puts_its_earlier_wording_and_catalogue_back(admin: Admin) -> None:
    await admin.sign_in()
    await admin.post("/documents/upload", {}, file=("parish.txt", NEW_PROTOCOL))
    await admin.post("/documents/edit", {"source": "parish.txt", "title": "Parish protocol"})
    await admin.post("/reindex/publish", {})
    await published(admin)
    newer = NEW_PROTOCOL.replace(b"keeps the booking diary", b"keeps the online booking calendar")
    await admin.post("/documents/replace", {"source": "parish.txt"}, file=("parish.txt", newer))
    await admin.post("/documents/edit", {"source": "parish.txt", "title": "Parish protocol 2027"})
    await admin.post("/reindex/publish", {})
    await published(admin)
    await roll_back(admin)
    folder = admin.console.settings.knowledge_dir
    assert (folder / "protocols" / "parish.txt").read_bytes() == NEW_PROTOCOL
    assert admin.console.knowledge.documents()[-1].entry.title == "Parish protocol"
    documents = await (await admin.client.get("/")).text()
    assert messages.ADMIN_PENDING not in documents  # the folder is what is served: nothing waits to be published


async def test_every_published_version_is_listed_with_who_published_it_and_a_rolled_back_one_can_be_restored(
        admin: Admin) -> None:
    await admin.sign_in("Sam Clerk")
    await admin.post("/documents/upload", {}, file=("parish.txt", NEW_PROTOCOL))
    await admin.post("/reindex/publish", {})
    await published(admin)
    newest = admin.console.serving()
    await roll_back(admin)
    page = await (await admin.client.get("/reindex")).text()
    assert "Sam Clerk" in page and messages.ADMIN_HISTORY_ADDED.format(count=1) in page
    assert newest.version not in page.replace(quote(newest.version), "")  # type: ignore[union-attr]  # never shown as an id
    restore = re.findall(r'href="(/reindex/restore\?version=[^"]+)"', page)
    assert any(newest.version in link for link in restore)  # type: ignore[union-attr]
    await admin.post("/reindex/roll-back", {"version": newest.version})  # type: ignore[union-attr]
    assert admin.console.serving() == newest
    assert "parish.txt" in protocols(admin)


async def test_the_last_change_box_tells_of_a_roll_back_not_the_publish_before_it(admin: Admin) -> None:
    await admin.sign_in()
    await admin.post("/documents/upload", {}, file=("parish.txt", NEW_PROTOCOL))
    await admin.post("/reindex/publish", {})
    assert messages.ADMIN_PUBLISHED in await published(admin)
    await roll_back(admin)
    page = await (await admin.client.get("/reindex")).text()
    assert "Done: the bots answer from the version" in page and messages.ADMIN_PUBLISHED not in page


async def test_going_back_to_a_version_whose_copy_was_not_kept_says_plainly_what_stays(admin: Admin) -> None:
    await admin.sign_in()
    first = sorted(protocols(admin))[0]
    path = admin.console.settings.knowledge_dir / "protocols" / first
    path.write_bytes(path.read_bytes() + b"\n\nA paragraph added by hand, without keeping the earlier copy.\n")
    await admin.post("/reindex/publish", {})
    await published(admin)
    previous = admin.console.history()[1].version
    confirm = await (await admin.client.get("/reindex/restore", params={"version": previous})).text()
    assert messages.ADMIN_RESTORE_CANNOT.format(names=ILMINSTER) in confirm
    page = await (await admin.post("/reindex/roll-back", {"version": previous})).text()
    assert messages.ADMIN_RESTORE_MISSING.format(names=first) in page
    assert b"added by hand" in path.read_bytes()


async def test_a_file_changed_by_hand_after_a_console_publish_is_put_back_from_the_copy_kept_with_that_version(
        admin: Admin) -> None:
    await admin.sign_in()
    await admin.post("/reindex/publish", {})
    await published(admin)
    kept = admin.console.serving()
    first = sorted(protocols(admin))[0]
    path = admin.console.settings.knowledge_dir / "protocols" / first
    before = path.read_bytes()
    path.write_bytes(before + b"\n\nA paragraph added by hand, without keeping the earlier copy.\n")
    await admin.post("/reindex/publish", {})
    await published(admin)
    confirm = await (await admin.client.get("/reindex/restore", params={"version": kept.version})).text()  # type: ignore[union-attr]
    assert messages.ADMIN_RESTORE_BROUGHT_BACK.format(names=ILMINSTER) in confirm
    await admin.post("/reindex/roll-back", {"version": kept.version})  # type: ignore[union-attr]
    assert path.read_bytes() == before and admin.console.serving() == kept


async def test_retiring_needs_the_box_ticked_to_confirm(admin: Admin) -> None:
    await admin.sign_in()
    source = sorted(protocols(admin))[-1]
    page = await (await admin.post("/documents/retire", {"source": source})).text()
    assert messages.ADMIN_RETIRE_UNCONFIRMED in page and source in protocols(admin)
    await admin.post("/documents/retire", {"source": source, "confirm": "yes"})
    assert source not in protocols(admin)


# --- ask, feedback and teaching ---------------------------------------------------------------------


async def test_the_ask_page_names_documents_by_title_and_offers_the_places_the_scopes_file_names(admin: Admin) -> None:
    await admin.sign_in()
    admin.console.settings.scopes_path.write_text('[slack.channels]\nC0CONDUCT = ["000_071d258fd975c70b.txt"]\n')
    form = await (await admin.client.get("/ask")).text()
    assert 'value="slack|channels|C0CONDUCT"' in form and f"Slack channel C0CONDUCT: {ILMINSTER}" in form
    assert "tenant" not in form.lower()
    page = await (await admin.client.get("/ask", params={"question": "Can I copy an officer's email to another councillor?",
                                                         "where": "slack|channels|C0CONDUCT"})).text()
    assert messages.ADMIN_ASK_SCOPED.format(documents=ILMINSTER) in page
    nearest = page[page.index(messages.ADMIN_ASK_NEAREST):]
    assert ILMINSTER in nearest and ".txt" not in nearest


async def test_no_page_speaks_of_embedding_index_versions_or_recall(admin: Admin) -> None:
    await admin.sign_in()
    await admin.post("/reindex/publish", {})
    await published(admin)
    for path in ("/reindex", "/reindex/dry-run", "/quality"):
        page = await (await admin.client.get(path)).text()
        for jargon in ("embedded", "index v", "Recall@", "MRR"):
            assert jargon not in page, (path, jargon)


async def test_ask_shows_the_councillors_answer_and_the_nearest_clauses_with_scores(admin: Admin) -> None:
    await admin.sign_in()
    question = "Can I copy an officer's email to another councillor?"
    page = await (await admin.client.get("/ask", params={"question": question})).text()
    assert messages.ADMIN_ASK_ANSWER in page and messages.ADMIN_ASK_NEAREST in page
    assert page.count("<tr>") >= 11  # the heading row and ten clauses
    assert "<blockquote>" in page


async def test_an_empty_question_gets_a_polite_reply_not_an_error_page(admin: Admin) -> None:
    await admin.sign_in()
    response = await admin.client.get("/ask", params={"question": "   "})
    assert response.status == 200
    assert 'class="notice error"' in await response.text()


async def test_teaching_a_clause_from_the_ask_page_makes_it_the_first_citation(admin: Admin) -> None:
    await admin.sign_in()
    await admin.post("/documents/upload", {}, file=("parish.txt", NEW_PROTOCOL))
    await admin.post("/reindex/publish", {})
    await published(admin)
    question = "Who looks after the hall bookings?"
    await admin.client.get("/teach", params={"question": question})
    page = await (await admin.post("/teach", {"question": question, "feedback": "", "choice": "other",
                                              "other_source": "parish.txt", "other_clause": "2.1"})).text()
    assert "Taught:" in page
    answer = admin.console.ask(question).answer
    assert (answer.citations[0].source, answer.citations[0].clause) == ("parish.txt", "2.1")
    assert "taught" in admin.console.audit.recent()[0].what


async def test_every_clause_of_the_unnumbered_ilminster_protocol_can_be_chosen_and_taught_from_the_teach_page(
        admin: Admin) -> None:
    await admin.sign_in()
    question = "Should a councillor be close friends with an officer?"
    source = "000_071d258fd975c70b.txt"
    page = await (await admin.client.get("/teach", params={"question": question, "document": source})).text()
    assert " disabled" not in page
    listed = re.findall(rf'name="choice" id="l\d+" value="({re.escape(source)}\|[^"]*)"', page)
    assert len(listed) == 56
    assert "Some general principles, paragraph 1" in page
    principle = next(html.unescape(v) for v in listed if "Close personal relationships" in html.unescape(v))
    taught = await (await admin.post("/teach", {"question": question, "feedback": "", "choice": principle})).text()
    assert "Taught:" in taught
    first = admin.console.ask(question).answer.nearest[0]
    assert first.source == source and first.text.startswith("Close personal relationships")


async def test_a_thumbs_down_is_listed_with_its_comment_and_can_be_marked_not_covered(admin: Admin) -> None:
    await admin.sign_in()
    question = "Can the council fix my neighbour's fence?"
    answer = admin.console.ask(question).answer
    feedback_id = admin.console.feedback_store.record(platform="slack", user="U1", question=question, helpful=False,
                                                      citations=cited_refs(answer))
    admin.console.feedback_store.add_comment(feedback_id, "<i>nothing to do with us</i>")
    page = await (await admin.client.get("/feedback")).text()
    assert "&lt;i&gt;nothing to do with us&lt;/i&gt;" in page
    assert f"/teach?feedback={feedback_id}" in page
    await admin.client.get("/teach", params={"feedback": str(feedback_id)})
    await admin.post("/teach", {"question": question, "feedback": str(feedback_id), "choice": "not-covered"})
    assert admin.console.ask(question).answer.out_of_scope
    listed = await (await admin.client.get("/feedback")).text()
    assert "not covered by the protocols" in listed


async def test_one_button_asks_again_the_corrected_and_voted_down_questions_and_says_what_holds(admin: Admin) -> None:
    await admin.sign_in()
    assert messages.ADMIN_RECHECK_NONE in await (await admin.client.get("/quality/recheck")).text()
    fence = "Can the council fix my neighbour's fence?"
    await admin.post("/teach", {"question": fence, "feedback": "", "choice": "not-covered"})
    question = "Can I copy an officer's email to another councillor?"
    answer = admin.console.ask(question).answer
    voted = admin.console.feedback_store.record(platform="slack", user="U1", question=question, helpful=False,
                                                citations=cited_refs(answer))
    page = await (await admin.client.get("/quality/recheck")).text()
    assert messages.ADMIN_RECHECK_SUMMARY.format(holding=1, corrections=1, changed=0, votes=1) in page
    assert messages.ADMIN_RECHECK_HOLDS in page and messages.ADMIN_RECHECK_SAME in page
    assert f"/teach?feedback={voted}" in page


async def test_the_check_can_also_ask_as_publishing_would_answer_without_publishing_anything(admin: Admin) -> None:
    await admin.sign_in()
    question = "Who looks after the hall bookings?"
    await admin.post("/documents/upload", {}, file=("parish.txt", NEW_PROTOCOL))
    await admin.post("/teach", {"question": question, "feedback": "", "choice": "not-covered"})
    before = admin.console.serving()
    page = await (await admin.client.get("/quality/recheck", params={"candidate": "1"})).text()
    assert f"<th scope=\"col\">{messages.ADMIN_RECHECK_AFTER}</th>" in page
    assert messages.ADMIN_RECHECK_CANDIDATE_SUMMARY.format(holding=1, corrections=1, changed=0, votes=0) in page
    assert admin.console.serving() == before
    assert not list(admin.console.settings.home.glob("candidate-*"))  # built aside, then cleared away


async def test_the_feedback_page_counts_thumbs_up_and_down_by_week(admin: Admin) -> None:
    await admin.sign_in()
    for helpful in (True, False, False):
        admin.console.feedback_store.record(platform="teams", user="U2", question="Q?", helpful=helpful, citations=())
    page = await (await admin.client.get("/feedback")).text()
    assert messages.ADMIN_FEEDBACK_WEEKS in page
    assert "<td>1</td><td>2</td>" in page


async def test_a_correction_removed_from_a_stale_page_is_refused(admin: Admin) -> None:
    await admin.sign_in()
    admin.console.teach("First question?", by="Jo", not_covered=True)
    admin.console.teach("Second question?", by="Jo", not_covered=True)
    page = await (await admin.post("/corrections/remove", {"number": "1", "described": "something else"})).text()
    assert messages.ADMIN_CORRECTION_MOVED in page
    assert len(admin.console.corrections()) == 2
    described = admin.console.corrections()[0][0].describe()
    await admin.post("/corrections/remove", {"number": "1", "described": described})
    assert [c.question for c, _ in admin.console.corrections()] == ["Second question?"]


# --- scopes and quality -------------------------------------------------------------------------------


async def test_the_scopes_page_lists_which_documents_answer_where(admin: Admin) -> None:
    await admin.sign_in()
    source = sorted(protocols(admin))[0]
    admin.console.settings.scopes_path.write_text(f'[slack.channels]\nC0123 = ["{source}"]\n')
    page = await (await admin.client.get("/scopes")).text()
    assert "C0123" in page and ILMINSTER in page and source not in page


async def test_a_question_file_gets_the_eval_figures_and_a_bad_line_is_named(admin: Admin) -> None:
    await admin.sign_in()
    good = (b'{"id": "q1", "question": "Can I copy an email?", "gold": []}\n'
            b'{"id": "q2", "question": "Bins?", "out_of_scope": true}\n')
    page = await (await admin.post("/quality", {}, file=("mine.jsonl", good))).text()
    assert messages.ADMIN_QUALITY_R3 in page and "1 answerable, 1 out of scope" in page
    bad = await admin.post("/quality", {}, file=("mine.jsonl", good + b"not json\n"))
    assert bad.status == 400
    assert "mine.jsonl, line 3: not a question" in await bad.text()


# --- beside a chat server -----------------------------------------------------------------------------


def test_beside_a_chat_server_the_console_answers_on_its_own_thread_until_stopped(admin: Admin) -> None:
    beside = Beside(admin.console, AdminSettings(secret=SECRET, port=0))
    beside.start()
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{beside.port}/sign-in", timeout=WAIT_SECONDS) as response:
            assert messages.ADMIN_SIGN_IN_INTRO in response.read().decode()
    finally:
        beside.stop()
    with pytest.raises(OSError):
        urllib.request.urlopen(f"http://127.0.0.1:{beside.port}/sign-in", timeout=WAIT_SECONDS)


class CorrectionsOnFire(IndexedProtocolBot):
    """The real core, but reading the corrections fails in a way nobody planned for."""

    def corrections(self) -> tuple[tuple[Correction, bool], ...]:
        raise RuntimeError("the disk is on fire")


async def test_a_fault_in_the_server_gets_a_polite_page_and_the_console_goes_on(
        admin: Admin, tmp_path: Path, knowledge: Path, caplog: pytest.LogCaptureFixture) -> None:
    await admin.sign_in()
    admin.console.bot = CorrectionsOnFire(knowledge, tmp_path / "index", tmp_path / "cache.sqlite3", HashingEmbedder())
    response = await admin.client.get("/feedback")
    assert response.status == 500
    page = await response.text()
    assert messages.ADMIN_FAILED in page and "on fire" not in page
    assert "the disk is on fire" in caplog.text  # in the log, for whoever keeps the server running
    assert (await admin.client.get("/reindex")).status == 200
