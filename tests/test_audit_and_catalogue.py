"""The pieces under the admin console: its audit log, the line-by-line catalogue edit, reading an upload
as a build reads it, and the question files its quality page runs."""

from __future__ import annotations

import codecs
import hashlib
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot import messages
from bot.core import evaluation
from bot.core.evaluation import EvalQuestion
from bot.errors import QuestionFileError
from bot.question import one_line
from bot.stores.audit import AuditLog
from bot.stores.file_audit import FileAuditLog
from knowledge import documents
from knowledge.catalogue import Entry, parse, with_fields
from knowledge.problems import KnowledgeProblem, Problem
from tests.test_formats import write_docx, write_pdf

AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)

# A hand-written catalogue in the shape of knowledge/catalogue.toml, comments and all.
CATALOGUE = """\
# One table per protocol document.
#   title - the document's own title

["hinton.txt"]
title = "Hinton Parish Council Protocol"
council = "Hinton Parish Council"
# adopted: the document gives no date

# The next document is a draft the council has not adopted.
["dowlish.txt"]
# It names no council of its own.
title = "Draft Member Protocol"
council = ""
"""


def _clock(folder: Path) -> tuple[list[datetime], AuditLog]:
    """An audit log whose clock reads from a list the test moves on."""
    now = [AT]
    return now, FileAuditLog(folder / "var" / "admin-audit.log", clock=lambda: now[0])


# --- the audit log --------------------------------------------------------------------------------


def test_each_change_is_logged_as_one_line_of_time_who_and_what(tmp_path: Path) -> None:
    log = FileAuditLog(tmp_path / "var" / "admin-audit.log", clock=lambda: AT)
    assert log.recent() == []  # nothing logged yet, and no file either
    log.record("Jo Bloggs", "retired old.txt to retired/old.txt")
    log.record("Sam", "added new.txt (3 clauses)")
    assert log.path.read_text(encoding="utf-8") == (
        f"{AT.isoformat(timespec='seconds')}\tJo Bloggs\tretired old.txt to retired/old.txt\n"
        f"{AT.isoformat(timespec='seconds')}\tSam\tadded new.txt (3 clauses)\n"
    )


def test_recent_changes_are_listed_newest_first_up_to_the_limit(tmp_path: Path) -> None:
    now, log = _clock(tmp_path)
    for minute in range(5):
        now[0] = AT + timedelta(minutes=minute)
        log.record(f"clerk {minute}", f"change {minute}")
    recent = log.recent(3)
    assert [(e.who, e.what) for e in recent] == [("clerk 4", "change 4"), ("clerk 3", "change 3"), ("clerk 2", "change 2")]
    assert recent[0].at == (AT + timedelta(minutes=4)).isoformat(timespec="seconds")
    assert len(log.recent(100)) == 5


def test_the_log_is_only_ever_appended_to_and_a_hand_edited_line_is_passed_over(tmp_path: Path) -> None:
    path = tmp_path / "admin-audit.log"
    path.write_text("2026-01-01T00:00:00+00:00\tAnn\tadded a.txt (2 clauses)\na note typed by hand\n", encoding="utf-8")
    log = FileAuditLog(path, clock=lambda: AT)
    log.record("Bob", "retired a.txt to retired/a.txt")
    assert path.read_text(encoding="utf-8").startswith("2026-01-01T00:00:00+00:00\tAnn\tadded a.txt (2 clauses)\na note")
    assert [(e.who, e.what) for e in log.recent()] == [("Bob", "retired a.txt to retired/a.txt"),
                                                       ("Ann", "added a.txt (2 clauses)")]


@pytest.mark.parametrize("breaker", ["\n", "\r", "\r\n", "\t", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028",
                                     "\u2029"])
def test_no_character_that_breaks_a_line_can_forge_a_second_audit_line(tmp_path: Path, breaker: str) -> None:
    _, log = _clock(tmp_path)
    forged = f"2026-01-01T00:00:00+00:00{breaker}The Mayor{breaker}approved everything"
    log.record(f"Mallory{breaker}{forged}", f"edited x.txt{breaker}{forged}")
    text = log.path.read_text(encoding="utf-8")
    assert len(text.splitlines()) == 1
    assert text.count("\t") == 2
    (entry,) = log.recent()
    assert entry.who == "Mallory 2026-01-01T00:00:00+00:00 The Mayor approved everything"
    assert entry.what == "edited x.txt 2026-01-01T00:00:00+00:00 The Mayor approved everything"


@pytest.mark.parametrize(("typed", "shown"), [
    ("  Jo\u200b\u202eBloggs \ufeff ", "Jo Bloggs"),
    ("Town\x00\x07Clerk", "Town Clerk"),
    ("Zoë “the Clerk” – Chard 🙂", "Zoë “the Clerk” – Chard 🙂"),
    ("\n\t\u2028", ""),
])
def test_invisible_characters_become_single_spaces_and_visible_text_is_kept(typed: str, shown: str) -> None:
    assert one_line(typed) == shown


