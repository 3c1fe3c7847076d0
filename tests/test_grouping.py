"""Answers citing several councils are grouped by council, then by document."""

from __future__ import annotations

from dataclasses import replace

from adapters.cli import render
from bot import messages
from bot.answer import Answer, Citation
from tests.fakes import COPY_EMAIL, INSTRUCTIONS

ILMINSTER = COPY_EMAIL  # Ilminster Town Council
UNNAMED = INSTRUCTIONS  # a document that does not name its council
ILMINSTER_OTHER_DOC = replace(COPY_EMAIL, source="001_a879d86bb0aeb3d5.txt", title="", clause="2.3", score=0.5)


def answer(*citations: Citation) -> Answer:
    return Answer("q", False, messages.LEAD_ANSWER_MANY, citations)


def test_documents_of_one_council_are_listed_together_even_when_another_council_scores_between_them() -> None:
    grouped = answer(ILMINSTER, UNNAMED, ILMINSTER_OTHER_DOC)

    assert [(c.council, [d.source for d in c.documents]) for c in grouped.by_council] == [
        (ILMINSTER.council, [ILMINSTER.source, ILMINSTER_OTHER_DOC.source]),
        ("", [UNNAMED.source]),
    ]
    assert grouped.in_reading_order == (ILMINSTER, ILMINSTER_OTHER_DOC, UNNAMED)


def test_the_terminal_shows_council_headings_when_more_than_one_council_is_cited() -> None:
    text = render.answer_text(answer(ILMINSTER, UNNAMED, ILMINSTER_OTHER_DOC))

    ilminster = text.index(messages.CLI_COUNCIL_HEADING.format(council=ILMINSTER.council))
    unnamed = text.index(messages.CLI_COUNCIL_HEADING.format(
        council=messages.COUNCIL_NOT_STATED_FOR.format(title=UNNAMED.title)))
    assert ilminster < text.index("[2] Clause 2.3") < unnamed < text.index("[3] Clause 20")


def test_the_terminal_shows_no_council_heading_when_one_council_is_cited() -> None:
    text = render.answer_text(answer(ILMINSTER, ILMINSTER_OTHER_DOC))

    assert "==" not in text


def test_two_documents_that_name_no_council_are_never_shown_as_one_council_s() -> None:
    other_unnamed = replace(UNNAMED, source="003_5a0122096eb42bbd.txt", title="Protocol (document 003)", clause="5.2")

    grouped = answer(UNNAMED, other_unnamed)

    assert [[d.source for d in c.documents] for c in grouped.by_council] == [[UNNAMED.source], [other_unnamed.source]]
    text = render.answer_text(grouped)
    assert messages.COUNCIL_NOT_STATED_FOR.format(title=UNNAMED.title) in text
    assert messages.COUNCIL_NOT_STATED_FOR.format(title="Protocol (document 003)") in text
