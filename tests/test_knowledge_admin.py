"""The admin console's changes to the knowledge folder, as a town clerk making them would see them.

Every change is checked before anything is written: a refused upload or edit leaves every file as it
was (the knowledge folder, the catalogue and the audit log alike). Accepted changes never delete a
document, and each one is written to the audit log with who made it.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from fpdf import FPDF

from bot import messages
from bot.errors import AdminRefused, DocumentError
from bot.service.knowledge_admin import (
    MAX_FIELD_CHARS,
    MAX_UPLOAD_BYTES,
    KnowledgeAdmin,
    Publication,
    check_size,
    field_value,
    safe_name,
)
from bot.service.protocol_bot import IndexedProtocolBot
from bot.stores.audit import AuditLog
from bot.stores.file_audit import FileAuditLog
from knowledge import catalogue
from knowledge.parser import parse
from tests.test_formats import write_docx, write_pdf

WHO = "Jo Bloggs (Town Clerk)"
AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
TODAY = date(2026, 3, 2)

CLERK = "000_071d258fd975c70b.txt"  # review "July 2028 or sooner if required"
UNTITLED = "001_a879d86bb0aeb3d5.txt"
REPORT = "002_f0618532f7b6a44a.txt"  # its table starts with comments
EXTRACT = "003_5a0122096eb42bbd.txt"
CODE = "004_fbcb302b638d596d.txt"  # review "October 2025"
SHIPPED = (CLERK, UNTITLED, REPORT, EXTRACT, CODE)


def _protocol(council: str) -> str:
    """A short protocol of three numbered clauses; each council's wording makes a different file."""
    return (
        f"{council} – Protocol for Members and the Clerk\n\n"
        "1. Purpose\n"
        f"This protocol explains how the members and the Clerk of {council} work together.\n"
        "2. Letters and emails\n"
        "A member who writes to the Clerk can expect an answer within five working days.\n"
        "3. Asking for help\n"
        "Members ask the Clerk for help through the Chair, and not on their own account.\n"
    )


CLAUSES = len(parse("sample.txt", _protocol("Sample")))


def _scanned_pdf() -> bytes:
    pdf = FPDF()
    pdf.add_page()
    pdf.rect(20, 20, 170, 250, style="F")  # a page of ink with no text, as a scanner makes
    return bytes(pdf.output())