# --- editing the catalogue line by line -----------------------------------------------------------


def test_setting_a_field_changes_only_its_line_and_keeps_every_comment() -> None:
    updated = with_fields(CATALOGUE, "hinton.txt", {"council": "Hinton St George Parish Council"})
    assert updated == CATALOGUE.replace('council = "Hinton Parish Council"', 'council = "Hinton St George Parish Council"')
    assert parse(updated, "catalogue.toml")["dowlish.txt"] == parse(CATALOGUE, "catalogue.toml")["dowlish.txt"]


def test_a_missing_field_goes_after_the_tables_last_key_so_comments_keep_their_places() -> None:
    updated = with_fields(CATALOGUE, "hinton.txt", {"adopted": "4 May 2025"})
    assert updated == CATALOGUE.replace(
        'council = "Hinton Parish Council"\n', 'council = "Hinton Parish Council"\nadopted = "4 May 2025"\n')
    updated = with_fields(CATALOGUE, "dowlish.txt", {"review": "May 2027"})
    assert updated == CATALOGUE + 'review = "May 2027"\n'


def test_a_document_without_a_table_gets_one_at_the_end() -> None:
    updated = with_fields(CATALOGUE, "chard.txt", {"title": "Chard Protocol", "council": "Chard Town Council"})
    assert updated == CATALOGUE + '\n["chard.txt"]\ntitle = "Chard Protocol"\ncouncil = "Chard Town Council"\n'
    assert parse(updated, "catalogue.toml")["chard.txt"] == Entry("chard.txt", "Chard Protocol", "Chard Town Council")
    assert parse(with_fields("", "a.txt", {"title": "A"}), "c.toml") == {"a.txt": Entry("a.txt", title="A")}


def test_a_field_of_the_same_name_in_another_table_is_left_alone() -> None:
    updated = with_fields(CATALOGUE, "dowlish.txt", {"title": "Member Protocol"})
    entries = parse(updated, "catalogue.toml")
    assert (entries["hinton.txt"].title, entries["dowlish.txt"].title) == ("Hinton Parish Council Protocol", "Member Protocol")


def test_a_commented_out_field_stays_a_comment_and_the_field_is_added() -> None:
    text = '["a.txt"]\ntitle = "A"\n# council = "Old Council"\n'
    assert with_fields(text, "a.txt", {"council": "New Council"}) == (
        '["a.txt"]\ntitle = "A"\ncouncil = "New Council"\n# council = "Old Council"\n')


def test_a_hand_quoted_key_and_a_spaced_table_name_are_still_found() -> None:
    text = '[ "a.txt" ]  # the first one\n"title"="A"\n'
    assert with_fields(text, "a.txt", {"title": "B"}) == '[ "a.txt" ]  # the first one\ntitle = "B"\n'


@pytest.mark.parametrize("value", [
    'The "Blue Book"', "C:\\protocols\\old", "#not a comment", '"""', "[not.a.table]", "a = b",
    "Zoë’s “Protocol” – 2026", "tab\there", "two\nlines", "rub\x7fout", "\u2028",
])
def test_any_value_reads_back_exactly_as_given_without_touching_other_tables(value: str) -> None:
    updated = with_fields(CATALOGUE, "hinton.txt", {"title": value})
    entries = parse(updated, "catalogue.toml")
    assert entries["hinton.txt"].title == value
    assert entries["dowlish.txt"] == parse(CATALOGUE, "catalogue.toml")["dowlish.txt"]
    assert len(updated.split("\n")) == len(CATALOGUE.split("\n"))


def test_line_separators_inside_hand_written_text_do_not_break_the_file() -> None:
    text = ('["a.txt"]\n# pasted from the minutes:\u2028second line of the note\n'
            'title = "Part one\x85part two"\n\n["b.txt"]\ntitle = "B"\n')
    updated = with_fields(text, "b.txt", {"council": "Chard"})
    assert updated == text + 'council = "Chard"\n'
    assert parse(updated, "c.toml")["a.txt"].title == "Part one\x85part two"


def test_a_catalogue_saved_with_windows_line_endings_is_still_edited_in_place() -> None:
    text = CATALOGUE.replace("\n", "\r\n")
    updated = with_fields(text, "hinton.txt", {"title": "Hinton Protocol", "review": "2027"})
    entries = parse(updated, "catalogue.toml")
    assert (entries["hinton.txt"].title, entries["hinton.txt"].review) == ("Hinton Protocol", "2027")
    assert entries["dowlish.txt"] == parse(CATALOGUE, "catalogue.toml")["dowlish.txt"]
    assert updated.count("title") == CATALOGUE.count("title")


