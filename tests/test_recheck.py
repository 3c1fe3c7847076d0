"""Asking again the questions a clerk corrected or voted down: which corrections still hold, which answers changed."""

from __future__ import annotations

from bot.answer import Answer, Citation
from bot.core.corrections import Correction
from bot.service import recheck
from bot.stores.feedback import CitedRef, FeedbackEntry


def answered(source: str, clause: str | None, text: str = "Officers advise councillors.") -> Answer:
    citation = Citation(source, "", "", clause, "Roles", text, text, 0.9)
    return Answer("q", False, "lead", (citation,), (citation,))


DECLINED = Answer("q", True, "not covered", ())


def test_a_correction_holds_while_its_clause_comes_first_and_a_not_covered_one_while_the_question_is_declined() -> None:
    to_clause = Correction("who advises?", "Jo", "t", source="a.txt", clause="2.1")
    by_words = Correction("who advises them?", "Jo", "t", source="a.txt", quote="Officers advise")
    declined = Correction("bins?", "Jo", "t", not_covered=True)
    answers = {"who advises?": answered("a.txt", "2.2"), "who advises them?": answered("a.txt", None),
               "bins?": DECLINED}
    checks = recheck.corrections([to_clause, by_words, declined], answers.__getitem__)
    assert [c.now.good for c in checks] == [False, True, True] and all(c.candidate is None for c in checks)


def test_a_voted_down_answer_is_changed_when_it_cites_other_clauses_and_a_corrected_question_is_not_asked_twice() -> None:
    then = (CitedRef("a.txt", "2.1", "Roles"),)
    same = FeedbackEntry(1, "t", "slack", "U1", "who keeps keys?", False, None, then)
    other = FeedbackEntry(2, "t", "slack", "U1", "who books the hall?", False, None, then)
    corrected = FeedbackEntry(3, "t", "slack", "U1", "Bins?", False, None, then)
    liked = FeedbackEntry(4, "t", "slack", "U1", "who advises?", True, None, then)
    answers = {"who keeps keys?": answered("a.txt", "2.1"), "who books the hall?": answered("a.txt", "3.4")}
    checks = recheck.votes([same, other, corrected, liked], [Correction("bins?", "Jo", "t", not_covered=True)],
                           answers.__getitem__)
    assert [(c.entry.id, c.now.good) for c in checks] == [(1, False), (2, True)]


def test_a_candidate_is_asked_beside_the_published_version_when_there_is_one() -> None:
    to_clause = Correction("who advises?", "Jo", "t", source="a.txt", clause="2.1")
    checks = recheck.corrections([to_clause], lambda _: answered("a.txt", "2.2"), lambda _: answered("a.txt", "2.1"))
    assert checks[0].now.good is False and checks[0].candidate is not None and checks[0].candidate.good is True
