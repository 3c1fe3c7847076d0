"""Documents are named as people read them: title and council, from the catalogue, else the document's own
opening lines, else a readable form of the file name, never a fingerprinted file name."""

from __future__ import annotations

from bot.core.titles import Named, from_text, named, readable_name
from knowledge.catalogue import Entry

OPENING = """\
Nettlecombe Parish Council

Protocol on Member/Officer Relations

Adopted: 3 March 2026

1. Purpose

1.1 This protocol sets out how the councillors and the staff work together.
"""


def test_a_document_that_names_its_council_and_title_in_its_first_lines_is_called_by_them() -> None:
    assert from_text(OPENING) == Named("Protocol on Member/Officer Relations", "Nettlecombe Parish Council")
    assert str(from_text(OPENING)) == "Nettlecombe Parish Council — Protocol on Member/Officer Relations"


def test_a_title_in_capitals_is_shown_as_a_title_is_written() -> None:
    shouting = "**ILMINSTER TOWN COUNCIL\nCOUNCILLOR-OFFICER PROTOCOL\nAdopted Full Council 17 January 2023**\n"
    assert from_text(shouting) == Named("Councillor-Officer Protocol", "Ilminster Town Council")


def test_a_sentence_of_the_body_is_never_taken_for_a_title() -> None:
    body = "1.1 The relationship between councillors and officers is an essential ingredient\nof this Protocol.\n"
    assert from_text(body) == Named("", "")


def test_the_catalogue_wins_over_the_document_and_the_file_name_comes_last() -> None:
    own = from_text(OPENING)
    assert named(Entry("a.txt", title="Member Protocol 2026"), own) == Named("Member Protocol 2026",
                                                                            "Nettlecombe Parish Council")
    assert named(Entry("nettlecombe-member-officer-protocol.txt")) == Named("Nettlecombe member officer protocol")


def test_a_fingerprinted_file_name_is_never_shown_as_it_is() -> None:
    assert readable_name("001_a879d86bb0aeb3d5.txt") == "Document 001"
    assert readable_name("a879d86bb0aeb3d5.pdf") == "Untitled document"
    assert readable_name("Parish_protocol_2026.docx") == "Parish protocol 2026"