def test_a_date_or_number_written_without_quotes_is_read_as_text_and_other_keys_are_ignored() -> None:
    entries = parse('["a.txt"]\nadopted = 2023-01-17\nreview = 2028\nnotes = "kept by hand"\n', "c.toml")
    assert entries == {"a.txt": Entry("a.txt", adopted="2023-01-17", review="2028")}


def test_a_catalogue_that_is_not_toml_is_refused_naming_the_file() -> None:
    with pytest.raises(KnowledgeProblem) as raised:
        parse('["a.txt"]\ntitle = "unfinished\n', "catalogue.toml")
    assert (raised.value.problem, raised.value.name) == (Problem.UNREADABLE, "catalogue.toml")


# --- reading an upload as a build reads it --------------------------------------------------------

TEXT = (
    "Cricket St Thomas Parish Council – Protocol\n\n"
    "1. Meetings\nThe Clerk sends the agenda to every member three clear days before the meeting.\n"
    "2. Enquiries\nEnquiries from residents go to the Clerk, who keeps a record of each one.\n"
)


def _made(writer: str, text: str) -> bytes:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"made.{writer}"
        (write_docx if writer == "docx" else write_pdf)(text, path)
        return path.read_bytes()


def test_a_text_file_is_read_without_its_byte_order_mark_and_fingerprinted_by_its_bytes() -> None:
    raw = codecs.BOM_UTF8 + TEXT.encode()
    doc = documents.decode("protocol.txt", raw)
    assert (doc.source, doc.text, doc.sha256) == ("protocol.txt", TEXT, hashlib.sha256(raw).hexdigest())
    assert documents.decode("protocol.txt", TEXT.encode()).sha256 != doc.sha256  # the same words, another file


@pytest.mark.parametrize("name", ["protocol.docx", "PROTOCOL.DOCX", "protocol.pdf", "Protocol.Pdf"])
def test_a_word_or_pdf_file_is_read_by_its_suffix_whatever_its_case(name: str) -> None:
    doc = documents.decode(name, _made(Path(name).suffix.lower()[1:], TEXT))
    assert " ".join(doc.text.split()).endswith("who keeps a record of each one.")
    assert "1. Meetings" in doc.text


@pytest.mark.parametrize(("name", "problem"), [("protocol.pdf", Problem.NOT_A_PDF),
                                               ("protocol.docx", Problem.NOT_A_WORD_DOCUMENT)])
def test_text_named_as_a_pdf_or_word_file_is_refused_rather_than_read_as_text(name: str, problem: Problem) -> None:
    with pytest.raises(KnowledgeProblem) as raised:
        documents.decode(name, TEXT.encode())
    assert (raised.value.problem, raised.value.name) == (problem, name)


@pytest.mark.parametrize(("raw", "problem"), [
    (b"", Problem.EMPTY),
    (codecs.BOM_UTF8 + b" \r\n\t\n", Problem.EMPTY),
    ("Café protocol".encode("cp1252"), Problem.UNREADABLE),
])
def test_a_text_file_with_no_text_or_not_in_utf8_is_refused_naming_it(raw: bytes, problem: Problem) -> None:
    with pytest.raises(KnowledgeProblem) as raised:
        documents.decode("notes.md", raw)
    assert (raised.value.problem, raised.value.name) == (problem, "notes.md")


# --- question files -------------------------------------------------------------------------------

GOOD = (
    '{"id": "q1", "question": "Can a councillor instruct the Clerk?", '
    '"gold": [{"source": "a.txt", "snippet": "No councillor may instruct"}]}\n'
    "\n"
    '{"id": 2, "question": "When are the bins collected?", "out_of_scope": true}\n'
)


def test_a_question_file_gives_its_questions_skipping_blank_lines() -> None:
    assert evaluation.parse(GOOD, "dev.jsonl") == [
        EvalQuestion("q1", "Can a councillor instruct the Clerk?", (("a.txt", "No councillor may instruct"),), False),
        EvalQuestion("2", "When are the bins collected?", (), True),
    ]
    assert evaluation.parse("", "dev.jsonl") == []


@pytest.mark.parametrize("bad", [
    "not json at all",
    '["id", "question"]',
    '"just a string"',
    "42",
    '{"question": "Who chairs meetings?"}',
    '{"id": "q3"}',
    '{"id": "q3", "question": "Who chairs?", "gold": "a.txt"}',
    '{"id": "q3", "question": "Who chairs?", "gold": [{"source": "a.txt"}]}',
    '{"id": "q3", "question": "Who chairs?", "gold": null}',
    '{"id": "q3", "question": "Who chairs?"',
])
def test_a_line_that_is_not_a_question_is_refused_naming_the_file_and_its_line(bad: str) -> None:
    text = GOOD + bad + "\n" + "also not a question\n"
    with pytest.raises(QuestionFileError) as raised:
        evaluation.parse(text, "dev.jsonl")
    assert str(raised.value) == messages.EVAL_BAD_LINE.format(file="dev.jsonl", number=4)