def _made(writer: str, text: str) -> bytes:
    """`text` as a Word or PDF file, made the way tests/test_formats.py makes them (outside the console's folders)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"made.{writer}"
        (write_docx if writer == "docx" else write_pdf)(text, path)
        return path.read_bytes()


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@dataclass
class Console:
    admin: KnowledgeAdmin
    audit: AuditLog
    root: Path  # everything the console could touch lies under here
    knowledge: Path
    scopes: Path

    @property
    def protocols(self) -> Path:
        return self.knowledge / "protocols"

    @property
    def catalogue_file(self) -> Path:
        return self.knowledge / "catalogue.toml"

    @property
    def retired(self) -> Path:
        return self.knowledge / "retired"

    def entries(self) -> dict[str, catalogue.Entry]:
        return catalogue.load(self.catalogue_file)

    def log_lines(self) -> list[str]:
        return self.audit.path.read_text(encoding="utf-8").splitlines() if self.audit.path.exists() else []


def _console(tmp_path: Path, knowledge: Path, today: date = TODAY) -> Console:
    audit = FileAuditLog(tmp_path / "var" / "admin-audit.log", clock=lambda: AT)
    scopes = tmp_path / "scopes.toml"
    admin = KnowledgeAdmin(knowledge, tmp_path / "index", scopes, audit, today=lambda: today)
    return Console(admin, audit, tmp_path, knowledge, scopes)


@pytest.fixture
def console(tmp_path: Path, knowledge: Path) -> Console:
    return _console(tmp_path, knowledge)


# --- uploads -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("filename", "saved"), [
    ("../../etc/passwd.txt", "passwd.txt"),
    ("..\\x.md", "x.md"),
    ("C:\\Users\\clerk\\Desktop\\Staff Protocol (final).TXT", "Staff_Protocol_final.txt"),
    ("/var/www/.hidden draft.md", "hidden_draft.md"),
    ("..／..／secret.txt", "secret.txt"),  # full-width slashes become '/' only after the path part is taken
    ("Protocol\n\x00<2026>*?.txt", "Protocol_2026.txt"),
])
def test_an_upload_is_saved_inside_the_protocols_folder_under_a_safe_name(
        console: Console, filename: str, saved: str) -> None:
    before = _files(console.root)
    data = _protocol("Long Sutton Parish Council").encode()
    message = console.admin.add(filename, data, by=WHO)
    assert message == messages.ADMIN_ADDED.format(name=saved, clauses=CLAUSES)
    after = _files(console.root)
    added = set(after) - set(before)
    assert added == {f"knowledge/protocols/{saved}", "var/admin-audit.log"}
    assert after[f"knowledge/protocols/{saved}"] == data
    assert {k: v for k, v in after.items() if k in before} == before


@pytest.mark.parametrize("filename", ["../../../x.txt", "a/b\\c d.md", "Ünïcode Protocol.pdf", "...weird...name....docx"])
def test_a_saved_name_is_never_a_path_and_keeps_a_document_suffix(filename: str) -> None:
    name = safe_name(filename)
    assert "/" not in name and "\\" not in name
    assert not name.startswith(".")
    assert Path(name).suffix in (".txt", ".md", ".pdf", ".docx")
    assert Path("protocols", name).resolve().parent == Path("protocols").resolve()


@pytest.mark.parametrize("filename", ["???.pdf", ".txt", "..md", "folder/___.docx"])
def test_an_upload_whose_name_has_nothing_usable_is_refused(console: Console, filename: str) -> None:
    before = _files(console.root)
    with pytest.raises(AdminRefused, match="no usable name"):
        console.admin.add(filename, _protocol("Hinton Parish Council").encode(), by=WHO)
    assert _files(console.root) == before


@pytest.mark.parametrize("filename", ["minutes.exe", "protocol", "protocol.txt.exe", "photo.JPG", "old.doc", "folder.pdf/"])
def test_an_upload_that_is_not_a_document_is_refused_and_nothing_is_saved(console: Console, filename: str) -> None:
    before = _files(console.root)
    with pytest.raises(AdminRefused, match="only PDF, Word"):
        console.admin.add(filename, _protocol("Hinton Parish Council").encode(), by=WHO)
    assert _files(console.root) == before


def test_an_upload_larger_than_the_limit_is_refused_and_nothing_is_saved(console: Console) -> None:
    before = _files(console.root)
    limit = MAX_UPLOAD_BYTES // 1024 // 1024
    with pytest.raises(AdminRefused, match=rf"^huge\.txt is .* MB; documents of up to {limit} MB can be uploaded"):
        console.admin.add("huge.txt", b"a" * (MAX_UPLOAD_BYTES + 1), by=WHO)
    assert _files(console.root) == before


def test_a_file_of_exactly_the_size_limit_is_not_refused_for_its_size() -> None:
    check_size("big.pdf", MAX_UPLOAD_BYTES)
    with pytest.raises(AdminRefused):
        check_size("big.pdf", MAX_UPLOAD_BYTES + 1)


@pytest.mark.parametrize(("filename", "data", "says"), [
    ("empty.txt", b"", "empty.txt: the document has no text"),
    ("blank.md", b" \n\t\n\n", "blank.md: the document has no text"),
    ("scan.pdf", _scanned_pdf(), "scan.pdf: the PDF has no text layer, so it looks like a scan"),
    ("latin.txt", "Caf\xe9 protocol".encode("latin-1"), "latin.txt: the document could not be read"),
    ("fake.docx", b"this is not a zip", "fake.docx: the document could not be read"),
    ("contents.txt", b"Contents\n", "contents.txt: no clauses could be found"),
])
def test_an_upload_without_readable_clauses_is_refused_with_the_reason_and_nothing_is_saved(
        console: Console, filename: str, data: bytes, says: str) -> None:
    before = _files(console.root)
    with pytest.raises(DocumentError, match=f"^{says}"):
        console.admin.add(filename, data, by=WHO)
    assert _files(console.root) == before


@pytest.mark.parametrize("writer", ["docx", "pdf"])
def test_a_word_or_pdf_upload_is_saved_with_the_clauses_a_build_would_find(
        console: Console, tmp_path: Path, writer: str) -> None:
    data = _made(writer, _protocol("Seavington Parish Council"))
    message = console.admin.add(f"Seavington protocol.{writer}", data, by=WHO)
    saved = f"Seavington_protocol.{writer}"
    assert message == messages.ADMIN_ADDED.format(name=saved, clauses=CLAUSES)
    assert (console.protocols / saved).read_bytes() == data
    view = next(v for v in console.admin.documents() if v.source == saved)
    assert (view.clauses, view.problem) == (CLAUSES, None)


def test_an_upload_that_copies_another_document_is_refused_and_nothing_is_saved(console: Console) -> None:
    before = _files(console.root)
    copy = (console.protocols / CLERK).read_bytes()
    with pytest.raises(DocumentError, match=rf"^copy\.txt: the document is a copy of {CLERK}"):
        console.admin.add("copy.txt", copy, by=WHO)
    assert _files(console.root) == before


@pytest.mark.parametrize("filename", [CODE, f"elsewhere/{CODE}", f"..\\{CODE}"])
def test_an_upload_under_a_name_already_in_use_is_refused_and_the_document_is_untouched(
        console: Console, filename: str) -> None:
    before = _files(console.root)
    with pytest.raises(AdminRefused, match=f"^There is already a document called {CODE}"):
        console.admin.add(filename, _protocol("Dowlish Wake Parish Council").encode(), by=WHO)
    assert _files(console.root) == before


# --- replacing ------------------------------------------------------------------------------------


def test_a_newer_version_in_the_same_format_keeps_the_name_and_the_old_file_moves_to_retired(console: Console) -> None:
    old = (console.protocols / UNTITLED).read_bytes()
    catalogue_before = console.catalogue_file.read_bytes()
    new = _protocol("Ilminster Town Council").encode()
    message = console.admin.replace(UNTITLED, "Protocol 2026.txt", new, by=WHO)
    assert message == messages.ADMIN_REPLACED.format(name=UNTITLED, clauses=CLAUSES, kept=UNTITLED)
    assert (console.protocols / UNTITLED).read_bytes() == new
    assert (console.retired / UNTITLED).read_bytes() == old
    assert not (console.protocols / "Protocol_2026.txt").exists()
    assert console.catalogue_file.read_bytes() == catalogue_before
    assert sorted(p.name for p in console.protocols.iterdir()) == sorted(SHIPPED)


def test_replacing_a_document_twice_keeps_both_earlier_versions_in_retired(console: Console) -> None:
    first = (console.protocols / UNTITLED).read_bytes()
    second = _protocol("Ilminster Town Council").encode()
    third = _protocol("Ilminster Town Council, as revised").encode()
    console.admin.replace(UNTITLED, "v2.txt", second, by=WHO)
    message = console.admin.replace(UNTITLED, "v3.txt", third, by=WHO)
    kept = sorted(console.retired.iterdir())
    assert sorted(p.read_bytes() for p in kept) == sorted([first, second])
    newest = next(p.name for p in kept if p.read_bytes() == second)
    assert newest != UNTITLED and newest.endswith(".txt")
    assert message == messages.ADMIN_REPLACED.format(name=UNTITLED, clauses=CLAUSES, kept=newest)
    assert (console.protocols / UNTITLED).read_bytes() == third


def test_a_newer_version_in_another_format_is_added_beside_and_the_old_one_marked_superseded(
        console: Console, tmp_path: Path) -> None:
    old = (console.protocols / REPORT).read_bytes()
    lines_before = console.catalogue_file.read_text(encoding="utf-8").splitlines()
    data = _made("docx", _protocol("Hinton St George Parish Council"))
    message = console.admin.replace(REPORT, "relations protocol 2026.docx", data, by=WHO)
    new = "relations_protocol_2026.docx"
    assert message == messages.ADMIN_REPLACED_BESIDE.format(name=new, clauses=CLAUSES, old=REPORT)
    assert (console.protocols / new).read_bytes() == data
    assert (console.protocols / REPORT).read_bytes() == old
    assert not console.retired.exists()
    assert console.entries()[REPORT].superseded_by == new
    lines_after = console.catalogue_file.read_text(encoding="utf-8").splitlines()
    assert [line for line in lines_after if line not in lines_before] == [f'superseded_by = "{new}"']
    assert [line for line in lines_after if line != f'superseded_by = "{new}"'] == lines_before


def test_a_newer_version_in_another_format_under_a_name_in_use_is_refused(console: Console, tmp_path: Path) -> None:
    console.admin.add("relations.docx", _made("docx", _protocol("Cricket St Thomas")), by=WHO)
    before = _files(console.root)
    with pytest.raises(AdminRefused, match="^There is already a document called relations.docx"):
        console.admin.replace(REPORT, "relations.docx", _made("docx", _protocol("Whitestaunton")), by=WHO)
    assert _files(console.root) == before


def test_uploading_the_same_file_as_the_current_version_is_refused_and_nothing_moves(console: Console) -> None:
    before = _files(console.root)
    same = (console.protocols / EXTRACT).read_bytes()
    with pytest.raises(AdminRefused, match=f"^{EXTRACT}: the uploaded file is the same as the current version"):
        console.admin.replace(EXTRACT, "renamed copy.txt", same, by=WHO)
    assert _files(console.root) == before


@pytest.mark.parametrize(("data", "says"), [
    (b"", "the document has no text"),
    (None, f"the document is a copy of {CLERK}"),
])
def test_a_newer_version_that_cannot_be_used_is_refused_and_the_current_one_stays(
        console: Console, data: bytes | None, says: str) -> None:
    before = _files(console.root)
    upload = (console.protocols / CLERK).read_bytes() if data is None else data
    with pytest.raises(DocumentError, match=says):
        console.admin.replace(UNTITLED, "new.txt", upload, by=WHO)
    assert _files(console.root) == before


@pytest.mark.parametrize("source", ["../catalogue.toml", "protocols/" + CODE, "missing.txt", ""])
def test_a_change_to_a_document_that_is_not_in_the_protocols_folder_is_refused(console: Console, source: str) -> None:
    before = _files(console.root)
    changes: list[Callable[[], str]] = [
        lambda: console.admin.replace(source, "new.txt", _protocol("Chard Town Council").encode(), by=WHO),
        lambda: console.admin.edit(source, {"title": "Anything"}, by=WHO),
        lambda: console.admin.supersede(source, CODE, by=WHO),
        lambda: console.admin.supersede(CODE, source or "missing.txt", by=WHO),
        lambda: console.admin.retire(source, by=WHO),
    ]
    for change in changes:
        with pytest.raises(AdminRefused, match="^There is no document called"):
            change()
    assert _files(console.root) == before


# --- catalogue fields -----------------------------------------------------------------------------


def test_editing_fields_changes_only_their_lines_and_keeps_every_comment_and_other_table(console: Console) -> None:
    entries_before = console.entries()
    lines_before = console.catalogue_file.read_text(encoding="utf-8").splitlines()
    message = console.admin.edit(REPORT, {"title": "Relations Protocol", "adopted": "15 October 2025"}, by=WHO)
    assert message == messages.ADMIN_EDITED.format(name=REPORT)
    lines_after = console.catalogue_file.read_text(encoding="utf-8").splitlines()
    assert len(lines_after) == len(lines_before)
    changed = [(old, new) for old, new in zip(lines_before, lines_after, strict=True) if old != new]
    assert changed == [('title = "Protocol for Councillor / Officer Relations"', 'title = "Relations Protocol"'),
                       ('adopted = ""', 'adopted = "15 October 2025"')]
    entries_after = console.entries()
    assert (entries_after[REPORT].title, entries_after[REPORT].adopted) == ("Relations Protocol", "15 October 2025")
    assert {k: v for k, v in entries_after.items() if k != REPORT} == {
        k: v for k, v in entries_before.items() if k != REPORT}


def test_markup_typed_into_a_field_is_stored_as_one_line_of_plain_text(console: Console) -> None:
    typed = "<script>alert(1)</script>\r\n<b>Chard</b>\tTown\x00 Council\u2028\u200b"
    console.admin.edit(EXTRACT, {"council": typed}, by=WHO)
    stored = "<script>alert(1)</script> <b>Chard</b> Town Council"
    assert console.entries()[EXTRACT].council == stored
    text = console.catalogue_file.read_text(encoding="utf-8")
    assert f'council = "{stored}"' in text.splitlines()
    assert not [c for c in text if c != "\n" and (ord(c) < 32 or c in "\x7f\u2028\u200b")]


def test_quotes_typed_into_a_field_cannot_set_another_field(console: Console) -> None:
    typed = 'Chard"\ntitle = "Forged title'
    console.admin.edit(EXTRACT, {"council": typed}, by=WHO)
    entry = console.entries()[EXTRACT]
    assert entry.council == 'Chard" title = "Forged title'
    assert entry.title == ""


def test_a_field_longer_than_the_limit_is_refused_and_the_catalogue_is_untouched(console: Console) -> None:
    before = _files(console.root)
    with pytest.raises(AdminRefused, match=f"^The title is longer than {MAX_FIELD_CHARS} characters"):
        console.admin.edit(CODE, {"title": "x" * (MAX_FIELD_CHARS + 1)}, by=WHO)
    assert _files(console.root) == before
    console.admin.edit(CODE, {"title": "x" * MAX_FIELD_CHARS}, by=WHO)
    assert console.entries()[CODE].title == "x" * MAX_FIELD_CHARS


def test_a_field_is_measured_after_its_spacing_is_tidied() -> None:
    assert field_value("title", "a" + " \n\t" * MAX_FIELD_CHARS + "b") == "a b"


def test_saving_the_values_a_document_already_has_changes_nothing(console: Console) -> None:
    before = _files(console.root)
    entry = console.entries()[CLERK]
    message = console.admin.edit(CLERK, {"title": entry.title, "council": f"  {entry.council}\n"}, by=WHO)
    assert message == messages.ADMIN_UNCHANGED
    assert _files(console.root) == before


def test_the_edit_form_cannot_mark_a_document_superseded(console: Console) -> None:
    before = _files(console.root)
    assert console.admin.edit(CLERK, {"superseded_by": CODE}, by=WHO) == messages.ADMIN_UNCHANGED
    assert _files(console.root) == before


def test_editing_a_new_document_gives_it_a_table_at_the_end_of_the_catalogue(console: Console) -> None:
    lines_before = console.catalogue_file.read_text(encoding="utf-8").splitlines()
    console.admin.add("chard.txt", _protocol("Chard Town Council").encode(), by=WHO)
    console.admin.edit("chard.txt", {"council": "Chard Town Council"}, by=WHO)
    lines_after = console.catalogue_file.read_text(encoding="utf-8").splitlines()
    assert lines_after[:len(lines_before)] == lines_before
    assert console.entries()["chard.txt"] == catalogue.Entry("chard.txt", council="Chard Town Council")


def test_a_hand_written_catalogue_a_line_edit_would_misread_is_left_alone(console: Console) -> None:
    console.catalogue_file.write_text(
        f'["{CODE}"]\ntitle = """Member / Officer Protocol\n[adopted in two parts]\n"""\ncouncil = ""\n', encoding="utf-8")
    before = _files(console.root)
    with pytest.raises(AdminRefused, match="^The catalogue could not be updated safely"):
        console.admin.edit(CODE, {"council": "Ilminster Town Council"}, by=WHO)
    assert _files(console.root) == before


# --- superseding ----------------------------------------------------------------------------------


def test_marking_a_document_superseded_and_in_force_again_is_kept_in_the_catalogue(console: Console) -> None:
    lines_before = console.catalogue_file.read_text(encoding="utf-8").splitlines()
    message = console.admin.supersede(REPORT, CODE, by=WHO)
    assert message == messages.ADMIN_SUPERSEDED.format(name=REPORT, successor=CODE)
    assert console.entries()[REPORT].superseded_by == CODE
    lines = console.catalogue_file.read_text(encoding="utf-8").splitlines()
    header = lines.index(f'["{REPORT}"]')
    assert lines[header + 1].startswith("# A report to Council")  # the table's own comment stays at its top
    assert [line for line in lines if line not in lines_before] == [f'superseded_by = "{CODE}"']
    message = console.admin.supersede(REPORT, "", by=WHO)
    assert message == messages.ADMIN_IN_FORCE_AGAIN.format(name=REPORT)
    assert console.entries()[REPORT].superseded_by == ""


def test_a_document_cannot_be_superseded_by_itself(console: Console) -> None:
    before = _files(console.root)
    with pytest.raises(AdminRefused, match="^A document cannot be superseded by itself"):
        console.admin.supersede(CODE, CODE, by=WHO)
    assert _files(console.root) == before


def test_two_documents_cannot_supersede_each_other(console: Console) -> None:
    console.admin.supersede(REPORT, CODE, by=WHO)
    before = _files(console.root)
    with pytest.raises(AdminRefused, match=f"^{REPORT} is itself marked superseded by {CODE}"):
        console.admin.supersede(CODE, REPORT, by=WHO)
    assert _files(console.root) == before
    assert console.entries()[CODE].superseded_by == ""


def test_a_longer_ring_of_superseded_documents_is_refused_too(console: Console) -> None:
    console.admin.supersede(CLERK, UNTITLED, by=WHO)
    console.admin.supersede(UNTITLED, REPORT, by=WHO)
    before = _files(console.root)
    with pytest.raises(AdminRefused, match=f"^{UNTITLED} is itself marked superseded by {REPORT}"):
        console.admin.supersede(REPORT, CLERK, by=WHO)
    assert _files(console.root) == before
    console.admin.supersede(REPORT, CODE, by=WHO)  # a chain that ends in force is allowed
    assert console.entries()[REPORT].superseded_by == CODE


# --- retiring -------------------------------------------------------------------------------------


def test_retiring_a_document_moves_it_to_retired_and_deletes_nothing(console: Console) -> None:
    data = (console.protocols / EXTRACT).read_bytes()
    message = console.admin.retire(EXTRACT, by=WHO)
    assert message == messages.ADMIN_RETIRED.format(name=EXTRACT, kept=EXTRACT)
    assert not (console.protocols / EXTRACT).exists()
    assert (console.retired / EXTRACT).read_bytes() == data
    assert EXTRACT not in {v.source for v in console.admin.documents()}


def test_the_last_document_cannot_be_retired(console: Console) -> None:
    for source in SHIPPED[1:]:
        console.admin.retire(source, by=WHO)
    before = _files(console.root)
    with pytest.raises(AdminRefused, match=f"^{CLERK} is the only document"):
        console.admin.retire(CLERK, by=WHO)
    assert _files(console.root) == before


def test_a_document_named_in_the_scopes_file_cannot_be_retired(console: Console) -> None:
    console.scopes.write_text(f'[slack.channels]\nC0PLANNING = ["{EXTRACT}"]\n', encoding="utf-8")
    before = _files(console.root)
    with pytest.raises(AdminRefused, match=f"^{EXTRACT} is named in the scopes file"):
        console.admin.retire(EXTRACT, by=WHO)
    assert _files(console.root) == before
    console.admin.retire(CODE, by=WHO)  # a document the scopes file does not name can go
    assert (console.retired / CODE).exists()


def test_a_document_another_is_superseded_by_cannot_be_retired(console: Console) -> None:
    console.admin.supersede(REPORT, CODE, by=WHO)
    before = _files(console.root)
    with pytest.raises(AdminRefused, match=f"^{REPORT}: marked superseded by {CODE}"):
        console.admin.retire(CODE, by=WHO)
    assert _files(console.root) == before
    console.admin.retire(REPORT, by=WHO)  # the superseded one itself can go
    assert (console.retired / REPORT).exists()


# --- the audit log --------------------------------------------------------------------------------


def test_every_change_appends_one_audit_line_saying_who_made_it(console: Console, tmp_path: Path) -> None:
    beside = _made("pdf", _protocol("Winsham Parish Council"))
    changes: list[tuple[Callable[[], str], str]] = [
        (lambda: console.admin.add("winsham.txt", _protocol("Winsham").encode(), by="Ann"),
         messages.AUDIT_ADDED.format(name="winsham.txt", clauses=CLAUSES)),
        (lambda: console.admin.replace("winsham.txt", "w.txt", _protocol("Winsham!").encode(), by="Bob"),
         messages.AUDIT_REPLACED.format(name="winsham.txt", clauses=CLAUSES, kept="winsham.txt")),
        (lambda: console.admin.replace(UNTITLED, "w.pdf", beside, by="Cat"),
         messages.AUDIT_REPLACED_BESIDE.format(name="w.pdf", clauses=CLAUSES, old=UNTITLED)),
        (lambda: console.admin.edit(CODE, {"council": "Chard"}, by="Dan"),
         messages.AUDIT_EDITED.format(name=CODE, changes="council “Chard”")),
        (lambda: console.admin.supersede(REPORT, CODE, by="Eve"),
         messages.AUDIT_SUPERSEDED.format(name=REPORT, successor=CODE)),
        (lambda: console.admin.supersede(REPORT, "", by="Fay"), messages.AUDIT_IN_FORCE.format(name=REPORT)),
        (lambda: console.admin.retire(EXTRACT, by="Gus"), messages.AUDIT_RETIRED.format(name=EXTRACT, kept=EXTRACT)),
    ]
    for count, (change, what) in enumerate(changes, start=1):
        change()
        lines = console.log_lines()
        assert len(lines) == count
        newest = console.audit.recent(1)[0]
        assert (newest.at, newest.what) == (AT.isoformat(timespec="seconds"), what)
    assert [entry.who for entry in console.audit.recent(100)] == ["Gus", "Fay", "Eve", "Dan", "Cat", "Bob", "Ann"]


def test_a_refused_change_writes_nothing_to_the_audit_log(console: Console) -> None:
    refusals: list[Callable[[], str]] = [
        lambda: console.admin.add("x.exe", b"x", by=WHO),
        lambda: console.admin.supersede(CODE, CODE, by=WHO),
        lambda: console.admin.edit(CODE, {"title": "x" * (MAX_FIELD_CHARS + 1)}, by=WHO),
    ]
    for refused in refusals:
        with pytest.raises(AdminRefused):
            refused()
    assert console.log_lines() == []


def test_a_newline_in_the_name_or_a_value_cannot_forge_a_second_audit_line(console: Console) -> None:
    who = "Mallory\n2026-01-01T00:00:00+00:00\tThe Mayor\tretired every document"
    console.admin.edit(CODE, {"council": "Chard\n2026-01-01T00:00:00+00:00\tThe Mayor\tapproved"}, by=who)
    lines = console.log_lines()
    assert len(lines) == 1
    assert len(lines[0].split("\t")) == 3
    (entry,) = console.audit.recent()
    assert entry.who == "Mallory 2026-01-01T00:00:00+00:00 The Mayor retired every document"
    assert entry.what == messages.AUDIT_EDITED.format(
        name=CODE, changes="council “Chard 2026-01-01T00:00:00+00:00 The Mayor approved”")


# --- what is published ----------------------------------------------------------------------------


def test_the_documents_list_says_which_changes_are_not_yet_published(
        console: Console, fake_bot: IndexedProtocolBot) -> None:
    served = {d.source: d.clauses for d in fake_bot.documents()}
    views = console.admin.documents()
    assert {v.source: (v.publication, v.clauses, v.problem) for v in views} == {
        source: (Publication.PUBLISHED, clauses, None) for source, clauses in served.items()}
    console.admin.add("chard.txt", _protocol("Chard Town Council").encode(), by=WHO)
    console.admin.replace(UNTITLED, "v2.txt", _protocol("Ilminster Town Council").encode(), by=WHO)
    console.admin.edit(REPORT, {"council": "South Somerset"}, by=WHO)
    assert {v.source: v.publication for v in console.admin.documents()} == {
        CLERK: Publication.PUBLISHED,
        UNTITLED: Publication.CHANGED,
        REPORT: Publication.CATALOGUE_CHANGED,
        EXTRACT: Publication.PUBLISHED,
        CODE: Publication.PUBLISHED,
        "chard.txt": Publication.NEW,
    }
    fake_bot.reindex()
    assert {v.publication for v in console.admin.documents()} == {Publication.PUBLISHED}


def test_before_any_index_is_built_every_document_is_new(console: Console) -> None:
    assert [v.publication for v in console.admin.documents()] == [Publication.NEW] * len(SHIPPED)
    assert console.admin.withdrawn() == ()


def test_a_document_that_cannot_be_indexed_is_listed_with_the_reason(console: Console) -> None:
    (console.protocols / "blank.txt").write_text("   \n", encoding="utf-8")
    views = {v.source: v for v in console.admin.documents()}
    assert (views["blank.txt"].clauses, views["blank.txt"].problem) == (None, "blank.txt: the document has no text.")
    assert views["blank.txt"].entry == catalogue.Entry("blank.txt")
    assert all(views[source].clauses for source in SHIPPED)


def test_two_unreadable_files_with_the_same_bytes_are_each_listed_under_their_own_name(console: Console) -> None:
    for name in ("first.txt", "second.txt"):
        (console.protocols / name).write_bytes(b"\n")
    problems = {v.source: v.problem for v in console.admin.documents() if v.problem}
    assert problems == {name: f"{name}: the document has no text." for name in ("first.txt", "second.txt")}


@pytest.mark.parametrize(("today", "due"), [
    (date(2026, 3, 2), {CODE: "October 2025"}),
    (date(2028, 7, 31), {CODE: "October 2025"}),
    (date(2028, 8, 1), {CLERK: "July 2028", CODE: "October 2025"}),
])
def test_a_document_past_its_review_date_is_listed_as_due_for_review(
        tmp_path: Path, knowledge: Path, today: date, due: dict[str, str]) -> None:
    views = _console(tmp_path, knowledge, today).admin.documents()
    assert {v.source: v.review_due for v in views if v.review_due} == due


def test_a_retired_document_is_listed_as_still_served_until_the_next_reindex(
        console: Console, fake_bot: IndexedProtocolBot) -> None:
    assert console.admin.withdrawn() == ()
    console.admin.retire(EXTRACT, by=WHO)
    console.admin.replace(UNTITLED, "v2.txt", _protocol("Ilminster Town Council").encode(), by=WHO)
    assert console.admin.withdrawn() == (EXTRACT,)
    assert EXTRACT in {d.source for d in fake_bot.documents()}  # nothing changes what is served
    fake_bot.reindex()
    assert console.admin.withdrawn() == ()
    assert EXTRACT not in {d.source for d in fake_bot.documents()}
